//! Importing a published list: the diff against what the last import of the
//! same list stored, applied in one transaction.
//!
//! Records are matched by their [`Source`]: the list's name and the entry's
//! own reference there. An entry seen for the first time is added; one whose
//! content changed is updated (a new version); one that disappeared from the
//! list is de-listed, i.e. archived, so it stops matching but stays for
//! audit; one that comes back after being de-listed is re-listed.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_audit::{Draft, Outcome};
use tocsin_core::FieldError;
use tocsin_core::auth::Permission;
use tocsin_core::notice::{self, Notice, NoticeContent, NoticeId, NoticeStatus, NoticeType};
use tocsin_core::record::{Record, RecordData, RecordId, RecordState, Source};
use tocsin_core::retention;
use tocsin_lists::{ListedNotice, Parsed, Skip};

use crate::backend::NoticeFilter;
use crate::backend::{Change, Effects};
use crate::cluster::{notices_changes, records_changes};
use crate::store::require;
use crate::{Actor, Store, StoreError};

/// Record ids per audit entry of an import.
const AUDIT_CHUNK: usize = 10_000;

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The list, by its format name.
    pub list: String,
    /// Entries stored for the first time.
    pub added: u64,
    /// Entries whose content changed since the last import.
    pub updated: u64,
    /// Entries that had been de-listed and are on the list again.
    pub relisted: u64,
    /// Entries no longer on the list: archived.
    pub delisted: u64,
    /// Entries as they were.
    pub unchanged: u64,
    /// Entries of the file left out, each with its position and reason.
    pub skipped: Vec<Skip>,
    /// Notices the list issues (UN Special Notices) published on new or
    /// re-listed entries.
    pub notices_published: u64,
    /// Those notices cancelled because their entry was de-listed.
    pub notices_cancelled: u64,
}

impl ImportReport {
    /// Whether the import changed anything.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.relisted + self.delisted > 0
    }
}

/// The planned writes of one import.
struct Plan {
    new: Vec<Record>,
    changed: Vec<(Record, u64)>,
    report: ImportReport,
    /// Ids per audit action.
    created: Vec<String>,
    updated: Vec<String>,
    archived: Vec<String>,
}

impl Store {
    /// Tells a list's owner how its scheduled refresh went, in an event
    /// (`list.refresh`) committed with its audit entry (outcome `ok`, or
    /// `error` with why; a failed refresh changed nothing).
    pub async fn report_refresh(
        &self,
        actor: &Actor,
        list: &str,
        source: &str,
        outcome: Result<&ImportReport, &str>,
    ) -> Result<(), StoreError> {
        let now = time::OffsetDateTime::now_utc();
        let data = match outcome {
            Ok(report) => serde_json::json!({"list": list, "source": source, "outcome": "imported", "report": report}),
            Err(why) => serde_json::json!({"list": list, "source": source, "outcome": "failed", "error": why}),
        };
        let event = tocsin_core::event::Event::new(actor.agency, tocsin_core::event::EventKind::ListRefresh, data, now);
        let effects = Effects { events: vec![event], ..Effects::default() };
        let objects = vec![format!("list:{list}"), format!("source:{source}")];
        let result = if outcome.is_ok() { Outcome::Ok } else { Outcome::Error };
        self.log_with(actor, "list.refresh", objects, result, effects).await
    }

    /// Refuses (and audits the refusal) an actor who may not import, before
    /// an upload is read.
    pub async fn may_import(&self, actor: &Actor, list: &str) -> Result<(), StoreError> {
        match require(actor, Permission::WriteRecords) {
            Ok(()) => Ok(()),
            Err(e) => self.audited(actor, "import", vec![format!("list:{list}")], Err(e)).await,
        }
    }

