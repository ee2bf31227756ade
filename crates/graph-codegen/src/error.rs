//! The generator's one error type. Every variant says what went wrong, where, and what to do.

use crate::csdl::Pos;

/// An error of any stage of the generator.
///
/// Messages follow the project's rule: what is wrong, where (`file:line:column`, element,
/// field) and, where it helps, what to do; no trailing full stop.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The document is not well-formed XML, or not CSDL as the reader expects it.
    #[error("{file}:{}:{}: {message}", pos.line, pos.column)]
    Read {
        /// The document's name.
        file: String,
        /// Where in the document.
        pos: Pos,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The document is CSDL but does not make a consistent model (an unknown type reference,
    /// a duplicate name, an inheritance cycle...).
    #[error("{file}:{}:{}: {message}", pos.line, pos.column)]
    Model {
        /// The document's name.
        file: String,
        /// Where in the document.
        pos: Pos,
        /// What is wrong, naming the referencing element.
        message: String,
    },
    /// The slice definition is invalid or names something the metadata lacks.
    #[error("{file}: {message}")]
    Slice {
        /// The slice file's name.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An emitter met something it cannot express.
    #[error("{element}: {message}")]
    Emit {
        /// The element being emitted (a type, property or operation name).
        element: String,
        /// What is wrong and what to do.
        message: String,
    },
}
