//! Emitters: IR in, generated files out.
//!
//! - [`rust`]: the model crate `graph-phone-types` ([`emit_types`]), steered by the spec
//!   [`overlay`] (`spec/overlay.toml`).
//! - [`openapi`]: the OpenAPI 3.0 document `spec/openapi.json` ([`emit_openapi`]).
//! - [`client`]: the generated part of `graph-phone-client` (progenitor + ergonomic API).

pub mod client;
pub mod openapi;
pub mod overlay;
pub mod rust;

pub use openapi::emit_openapi;
pub use overlay::Overlay;
pub use rust::emit_types;
