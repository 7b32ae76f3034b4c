//! The OpenAPI 3.1 document, generated from the handlers' annotations. A
//! copy is committed as `openapi.json` at the repository root; a test fails
//! when it is stale (regenerate with `tocsin openapi > openapi.json`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tocsin", description = "Law-enforcement information sharing and real-time screening. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`."),
    paths(
        routes::health, routes::metrics, routes::openapi,
        routes::create, routes::read, routes::update, routes::archive, routes::list, routes::export, routes::bulk,
        routes::entries, routes::record_audit, routes::verify,
        routes::compare, routes::screen, routes::batch, routes::import,
        routes::hits, routes::hit, routes::hit_status, routes::post_message, routes::messages,
        routes::events, routes::create_watch, routes::watches, routes::delete_watch,
        routes::create_notice, routes::notices, routes::notice, routes::update_notice, routes::move_notice,
        routes::set_public, routes::extend_notice, routes::public_notices, routes::reviews, routes::extend_record,
        routes::activity, routes::list_tokens, routes::issue_token, routes::revoke_token,
        routes::list_units, routes::add_unit, routes::suspend_unit,
    ),
    // Query-parameter enums are not collected from the handlers.
    components(schemas(tocsin_core::hit::Side, tocsin_core::event::EventKind, tocsin_activity::Step)),
    modifiers(&Bearer, &CommonErrors),
    tags((name = "records", description = "Records under owner-set access rules"),
         (name = "audit", description = "The hash-chained audit log"),
         (name = "screening", description = "The screening engine"),
         (name = "hits", description = "Hits reported to record owners and searchers, their events, and watches"),
         (name = "notices", description = "Notices and their review by the General Secretariat"),
         (name = "system", description = "Health, metrics, activity figures, tokens, this document")),
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let scheme = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        api.components.get_or_insert_with(Default::default).add_security_scheme("bearer", scheme);
    }
}

/// The answers any operation may give besides its own, each with the error
/// body: bad input (400: a query parameter, a header, a body over its
/// limit is 413), a missing or refused token (401), a role that may not
/// (403), nothing there the caller may see (404), over a rate limit (429,
/// with `Retry-After`), the store unreachable or shutting down (503).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder};
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        let common = [
            ("400", "Bad input: the error names the field"),
            ("401", "A missing, unknown, revoked or expired token"),
            ("403", "The caller's role may not do this"),
            ("404", "Nothing the caller may see is there"),
            ("413", "The body is over its limit"),
            ("429", "Over a rate limit: try again after `Retry-After` seconds"),
            ("503", "The store is unreachable or shutting down: try again"),
        ];
        for item in api.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
                for (code, what) in common {
                    op.responses.responses.entry(code.to_owned()).or_insert_with(|| RefOr::T(error(what)));
                }
            }
        }
    }
}

/// The document as pretty-printed JSON.
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_openapi_json_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
        let generated = super::document() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("write openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p tocsin-server openapi` and commit it"
        );
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc: serde_json::Value = serde_json::from_str(&super::document()).expect("JSON");
        let text = doc.to_string();
        let schemas = &doc["components"]["schemas"];
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(schemas.get(name).is_some(), "`{name}` is referenced but not defined");
        }
    }
}
