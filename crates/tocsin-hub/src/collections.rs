//! Collections: a trust community's shared space under an API root, with
//! who may read and who may write it as access rules of its owner's.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_audit::Outcome;
use tocsin_core::access::may_see_parts;

use crate::INTEL_LEVEL;
use tocsin_core::auth::Permission;
use tocsin_core::record::{AccessRule, RecordState};
use tocsin_store::{Actor, IntelChange, IntelCollection, outcome_of};

use crate::{Hub, HubError};

/// A collection as asked for (`POST /v1/intel/collections`,
/// `tocsin intel collection add`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    /// The API root (trust community): 1 to 64 of `a-z0-9-`.
    #[serde(default = "tocsin_store::default_root")]
    pub root: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A name usable in place of the id: 1 to 64 of `a-z0-9-`.
    #[serde(default)]
    pub alias: Option<String>,
    /// Who may read it besides its owner (every agency by default).
    #[serde(default = "all")]
    pub readers: AccessRule,
    /// Who may write to it besides its owner (only the owner by default).
    #[serde(default = "owner_only")]
    pub writers: AccessRule,
}

fn all() -> AccessRule {
    AccessRule::All
}

fn owner_only() -> AccessRule {
    AccessRule::Only { countries: vec![] }
}

/// A collection as its owner and its members see it.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionView {
    pub id: String,
    pub root: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub owner: String,
    pub can_read: bool,
    pub can_write: bool,
    /// The rules themselves: shown to the owner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readers: Option<AccessRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writers: Option<AccessRule>,
}

/// What a caller may do with a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    pub read: bool,
    pub write: bool,
}

impl Rights {
    /// The caller's rights: its role's, within the collection's rules
    /// (decided by the access policy, the owner always included).
    pub fn of(actor: &Actor, c: &IntelCollection) -> Rights {
        let member =
            |rule: &AccessRule| may_see_parts(&actor.viewer(), &c.owner, RecordState::Active, rule, INTEL_LEVEL);
        Rights {
            read: actor.may(Permission::ReadRecords) && member(&c.readers),
            write: actor.may(Permission::WriteRecords) && member(&c.writers),
        }
    }

    /// Whether the caller may know the collection exists.
    pub fn any(self) -> bool {
        self.read || self.write
    }
}

