//! Scheduled list refresh (`serve --refresh AGENCY:LIST=SOURCE@EVERY`): the
//! list is read from its URL or path once the server is up, then every
//! EVERY, and imported as `tocsin import` would. The owner is told each
//! time (a `list.refresh` event, and an audit entry): the diff report, or
//! why nothing was imported. A download that fails, answers anything but
//! 2xx, answers HTML, is empty, does not parse or holds no usable entry
//! keeps the current list.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tocsin_core::AgencyCode;
use tocsin_lists::Format;
use tocsin_store::{Actor, Store};

/// One list to refresh.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refresh {
    agency: AgencyCode,
    format: Format,
    source: String,
    every: Duration,
}

impl Refresh {
    /// The list's owner.
    pub(crate) fn agency(&self) -> AgencyCode {
        self.agency
    }
}

impl FromStr for Refresh {
    type Err = String;

    /// `[AGENCY:]LIST=SOURCE@EVERY`: `GS:un-sanctions=https://…/consolidated.xml@24h`,
    /// `FRA:ftm=/srv/lists/fra.jsonl@30m` (the agency `GS` when left out;
    /// EVERY in s, m, h or d).
    fn from_str(spec: &str) -> Result<Refresh, String> {
        let usage = "AGENCY:LIST=SOURCE@EVERY, e.g. GS:un-sanctions=https://host/consolidated.xml@24h";
        let (head, every) = spec.rsplit_once('@').ok_or_else(|| format!("`{spec}`: no @EVERY ({usage})"))?;
        let (who, source) = head.split_once('=').ok_or_else(|| format!("`{spec}`: no LIST=SOURCE ({usage})"))?;
        let (agency, list) = match who.split_once(':') {
            Some((agency, list)) => (AgencyCode::parse(agency).map_err(|e| e.message)?, list),
            None => (AgencyCode::GS, who),
        };
        let format: Format = list.parse()?;
        if source.trim().is_empty() {
            return Err(format!("`{spec}`: the source is empty"));
        }
        let every = tocsin_core::text::span_seconds(every)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("`{every}` is not an interval (30s, 15m, 24h, 7d)"))?;
        Ok(Refresh { agency, format, source: source.trim().to_owned(), every })
    }
}

/// Refreshes each list on its schedule until the task is aborted.
pub(crate) fn start(store: Arc<Store>, lists: Vec<Refresh>) -> Vec<tokio::task::JoinHandle<()>> {
    lists
        .into_iter()
        .map(|r| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(r.every);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    once(&store, &r).await;
                }
            })
        })
        .collect()
}

/// One refresh, reported to the owner whatever happens.
async fn once(store: &Store, r: &Refresh) {
    let actor = Actor::operator(r.agency);
    let list = r.format.as_str();
    let imported = async {
        let parsed = crate::import::read_list(r.format, &r.source, store.today()).await?;
        if parsed.entries.is_empty() {
            anyhow::bail!("no usable entry in it (the current list is kept)");
        }
        Ok(store.import_list(&actor, list, parsed).await?)
    }
    .await;
    let reported = match &imported {
        Ok(report) => {
            tracing::info!(list, agency = %r.agency, added = report.added, updated = report.updated, delisted = report.delisted, "list refreshed");
            store.report_refresh(&actor, list, &r.source, Ok(report)).await
        }
        Err(e) => {
            let why = format!("{e:#}");
            tracing::error!(list, agency = %r.agency, source = %r.source, error = %why, "list refresh failed; the current list is kept");
            store.report_refresh(&actor, list, &r.source, Err(&why)).await
        }
    };
    if let Err(e) = reported {
        tracing::error!(error = %e, list, "the list refresh could not be reported");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_the_agency_list_source_and_interval() {
        let r: Refresh = "FRA:ftm=/srv/lists/fra.jsonl@30m".parse().expect("spec");
        assert_eq!(
            (r.agency.as_str(), r.format, r.source.as_str(), r.every),
            ("FRA", Format::Ftm, "/srv/lists/fra.jsonl", Duration::from_secs(1800))
        );
        let r: Refresh = "un-sanctions=https://user@host/list.xml@24h".parse().expect("an @ in the URL");
        assert_eq!((r.agency, r.source.as_str()), (AgencyCode::GS, "https://user@host/list.xml"));
        for bad in ["ftm=/x", "nope=/x@1h", "ftm=@1h", "ftm=/x@0h", "ftm=/x@1w", "XX1:ftm=/x@1h", "ftm=/x@1é"] {
            assert!(bad.parse::<Refresh>().is_err(), "{bad}");
        }
    }
}
