//! Screening: a query against the records the searcher may see, its hits
//! (shown and silent), the watches it fires, and their audit entries, in
//! the steps [`Store::screen`] takes.

use std::collections::HashMap;
use std::time::Instant;

use time::OffsetDateTime;
use tocsin_audit::Outcome;
use tocsin_core::AgencyCode;
use tocsin_core::access::may_see;
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::EventKind;
use tocsin_core::hit::{Dismissal, Hit, HitId, HitStatus};
use tocsin_core::notice::NoticeBrief;
use tocsin_core::record::{Record, RecordId, RecordState};
use tocsin_match::screen::{Match, Query};

use crate::backend::Effects;
use crate::hits::hit_events;
use crate::store::{require, to_json};
use crate::watches::Fired;
use crate::{Actor, Store, StoreError};

/// What a screening request said besides its query, kept with its hits.
#[derive(Debug, Clone, Default)]
pub struct ScreenContext {
    /// The request as sent.
    pub request: serde_json::Value,
    /// Where the search was made.
    pub location: Option<String>,
    /// Why.
    pub purpose: Option<String>,
}

/// One screening result.
#[derive(Debug, Clone)]
pub struct Screened {
    /// The record, as its owner shares it.
    pub record: Record,
    /// Its score and explanation.
    pub matched: Match,
    /// The hit made, when the score reached the hit threshold.
    pub hit_id: Option<HitId>,
    /// The reviewed false positive that held back a hit, if one did.
    pub dismissed: Option<Dismissal>,
    /// The published notices on the record.
    pub notices: Vec<NoticeBrief>,
    /// The wanted-person diffusions the searcher's agency received on it.
    pub diffusions: Vec<crate::DiffusionBrief>,
}

/// The index's answer: what the searcher may see, what it may not (kept
/// when it makes a silent hit or a watch cares), and the criteria watches
/// the query fired.
struct Found {
    shown: Vec<(Record, Match)>,
    unseen: Vec<(Record, Match)>,
    criteria: Vec<Fired>,
    threshold: f64,
}

/// What a screening writes: the searcher's results and shown hits, and the
/// entries in others' names (silent hits by owner, fired watches).
struct Outcomes {
    screened: Vec<Screened>,
    shown_hits: Effects,
    silent: Vec<OtherEntry>,
    fired: Vec<(Actor, Vec<String>, Effects)>,
}

