//! The graph-phone generator library: Microsoft Graph CSDL text in, `(path, contents)` pairs
//! out. It does no IO; the `xtask` crate reads inputs and writes files.
//!
//! Stages, each seeing only its neighbour's types:
//! [`csdl`] (reader) -> [`ir`] (lowering) -> emitters. The trimmer cuts the project's slice
//! from a full metadata document.

#![deny(missing_docs)]

pub mod csdl;
pub mod error;
pub mod ir;

pub use error::Error;

/// One file produced by the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// Full contents, `\n` line endings.
    pub contents: String,
}
