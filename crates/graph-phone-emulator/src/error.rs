//! Errors: the library's own [`Error`], and the Graph-style API errors the server answers with.

use std::path::PathBuf;

use axum::http::{HeaderName, HeaderValue, StatusCode};

/// What can go wrong starting or configuring the emulator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A tenant or state file could not be read or written.
    #[error("cannot access {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A tenant or state file is not valid JSON of the tenant format. The message says what
    /// is wrong and where, and never quotes a value of the file (it may hold numbers or
    /// tokens).
    #[error("invalid tenant JSON at line {line}, column {column}: {problem}")]
    TenantJson {
        /// Line of the problem, from 1.
        line: usize,
        /// Column of the problem, from 1.
        column: usize,
        /// What is wrong, without the offending value.
        problem: String,
    },
    /// An error in a file: the error says what and where inside it.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        error: Box<Error>,
    },
    /// The state file is locked by another emulator (this process or another).
    #[error(
        "the state file {} is in use by another emulator (it holds the lock on {}); stop that \
         emulator or give this one another state file",
        path.display(),
        lock.display()
    )]
    StateLocked {
        /// The state file.
        path: PathBuf,
        /// The lock file next to it.
        lock: PathBuf,
    },
    /// A tenant breaks an invariant (duplicate ids, two phones of a type, ...).
    #[error("invalid tenant: {0}")]
    InvalidTenant(String),
    /// A builder option is out of its range.
    #[error("invalid option {option}: {message}")]
    InvalidOption {
        /// The builder method.
        option: &'static str,
        /// The rule it breaks.
        message: String,
    },
    /// A fault specification does not parse.
    #[error("invalid fault rule `{rule}`: {message}")]
    FaultSpec {
        /// The offending rule.
        rule: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// A serde_json error as [`Error::TenantJson`]: its position, and its message with any
    /// quoted input value left out (`invalid type: string "+1 206…", expected a string` becomes
    /// `invalid type: string, expected a string`).
    pub(crate) fn json(error: &serde_json::Error) -> Self {
        let full = error.to_string();
        // serde_json appends " at line L column C"; the position is kept separately.
        let message = full
            .rfind(" at line ")
            .map_or(full.as_str(), |at| &full[..at]);
        let problem = match error.classify() {
            serde_json::error::Category::Data => without_values(message),
            _ => message.to_string(),
        };
        Error::TenantJson {
            line: error.line(),
            column: error.column(),
            problem,
        }
    }
}

/// A serde data error without the input values it quotes: what comes before `, expected` is
/// cut at its first quote (values are written `"..."` or in backticks), what follows (the
/// schema's expectation) is kept. `missing field` and `duplicate field` name schema fields
/// only and are kept whole.
pub(crate) fn without_values(message: &str) -> String {
    if message.starts_with("missing field") || message.starts_with("duplicate field") {
        return message.to_string();
    }
    let (found, expected) = match message.find(", expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let found = found
        .find(['"', '`'])
        .map_or(found, |quote| &found[..quote])
        .trim_end()
        .trim_end_matches(':');
    format!("{found}{expected}")
}

/// An error answered in Graph's shape; ids and date are added when the response is built.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            code: code.to_string(),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }
}