/// One audit entry written in another agency's name, with its effects.
type OtherEntry = (Actor, &'static str, Vec<String>, Effects);

impl Store {
    /// Screens a query against the records the actor's agency may see, best
    /// first. A match at or above the hit threshold is a durable hit,
    /// committed before this returns, with an event to both agencies; a
    /// match on a record the agency may not see makes a **silent** hit that
    /// only the owner learns of, audited in the owner's name so nothing the
    /// searcher can read mentions it. A reviewed false positive on the same
    /// subject and record makes no hit and marks the result instead. Watches
    /// the query matches tell their watchers. The search is audited (action
    /// `screen`: what was searched as `query:<request>`, then the matched
    /// ids and hit ids, the declared purpose) before the answer is returned.
    pub async fn screen(
        &self,
        actor: &Actor,
        query: Query,
        context: ScreenContext,
    ) -> Result<Vec<Screened>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let started = std::time::Instant::now();
        // What was searched goes into the `screen` entry, so an auditor can
        // reconstruct a search that matched nothing: the request as sent, or
        // (in process, without one) the query's subject key.
        let searched = match &context.request {
            serde_json::Value::Null => format!("query:{}", query.subject()),
            request => format!("query:{request}"),
        };
        let outcomes = async {
            require(actor, Permission::ReadRecords)?;
            let found = self.find(actor, &query).await?;
            self.outcomes(actor, &query, &context, found, now)
        }
        .await;
        let Outcomes { mut screened, shown_hits, silent, fired } = match outcomes {
            Ok(outcomes) => outcomes,
            Err(e) => return self.audited(actor, "screen", vec![searched], Err(e)).await,
        };
        if !screened.is_empty() && actor.may(Permission::ReadMessages) {
            let ids: Vec<RecordId> = screened.iter().map(|s| s.record.id).collect();
            match self.messages().wanted_on(&actor.viewer(), &ids).await {
                Ok(mut on) => {
                    for s in &mut screened {
                        s.diffusions = on.remove(&s.record.id).unwrap_or_default();
                    }
                }
                Err(e) => return self.audited(actor, "screen", vec![searched], Err(e)).await,
            }
        }
        if let Err(e) = self.keep_readable_notices(actor, &mut screened).await {
            return self.audited(actor, "screen", vec![searched], Err(e)).await;
        }
        let silent_hits: usize = silent.iter().map(|(_, _, _, effects)| effects.hits.len()).sum();
        let hits = (shown_hits.hits.len() + silent_hits) as u64;
        // Silent hits are stored with an audit entry in their owner's name,
        // and each fired watch with one in the watcher's; the shown hits with
        // the `screen` entry. All are queued at once, so they share one
        // group commit.
        let others = silent
            .into_iter()
            .chain(fired.into_iter().map(|(watcher, objects, effects)| (watcher, "watch.match", objects, effects)));
        let ids = std::iter::once(searched)
            .chain(
                screened
                    .iter()
                    .flat_map(|s| std::iter::once(s.record.id.to_string()).chain(s.hit_id.map(|h| h.to_string()))),
            )
            .collect();
        let others = others.map(|(who, action, objects, effects)| async move {
            self.log_with(&who, action, objects, Outcome::Ok, effects).await
        });
        let (others, shown) = futures::join!(
            futures::future::try_join_all(others),
            self.log_with(actor, "screen", ids, Outcome::Ok, shown_hits)
        );
        others?;
        shown?;
        // One count for both kinds: no metric tells a silent hit apart,
        // even for the operator's monitoring token.
        metrics::counter!("tocsin_hits_total").increment(hits);
        self.latencies.record(actor.agency, now, started.elapsed());
        Ok(screened)
    }

    /// The index's matches, each re-checked against its stored record.
    async fn find(&self, actor: &Actor, query: &Query) -> Result<Found, StoreError> {
        let viewer = actor.viewer();
        let searching = Instant::now();
        let found = self.index.read().ok().and_then(|slot| slot.as_ref().map(|i| i.search_with_hidden(&viewer, query)));
        metrics::histogram!("tocsin_screen_search_duration_seconds").record(searching.elapsed().as_secs_f64());
        let criteria = crate::locks::read(&self.watches).on_criteria(query);
        let (found, hidden) =
            found.ok_or_else(|| StoreError::Unavailable("the screening index is not built".into()))?;
        let threshold = self.hit_threshold(&actor.agency).await?;
        let hidden: Vec<Match> = {
            let w = crate::locks::read(&self.watches);
            hidden.into_iter().filter(|m| m.score >= threshold || w.watches_record(&m.id)).collect()
        };
        let ids: Vec<RecordId> = found.iter().chain(&hidden).map(|m| m.id).collect();
        let mut records: HashMap<RecordId, Record> =
            self.backend.records(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        // The index may lag a change made by another process: re-check.
        // A record past its review date stops matching at once, before
        // the retention clock archives it.
        let today = self.today();
        let mut current = |m: Match, visible: bool| {
            let record = records.remove(&m.id).filter(|r| {
                r.state == RecordState::Active
                    && r.data.review_by >= today
                    && actor.screens(r.data.kind())
                    && may_see(&viewer, r) == visible
            });
            record.map(|r| (r, m))
        };
        let shown = found.into_iter().filter_map(|m| current(m, true)).collect();
        let unseen = hidden.into_iter().filter_map(|m| current(m, false)).collect();
        Ok(Found { shown, unseen, criteria, threshold })
    }

    /// The results, hits and fired watches of what was found.
    fn outcomes(
        &self,
        actor: &Actor,
        query: &Query,
        context: &ScreenContext,
        found: Found,
        now: OffsetDateTime,
    ) -> Result<Outcomes, StoreError> {
        let Found { shown, unseen, criteria, threshold } = found;
        // The subject key is only needed when a dismissal is in force.
        let any_dismissal = !crate::locks::read(&self.dismissals).is_empty();
        let subject = if any_dismissal { query.subject() } else { String::new() };
        let mut fired = vec![];
        {
            let w = crate::locks::read(&self.watches);
            for (r, m) in shown.iter().chain(&unseen) {
                fired.extend(Self::watch_effects(w.on_record(r, m.score), actor, context, Some(r), now)?);
            }
        }
        fired.extend(Self::watch_effects(criteria, actor, context, None, now)?);
        let mut shown_hits = Effects::default();
        let mut screened = Vec::with_capacity(shown.len());
        for (record, m) in shown {
            let mut dismissed = None;
            let mut hit_id = None;
            if m.score >= threshold {
                dismissed = self.dismissal(actor.agency, &subject, record.id);
                if dismissed.is_none() {
                    let h = new_hit(actor, context, &record, &m, false, now)?;
                    hit_id = Some(h.id);
                    shown_hits.extend(hit_events(&h, EventKind::Hit, &to_json("a hit", &h)?, now));
                    shown_hits.hits.push(h);
                }
            }
            let notices = self.published_on(&record.id);
            let record = actor.shown(record);
            screened.push(Screened { record, matched: m, hit_id, dismissed, notices, diffusions: vec![] });
        }
        let silent_hits: Vec<Hit> = unseen
            .iter()
            .filter(|(r, m)| m.score >= threshold && self.dismissal(actor.agency, &subject, r.id).is_none())
            .map(|(r, m)| new_hit(actor, context, r, m, true, now))
            .collect::<Result<_, StoreError>>()?;
        let silent = silent_entries(actor, silent_hits, now)?;
        Ok(Outcomes { screened, shown_hits, silent, fired })
    }
}

/// A new hit of `actor`'s screening on `r`.
fn new_hit(
    actor: &Actor,
    context: &ScreenContext,
    r: &Record,
    m: &Match,
    silent: bool,
    now: OffsetDateTime,
) -> Result<Hit, StoreError> {
    Ok(Hit {
        id: HitId::generate(),
        time: now,
        searcher: actor.agency,
        user: actor.user.clone(),
        location: context.location.clone(),
        purpose: context.purpose.clone(),
        query: context.request.clone(),
        record_id: r.id,
        record_version: r.version,
        owner: r.owner,
        score: m.score,
        explanation: to_json("a match's explanation", &m.explanation)?,
        handling: r.data.handling.code,
        level: r.data.level,
        silent,
        status: HitStatus::New,
        updated_at: now,
    })
}

/// One `hit.silent` entry per owner agency, in its name, naming its silent
/// hits and their records, with their events.
fn silent_entries(actor: &Actor, hits: Vec<Hit>, now: OffsetDateTime) -> Result<Vec<OtherEntry>, StoreError> {
    let mut by_owner: Vec<(AgencyCode, Vec<String>, Effects)> = vec![];
    for h in hits {
        let at = match by_owner.iter().position(|(o, _, _)| *o == h.owner) {
            Some(at) => at,
            None => {
                by_owner.push((h.owner, vec![], Effects::default()));
                by_owner.len() - 1
            }
        };
        let data = to_json("a hit", &h)?;
        let (_, objects, effects) = &mut by_owner[at];
        objects.extend([h.id.to_string(), h.record_id.to_string()]);
        effects.extend(hit_events(&h, EventKind::Hit, &data, now));
        effects.hits.push(h);
    }
    Ok(by_owner
        .into_iter()
        .map(|(agency, objects, effects)| {
            let purpose = format!("silent hit by {} ({})", actor.agency, actor.user);
            let owner = Actor::new(agency, "system", Role::Operator, Some(purpose));
            (owner, "hit.silent", objects, effects)
        })
        .collect())
}

#[cfg(test)]
mod tests;
