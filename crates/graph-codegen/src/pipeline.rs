//! The whole `cargo xtask codegen` job as one pure function: spec texts in, generated files out.

use crate::csdl;
use crate::emit::overlay::Overlay;
use crate::emit::rust::emit_types;
use crate::ir::{self, Model};
use crate::trim::Slice;
use crate::{Error, GeneratedFile};

/// The checked-in inputs of code generation, as texts, with the paths they were read from
/// (relative to the repository root; used in error messages).
#[derive(Debug, Clone, Default)]
pub struct SpecInputs {
    /// Path of the trimmed CSDL, `spec/graph-phone.csdl`.
    pub csdl_path: String,
    /// The trimmed CSDL.
    pub csdl: String,
    /// Path of the slice definition, `spec/slice.toml`.
    pub slice_path: String,
    /// The slice definition.
    pub slice: String,
    /// Path of the overlay, `spec/overlay.toml`.
    pub overlay_path: String,
    /// The overlay.
    pub overlay: String,
}

/// Read the trimmed spec, lower it with the slice's paths and narrow it to the operations
/// the slice offers ([`Slice::restrict`]).
pub fn load_model(inputs: &SpecInputs) -> Result<(Slice, Model), Error> {
    let slice = Slice::parse(&inputs.slice_path, &inputs.slice)?;
    let doc = csdl::read(&inputs.csdl_path, &inputs.csdl)?;
    let mut model = ir::lower(&doc, &slice.path_requests())?;
    slice.restrict(&mut model);
    Ok((slice, model))
}

/// Everything `cargo xtask codegen` writes, in a stable order.
pub fn generate(inputs: &SpecInputs) -> Result<Vec<GeneratedFile>, Error> {
    let (_slice, model) = load_model(inputs)?;
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path)?;
    let mut files = emit_types(&model, &overlay)?;
    // spec/openapi.json and crates/graph-phone-client/src/generated/*. National clouds:
    // pass `CloudModel { cloud: "usGovL4" | "usGovL5Dod" | "china", model }` per cloud.
    files.extend(crate::emit::client::emit_client(&model, &overlay, &[])?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
