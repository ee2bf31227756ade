//! The runtime's typed error and the parsing of Graph error bodies.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::token::TokenError;

/// Everything a Graph call through the runtime can fail with.
///
/// `Display` and `Debug` never contain the access token (the runtime never stores it in an
/// error), request URLs (they hold user ids and UPNs; transport errors are stripped of
/// theirs), request or response bodies, or phone numbers and e-mail addresses: the one
/// piece of server text kept, the Graph error `message`, is passed through
/// [`redact_pii`] first because Graph echoes user input in it. Code against
/// [`GraphError::code`] and [`GraphError::inner_code`], never the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Graph answered with an error status (and usually an OData error body).
    #[error("{0}")]
    Graph(Box<GraphError>),

    /// The request could not be sent or the response not received.
    #[error("transport error calling {operation} after {attempts} attempt(s)")]
    Transport {
        /// Operation id.
        operation: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error, with its URL removed.
        #[source]
        source: reqwest::Error,
    },

    /// The per-attempt or overall time limit was reached.
    #[error("{operation} timed out after {attempts} attempt(s)")]
    Timeout {
        /// Operation id.
        operation: String,
        /// Attempts made.
        attempts: u32,
    },

    /// Graph kept answering 429/503/504 until the retry policy gave up (attempt cap,
    /// time budget, or a `Retry-After` longer than the policy accepts).
    #[error(
        "{operation} still throttled or unavailable after {attempts} attempt(s) (last status {}, last Retry-After {last_retry_after:?})",
        last.status
    )]
    ThrottledOutOfRetries {
        /// Operation id.
        operation: String,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` the server sent, if any.
        last_retry_after: Option<Duration>,
        /// The last error response.
        last: Box<GraphError>,
    },

    /// The configured cloud does not offer the operation; nothing was sent.
    #[error("operation {operation} is not available in the {cloud} cloud")]
    UnsupportedInCloud {
        /// Operation id.
        operation: String,
        /// [`crate::Cloud::name`].
        cloud: &'static str,
    },

    /// The operation is not in the runtime's operation table
    /// ([`crate::RuntimeBuilder::operations`]), so its availability in the configured
    /// cloud cannot be checked; nothing was sent. A progenitor client over a runtime built
    /// without the generated table gets this for every call.
    #[error(
        "operation {operation} is not in the runtime's operation table, so its availability in the configured cloud cannot be checked; nothing was sent (build the client with GraphClient::builder(cloud).build())"
    )]
    UnknownOperation {
        /// Operation id, as the caller gave it.
        operation: String,
    },

    /// An input failed validation before any request was sent. `reason` names what is
    /// wrong without repeating the value.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input (e.g. `phoneNumber`, `user`).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// A response body could not be decoded. The body is not included (it can hold
    /// personal data); `reason` is the decoder's category and position only.
    #[error("invalid response to {operation} (status {status}): {reason}")]
    InvalidResponse {
        /// Operation id.
        operation: String,
        /// HTTP status of the response (0 when unknown).
        status: u16,
        /// Category and position of the decoding failure.
        reason: String,
    },

    /// A paging `@odata.nextLink` pointed outside the configured base URL's scheme, host
    /// and port; it was not followed, so the token did not leave the Graph host.
    #[error("refused to follow a nextLink of {operation} to another origin ({origin})")]
    UntrustedNextLink {
        /// Operation id.
        operation: String,
        /// `scheme://host:port` of the refused link (no path or query).
        origin: String,
    },

    /// The token provider failed; nothing was sent.
    #[error("authentication failed for {operation}")]
    Auth {
        /// Operation id.
        operation: String,
        /// The provider's error.
        #[source]
        source: TokenError,
    },

    /// A listing's `@odata.nextLink` pointed at a page this listing had already fetched
    /// (a self-loop, or A -> B -> A): following it would fetch forever. Nothing more was
    /// fetched; the items already yielded stand.
    #[error(
        "{operation} listing ended: a nextLink pointed back at a page already fetched (after {pages} page(s)); the server's paging is broken, list again later"
    )]
    PagingLoop {
        /// Operation id.
        operation: String,
        /// Pages fetched before the repeated link.
        pages: u32,
    },

    /// A listing had more pages than [`crate::RuntimeBuilder::max_pages`] allows.
    #[error(
        "{operation} listing ended: more than {limit} pages (raise RuntimeBuilder::max_pages if this is expected)"
    )]
    TooManyPages {
        /// Operation id.
        operation: String,
        /// The page cap.
        limit: u32,
    },

    /// A response body was larger than the configured cap
    /// ([`crate::RuntimeBuilder::max_body_bytes`] for success bodies,
    /// [`crate::RuntimeBuilder::max_error_body_bytes`] for error bodies). Reading
    /// stopped at the cap (or before, when `Content-Length` said so).
    #[error(
        "response to {operation} (status {status}) exceeds the {limit}-byte body limit (set by RuntimeBuilder::max_body_bytes, or max_error_body_bytes for error statuses)"
    )]
    ResponseTooLarge {
        /// Operation id.
        operation: String,
        /// HTTP status of the response.
        status: u16,
        /// The cap in bytes.
        limit: usize,
    },

    /// One item of a listing page could not be decoded. The stream goes on with the next
    /// item; the raw item is in [`ItemError::raw`].
    #[error("{operation}: {error}")]
    Item {
        /// Operation id.
        operation: String,
        /// Which item, which field, what is wrong, and the raw item.
        error: Box<ItemError>,
    },

    /// The JSON batch carrying this item failed as a whole without an answer for it
    /// (a transport failure of the batch request); `source` says how, and whether the
    /// batch was sent at all ([`crate::BatchFailure::is_connect`]).
    #[error("{operation}: the JSON batch carrying it failed")]
    BatchFailed {
        /// Operation id of the item.
        operation: String,
        /// The batch request's failure, shared by its items.
        #[source]
        source: std::sync::Arc<crate::batch::BatchFailure>,
    },

    /// A long-running operation ended `failed` ([`crate::GraphRuntime::poll_operation`]).
    /// `status_detail` is the operation's `statusDetail`, cut to 256 characters, with
    /// phone numbers and e-mail addresses redacted.
    #[error(
        "long-running operation failed: {} ({ids})",
        status_detail.as_deref().unwrap_or("no statusDetail given")
    )]
    OperationFailed {
        /// The operation's ids (operation id, request ids).
        ids: Box<crate::lro::OperationIds>,
        /// The operation's `statusDetail`.
        status_detail: Option<String>,
    },

    /// A long-running operation was still `notStarted` or `running` when
    /// [`crate::PollOptions::max_wait`] ran out; it may still finish: poll it again later.
    #[error(
        "long-running operation still {} after {waited:?} of polling, the most PollOptions::max_wait allows ({ids})",
        last_state.name()
    )]
    OperationTimedOut {
        /// The operation's ids (operation id, request ids).
        ids: Box<crate::lro::OperationIds>,
        /// How long polling went on.
        waited: Duration,
        /// The state of the last answer (`NotStarted` before the first poll).
        last_state: crate::lro::OperationState,
    },

    /// A long-running operation answered with a status the classifier does not know;
    /// polling stopped rather than wait for a state that may never come.
    #[error("long-running operation answered an unknown status `{status}` ({ids})")]
    UnknownOperationStatus {
        /// The operation's ids (operation id, request ids).
        ids: Box<crate::lro::OperationIds>,
        /// The status as received, cut to 64 characters and redacted.
        status: String,
    },

    /// The `Location` of a long-running operation pointed outside the configured base
    /// URL; it was not polled, so the token did not leave the Graph host.
    #[error(
        "refused to poll the Location of {operation} at {origin}: {reason}; the token is only sent to the configured base URL"
    )]
    UntrustedOperationLocation {
        /// Operation id of the action that answered it.
        operation: String,
        /// `scheme://host:port` of the refused URL (no path or query).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A write was sent and no answer says whether Graph applied it (the JSON batch
    /// carrying it was lost or timed out, its item was answered 504, or 503 without
    /// `Retry-After`), and it was not sent again because the bulk path was told not to
    /// ([`crate::Bulk::resend_unknown`]). Read the resource to learn whether it was
    /// applied before writing again; `source` is what the last send got.
    #[error(
        "{operation}: sent {attempts} time(s), and whether Graph applied it is unknown (its answer was lost); it was not sent again: read the current state before writing again"
    )]
    OutcomeUnknown {
        /// Operation id.
        operation: String,
        /// Sends made.
        attempts: u32,
        /// What the last send got (the batch's failure, the item's 504, a missing answer).
        #[source]
        source: Box<Error>,
    },

    /// The generated client could not build the request (progenitor's `InvalidRequest`
    /// or a hook error).
    #[error("invalid request for {operation}: {reason}")]
    InvalidRequest {
        /// Operation id.
        operation: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The HTTP status behind the error, if there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Graph(e) => Some(e.status),
            Error::ThrottledOutOfRetries { last, .. } => Some(last.status),
            Error::InvalidResponse { status, .. } if *status != 0 => Some(*status),
            Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::OutcomeUnknown { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The Graph error, if the server answered with one.
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(e) => Some(e),
            Error::ThrottledOutOfRetries { last, .. } => Some(last),
            Error::OutcomeUnknown { source, .. } => source.graph(),
            _ => None,
        }
    }

    /// The ids of a long-running operation, for the errors that end one.
    pub fn operation_ids(&self) -> Option<&crate::lro::OperationIds> {
        match self {
            Error::OperationFailed { ids, .. }
            | Error::OperationTimedOut { ids, .. }
            | Error::UnknownOperationStatus { ids, .. } => Some(ids),
            _ => None,
        }
    }

    pub(crate) fn invalid_json(operation: &str, status: u16, e: &serde_json::Error) -> Error {
        Error::InvalidResponse {
            operation: operation.to_owned(),
            status,
            reason: describe_json_error(e),
        }
    }
}

