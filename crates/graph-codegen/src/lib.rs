//! The graph-phone generator library: Microsoft Graph CSDL text in, `(path, contents)` pairs
//! out. It does no IO; the `xtask` crate reads inputs and writes files.
//!
//! Stages, each seeing only its neighbour's types: [`csdl`] (reader and canonical writer) ->
//! [`ir`] (lowering) -> [`emit`] (Rust models, OpenAPI, the progenitor client). [`trim`](mod@trim) cuts
//! the project's slice from a full metadata document, [`diff`] compares two versions of it,
//! [`permissions`] reads the per-operation permission data, and [`generate`] is the whole
//! `cargo xtask codegen` job as one pure function.

#![deny(missing_docs)]

pub mod csdl;
pub mod diff;
pub mod doc_text;
pub mod emit;
pub mod error;
pub mod ir;
pub mod naming;
pub mod permissions;
mod pipeline;
pub mod trim;
pub mod written;

pub use error::Error;
pub use ir::{PathRequest, lower};
pub use pipeline::{Generated, SpecInputs, build, generate, generate_slice, load_model, warnings};
pub use trim::{Slice, trim};

/// One file produced by the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// Full contents, `\n` line endings, exactly as written ([`written::normalize_newlines`]).
    pub contents: String,
}
