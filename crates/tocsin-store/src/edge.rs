//! Edge nodes' way into the store, and nothing more. Upstream
//! ([`Store::edges`]): the edges' rows to read, their changes to commit with
//! their audit entries, and the records, notices and tokens a sync sends
//! (read raw: which of them an edge may hold is `tocsin-edge`'s decision,
//! made with [`tocsin_core::access::may_see`]). On an edge
//! ([`Store::replica`]): its copy's state, and a verified sync version
//! applied to the store, its screening index and its notices at once.

use std::time::Duration;

use tocsin_audit::Entry;
use tocsin_core::AgencyCode;
use tocsin_core::event::Event;
use tocsin_core::notice::NoticeBrief;
use tocsin_core::record::RecordId;

use crate::backend::{Agency, AgencySettings, Change, Effects, TokenRow};
use crate::edge_backend::{EdgeBackend, EdgeIssue, ReplicaApply};
use crate::{Actor, Store, StoreError};

/// The changes an upstream makes for its edges: their own tables only.
#[derive(Debug, Clone)]
pub enum EdgeChange {
    /// A sync version issued.
    Issued(EdgeIssue),
    /// Audit entries shipped by an edge.
    Audit {
        /// The edge's agency.
        agency: AgencyCode,
        /// The edge's name.
        name: String,
        /// The entries, in order.
        entries: Vec<Entry>,
    },
    /// A shipped screening screened again.
    Handled {
        /// The edge's agency.
        agency: AgencyCode,
        /// The edge's name.
        name: String,
        /// The entry's number in the edge's chain.
        seq: u64,
    },
}

impl From<EdgeChange> for Change {
    fn from(c: EdgeChange) -> Change {
        match c {
            EdgeChange::Issued(i) => Change::EdgeIssued(i),
            EdgeChange::Audit { agency, name, entries } => Change::EdgeAudit { agency, name, entries },
            EdgeChange::Handled { agency, name, seq } => Change::EdgeHandled { agency, name, seq },
        }
    }
}

/// The upstream's handle for its edges ([`Store::edges`]).
pub struct EdgeRows<'a> {
    store: &'a Store,
}

/// An edge's handle on its own store ([`Store::replica`]).
pub struct Replica<'a> {
    store: &'a Store,
}

impl Store {
    /// Edges' rows, writes and audit, and what a sync reads.
    pub fn edges(&self) -> EdgeRows<'_> {
        EdgeRows { store: self }
    }

    /// This store as an edge's copy.
    pub fn replica(&self) -> Replica<'_> {
        Replica { store: self }
    }
}

impl EdgeRows<'_> {
    /// The edges' rows, and the change numbers of records and notices.
    pub fn rows(&self) -> &dyn EdgeBackend {
        &*self.store.backend
    }

    /// Applies `change` with its audit entry (`action` on `objects` in the
    /// actor's name) and `events`, in one transaction; whether it applied.
    pub async fn commit(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        change: EdgeChange,
        events: Vec<Event>,
    ) -> Result<bool, StoreError> {
        let effects = Effects { events, ..Effects::default() };
        let committed = self.store.commit_logged(actor, action, objects, change.into(), effects).await?;
        Ok(committed.applied)
    }

    /// Every registered agency.
    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        self.store.backend.agencies().await
    }

    /// An agency's settings.
    pub async fn settings(&self, agency: &AgencyCode) -> Result<AgencySettings, StoreError> {
        self.store.backend.settings(agency).await
    }

    /// An agency's tokens (digests only).
    pub async fn tokens(&self, agency: &AgencyCode) -> Result<Vec<TokenRow>, StoreError> {
        self.store.backend.tokens(Some(agency)).await
    }

    /// The published notices on a record that `reader` may read (a notice
    /// that also names a record above its clearance is left out).
    pub async fn published_to(&self, reader: &Actor, record: &RecordId) -> Result<Vec<NoticeBrief>, StoreError> {
        self.store.published_to(reader, record).await
    }
}