/// serde_json's `Display` quotes the offending value, which may be personal data; keep
/// only the category and position.
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    let category = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "JSON does not match the expected type",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{category} at line {} column {}", e.line(), e.column())
}

/// What serde said about a bad item, without the offending value: serde's messages quote
/// the input (`invalid type: string "+1 555...", expected ...`), which may be personal
/// data. Quoted and back-quoted text before `expected` is replaced; the expected part
/// (from the schema) is kept.
pub(crate) fn describe_item_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json appends " at line L column C": relative to the item, keep it.
    let (input_part, expected_part) = match text.find("expected") {
        Some(at) => text.split_at(at),
        None => (text.as_str(), ""),
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = input_part.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '`' {
            out.push(c);
            out.push_str("<redacted>");
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
            }
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out.push_str(expected_part);
    redact_pii(&out)
}

/// One item of a listing page that did not decode into the item type.
///
/// `Display` names the item (its index in the page's `value` and its `id` when it has
/// one), the field (serde path, e.g. `createdDateTime` or `attestationCertificates[2]`)
/// and the problem, never the value. The raw item is kept in [`ItemError::raw`]; `Debug`
/// redacts it, as it holds personal data (phone numbers, display names).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct ItemError {
    /// Position of the item in the page's `value` array (0-based).
    pub index: usize,
    /// The item's `id`, when it has a string one.
    pub id: Option<String>,
    /// Where in the item decoding failed (serde path; `.` for the item itself).
    pub path: String,
    /// What is wrong, without the offending value.
    pub message: String,
    /// The item as received.
    pub raw: Value,
}

