//! Emitters: IR in, generated files out.
//!
//! - [`rust`]: the model crate `graph-phone-types` ([`emit_types`]), steered by the spec
//!   [`overlay`] (`spec/overlay.toml`).
//! - [`openapi`]: the OpenAPI 3.0 document `spec/openapi.json` ([`emit_openapi`]).
//! - [`client`]: the generated part of `graph-phone-client` (progenitor + ergonomic API).
//! - [`permissions`]: the permission tables of the client and of the emulator, from
//!   `spec/permissions.toml` ([`permissions::permission_table`], [`emit_emulator`]).

pub mod bodies;
pub mod client;
pub mod client_crate;
pub mod openapi;
pub mod overlay;
pub mod permissions;
pub mod rust;

pub use openapi::emit_openapi;
pub use overlay::{CreateRequired, Overlay};
pub use permissions::emit_emulator;
pub use rust::emit_types;

use crate::ir::{Model, QName, TypeDef, TypeKind};

/// The concrete types deriving from `def` (not abstract, not path containers): the variants
/// of its polymorphic enum in the types crate and of its schema's `oneOf` in the OpenAPI.
pub fn concrete_subtypes(model: &Model, overlay: &Overlay, def: &TypeDef) -> Vec<QName> {
    def.derived
        .iter()
        .filter(|d| {
            model
                .types
                .get(*d)
                .is_some_and(|t| !t.is_abstract && !overlay.is_path_container(&t.name))
        })
        .cloned()
        .collect()
}

/// True if the types crate can have create and update payloads for `def`: a concrete
/// entity type that is not a path container and has a property a client may write (not
/// read-only in the metadata nor in the overlay). Which payloads exist then follows the
/// capabilities of the paths reaching it.
pub fn can_have_payloads(overlay: &Overlay, def: &TypeDef) -> bool {
    let writable = def
        .properties
        .iter()
        .any(|p| !p.read_only && !overlay.is_read_only(def, &p.name));
    !def.is_abstract
        && def.kind == TypeKind::Entity
        && !overlay.is_path_container(&def.name)
        && writable
}
