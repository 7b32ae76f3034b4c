//! API tokens' lifecycle: issued (by the operator, or by an agency's
//! administrator for the agency), listed, revoked, expired; and the check
//! of a bearer secret on every request.
//!
//! A node keeps the tokens it has accepted in memory. A revocation clears
//! that memory on the node that made it and, through the cluster's stream
//! ([`What::Tokens`]), on every other node; a known token's row is read
//! again after [`RECHECK`] all the same, so a node that missed the
//! announcement refuses a revoked token within that time. Expiry is checked
//! on every request.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_bus::What;
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_core::level::Level;

use crate::backend::{Change, Effects, TokenRow};
use crate::store::label;
use crate::token::{Token, hash_token};
use crate::{Actor, Principal, Store, StoreError};

/// How long a token accepted once is trusted without reading it again.
pub(crate) const RECHECK: Duration = Duration::from_secs(30);
/// How often a token's last use is written.
const USE_NOTED: Duration = Duration::from_secs(60);

/// A token this node accepted.
#[derive(Debug)]
pub(crate) struct Known {
    principal: Principal,
    id: String,
    expires_at: Option<OffsetDateTime>,
    read: Instant,
    use_noted: Instant,
}

/// How long a token is accepted after it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Until revoked (service accounts, by the operator's choice).
    Never,
    /// This long.
    For(time::Duration),
}

impl Default for Lifetime {
    /// Ninety days.
    fn default() -> Lifetime {
        Lifetime::For(time::Duration::days(90))
    }
}

impl std::str::FromStr for Lifetime {
    type Err = String;

    /// `never`, or a whole number of days, hours or minutes: `90d`, `12h`,
    /// `30m`.
    fn from_str(s: &str) -> Result<Lifetime, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("never") {
            return Ok(Lifetime::Never);
        }
        let bad = || format!("`{s}` is not a lifetime (`never`, or a number with d, h or m: 90d, 12h, 30m)");
        if s.ends_with('s') {
            return Err(bad());
        }
        let seconds = tocsin_core::text::span_seconds(s).ok_or_else(bad)?;
        let d = i64::try_from(seconds).map(time::Duration::seconds).map_err(|_| bad())?;
        if d > time::Duration::days(36_500) {
            return Err(format!("`{s}` is over a hundred years"));
        }
        Ok(Lifetime::For(d))
    }
}

/// A token to issue.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The agency it acts for (default: the caller's).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub agency: Option<AgencyCode>,
    /// Its role: `officer`, `admin`, `auditor` (and `reviewer` for the
    /// General Secretariat).
    #[schema(value_type = String)]
    pub role: Role,
    /// Who it is for (kept in every audit entry it makes).
    pub user: String,
    /// `never`, or `90d`, `12h`, `30m` (default: the server's token
    /// lifetime, 90 days unless the operator set another).
    #[serde(default)]
    pub lifetime: Option<String>,
    /// The agency's national unit it acts in (`PAF-CDG`): its rights bound
    /// the role's, and its suspension refuses the token.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit: Option<tocsin_core::unit::UnitCode>,
    /// The highest level it reads: `official_use_only` (the default),
    /// `restricted` or `confidential`; at most the issuer's own.
    #[serde(default)]
    pub clearance: Option<Level>,
}

/// Where a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    /// Accepted.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked.
    Revoked,
}

/// A token as listed: never its secret, never its digest.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Its id, for revoking.
    pub id: String,
    /// The agency it acts for.
    #[schema(value_type = String)]
    pub agency: AgencyCode,
    /// Its role.
    #[schema(value_type = String)]
    pub role: Role,
    /// Who it was issued to.
    pub user: String,
    /// The national unit it acts in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The highest level it reads.
    pub clearance: Level,
    /// Where it stands now.
    pub status: TokenStatus,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it stops being accepted (absent: when revoked).
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was last used (to the minute).
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
}

