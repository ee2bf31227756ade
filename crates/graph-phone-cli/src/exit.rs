//! Exit codes, and the failure that ends a command with one.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done (for `plan`, `apply`, `export`: for every user) |
//! | 1 | Graph refused or failed the request for some or all users |
//! | 2 | usage or input error (bad option, invalid input file or argument); nothing was sent |
//! | 3 | authentication: no token could be obtained, or Graph answered 401 or 403 |
//! | 4 | Graph unavailable: throttled or failing after every retry, timeout, connection error |
//! | 5 | local failure: an output or journal file could not be written or read |

use std::fmt;

use graph_phone_client::Error;

/// Some users failed (or the one user of a single-user command).
pub const FAILED: u8 = 1;
/// Usage or input error; nothing was sent.
pub const USAGE: u8 = 2;
/// No token, or 401/403.
pub const AUTH: u8 = 3;
/// Throttled or failing after every retry, timeout, transport error.
pub const UNAVAILABLE: u8 = 4;
/// A local file could not be read or written (other than the input, which is [`USAGE`]).
pub const LOCAL: u8 = 5;

/// What stopped a command: a message for stderr (never a number, token or full user
/// principal name) and its exit code.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    pub fn local(message: impl Into<String>) -> Self {
        Self::new(LOCAL, message)
    }

    pub fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code of a client error.
pub fn code_of(error: &Error) -> u8 {
    match error {
        Error::Auth { .. } => AUTH,
        Error::Graph(e) if matches!(e.status, 401 | 403) => AUTH,
        Error::InvalidInput { .. } | Error::UnsupportedInCloud { .. } => USAGE,
        Error::ThrottledOutOfRetries { .. } | Error::Transport { .. } | Error::Timeout { .. } => {
            UNAVAILABLE
        }
        _ => FAILED,
    }
}

/// The client's errors never contain a number, token or URL (see `graph_phone_client::Error`).
impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let mut message = error.to_string();
        // The source of an auth error says why the credential failed.
        if let Error::Auth { source, .. } = &error {
            message = format!("{message}: {source}");
        }
        Failure::new(code_of(&error), message)
    }
}

impl From<crate::input::InputError> for Failure {
    fn from(error: crate::input::InputError) -> Self {
        Failure::usage(error.to_string())
    }
}
