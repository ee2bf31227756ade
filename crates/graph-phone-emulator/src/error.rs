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
    /// A tenant or state file is not valid JSON of the tenant format.
    #[error("invalid tenant JSON")]
    TenantJson(#[source] serde_json::Error),
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
