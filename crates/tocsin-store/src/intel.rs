//! The threat-intelligence hub's way into the store, and nothing more: its
//! own rows to read ([`IntelBackend`]), its own changes to commit with their
//! audit entries and events ([`IntelChange`]), and entries for what it
//! reads. Who may read or write a collection or an object is the hub's
//! (`tocsin-hub`), decided with [`tocsin_core::access::may_see_parts`] as
//! records are.

use time::OffsetDateTime;
use tocsin_audit::Outcome;
use tocsin_core::AgencyCode;
use tocsin_core::event::Event;

use crate::backend::{Agency, Change, Effects};
use crate::intel_backend::{IntelBackend, IntelCollection, IntelVersion};
use crate::{Actor, Store, StoreError};

/// The changes the hub may make: its own tables only.
#[derive(Debug, Clone)]
pub enum IntelChange {
    /// A new collection ([`StoreError::AlreadyExists`] if its id or alias
    /// is taken).
    Collection(IntelCollection),
    /// Versions added (one already there is left as it was).
    Versions(Vec<IntelVersion>),
    /// An owner's versions of an object marked deleted (all when
    /// `versions` is empty).
    Delete { collection: String, owner: AgencyCode, id: String, versions: Vec<String>, at: OffsetDateTime },
    /// A POST's status.
    Status { id: String, agency: AgencyCode, at: OffsetDateTime, body: String },
}

impl From<IntelChange> for Change {
    fn from(c: IntelChange) -> Change {
        match c {
            IntelChange::Collection(c) => Change::IntelCollection(c),
            IntelChange::Versions(v) => Change::IntelVersions(v),
            IntelChange::Delete { collection, owner, id, versions, at } => {
                Change::IntelDelete { collection, owner, id, versions, at }
            }
            IntelChange::Status { id, agency, at, body } => Change::IntelStatus { id, agency, at, body },
        }
    }
}

/// The hub's handle on a store ([`Store::intel`]).
pub struct IntelRows<'a> {
    store: &'a Store,
}

impl Store {
    /// The threat-intelligence hub's rows, writes and audit.
    pub fn intel(&self) -> IntelRows<'_> {
        IntelRows { store: self }
    }
}

impl IntelRows<'_> {
    /// The hub's rows, to read.
    pub fn rows(&self) -> &dyn IntelBackend {
        &*self.store.backend
    }

    /// Applies `change` with its audit entry (`action` on `objects` in the
    /// actor's name) and `events`, in one transaction; whether it applied
    /// (a deletion of nothing does not, and writes nothing).
    pub async fn commit(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        change: IntelChange,
        events: Vec<Event>,
    ) -> Result<bool, StoreError> {
        self.commit_all(actor, action, objects, vec![change], events).await
    }

    /// [`IntelRows::commit`] with several changes, all applied or none.
    pub async fn commit_all(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        changes: Vec<IntelChange>,
        events: Vec<Event>,
    ) -> Result<bool, StoreError> {
        let effects = Effects { events, ..Effects::default() };
        let mut changes: Vec<Change> = changes.into_iter().map(Change::from).collect();
        let change = match changes.len() {
            1 => changes.remove(0),
            _ => Change::All(changes),
        };
        let committed = self.store.commit_logged(actor, action, objects, change, effects).await?;
        Ok(committed.applied)
    }

    /// Appends an entry with `events` (a check's sightings) and waits until
    /// both are durable.
    pub async fn log(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        outcome: Outcome,
        events: Vec<Event>,
    ) -> Result<(), StoreError> {
        self.store.log_with(actor, action, objects, outcome, Effects { events, ..Effects::default() }).await
    }

    /// A registered agency (its name and registration time make its STIX
    /// identity).
    pub async fn agency(&self, agency: &AgencyCode) -> Result<Option<Agency>, StoreError> {
        self.store.backend.agency(agency).await
    }
}