impl ItemError {
    pub(crate) fn new(index: usize, json: &str, path: String, message: String) -> ItemError {
        let raw: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
        ItemError {
            index,
            id,
            path,
            message,
            raw,
        }
    }
}

impl fmt::Debug for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemError")
            .field("index", &self.index)
            .field("id", &self.id)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("raw", &format_args!("<redacted>"))
            .finish()
    }
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} of the page", self.index)?;
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        write!(
            f,
            " could not be decoded at field `{}`: {}",
            self.path, self.message
        )
    }
}

/// An error answer from Microsoft Graph.
#[derive(Clone, PartialEq, Eq)]
pub struct GraphError {
    /// Operation id of the call.
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// `error.code`, e.g. `itemNotFound`, `Authorization_RequestDenied`; `unknown` when
    /// the body was not an OData error.
    pub code: String,
    /// `error.message` with phone numbers and e-mail addresses redacted.
    pub message: String,
    /// The `code` of the innermost nested `innererror`/`innerError` that has one.
    pub inner_code: Option<String>,
    /// `request-id` from the error body, else the response header.
    pub request_id: Option<String>,
    /// `client-request-id` from the error body, else the response header, else the one sent.
    pub client_request_id: Option<String>,
    /// `date` from the error body, else the `Date` response header.
    pub date: Option<String>,
}