impl TokenInfo {
    fn of(row: &TokenRow, now: OffsetDateTime) -> TokenInfo {
        let status = if row.revoked_at.is_some() {
            TokenStatus::Revoked
        } else if row.valid_at(now) {
            TokenStatus::Active
        } else {
            TokenStatus::Expired
        };
        TokenInfo {
            id: row.id.clone(),
            agency: row.agency,
            role: row.role,
            user: row.user.clone(),
            unit: row.unit.clone(),
            clearance: row.clearance,
            status,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// A token just issued: its secret, shown this once, and what is listed of
/// it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// The bearer secret. It is stored only as a digest: keep it now.
    pub secret: String,
    /// The token as listed.
    pub token: TokenInfo,
}

/// Whether `actor` may manage the tokens of `agency`: the operator any; an
/// administrator its agency's, the General Secretariat's any.
fn manages(actor: &Actor, agency: &AgencyCode) -> bool {
    if actor.unit.is_some() {
        return false;
    }
    match actor.role {
        Role::Operator => true,
        Role::Admin => actor.agency == *agency || actor.agency == AgencyCode::GS,
        _ => false,
    }
}

impl Store {
    /// Sets the lifetime of tokens issued without one.
    pub fn set_token_lifetime(&self, lifetime: Lifetime) {
        *crate::locks::write(&self.token_lifetime) = lifetime;
    }

    /// Issues a token with the default lifetime; its secret is in the
    /// result and nowhere else.
    pub async fn create_token(
        &self,
        actor: &Actor,
        agency: AgencyCode,
        role: Role,
        user: &str,
        clearance: Level,
    ) -> Result<Token, StoreError> {
        let request = TokenRequest {
            agency: Some(agency),
            role,
            user: user.to_owned(),
            lifetime: None,
            unit: None,
            clearance: Some(clearance),
        };
        let issued = self.issue_token(actor, request).await?;
        let hash = hash_token(&issued.secret);
        Ok(Token { secret: issued.secret, hash })
    }

    /// Issues a token (the operator; an agency's administrators for their
    /// agency), audited `token.create`.
    pub async fn issue_token(&self, actor: &Actor, request: TokenRequest) -> Result<Issued, StoreError> {
        let mut id = String::new();
        let result = async {
            let agency = request.agency.unwrap_or(actor.agency);
            if !manages(actor, &agency) {
                return Err(StoreError::Forbidden(format!(
                    "role {} of {} may not issue tokens for {agency}",
                    actor.role, actor.agency
                )));
            }
            request.role.check_for_token(&agency)?;
            let user = label("user", &request.user)?;
            let lifetime = match &request.lifetime {
                Some(l) => l.parse().map_err(|m| tocsin_core::FieldError::field("lifetime", m))?,
                None => *crate::locks::read(&self.token_lifetime),
            };
            if self.backend.agency(&agency).await?.is_none() {
                return Err(StoreError::NotFound(format!("agency {agency} (add it with `tocsin agency add`)")));
            }
            let clearance = request.clearance.unwrap_or_default();
            if clearance > actor.viewer().clearance {
                return Err(StoreError::Forbidden(format!(
                    "clearance {clearance} is above the issuer's own ({}): a token is cleared for at most what its issuer reads",
                    actor.viewer().clearance
                )));
            }
            let unit = match &request.unit {
                Some(code) => {
                    if matches!(request.role, Role::Reviewer | Role::Edge) {
                        return Err(tocsin_core::FieldError::field(
                            "role",
                            format!("a unit's token may not be a {} token", request.role),
                        )
                        .into());
                    }
                    match self.backend.unit(&agency, code.as_str()).await? {
                        Some(u) if u.suspended_at.is_none() => Some(u),
                        Some(_) => {
                            return Err(StoreError::Conflict(format!("unit {agency}/{code} is suspended")));
                        }
                        None => return Err(StoreError::NotFound(format!("unit {agency}/{code}"))),
                    }
                }
                None => None,
            };
            let token = Token::generate().map_err(|e| StoreError::Corrupt(format!("no random source: {e}")))?;
            id = uuid::Uuid::now_v7().to_string();
            let now = OffsetDateTime::now_utc();
            let row = TokenRow {
                id: id.clone(),
                hash: token.hash.clone(),
                agency,
                role: request.role,
                user,
                created_at: now,
                expires_at: match lifetime {
                    Lifetime::Never => None,
                    Lifetime::For(d) => Some(now + d),
                },
                revoked_at: None,
                last_used_at: None,
                unit: unit.map(|u| u.code),
                clearance,
            };
            let objects = vec![format!("token:{id}")];
            self.commit_logged(actor, "token.create", objects, Change::Token(row.clone()), Effects::default()).await?;
            Ok(Issued { secret: token.secret, token: TokenInfo::of(&row, now) })
        }
        .await;
        let objects = if id.is_empty() { vec![] } else { vec![format!("token:{id}")] };
        self.audited_failure(actor, "token.create", objects, result).await
    }

    /// The tokens the actor manages (of `agency`, or all it may see),
    /// oldest first, audited `token.list`.
    pub async fn list_tokens(&self, actor: &Actor, agency: Option<AgencyCode>) -> Result<Vec<TokenInfo>, StoreError> {
        let result = async {
            let scope = match agency {
                Some(a) if manages(actor, &a) => Some(a),
                Some(a) => {
                    return Err(StoreError::Forbidden(format!(
                        "role {} of {} may not list {a}'s tokens",
                        actor.role, actor.agency
                    )));
                }
                None if actor.role == Role::Operator
                    || (actor.role == Role::Admin && actor.agency == AgencyCode::GS) =>
                {
                    None
                }
                None if actor.role == Role::Admin => Some(actor.agency),
                None => return Err(StoreError::Forbidden(format!("role {} may not list tokens", actor.role))),
            };
            let now = OffsetDateTime::now_utc();
            Ok(self.backend.tokens(scope.as_ref()).await?.iter().map(|r| TokenInfo::of(r, now)).collect())
        }
        .await;
        self.audited(actor, "token.list", vec![], result).await
    }

    /// Revokes a token (whoever may issue it), audited `token.revoke`: it
    /// is refused from then on, on every node. Revoking it again changes
    /// nothing. A token the actor does not manage is answered as one that
    /// does not exist.
    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<TokenInfo, StoreError> {
        let objects = vec![format!("token:{id}")];
        let result = async {
            let missing = || StoreError::NotFound(format!("token {id}"));
            let row = self.backend.token(id).await?.ok_or_else(missing)?;
            if !manages(actor, &row.agency) {
                return Err(missing());
            }
            let now = OffsetDateTime::now_utc();
            if row.revoked_at.is_some() {
                return Ok(TokenInfo::of(&row, now));
            }
            let intent = self.intend(|| vec![What::Tokens]).await?;
            let change = Change::RevokeToken { id: id.to_owned(), at: now };
            let written = self.commit_logged(actor, "token.revoke", objects.clone(), change, Effects::default()).await;
            self.settle(&intent, written).await?;
            self.forget_tokens();
            self.announce(intent).await;
            let row = self.backend.token(id).await?.ok_or_else(missing)?;
            Ok(TokenInfo::of(&row, now))
        }
        .await;
        self.audited_failure(actor, "token.revoke", objects, result).await
    }

    /// Resolves once `secret` is no longer accepted (revoked, expired),
    /// checked every `every`: what ends a stream opened with it.
    pub async fn until_refused(&self, secret: &str, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            if let Ok(None) = self.authenticate(secret).await {
                return;
            }
        }
    }

    /// Whether the token with this digest was accepted here and is not
    /// known to be expired (what the rate limits key on).
    pub fn knows_token(&self, digest: &str) -> bool {
        let now = OffsetDateTime::now_utc();
        crate::locks::read(&self.tokens).get(digest).is_some_and(|k| k.expires_at.is_none_or(|t| now < t))
    }

    /// Forgets the tokens this node accepted: each is read again before it
    /// is next accepted.
    pub(crate) fn forget_tokens(&self) {
        crate::locks::write(&self.tokens).clear();
    }

    /// The holder of `secret`, if it is a valid token: known, not revoked,
    /// not expired. Tokens accepted once are kept in memory and read again
    /// after [`RECHECK`]; unknown ones are looked up each time.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        let hash = hash_token(secret);
        let now = OffsetDateTime::now_utc();
        // A known token: its principal, and the id when its use is due to
        // be noted (the entry is not cloned on every request).
        let known = crate::locks::read(&self.tokens).get(&hash).filter(|k| k.read.elapsed() < RECHECK).map(|k| {
            let expired = k.expires_at.is_some_and(|t| now >= t);
            let note = (k.use_noted.elapsed() >= USE_NOTED).then(|| k.id.clone());
            (expired, k.principal.clone(), note)
        });
        if let Some((expired, principal, note)) = known {
            if expired {
                crate::locks::write(&self.tokens).remove(&hash);
                return Ok(None);
            }
            if let Some(id) = note {
                self.note_use(&hash, &id, now);
            }
            return Ok(Some(principal));
        }
        let row = self.backend.token_by_hash(&hash).await?;
        let Some(row) = row.filter(|r| r.valid_at(now)) else {
            crate::locks::write(&self.tokens).remove(&hash);
            return Ok(None);
        };
        let unit = match &row.unit {
            Some(code) => match self.backend.unit(&row.agency, code).await? {
                Some(u) if u.suspended_at.is_none() => Some(std::sync::Arc::new(crate::units::unit_of(&u)?)),
                // A suspended (or vanished) unit's tokens are refused.
                _ => {
                    crate::locks::write(&self.tokens).remove(&hash);
                    return Ok(None);
                }
            },
            None => None,
        };
        let principal =
            Principal { agency: row.agency, role: row.role, user: row.user.clone(), unit, clearance: row.clearance };
        let noted_recently = row.last_used_at.is_some_and(|t| now - t < USE_NOTED);
        let k = Known {
            principal: principal.clone(),
            id: row.id.clone(),
            expires_at: row.expires_at,
            read: Instant::now(),
            use_noted: Instant::now(),
        };
        crate::locks::write(&self.tokens).insert(hash.clone(), k);
        if !noted_recently {
            self.note_use(&hash, &row.id, now);
        }
        Ok(Some(principal))
    }

