//! The one write path: a change and its audit entries in one transaction.

/// Implements [`Backend`](crate::backend::Backend) for a SQL backend, with
/// every capability's own implementation.
macro_rules! commit {
    ($backend:ident, $db:ty, $row:ty) => {
        mod commit {
            use async_trait::async_trait;
            use tocsin_audit::Draft;
            use tocsin_core::event::EventKind;
            use tocsin_core::hit::HitMessage;

            use super::{maintenance_lease, snapshot, write_tx};
            use crate::StoreError;
            use crate::backend::{Backend, Change, Commit, Committed, Effects, Lease};
            use crate::sql::u64_of;

            #[async_trait]
            impl Commit for super::$backend {
                async fn commit(
                    &self,
                    change: Change,
                    drafts: Vec<Draft>,
                    effects: Effects,
                ) -> Result<Committed, StoreError> {
                    let mut tx = write_tx(self, &self.pool).await?;
                    let (applied, message) = apply(&mut tx, change).await?;
                    if !applied {
                        // Nothing written: the entries go with the caller's
                        // account of why (a conflict), not with this change.
                        return Ok(Committed::default());
                    }
                    let mut effects = effects;
                    if let Some(m) = &message {
                        let stored =
                            serde_json::to_value(m).map_err(|e| StoreError::Corrupt(format!("hit message: {e}")))?;
                        for e in
                            effects.events.iter_mut().filter(|e| e.kind == EventKind::HitMessage && e.data.is_null())
                        {
                            e.data = stored.clone();
                        }
                    }
                    let (entries, events) = super::audit::append_in(&mut tx, drafts, effects).await?;
                    tx.commit().await?;
                    Ok(Committed { applied, entries, events, message })
                }
            }

            #[async_trait]
            impl Backend for super::$backend {
                async fn maintenance_lease(&self) -> Result<Option<Lease>, StoreError> {
                    maintenance_lease(&self.pool).await
                }

                async fn snapshot(&self, into: &std::path::Path) -> Result<(), StoreError> {
                    snapshot(&self.pool, into).await
                }
            }

            /// Why a conditional replace of `what` at version `sent` matched nothing:
            /// a newer version (read by `version`, which takes the id), or no row.
            pub(super) async fn stale(
                tx: &mut sqlx::Transaction<'_, $db>,
                version: &'static str,
                what: &str,
                sent: u64,
            ) -> StoreError {
                let id = what.rsplit(' ').next().unwrap_or_default().to_owned();
                match sqlx::query_scalar::<_, i64>(version).bind(id).fetch_optional(&mut **tx).await {
                    Ok(Some(v)) => match u64_of(v) {
                        Ok(current) => StoreError::VersionConflict { sent, current },
                        Err(e) => e,
                    },
                    Ok(None) => StoreError::NotFound(what.to_owned()),
                    Err(e) => e.into(),
                }
            }

            /// Applies a change inside a transaction: whether it applied (a
            /// conditional change whose condition failed did not), and a hit message
            /// as stored. Each capability writes its own tables.
            pub(super) async fn apply(
                tx: &mut sqlx::Transaction<'_, $db>,
                change: Change,
            ) -> Result<(bool, Option<HitMessage>), StoreError> {
                match change {
                    Change::Agency(a) => super::agencies::insert(tx, &a).await?,
                    Change::Settings(code, s) => super::agencies::put_settings(tx, &code, &s).await?,
                    Change::Token(t) => super::agencies::insert_token(tx, &t).await?,
                    Change::Unit(u) => super::agencies::insert_unit(tx, &u).await?,
                    Change::UnitSuspension { agency, code, at } => {
                        return Ok((super::agencies::suspend_unit(tx, &agency, &code, at.as_ref()).await?, None));
                    }
                    Change::RevokeToken { id, at } => {
                        return Ok((super::agencies::revoke_token(tx, &id, &at).await?, None))
                    }
                    Change::TokenUsed { id, at } => super::agencies::token_used(tx, &id, &at).await?,
                    Change::Records { new, changed } => super::records::write(tx, &new, &changed).await?,
                    Change::Hit { hit, expected } => return Ok((super::hits::update(tx, &hit, expected).await?, None)),
                    Change::HitMessage(m) => return Ok((true, Some(super::hits::append_message(tx, m).await?))),
                    Change::Dismissal(d) => super::hits::put_dismissal(tx, &d).await?,
                    Change::InsertWatch(w) => super::watches::insert(tx, &w).await?,
                    Change::DeleteWatch(id) => return Ok((super::watches::delete(tx, &id).await?, None)),
                    Change::Notices { new, changed } => super::notices::write(tx, &new, &changed).await?,
                    Change::Notice { notice, expected } => {
                        return Ok((super::notices::replace_notice(&mut **tx, &notice, expected).await?, None));
                    }
                    Change::IntelCollection(c) => super::intel::insert_collection(tx, &c).await?,
                    Change::IntelVersions(versions) => super::intel::insert_versions(tx, &versions).await?,
                    Change::IntelDelete { collection, owner, id, versions, at } => {
                        return Ok((super::intel::delete(tx, &collection, &owner, &id, &versions, &at).await?, None));
                    }
                    Change::EdgeIssued(issue) => super::edge::issue(tx, &issue).await?,
                    Change::EdgeAudit { agency, name, entries } => {
                        super::edge::ship(tx, &agency, &name, &entries).await?
                    }
                    Change::EdgeHandled { agency, name, seq } => {
                        return Ok((super::edge::handled(tx, &agency, &name, seq).await?, None));
                    }
                    Change::Replica(apply) => super::edge::replica(tx, &apply).await?,
                    Change::IntelStatus { id, agency, at, body } => {
                        super::intel::put_status(tx, &id, &agency, &at, &body).await?
                    }
                    Change::BioAttachments(a) => super::bio::attach(tx, &a).await?,
                    Change::BioCandidates(rows) => super::bio::candidates(tx, &rows).await?,
                    Change::BioDecision(d) => return Ok((super::bio::decide(tx, &d).await?, None)),
                    Change::InfraDependencies { new, removed } => {
                        super::infra::dependencies(tx, &new, &removed).await?
                    }
                    Change::InfraWatch(w) => super::infra::add_watch(tx, &w).await?,
                    Change::InfraUnwatch { id, agency } => {
                        return Ok((super::infra::remove_watch(tx, &id, &agency).await?, None));
                    }
                    Change::InfraWatchState(s) => return Ok((super::infra::watch_state(tx, &s).await?, None)),
                    Change::AgencyKey(k) => super::messages::add_key(tx, &k).await?,
                    Change::Message { row, recipients } => super::messages::add_message(tx, &row, &recipients).await?,
                    Change::Receipt { message, agency, kind, at } => {
                        return Ok((super::messages::receipt(tx, &message, &agency, kind, &at).await?, None));
                    }
                    Change::Review { message, review } => {
                        return Ok((super::messages::review(tx, &message, &review).await?, None));
                    }
                    Change::All(changes) => {
                        let mut message = None;
                        for change in changes {
                            // Boxed: the future refers to itself.
                            let (applied, m) = Box::pin(apply(tx, change)).await?;
                            if !applied {
                                return Ok((false, None));
                            }
                            message = message.or(m);
                        }
                        return Ok((true, message));
                    }
                }
                Ok((true, None))
            }
        }
    };
}
pub(crate) use commit;