    /// Makes the actor's records from `list` match what a list parser read:
    /// every entry must carry `source.list == list` and a distinct
    /// `source.id`; the parser's skips are passed through to the report.
    /// One transaction: on any error nothing is changed. Audited per record
    /// (`record.create`, `record.update`, `record.archive`, with purpose
    /// `import LIST`) and once for the whole (`import`, objects `list:LIST`).
    pub async fn import_list(&self, actor: &Actor, list: &str, parsed: Parsed) -> Result<ImportReport, StoreError> {
        let Parsed { entries, skipped, notices } = parsed;
        let per_record = Actor { purpose: Some(format!("import {list}")), ..actor.clone() };
        let result = async {
            require(actor, Permission::WriteRecords)?;
            // A list with no usable entry is a broken download or a wrong
            // file, never a list whose every entry was de-listed: importing
            // it would archive all the records the list made.
            if entries.is_empty() {
                return Err(FieldError::field(
                    "body",
                    format!(
                        "the {list} file has no usable entry ({} skipped); nothing was imported or de-listed",
                        skipped.len()
                    ),
                )
                .into());
            }
            self.writable()?;
            let now = OffsetDateTime::now_utc();
            let existing = self.backend.records_from_source(&actor.agency, list).await?;
            let plan = plan(actor, list, existing, entries, now)?;
            let written = || plan.new.iter().chain(plan.changed.iter().map(|(r, _)| r));
            let intent = self.intend(|| records_changes(written())).await?;
            // The records and their entries in one transaction.
            let drafts = import_drafts(
                &per_record,
                [
                    ("record.create", &plan.created),
                    ("record.update", &plan.updated),
                    ("record.archive", &plan.archived),
                ],
            );
            let change = Change::Records { new: plan.new.clone(), changed: plan.changed.clone() };
            let committed = self.commit_drafts(drafts, change, Effects::default()).await;
            self.settle(&intent, committed).await?;
            self.reindex(written());
            self.announce(intent).await;
            let notices = self.listed_notices(&per_record, list, notices, now).await?;
            Ok((plan, notices))
        }
        .await;
        let result = result.map(|(p, n)| ImportReport {
            skipped,
            notices_published: n.published.len() as u64,
            notices_cancelled: n.cancelled.len() as u64,
            ..p.report
        });
        self.audited(actor, "import", vec![format!("list:{list}")], result).await
    }
}

/// The notices an import published and cancelled, by id.
#[derive(Debug, Default)]
struct NoticeChanges {
    published: Vec<String>,
    cancelled: Vec<String>,
}

impl Store {
    /// Brings the notices a list issues on its entries (UN Special Notices)
    /// in line with the records just imported: each active entry with a
    /// listed notice has one open notice of that type, published at once
    /// (the list's publisher has already decided); a notice whose entry was
    /// de-listed is cancelled. The actor's agency owns them. Written in one
    /// transaction after the records; if that fails, the next import of the
    /// list makes up for it, since it compares with what is stored.
    async fn listed_notices(
        &self,
        actor: &Actor,
        list: &str,
        listed: Vec<ListedNotice>,
        now: OffsetDateTime,
    ) -> Result<NoticeChanges, StoreError> {
        let types: HashSet<NoticeType> = listed.iter().map(|l| l.notice_type).collect();
        if types.is_empty() {
            return Ok(NoticeChanges::default());
        }
        let records: HashMap<RecordId, Record> =
            self.backend.records_from_source(&actor.agency, list).await?.into_iter().map(|r| (r.id, r)).collect();
        // The open notices of those types on this list's records.
        let mut open: HashMap<(RecordId, NoticeType), Notice> = HashMap::new();
        for t in &types {
            let mut filter = NoticeFilter {
                owner: Some(actor.agency),
                notice_type: Some(*t),
                limit: 1000,
                ..NoticeFilter::default()
            };
            loop {
                let rows = self.backend.notices(&filter).await?;
                let exhausted = rows.len() < filter.limit as usize;
                filter.after = rows.last().map(|n| n.id);
                for n in rows.into_iter().filter(|n| n.status.is_open()) {
                    if let [id] = n.content.record_ids[..]
                        && records.contains_key(&id)
                    {
                        open.insert((id, n.notice_type), n);
                    }
                }
                if exhausted {
                    break;
                }
            }
        }
        let by_source: HashMap<&str, &Record> =
            records.values().filter_map(|r| r.data.source.as_ref().map(|s| (s.id.as_str(), r))).collect();
        let system = |from, to, reason| notice::Move::system(from, to, actor.agency, reason, now);
        let mut new = vec![];
        for l in listed {
            let Some(r) = by_source.get(l.source_id.as_str()).filter(|r| r.state == RecordState::Active) else {
                continue;
            };
            if open.remove(&(r.id, l.notice_type)).is_some() {
                continue;
            }
            let content = NoticeContent { record_ids: vec![r.id], ..l.content };
            let content = match content.validate(l.notice_type) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(list, entry = l.source_id, error = %e, "the list's notice on this entry is incomplete; not published");
                    continue;
                }
            };
            new.push(Notice {
                id: NoticeId::generate(),
                owner: actor.agency,
                notice_type: l.notice_type,
                status: NoticeStatus::Published,
                content,
                public: false,
                history: vec![system(
                    NoticeStatus::Draft,
                    NoticeStatus::Published,
                    format!("issued with the {list} list (import by {})", actor.user),
                )],
                review_by: retention::review_date(self.today()),
                entity_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
        // What is left open concerns entries no longer active: de-listed.
        let mut changed = vec![];
        for ((id, _), n) in open {
            if records.get(&id).is_some_and(|r| r.state == RecordState::Active) {
                continue;
            }
            let mut next =
                Notice { status: NoticeStatus::Cancelled, version: n.version + 1, updated_at: now, ..n.clone() };
            next.history.push(system(n.status, NoticeStatus::Cancelled, format!("de-listed from the {list} list")));
            changed.push((next, n.version));
        }
        self.number(&mut new.iter_mut().collect::<Vec<_>>(), now).await?;
        let done = NoticeChanges {
            published: new.iter().map(|n| n.id.to_string()).collect(),
            cancelled: changed.iter().map(|(n, _)| n.id.to_string()).collect(),
        };
        if new.is_empty() && changed.is_empty() {
            return Ok(done);
        }
        let written = || new.iter().chain(changed.iter().map(|(n, _)| n));
        let intent = self.intend(|| notices_changes(written())).await?;
        // The notices and their entries in one transaction.
        let drafts = import_drafts(actor, [("notice.create", &done.published), ("notice.status", &done.cancelled)]);
        let change = Change::Notices { new: new.clone(), changed: changed.clone() };
        let committed = self.commit_drafts(drafts, change, Effects::default()).await;
        self.settle(&intent, committed).await?;
        written().for_each(|n| self.republish(n));
        self.announce(intent).await;
        Ok(done)
    }
}

/// An import's audit entries in `actor`'s name: one per action and chunk
/// of [`AUDIT_CHUNK`] ids, none for an action with no id.
fn import_drafts<'a>(actor: &Actor, by_action: impl IntoIterator<Item = (&'a str, &'a Vec<String>)>) -> Vec<Draft> {
    let mut drafts = vec![];
    for (action, ids) in by_action {
        for chunk in ids.chunks(AUDIT_CHUNK) {
            drafts.push(actor.draft(action, chunk.to_vec(), Outcome::Ok));
        }
    }
    drafts
}