/// Whether `name` is 1 to 64 of `a-z0-9-`.
fn is_slug(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Hub {
    /// Creates a collection owned by the actor's agency (its
    /// administrators, or the operator).
    pub async fn create_collection(&self, actor: &Actor, input: CollectionInput) -> Result<CollectionView, HubError> {
        if !actor.may(Permission::WriteRecords) {
            let e = HubError::Forbidden(format!("role {} may not create collections", actor.role));
            return self.refused(actor, "intel.collection.add", vec![], e).await;
        }
        let checked = (|| {
            if !is_slug(&input.root) {
                return Err(HubError::invalid("root", "1 to 64 of a-z, 0-9 and -"));
            }
            if let Some(alias) = &input.alias
                && !is_slug(alias)
            {
                return Err(HubError::invalid("alias", "1 to 64 of a-z, 0-9 and -"));
            }
            let title = input.title.trim();
            if title.is_empty() || title.chars().count() > 200 {
                return Err(HubError::invalid("title", "1 to 200 characters"));
            }
            if input.description.as_ref().is_some_and(|d| d.chars().count() > 2000) {
                return Err(HubError::invalid("description", "at most 2000 characters"));
            }
            Ok(title.to_owned())
        })();
        let title = match checked {
            Ok(t) => t,
            Err(e) => return self.refused(actor, "intel.collection.add", vec![], e).await,
        };
        let c = IntelCollection {
            id: uuid::Uuid::new_v4().to_string(),
            root: input.root,
            alias: input.alias,
            title,
            description: input.description,
            owner: actor.agency,
            readers: input.readers,
            writers: input.writers,
            created_at: OffsetDateTime::now_utc(),
        };
        let objects = vec![format!("collection:{}", c.id)];
        let intel = self.store.intel();
        match intel
            .commit(actor, "intel.collection.add", objects.clone(), IntelChange::Collection(c.clone()), vec![])
            .await
        {
            Ok(_) => Ok(view(actor, &c)),
            Err(e) => self.refused(actor, "intel.collection.add", objects, e.into()).await,
        }
    }

    /// The collections the actor may read or write, under `root` (any root
    /// when `None`), in creation order.
    pub async fn collections(&self, actor: &Actor, root: Option<&str>) -> Result<Vec<CollectionView>, HubError> {
        let all = self.store.intel().rows().intel_collections().await?;
        Ok(all
            .iter()
            .filter(|c| root.is_none_or(|r| r == c.root))
            .filter(|c| Rights::of(actor, c).any())
            .map(|c| view(actor, c))
            .collect())
    }

    /// The API roots where the actor has a collection, sorted.
    pub async fn roots(&self, actor: &Actor) -> Result<Vec<String>, HubError> {
        let mut roots: Vec<String> = self.collections(actor, None).await?.into_iter().map(|c| c.root).collect();
        roots.sort();
        roots.dedup();
        Ok(roots)
    }

    /// The collection named `name` (its id or alias) under `root`, with the
    /// actor's rights; [`HubError::NotFound`] when the actor has none.
    pub(crate) async fn collection(
        &self,
        actor: &Actor,
        root: &str,
        name: &str,
    ) -> Result<(IntelCollection, Rights), HubError> {
        let all = self.store.intel().rows().intel_collections().await?;
        all.into_iter()
            .filter(|c| c.root == root && (c.id == name || c.alias.as_deref() == Some(name)))
            .map(|c| {
                let rights = Rights::of(actor, &c);
                (c, rights)
            })
            .find(|(_, rights)| rights.any())
            .ok_or_else(|| HubError::NotFound(format!("collection {name}")))
    }

    /// A collection as the actor sees it.
    pub async fn collection_view(&self, actor: &Actor, root: &str, name: &str) -> Result<CollectionView, HubError> {
        let (c, _) = self.collection(actor, root, name).await?;
        Ok(view(actor, &c))
    }

    /// Logs a refusal in the actor's name and returns it.
    pub(crate) async fn refused<T>(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        e: HubError,
    ) -> Result<T, HubError> {
        Err(self.log_refusal(actor, action, objects, e).await)
    }

    /// A call's result, its refusal logged: the hub's own refusals are
    /// logged here, the store's failures are the store's to log.
    pub(crate) async fn logged_if_refused<T>(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        result: Result<T, HubError>,
    ) -> Result<T, HubError> {
        match result {
            Err(e) if !matches!(e, HubError::Store(_)) => self.refused(actor, action, objects, e).await,
            other => other,
        }
    }

    /// Logs a refusal in the actor's name; returns it, or the audit's
    /// failure.
    pub(crate) async fn log_refusal(&self, actor: &Actor, action: &str, objects: Vec<String>, e: HubError) -> HubError {
        let outcome = match &e {
            HubError::Forbidden(_) => Outcome::Denied,
            HubError::NotFound(_) => Outcome::NotFound,
            HubError::Store(e) => outcome_of(e),
            HubError::Invalid { .. } | HubError::TooLarge(_) | HubError::Unprocessable(_) => Outcome::Invalid,
        };
        match self.store.intel().log(actor, action, objects, outcome, vec![]).await {
            Ok(()) => e,
            Err(audit) => audit.into(),
        }
    }
}

fn view(actor: &Actor, c: &IntelCollection) -> CollectionView {
    let rights = Rights::of(actor, c);
    let owner = actor.agency == c.owner;
    CollectionView {
        id: c.id.clone(),
        root: c.root.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        alias: c.alias.clone(),
        owner: c.owner.to_string(),
        can_read: rights.read,
        can_write: rights.write,
        readers: owner.then(|| c.readers.clone()),
        writers: owner.then(|| c.writers.clone()),
    }
}
