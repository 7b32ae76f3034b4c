//! Helpers for the store's own tests: a store on a fresh embedded backend
//! and the agencies, actors and records the tests screen.

use std::sync::Arc;

use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_core::hit::Hit;
use tocsin_core::record::RecordId;
use tocsin_core::record::RecordInput;
use tocsin_match::screen::Query;

use crate::{Actor, HitQuery, SqliteBackend, Store};

pub(crate) fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse(code).expect("agency code")
}

pub(crate) fn actor(code: &str, role: Role) -> Actor {
    Actor::new(agency(code), format!("{code} user"), role, None)
}

pub(crate) fn person(name: &str, access: serde_json::Value) -> RecordInput {
    let json = serde_json::json!({
        "kind": "person", "names": [{"full": name}], "handling": {"code": "locate"}, "access": access,
    });
    serde_json::from_value(json).expect("a record")
}

pub(crate) fn query(name: &str) -> Query {
    Query { name: Some(name.to_owned()), limit: 10, ..Query::default() }
}

/// A store on a fresh embedded backend (kept in a temporary directory for
/// as long as the fixture lives).
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) backend: Arc<SqliteBackend>,
    pub(crate) store: Store,
}

impl Fixture {
    /// A store with FRA, DEU and ITA registered.
    pub(crate) async fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = Arc::new(SqliteBackend::open(&dir.path().join("data"), true).await.expect("open"));
        let store = Store::new(backend.clone());
        for code in ["FRA", "DEU", "ITA"] {
            store.add_agency(&Actor::operator(agency(code)), agency(code), code).await.expect("agency");
        }
        Fixture { _dir: dir, backend, store }
    }

    /// The store again, as a restarted process opens it on the same data.
    pub(crate) async fn reopen(&self) -> Store {
        let store = Store::new(self.backend.clone());
        store.enable_screening().await.expect("index");
        store
    }

    /// ITA's record on "Karim Benali", shared with all, and two of DEU's on
    /// the same name, shared with DEU only: screened by FRA, one shown hit
    /// and two silent ones. Returns the shared record and the hidden ones.
    pub(crate) async fn benali(&self) -> (RecordId, Vec<RecordId>) {
        let all = serde_json::json!({"mode": "all"});
        let shared = self.store.create_record(&actor("ITA", Role::Admin), person("Karim Benali", all)).await;
        let only_deu = serde_json::json!({"mode": "only", "countries": ["DEU"]});
        let mut hidden = vec![];
        for _ in 0..2 {
            let r =
                self.store.create_record(&actor("DEU", Role::Admin), person("Karim Benali", only_deu.clone())).await;
            hidden.push(r.expect("DEU's record").id);
        }
        self.store.enable_screening().await.expect("index");
        (shared.expect("ITA's record").id, hidden)
    }

    /// Every hit `code`'s agency may see, newest first.
    pub(crate) async fn hits_of(&self, code: &str) -> Vec<Hit> {
        let all = HitQuery { limit: 100, ..HitQuery::default() };
        self.store.hits(&actor(code, Role::Officer), all).await.expect("hits").items
    }
}
