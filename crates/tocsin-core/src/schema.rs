//! OpenAPI schemas for the newtypes that travel as plain strings.

/// Implements `utoipa::ToSchema` for a type serialized as a string.
macro_rules! string_schema {
    ($ty:ty, $description:literal, $pattern:literal, $example:literal) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .pattern(Some($pattern))
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $ty {}
    };
}

pub(crate) use string_schema;

/// Declares an identifier type: a UUIDv7 (so identifiers sort by creation
/// time), served as its hyphenated string; `$what` names it in errors.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh identifier.
            pub fn generate() -> $name {
                $name(uuid::Uuid::now_v7())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::FieldError;
            fn from_str(s: &str) -> Result<$name, $crate::FieldError> {
                uuid::Uuid::try_parse(s).map($name).map_err(|_| {
                    $crate::FieldError::new(format!(concat!("`{}` is not a ", $what, " id (a UUID)"), s.escape_debug()))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }
    };
}

pub(crate) use uuid_id;
