//! Reading a collection: pages of objects, of the manifest and of an
//! object's versions, in the order they were added, with stateless cursors;
//! deletion by the owner; statuses. Every version read passes the access
//! policy: the collection's read right, then the object's TLP marking as an
//! access rule ([`may_read`]).

use tocsin_core::AgencyCode;
use tocsin_core::access::may_see_parts;

use crate::INTEL_LEVEL;
use tocsin_core::record::RecordState;
use tocsin_intel::Tlp;
use tocsin_intel::taxii::{Cursor, Filter, Status};
use tocsin_store::{Actor, IntelChange, IntelQuery, IntelVersion, VersionFilter};

use crate::{Hub, HubError};

/// Which resource a page is of (the audit entry names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Objects,
    Manifest,
    Versions,
}

impl PageKind {
    fn action(self) -> &'static str {
        match self {
            PageKind::Objects => "intel.read",
            PageKind::Manifest => "intel.manifest",
            PageKind::Versions => "intel.versions",
        }
    }
}

/// A page of versions the caller may read.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<IntelVersion>,
    /// Whether more follow.
    pub more: bool,
    /// The cursor of the next page, when more follow.
    pub next: Option<String>,
}

/// Whether `actor` may read `v` by its TLP marking (the collection's read
/// right is checked apart): the one access policy, on the level's rule.
pub(crate) fn may_read(actor: &Actor, v: &IntelVersion) -> bool {
    match v.tlp.as_deref().and_then(Tlp::parse) {
        None => true,
        Some(t) => may_see_parts(&actor.viewer(), &v.owner, RecordState::Active, &t.access_rule(), INTEL_LEVEL),
    }
}

/// The levels whose objects `actor` reads only when it added them, for the
/// query to leave the others out before a page is filled.
pub(crate) fn restriction(actor: &Actor) -> (AgencyCode, Vec<String>) {
    // Some other agency, as owner: the rule of a level decides whether a
    // viewer that is not the owner sees it.
    let other = if actor.agency == AgencyCode::GS { AgencyCode::parse("XXX") } else { Ok(AgencyCode::GS) };
    let hidden = |t: &Tlp| {
        other
            .as_ref()
            .is_ok_and(|o| !may_see_parts(&actor.viewer(), o, RecordState::Active, &t.access_rule(), INTEL_LEVEL))
    };
    (actor.agency, Tlp::ALL.iter().filter(|t| hidden(t)).map(|t| t.as_str().to_owned()).collect())
}

impl Hub {
    /// A page of a collection the actor may read: its objects (or one
    /// object's, when `object` is given) as `filter` asks.
    pub async fn page(
        &self,
        actor: &Actor,
        root: &str,
        name: &str,
        object: Option<&str>,
        filter: &Filter,
        kind: PageKind,
    ) -> Result<Page, HubError> {
        let mut objects = vec![format!("collection:{name}")];
        objects.extend(object.map(str::to_owned));
        let page = self.page_checked(actor, root, name, object, filter, kind).await;
        let page = self.logged_if_refused(actor, kind.action(), objects.clone(), page).await?;
        objects.push(format!("count:{}", page.items.len()));
        self.store.intel().log(actor, kind.action(), objects, tocsin_audit::Outcome::Ok, vec![]).await?;
        Ok(page)
    }

