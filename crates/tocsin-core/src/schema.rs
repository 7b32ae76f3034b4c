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