impl Replica<'_> {
    /// The copy's state (the edge's JSON), if there is a copy.
    pub async fn state(&self) -> Result<Option<String>, StoreError> {
        self.store.backend.replica_state().await
    }

    /// The edge's own audit entries after `after`, to ship upstream (read
    /// raw: shipping is no reading of the log by anyone, and an entry for
    /// it would be one more to ship).
    pub async fn audit_after(&self, after: u64, limit: u32) -> Result<Vec<Entry>, StoreError> {
        let filter = crate::backend::AuditFilter { after_seq: after, limit, ..Default::default() };
        self.store.backend.audit_entries(&filter).await
    }

    /// The last entry of the edge's own chain.
    pub async fn audit_head(&self) -> Result<u64, StoreError> {
        Ok(self.store.backend.audit_head().await?.seq)
    }

    /// A hit made on the edge, if `id` is one (to ship with its screening).
    pub async fn hit(&self, id: &str) -> Result<Option<tocsin_core::hit::Hit>, StoreError> {
        match id.parse::<tocsin_core::hit::HitId>() {
            Ok(id) => self.store.backend.hit(&id).await,
            Err(_) => Ok(None),
        }
    }

    /// Marks this store as an edge's copy (its hits wait for confirmation
    /// upstream) and puts the published notices of the copy into the
    /// screening results' map (at start, after the index is built).
    pub async fn load(&self) -> Result<usize, StoreError> {
        self.store.copy.store(true, std::sync::atomic::Ordering::Relaxed);
        let rows = self.store.backend.replica_notices().await?;
        let mut map = crate::locks::write(&self.store.published);
        map.clear();
        put_notices(&mut map, &rows)?;
        Ok(rows.len())
    }

    /// Applies a verified sync version: the store (one transaction with its
    /// audit entry, `edge.apply` by `actor`), then the screening index and
    /// the notices; then the write-ahead log, which still holds the rows as
    /// they were, is copied in and emptied (deleted rows are zeroed in the
    /// database file as they are deleted).
    /// On failure (a full disk) nothing was applied, the write-ahead log is
    /// emptied (the room the version took is given back), and the copy is
    /// as it was. A full snapshot's index is `index` when the caller built it
    /// from `apply.put` as the version was read (else it is built here).
    pub async fn apply(
        &self,
        actor: &Actor,
        objects: Vec<String>,
        apply: ReplicaApply,
        index: Option<tocsin_match::screen::Index>,
    ) -> Result<(), StoreError> {
        let full = apply.full;
        let deleted = apply.delete.clone();
        // A full snapshot keeps no copy of its records or notices: its index
        // is `rebuilt` below, its notices are read back from the store (`load`).
        let put = if full { Vec::new() } else { apply.put.clone() };
        let notices = if full { Vec::new() } else { apply.notices.clone() };
        let tokens = !apply.tokens.is_empty();
        let settings = apply.settings;
        // A full snapshot's index is built from the records in hand, not
        // read back from the store; it replaces the old one once they are
        // committed.
        let rebuilt = full.then(|| {
            index.unwrap_or_else(|| {
                let mut index = tocsin_match::screen::Index::new();
                apply.put.iter().for_each(|r| index.upsert(r));
                index
            })
        });
        let committed =
            self.store.commit_logged(actor, "edge.apply", objects, Change::Replica(apply), Effects::default()).await;
        if let Err(e) = committed {
            // Rolled back; but the write-ahead log keeps the size the version
            // grew it to. On a full disk that is the room the edge needs to
            // write anything else (its report of the round, say): empty it.
            if let Err(erase) = self.erase().await {
                tracing::warn!(error = %erase, "the write-ahead log could not be emptied after a failed version");
            }
            return Err(e);
        }
        if let Some(index) = rebuilt {
            if let Ok(mut slot) = self.store.index.write() {
                *slot = Some(index);
            }
            self.load().await?;
        } else {
            if let Ok(mut slot) = self.store.index.write()
                && let Some(index) = slot.as_mut()
            {
                deleted.iter().for_each(|id| index.remove(id));
            }
            self.store.reindex(&put);
            let mut map = crate::locks::write(&self.store.published);
            for id in &deleted {
                map.remove(id);
            }
            put_notices(&mut map, &notices)?;
        }
        if tokens {
            self.store.forget_tokens();
        }
        if let Some((agency, settings)) = settings {
            crate::locks::write(&self.store.settings).insert(agency, settings);
        }
        // The version is applied whatever happens here; a write-ahead log
        // a reader held is emptied after the next version.
        if let Err(e) = self.erase().await {
            tracing::warn!(error = %e, "the write-ahead log could not be emptied after a sync version");
        }
        Ok(())
    }

    /// Empties the write-ahead log, retrying while a reader holds it.
    async fn erase(&self) -> Result<(), StoreError> {
        let mut tries = 0;
        loop {
            match self.store.backend.erase_freed().await {
                Err(StoreError::Unavailable(_)) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => return other,
            }
        }
    }
}

/// Sets each record's published notices (JSON) in the screening results'
/// map; none removes the record's entry.
fn put_notices(
    map: &mut std::collections::HashMap<RecordId, Vec<NoticeBrief>>,
    rows: &[(RecordId, String)],
) -> Result<(), StoreError> {
    for (id, briefs) in rows {
        let briefs: Vec<NoticeBrief> = crate::sql::from_json("notices of a copy", briefs)?;
        match briefs.is_empty() {
            true => map.remove(id),
            false => map.insert(*id, briefs),
        };
    }
    Ok(())
}