    async fn page_checked(
        &self,
        actor: &Actor,
        root: &str,
        name: &str,
        object: Option<&str>,
        filter: &Filter,
        kind: PageKind,
    ) -> Result<Page, HubError> {
        let (c, rights) = self.collection(actor, root, name).await?;
        if !rights.read {
            return Err(HubError::Forbidden(format!("you may not read collection {name}")));
        }
        let scope = match object {
            Some(o) => format!("{}/{o}", c.id),
            None => c.id.clone(),
        };
        let binding = Cursor::binding(actor.agency.as_str(), &scope, filter);
        if let Some(next) = &filter.next
            && next.binding != binding
        {
            return Err(HubError::invalid("next", "it belongs to another query: repeat the query it came with"));
        }
        let limit = filter.limit.unwrap_or(self.options.page_cap).min(self.options.page_cap);
        let only_21 = filter.spec_versions.is_empty() || filter.spec_versions.iter().any(|v| v == "2.1");
        let versions = match kind {
            PageKind::Versions => VersionFilter { all: true, ..VersionFilter::default() },
            _ => version_filter(&filter.versions),
        };
        let query = IntelQuery {
            collection: c.id.clone(),
            added_after_us: filter.added_after.map(micros),
            after: filter.next.map(|n| (n.after, n.seq)),
            ids: match object {
                Some(o) => vec![o.to_owned()],
                None => filter.ids.clone(),
            },
            types: match object {
                Some(_) => vec![],
                None => filter.types.clone(),
            },
            versions,
            restricted: Some(restriction(actor)),
            limit: limit.saturating_add(1),
        };
        let mut rows = match only_21 {
            true => self.store.intel().rows().intel_page(&query).await?,
            false => vec![],
        };
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = match (more, rows.last()) {
            (true, Some(last)) => Some(Cursor { after: last.added_us, seq: last.seq, binding }.encode()),
            _ => None,
        };
        let items: Vec<IntelVersion> = rows.into_iter().filter(|v| may_read(actor, v)).collect();
        if let Some(o) = object
            && items.is_empty()
            && filter.next.is_none()
            && filter.added_after.is_none()
        {
            return Err(HubError::NotFound(format!("object {o}")));
        }
        Ok(Page { items, more, next })
    }

    /// Deletes the actor's versions of an object (those `filter`'s
    /// `match[version]` names; the last by default, as TAXII reads it)
    /// from a collection it may read and write.
    pub async fn delete(
        &self,
        actor: &Actor,
        root: &str,
        name: &str,
        object: &str,
        filter: &Filter,
    ) -> Result<usize, HubError> {
        let objects = vec![format!("collection:{name}"), object.to_owned()];
        let deleted = self.delete_checked(actor, root, name, object, filter).await;
        self.logged_if_refused(actor, "intel.delete", objects, deleted).await
    }

    async fn delete_checked(
        &self,
        actor: &Actor,
        root: &str,
        name: &str,
        object: &str,
        filter: &Filter,
    ) -> Result<usize, HubError> {
        let (c, rights) = self.collection(actor, root, name).await?;
        if !(rights.read && rights.write) {
            return Err(HubError::Forbidden(format!(
                "deleting from collection {name} needs its read and write rights"
            )));
        }
        let query = IntelQuery {
            collection: c.id.clone(),
            ids: vec![object.to_owned()],
            versions: version_filter(&filter.versions),
            restricted: Some(restriction(actor)),
            limit: 100_000,
            ..IntelQuery::default()
        };
        let mine: Vec<String> = self
            .store
            .intel()
            .rows()
            .intel_page(&query)
            .await?
            .into_iter()
            .filter(|v| v.owner == actor.agency)
            .map(|v| v.version)
            .collect();
        if mine.is_empty() {
            return Err(HubError::NotFound(format!("object {object}")));
        }
        let n = mine.len();
        let change = IntelChange::Delete {
            collection: c.id.clone(),
            owner: actor.agency,
            id: object.to_owned(),
            versions: mine,
            at: time::OffsetDateTime::now_utc(),
        };
        let objects = vec![format!("collection:{}", c.id), object.to_owned(), format!("versions:{n}")];
        self.store.intel().commit(actor, "intel.delete", objects, change, vec![]).await?;
        Ok(n)
    }

    /// A status the actor's agency was given.
    pub async fn status(&self, actor: &Actor, id: &str) -> Result<Status, HubError> {
        let found = self.store.intel().rows().intel_status(id).await?;
        let objects = vec![format!("status:{id}")];
        match found {
            Some((agency, body)) if agency == actor.agency => {
                let status: Status = serde_json::from_str(&body)
                    .map_err(|e| HubError::Store(tocsin_store::StoreError::Corrupt(format!("status {id}: {e}"))))?;
                self.store.intel().log(actor, "intel.status", objects, tocsin_audit::Outcome::Ok, vec![]).await?;
                Ok(status)
            }
            _ => self.refused(actor, "intel.status", objects, HubError::NotFound(format!("status {id}"))).await,
        }
    }
}

/// The versions `match[version]` asks for, as the store keys them.
fn version_filter(v: &tocsin_intel::taxii::Versions) -> VersionFilter {
    VersionFilter {
        first: v.first,
        last: v.last,
        all: v.all,
        exact: v.exact.iter().map(|t| tocsin_intel::stix::render_micros(*t)).collect(),
    }
}

/// Microseconds since the epoch.
pub(crate) fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// A stored microsecond as a time.
pub(crate) fn time_of(us: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