/// Whether two versions of an entry say the same. The review date is left
/// out: each import sets it afresh, and a new date alone is no change.
fn same_content(a: &RecordData, b: &RecordData) -> bool {
    a.body == b.body && a.handling == b.handling && a.access == b.access && a.tags == b.tags && a.source == b.source
}

fn plan(
    actor: &Actor,
    list: &str,
    existing: Vec<Record>,
    entries: Vec<RecordData>,
    now: OffsetDateTime,
) -> Result<Plan, StoreError> {
    let mut stored: HashMap<String, Record> =
        existing.into_iter().filter_map(|r| r.data.source.as_ref().map(|s| s.id.clone()).map(|id| (id, r))).collect();
    let mut seen = HashSet::with_capacity(entries.len());
    let mut p = Plan {
        new: vec![],
        changed: vec![],
        report: ImportReport { list: list.to_owned(), ..ImportReport::default() },
        created: vec![],
        updated: vec![],
        archived: vec![],
    };
    for (i, data) in entries.into_iter().enumerate() {
        let id = match &data.source {
            Some(Source { list: l, id }) if l == list => id.clone(),
            _ => {
                return Err(FieldError::field("source.list", format!("must be `{list}`"))
                    .at(&format!("entries[{i}]"))
                    .into());
            }
        };
        if !seen.insert(id.clone()) {
            return Err(FieldError::field("source.id", format!("`{id}` appears twice"))
                .at(&format!("entries[{i}]"))
                .into());
        }
        match stored.remove(&id) {
            None => {
                let r = Record::new(actor.agency, data, now);
                p.created.push(r.id.to_string());
                p.report.added += 1;
                p.new.push(r);
            }
            Some(r) if r.state == RecordState::Active && same_content(&r.data, &data) => p.report.unchanged += 1,
            // A record its owner marked above the importer's clearance is
            // left as it is, as one the list did not change.
            Some(r) if !actor.viewer().cleared_for(r.data.level) => p.report.unchanged += 1,
            Some(r) => {
                match r.state {
                    RecordState::Active => p.report.updated += 1,
                    RecordState::Archived => p.report.relisted += 1,
                }
                let expected = r.version;
                // A re-import keeps the level the owner gave the record.
                let data = RecordData { level: r.data.level, ..data };
                let next = Record { version: r.version + 1, state: RecordState::Active, updated_at: now, data, ..r };
                p.updated.push(next.id.to_string());
                p.changed.push((next, expected));
            }
        }
    }
    // What is left was not in this import: de-list what is still active.
    let viewer = actor.viewer();
    let mut gone: Vec<Record> =
        stored.into_values().filter(|r| r.state == RecordState::Active && viewer.cleared_for(r.data.level)).collect();
    gone.sort_by_key(|r| r.id);
    for r in gone {
        let expected = r.version;
        let next = Record { version: r.version + 1, state: RecordState::Archived, updated_at: now, ..r };
        p.archived.push(next.id.to_string());
        p.report.delisted += 1;
        p.changed.push((next, expected));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tocsin_core::AgencyCode;
    use tocsin_core::record::RecordInput;

    fn entry(id: &str, name: &str) -> RecordData {
        let json = format!(
            r#"{{"kind":"person","names":[{{"full":"{name}"}}],"handling":{{"code":"inform"}},
                "access":{{"mode":"all"}},"source":{{"list":"un","id":"{id}"}}}}"#
        );
        let input: RecordInput = serde_json::from_str(&json).expect("input");
        input.validate(time::macros::date!(2026 - 01 - 01)).expect("valid")
    }

    fn stored(plan: Plan) -> Vec<Record> {
        plan.new.into_iter().chain(plan.changed.into_iter().map(|(r, _)| r)).collect()
    }

    #[test]
    fn a_second_import_adds_updates_delists_and_relists() {
        let actor = Actor::operator(AgencyCode::GS);
        let now = OffsetDateTime::UNIX_EPOCH;
        let first = plan(&actor, "un", vec![], vec![entry("a", "Ann"), entry("b", "Bob"), entry("c", "Cy")], now)
            .expect("plan");
        assert_eq!((first.report.added, first.changed.len()), (3, 0));
        let records = stored(first);

        let second =
            plan(&actor, "un", records.clone(), vec![entry("a", "Ann"), entry("b", "Bobby"), entry("d", "Di")], now)
                .expect("plan");
        let r = &second.report;
        assert_eq!((r.added, r.updated, r.delisted, r.unchanged, r.relisted), (1, 1, 1, 1, 0));
        let archived: Vec<_> = second
            .changed
            .iter()
            .filter(|(r, _)| r.state == RecordState::Archived)
            .map(|(r, v)| (r.version, *v))
            .collect();
        assert_eq!(archived, vec![(2, 1)], "c is archived at the next version");
        // The store now holds a (unchanged, from the first import) and the
        // second import's writes.
        let a = records.into_iter().filter(|r| r.data.source.as_ref().is_some_and(|s| s.id == "a"));
        let records: Vec<Record> = a.chain(stored(second)).collect();

        // c comes back: re-listed, not added.
        let third = plan(&actor, "un", records, vec![entry("c", "Cy")], now).expect("plan");
        assert_eq!(third.report.relisted, 1);
        assert_eq!(third.report.added, 0);
    }

    #[test]
    fn the_same_entries_twice_change_nothing() {
        let actor = Actor::operator(AgencyCode::GS);
        let now = OffsetDateTime::UNIX_EPOCH;
        let entries = || vec![entry("a", "Ann"), entry("b", "Bob")];
        let records = stored(plan(&actor, "un", vec![], entries(), now).expect("plan"));
        let again = plan(&actor, "un", records, entries(), now).expect("plan");
        assert!(!again.report.changed());
        assert_eq!(again.report.unchanged, 2);
    }

    #[test]
    fn refuses_duplicates_and_entries_of_another_list() {
        let actor = Actor::operator(AgencyCode::GS);
        let now = OffsetDateTime::UNIX_EPOCH;
        let dup = plan(&actor, "un", vec![], vec![entry("a", "Ann"), entry("a", "Ann")], now);
        assert!(matches!(dup, Err(StoreError::Invalid(e)) if e.field == "entries[1].source.id"));
        let other = plan(&actor, "ofac", vec![], vec![entry("a", "Ann")], now);
        assert!(matches!(other, Err(StoreError::Invalid(e)) if e.field == "entries[0].source.list"));
    }
}