impl fmt::Debug for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("inner_code", &self.inner_code)
            .field("request_id", &self.request_id)
            .field("client_request_id", &self.client_request_id)
            .field("date", &self.date)
            .finish()
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Graph error {} {} calling {}",
            self.status, self.code, self.operation
        )?;
        if let Some(inner) = &self.inner_code {
            write!(f, " (inner code {inner})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl GraphError {
    /// Builds the error from a response's status, headers and body. Accepts both
    /// `innerError` and `innererror` at every level. A body that is not an OData error
    /// gives `code = "unknown"` and an empty message.
    pub fn from_parts(
        operation: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        sent_client_request_id: Option<&str>,
    ) -> GraphError {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        let text = |v: Option<&Value>, key: &str| {
            v.and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let code = text(error, "code").unwrap_or_else(|| "unknown".to_owned());
        let message = text(error, "message")
            .map(|m| redact_pii(&m))
            .unwrap_or_default();
        let first_inner = error.and_then(inner_of);
        let mut inner_code = None;
        let mut level = first_inner;
        let mut depth = 0;
        while let Some(v) = level {
            if let Some(c) = v.get("code").and_then(Value::as_str) {
                inner_code = Some(c.to_owned());
            }
            depth += 1;
            if depth > 32 {
                break;
            }
            level = inner_of(v);
        }
        GraphError {
            operation: operation.to_owned(),
            status,
            code,
            message,
            inner_code,
            request_id: text(first_inner, "request-id").or_else(|| header("request-id")),
            client_request_id: text(first_inner, "client-request-id")
                .or_else(|| header("client-request-id"))
                .or_else(|| sent_client_request_id.map(str::to_owned)),
            date: text(first_inner, "date").or_else(|| header("date")),
        }
    }
}

fn inner_of(v: &Value) -> Option<&Value> {
    v.get("innerError")
        .or_else(|| v.get("innererror"))
        .filter(|v| v.is_object())
}

/// Replaces things that look like phone numbers, e-mail addresses (UPNs) or bearer tokens
/// with `<redacted-phone>` / `<redacted-email>` / `<redacted-token>`.
///
/// - token: the word after `Bearer ` (any case), and any word that looks like a JWT
///   (`eyJ...` with a `.`);
/// - e-mail: any word containing `@` or its percent-encoding `%40` with text on both
///   sides (words end at whitespace and quotes/brackets/commas/semicolons);
/// - phone: a run of digits, spaces, `+`, `-`, `.`, `(`, `)` and `x`-before-a-digit that
///   starts and ends at a word boundary and holds at least 7 digits.
///
/// GUIDs (`00000003-0000-0000-c000-000000000000`, any case, also in braces) are kept
/// whole, never read as phone numbers: method ids and request ids are needed to debug,
/// and object ids are not contact data. Errs on the side of redacting otherwise (a long
/// bare number is redacted too).
pub fn redact_pii(text: &str) -> String {
    redact_phones(&redact_emails(&redact_tokens(text)))
}

fn is_word_delim(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\'' | '"' | '(' | ')' | '[' | ']' | '<' | '>' | ',' | ';'
        )
}

/// Splits `text` into words and delimiters and rewrites each word with `f` (which also
/// sees the previous word, for `Bearer <token>`).
fn map_words(text: &str, mut f: impl FnMut(Option<&str>, &str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<String> = None;
    let mut word = String::new();
    let mut flush = |word: &mut String, out: &mut String, previous: &mut Option<String>| {
        if word.is_empty() {
            return;
        }
        f(previous.as_deref(), word, out);
        *previous = Some(std::mem::take(word));
    };
    for c in text.chars() {
        if is_word_delim(c) {
            flush(&mut word, &mut out, &mut previous);
            if !c.is_whitespace() {
                // Only whitespace separates `Bearer` from its token.
                previous = None;
            }
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out, &mut previous);
    out
}

fn looks_like_jwt(word: &str) -> bool {
    word.len() >= 16
        && word.starts_with("eyJ")
        && word.contains('.')
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

fn redact_tokens(text: &str) -> String {
    map_words(text, |previous, word, out| {
        let after_bearer = previous.is_some_and(|p| {
            p.eq_ignore_ascii_case("bearer")
                || p.len()
                    .checked_sub(7)
                    .and_then(|start| p.get(start..))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(":bearer"))
        });
        if after_bearer || looks_like_jwt(word) {
            out.push_str("<redacted-token>");
        } else {
            out.push_str(word);
        }
    })
}

/// Position and length of the `@` (or `%40`) of an e-mail-like word.
fn find_at(word: &str) -> Option<(usize, usize)> {
    if let Some(at) = word.find('@') {
        return Some((at, 1));
    }
    word.as_bytes()
        .windows(3)
        .position(|w| w[0] == b'%' && w[1] == b'4' && w[2] == b'0')
        .map(|at| (at, 3))
}

fn redact_emails(text: &str) -> String {
    map_words(text, |_, word, out| {
        if let Some((at, len)) = find_at(word) {
            let (local, domain) = (&word[..at], &word[at + len..]);
            if !local.is_empty() && domain.chars().any(char::is_alphanumeric) {
                // Keep trailing sentence punctuation outside the redaction.
                let trimmed = word.trim_end_matches(['.', ':', '!', '?']);
                out.push_str("<redacted-email>");
                out.push_str(&word[trimmed.len()..]);
                return;
            }
        }
        out.push_str(word);
    })
}

/// Length in chars of a GUID starting at `chars[i]` (8-4-4-4-12 hex digits), if one does
/// and it is a whole word.
fn guid_at(chars: &[char], i: usize) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut j = i;
    for (n, len) in GROUPS.iter().enumerate() {
        if n > 0 {
            if chars.get(j) != Some(&'-') {
                return None;
            }
            j += 1;
        }
        for _ in 0..*len {
            if !chars.get(j)?.is_ascii_hexdigit() {
                return None;
            }
            j += 1;
        }
    }
    let whole_word = chars.get(j).is_none_or(|c| !c.is_alphanumeric());
    whole_word.then_some(j - i)
}

fn redact_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let is_run = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | '(' | ')');
    while i < chars.len() {
        let c = chars[i];
        let boundary_before = i == 0 || !chars[i - 1].is_alphanumeric();
        if boundary_before && let Some(len) = guid_at(&chars, i) {
            out.extend(&chars[i..i + len]);
            i += len;
            continue;
        }
        if boundary_before && (c.is_ascii_digit() || c == '+' || c == '(') {
            let mut j = i;
            while j < chars.len() {
                let cj = chars[j];
                let x_ext = cj == 'x' && chars.get(j + 1).is_some_and(char::is_ascii_digit);
                // A GUID after the run's separator is not part of a phone number.
                let guid_next =
                    j > i && !chars[j - 1].is_alphanumeric() && guid_at(&chars, j).is_some();
                if (is_run(cj) || x_ext) && !guid_next {
                    j += 1;
                } else {
                    break;
                }
            }
            // Trim trailing non-digits back into the text.
            let mut end = j;
            while end > i && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            let digits = chars[i..end].iter().filter(|c| c.is_ascii_digit()).count();
            let boundary_after = end == chars.len() || !chars[end].is_alphanumeric();
            if digits >= 7 && boundary_after {
                out.push_str("<redacted-phone>");
                i = end;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn parses_nested_inner_errors_in_both_spellings() {
        let body = br#"{"error":{"code":"badRequest","message":"Invalid phone number '+1 5555551234' for kim@contoso.com.",
            "innerError":{"request-id":"rid-1","client-request-id":"crid-1","date":"2026-01-01T00:00:00",
              "innererror":{"code":"invalidPhone","innerError":{"code":"phoneNumberFormat"}}}}}"#;
        let e = GraphError::from_parts("op", 400, &HeaderMap::new(), body, Some("sent"));
        assert_eq!(e.code, "badRequest");
        assert_eq!(e.inner_code.as_deref(), Some("phoneNumberFormat"));
        assert_eq!(e.request_id.as_deref(), Some("rid-1"));
        assert_eq!(e.client_request_id.as_deref(), Some("crid-1"));
        assert_eq!(e.date.as_deref(), Some("2026-01-01T00:00:00"));
        assert_eq!(
            e.message,
            "Invalid phone number '<redacted-phone>' for <redacted-email>."
        );
        let shown = format!("{e} {e:?} {}", Error::Graph(Box::new(e.clone())));
        assert!(!shown.contains("5555551234"), "{shown}");
        assert!(!shown.contains("kim@"), "{shown}");
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static + std::error::Error>() {}
        check::<Error>();
    }

    #[test]
    fn falls_back_to_headers_and_unknown_code() {
        let mut h = HeaderMap::new();
        h.insert("request-id", HeaderValue::from_static("hdr-rid"));
        h.insert(
            "date",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        let e = GraphError::from_parts("op", 502, &h, b"<html>bad gateway</html>", Some("c"));
        assert_eq!(e.code, "unknown");
        assert_eq!(e.message, "");
        assert_eq!(e.inner_code, None);
        assert_eq!(e.request_id.as_deref(), Some("hdr-rid"));
        assert_eq!(e.client_request_id.as_deref(), Some("c"));
        assert_eq!(e.date.as_deref(), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
    }

    #[test]
    fn redaction_table() {
        let cases = [
            (
                "number +1 5555551234 is bad",
                "number <redacted-phone> is bad",
            ),
            ("ext +1 5555551234x123.", "ext <redacted-phone>."),
            ("call (425) 555-0100 now", "call <redacted-phone> now"),
            ("'+44 20 7946 0958'", "'<redacted-phone>'"),
            (
                "user o.brien@contoso.com: nope",
                "user <redacted-email>: nope",
            ),
            ("x kim@contoso.com.", "x <redacted-email>."),
            (
                "id 3179e48a-750b-4051-897c-87b9720928f7 kept",
                "id 3179e48a-750b-4051-897c-87b9720928f7 kept",
            ),
            (
                "limit 3 phones, 100 requests",
                "limit 3 phones, 100 requests",
            ),
            ("a @ b", "a @ b"),
            // GUIDs (request ids, object ids) survive whole, in any case and in braces.
            (
                "request 00000003-0000-0000-c000-000000000000 failed",
                "request 00000003-0000-0000-c000-000000000000 failed",
            ),
            (
                "{11111111-1111-1111-1111-111111111111}",
                "{11111111-1111-1111-1111-111111111111}",
            ),
            (
                "ids 3179E48A-750B-4051-897C-87B9720928F7, +1 2065550100",
                "ids 3179E48A-750B-4051-897C-87B9720928F7, <redacted-phone>",
            ),
            // Percent-encoded UPNs, as in an echoed URL.
            (
                "GET /users/kim%40contoso.com/authentication",
                "GET <redacted-email>",
            ),
            ("user kim%40contoso.com.", "user <redacted-email>."),
            // Tokens a server might echo.
            (
                "header Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQiOiJodHRw.c2lnbmF0dXJl was rejected",
                "header Bearer <redacted-token> was rejected",
            ),
            (
                "authorization: bearer opaque-token-123",
                "authorization: bearer <redacted-token>",
            ),
            (
                "token eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQi.sig expired",
                "token <redacted-token> expired",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_pii(input), expected, "{input}");
        }
    }

    #[test]
    fn item_error_messages_and_debug_hold_no_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Phone {
            #[serde(rename = "phoneNumber")]
            phone_number: u64,
        }
        let json = r#"{"id":"m1","phoneNumber":"+1 2065550100 kim@contoso.com"}"#;
        let e = serde_json::from_str::<Phone>(json).unwrap_err();
        let message = describe_item_error(&e);
        assert!(message.contains("expected u64"), "{message}");
        assert!(
            !message.contains("2065550100") && !message.contains("kim@"),
            "{message}"
        );
        let item = ItemError::new(3, json, "phoneNumber".into(), message);
        assert_eq!(item.id.as_deref(), Some("m1"));
        assert_eq!(item.raw["phoneNumber"], "+1 2065550100 kim@contoso.com");
        let shown = format!("{item} {item:?}");
        assert!(
            !shown.contains("2065550100") && !shown.contains("kim@"),
            "{shown}"
        );
        assert!(shown.contains("item 3") && shown.contains("m1") && shown.contains("phoneNumber"));
    }

    #[test]
    fn json_error_description_has_no_value() {
        let e = serde_json::from_str::<u32>(r#""+1 5555551234""#).unwrap_err();
        let d = describe_json_error(&e);
        assert!(!d.contains("555"), "{d}");
        assert!(d.contains("line 1"));
    }
}