    /// Writes a token's last use in the background (a failure is logged:
    /// the request goes on).
    fn note_use(&self, hash: &str, id: &str, now: OffsetDateTime) {
        if let Some(k) = crate::locks::write(&self.tokens).get_mut(hash) {
            k.use_noted = Instant::now();
        }
        let backend = self.backend.clone();
        let change = Change::TokenUsed { id: id.to_owned(), at: now };
        tokio::spawn(async move {
            if let Err(e) = backend.commit(change, vec![], Effects::default()).await {
                tracing::debug!(error = %e, "a token's last use not noted");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Fixture, actor};

    #[tokio::test]
    async fn an_expired_token_is_refused_and_listed_as_expired() {
        let f = Fixture::new().await;
        let fra = crate::testing::agency("FRA");
        let admin = actor("FRA", Role::Admin);
        let request = |lifetime: &str| TokenRequest {
            agency: None,
            role: Role::Officer,
            user: "o".into(),
            lifetime: Some(lifetime.into()),
            unit: None,
            clearance: None,
        };
        let short = f.store.issue_token(&admin, request("1m")).await.expect("issue");
        assert!(f.store.authenticate(&short.secret).await.expect("auth").is_some());
        // A minute later (the row says so), it is refused at once, known or not.
        let hash = hash_token(&short.secret);
        if let Some(k) = crate::locks::write(&f.store.tokens).get_mut(&hash) {
            k.expires_at = Some(OffsetDateTime::now_utc() - time::Duration::seconds(1));
        }
        assert!(f.store.authenticate(&short.secret).await.expect("auth").is_none());
        let listed = f.store.list_tokens(&admin, None).await.expect("list");
        assert!(listed.iter().all(|t| t.agency == fra), "an agency's admin lists its own tokens");
        let bad = f.store.issue_token(&admin, request("soon")).await.expect_err("bad lifetime");
        assert!(bad.to_string().contains("lifetime"), "{bad}");
    }

    #[tokio::test]
    async fn only_the_owning_agencys_admins_and_the_operator_manage_its_tokens() {
        let f = Fixture::new().await;
        let issued = f
            .store
            .issue_token(
                &actor("FRA", Role::Admin),
                TokenRequest {
                    agency: None,
                    role: Role::Officer,
                    user: "o".into(),
                    lifetime: None,
                    unit: None,
                    clearance: None,
                },
            )
            .await
            .expect("issue");
        let id = issued.token.id.clone();
        assert!(matches!(f.store.revoke_token(&actor("DEU", Role::Admin), &id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(f.store.revoke_token(&actor("FRA", Role::Officer), &id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(f.store.list_tokens(&actor("FRA", Role::Officer), None).await, Err(StoreError::Forbidden(_))));
        assert!(matches!(
            f.store.list_tokens(&actor("DEU", Role::Admin), Some(crate::testing::agency("FRA"))).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(f.store.authenticate(&issued.secret).await.expect("auth").is_some());
        let revoked = f.store.revoke_token(&actor("GS", Role::Admin), &id).await.expect("GS revokes");
        assert_eq!(revoked.status, TokenStatus::Revoked);
        assert!(f.store.authenticate(&issued.secret).await.expect("auth").is_none(), "refused at once");
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_lifetime_or_an_error_never_a_panic(s in "\\PC{0,12}") {
            let _ = s.parse::<Lifetime>();
        }
    }

    #[test]
    fn lifetimes_read_days_hours_minutes_or_never() {
        assert_eq!("90d".parse(), Ok(Lifetime::For(time::Duration::days(90))));
        assert_eq!("12h".parse(), Ok(Lifetime::For(time::Duration::hours(12))));
        assert_eq!("never".parse(), Ok(Lifetime::Never));
        for bad in ["", "d", "0d", "-3d", "12", "3w", "99999999d", "eàHÝ\u{85}", "1é"] {
            assert!(bad.parse::<Lifetime>().is_err(), "{bad}");
        }
    }
}
