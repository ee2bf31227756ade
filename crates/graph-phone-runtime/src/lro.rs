//! Long-running operations: an action that answers `202 Accepted` with a `Location` to poll.
//!
//! Graph's [resetPassword](https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword)
//! answers `202 Accepted` with a `Location` header (the URL of a
//! [longRunningOperation](https://learn.microsoft.com/graph/api/resources/longrunningoperation),
//! read with [Get operation](https://learn.microsoft.com/graph/api/longrunningoperation-get)),
//! an optional `Retry-After` in seconds and, when the caller gave no password, a
//! `passwordResetResponse` body with the generated one. The operation's `status` moves from
//! `notStarted` and `running` to one of the terminal states `succeeded` and `failed`.
//!
//! [`GraphRuntime::start_operation`] sends the action and returns an [`Accepted`];
//! [`GraphRuntime::poll_operation`] polls its `Location` until a terminal state, through
//! the same pipeline as every other call (operation table, availability, token,
//! `client-request-id`, retries, body caps). Everything here is generic: the generated
//! client gives the body types and a classifier (`Fn(&T) -> OperationState`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, Request, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, redact_pii};
use crate::input::{check_path_segment, encode_path_segment};
use crate::retry::parse_retry_after;
use crate::runtime::{CLIENT_REQUEST_ID, GraphRuntime, new_request_id, origin_of, same_origin};

/// Default [`PollOptions::default_interval`]: 1 s.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Default [`PollOptions::min_interval`]: 100 ms.
pub const DEFAULT_MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Default [`PollOptions::max_interval`]: 30 s.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Default [`PollOptions::max_wait`]: 5 min.
pub const DEFAULT_MAX_POLL_WAIT: Duration = Duration::from_secs(300);

/// Longest status text kept in [`Error::UnknownOperationStatus`].
const MAX_STATUS_CHARS: usize = 64;
/// Longest `statusDetail` kept in [`Error::OperationFailed`].
const MAX_DETAIL_CHARS: usize = 256;
/// Longest operation id (the last segment of `Location`) kept.
const MAX_OPERATION_ID_CHARS: usize = 64;

/// The time source of the poller: what "now" is and how to wait.
///
/// The default ([`TokioClock`]) is tokio's clock, so tests with paused tokio time work
/// too. A test can give a clock whose `sleep` advances a virtual time at once and records
/// the waits, to check `Retry-After` handling and the total wait without waiting.
pub trait PollClock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// [`PollClock`] over tokio's timer (`tokio::time::Instant` and `tokio::time::sleep`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl PollClock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How a long-running operation is polled.
///
/// Before each poll the poller waits the `Retry-After` of the previous answer (the 202's
/// before the first poll) or [`PollOptions::default_interval`] when it had none, clamped
/// to [`PollOptions::min_interval`]..=[`PollOptions::max_interval`]. A wait that would end
/// after [`PollOptions::max_wait`] (counted from the start of polling) is not begun: the
/// poll ends with [`Error::OperationTimedOut`].
#[derive(Clone, Debug)]
pub struct PollOptions {
    default_interval: Duration,
    min_interval: Duration,
    max_interval: Duration,
    max_wait: Duration,
    clock: Arc<dyn PollClock>,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            default_interval: DEFAULT_POLL_INTERVAL,
            min_interval: DEFAULT_MIN_POLL_INTERVAL,
            max_interval: DEFAULT_MAX_POLL_INTERVAL,
            max_wait: DEFAULT_MAX_POLL_WAIT,
            clock: Arc::new(TokioClock),
        }
    }
}

impl PollOptions {
    /// The wait before a poll when the previous answer had no `Retry-After`; default
    /// [`DEFAULT_POLL_INTERVAL`] (1 s).
    pub fn default_interval(mut self, interval: Duration) -> Self {
        self.default_interval = interval;
        self
    }

    /// The shortest wait before a poll, whatever `Retry-After` says (so `Retry-After: 0`
    /// does not poll in a tight loop); default [`DEFAULT_MIN_POLL_INTERVAL`] (100 ms).
    pub fn min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// The longest wait before a poll: a longer `Retry-After` is cut to it; default
    /// [`DEFAULT_MAX_POLL_INTERVAL`] (30 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// The longest time polling may take, from its start; default
    /// [`DEFAULT_MAX_POLL_WAIT`] (5 min). More than zero.
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The time source; default [`TokioClock`].
    pub fn clock(mut self, clock: Arc<dyn PollClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The wait before the next poll, given the previous answer's `Retry-After`.
    pub fn next_wait(&self, retry_after: Option<Duration>) -> Duration {
        retry_after
            .unwrap_or(self.default_interval)
            .min(self.max_interval)
            .max(self.min_interval)
    }

    fn check(&self) -> Result<(), Error> {
        let reason = if self.max_wait.is_zero() {
            "PollOptions::max_wait is zero, so no poll could ever be made; use a positive duration"
        } else if self.min_interval > self.max_interval {
            "PollOptions::min_interval is longer than PollOptions::max_interval; make min_interval <= max_interval"
        } else {
            return Ok(());
        };
        Err(Error::InvalidInput {
            field: "poll_options",
            reason: reason.to_owned(),
        })
    }
}

/// What a classifier says about one answer of the operation's `Location`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationState {
    /// Not started yet: keep polling.
    NotStarted,
    /// Running: keep polling.
    Running,
    /// Finished successfully: polling stops with the answer.
    Succeeded,
    /// Finished in failure: polling stops with [`Error::OperationFailed`].
    Failed {
        /// The operation's `statusDetail`, if it has one.
        status_detail: Option<String>,
    },
    /// A status the classifier does not know (also `unknownFutureValue`, or none at all):
    /// polling stops with [`Error::UnknownOperationStatus`] naming it, rather than polling
    /// for a state that may never come.
    Unknown(String),
}

impl OperationState {
    /// Graph's `longRunningOperationStatus` (`notStarted`, `running`, `succeeded`,
    /// `failed`, compared without case: the documentation writes them both ways); anything
    /// else, `unknownFutureValue` included, is [`OperationState::Unknown`], and an absent
    /// status is `Unknown("<absent>")`. `status_detail` is kept for `failed` only.
    pub fn from_status(status: Option<&str>, status_detail: Option<&str>) -> OperationState {
        let Some(status) = status else {
            return OperationState::Unknown("<absent>".to_owned());
        };
        let is = |name: &str| status.eq_ignore_ascii_case(name);
        if is("notStarted") {
            OperationState::NotStarted
        } else if is("running") {
            OperationState::Running
        } else if is("succeeded") {
            OperationState::Succeeded
        } else if is("failed") {
            OperationState::Failed {
                status_detail: status_detail.map(str::to_owned),
            }
        } else {
            OperationState::Unknown(status.to_owned())
        }
    }

    /// The state's name, as Graph spells the status (`Unknown` gives `unknown`).
    pub fn name(&self) -> &'static str {
        match self {
            OperationState::NotStarted => "notStarted",
            OperationState::Running => "running",
            OperationState::Succeeded => "succeeded",
            OperationState::Failed { .. } => "failed",
            OperationState::Unknown(_) => "unknown",
        }
    }
}

/// The ids that correlate one long-running operation: all of them GUIDs in Graph, never a
/// URL, user id or body. Shown by the errors of the operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationIds {
    /// The operation id (of the runtime's table) of the action that started it.
    pub operation: String,
    /// The last path segment of `Location`: the long-running operation's id.
    pub operation_id: Option<String>,
    /// `request-id` of the `202 Accepted`.
    pub start_request_id: Option<String>,
    /// `client-request-id` sent with the action.
    pub start_client_request_id: Option<String>,
    /// `request-id` of the last poll's answer.
    pub last_request_id: Option<String>,
    /// `client-request-id` sent with the last poll.
    pub last_client_request_id: Option<String>,
    /// Polls made.
    pub polls: u32,
}

impl fmt::Display for OperationIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        write!(
            f,
            "operation id {}, started by {} (request-id {}, client-request-id {}), {} poll(s)",
            show(&self.operation_id),
            self.operation,
            show(&self.start_request_id),
            show(&self.start_client_request_id),
            self.polls
        )?;
        if self.polls > 0 {
            write!(
                f,
                ", last poll request-id {}, client-request-id {}",
                show(&self.last_request_id),
                show(&self.last_client_request_id)
            )?;
        }
        Ok(())
    }
}

/// A started long-running operation: the `202 Accepted` of its action.
///
/// `Debug` shows neither the body (resetPassword's holds the generated password) nor the
/// `Location` (it holds the user's id): only the ids and whether a body came.
pub struct Accepted<A> {
    body: Option<A>,
    location: Url,
    retry_after: Option<Duration>,
    ids: OperationIds,
}

impl<A> fmt::Debug for Accepted<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accepted")
            .field("ids", &self.ids)
            .field("retry_after", &self.retry_after)
            .field(
                "body",
                &format_args!(
                    "{}",
                    if self.body.is_some() {
                        "<redacted>"
                    } else {
                        "None"
                    }
                ),
            )
            .finish_non_exhaustive()
    }
}

impl<A> Accepted<A> {
    /// The 202's body, decoded (`None` when the body was empty).
    pub fn body(&self) -> Option<&A> {
        self.body.as_ref()
    }

    /// The 202's body, taken.
    pub fn into_body(self) -> Option<A> {
        self.body
    }

    /// The URL to poll (the `Location` as Graph sent it, query included), already checked
    /// to be under the runtime's base URL.
    pub fn location(&self) -> &Url {
        &self.location
    }

    /// The long-running operation's id (the last segment of `Location`), when it is a
    /// plain id (letters, digits, `-`, `_`, `.`; at most 64 characters).
    pub fn operation_id(&self) -> Option<&str> {
        self.ids.operation_id.as_deref()
    }

    /// The 202's `Retry-After`: the wait before the first poll.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The ids of the operation so far.
    pub fn ids(&self) -> &OperationIds {
        &self.ids
    }
}

/// A long-running operation that ended `succeeded`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Completed<T> {
    /// The last answer of the operation's `Location`, decoded.
    pub result: T,
    /// The ids of the operation, with those of the last poll.
    pub ids: OperationIds,
}

/// A long-running operation started and polled until it `succeeded`: the start's `202`
/// body (resetPassword's generated password) and the last answer of the poll. What the
/// generated client's one-call methods return; [`Finished::new`] joins the two steps.
///
/// `Debug` never prints the start body (only whether there was one).
#[non_exhaustive]
pub struct Finished<A, T> {
    /// The `202` body, decoded (`None` for an empty body).
    pub accepted: Option<A>,
    /// The last answer of the operation's `Location`, decoded.
    pub result: T,
    /// The ids of the operation, with those of the last poll.
    pub ids: OperationIds,
}

impl<A, T> Finished<A, T> {
    /// Joins a start ([`GraphRuntime::start_operation`]) and its poll
    /// ([`GraphRuntime::poll_operation`]).
    pub fn new(accepted: Accepted<A>, completed: Completed<T>) -> Finished<A, T> {
        Finished {
            accepted: accepted.into_body(),
            result: completed.result,
            ids: completed.ids,
        }
    }
}

impl<A, T: fmt::Debug> fmt::Debug for Finished<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finished")
            .field(
                "accepted",
                &self.accepted.as_ref().map(|_| format_args!("<redacted>")),
            )
            .field("result", &self.result)
            .field("ids", &self.ids)
            .finish()
    }
}

/// Sets a fresh `client-request-id` unless the request has a readable one; returns it.
fn client_request_id(request: &mut Request) -> String {
    if let Some(id) = request
        .headers()
        .get(CLIENT_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
    {
        return id.to_owned();
    }
    let id = new_request_id();
    let text = std::str::from_utf8(&id)
        .expect("a UUID is ASCII")
        .to_owned();
    request.headers_mut().insert(
        CLIENT_REQUEST_ID,
        HeaderValue::from_bytes(&id).expect("a UUID is a valid header value"),
    );
    text
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `text` cut to `max` characters (marked with `...`) and with personal data redacted.
fn sanitize(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        cut.push_str("...");
    }
    redact_pii(&cut)
}

/// The last path segment of `url` when it is a plain id.
fn operation_id_of(url: &Url) -> Option<String> {
    let last = url.path_segments()?.rfind(|s| !s.is_empty())?;
    let plain = !last.is_empty()
        && last.len() <= MAX_OPERATION_ID_CHARS
        && last
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| last.to_owned())
}

impl GraphRuntime {
    /// The request of `operation_id` built from its entry in the operation table: each
    /// `{...}` of the path template replaced, in order, by the next of `path_params`
    /// (checked with [`check_path_segment`], encoded with [`encode_path_segment`]), the
    /// table's method, and `body` as JSON (`Content-Type: application/json`) when given.
    ///
    /// Errors: [`Error::UnknownOperation`] (not in the table), [`Error::InvalidInput`]
    /// (`path`: a parameter that cannot be one path segment), [`Error::InvalidRequest`]
    /// (as many parameters as the template has placeholders are needed; a body that does
    /// not serialize).
    pub fn operation_request<B: Serialize + ?Sized>(
        &self,
        operation_id: &str,
        path_params: &[&str],
        body: Option<&B>,
    ) -> Result<Request, Error> {
        let spec = self
            .operation(operation_id)
            .ok_or_else(|| Error::UnknownOperation {
                operation: operation_id.to_owned(),
            })?;
        let invalid = |reason: String| Error::InvalidRequest {
            operation: operation_id.to_owned(),
            reason,
        };
        let count_error = || {
            invalid(format!(
                "{} path parameter(s) given for the template {}",
                path_params.len(),
                spec.path_template
            ))
        };
        let mut path = String::with_capacity(spec.path_template.len() + 64);
        let mut rest = spec.path_template;
        let mut params = path_params.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| invalid(format!("unclosed `{{` in {}", spec.path_template)))?;
            let value = params.next().ok_or_else(count_error)?;
            check_path_segment("path", &rest[open + 1..close], value)?;
            path.push_str(&rest[..open]);
            path.push_str(&encode_path_segment(value));
            rest = &rest[close + 1..];
        }
        if params.next().is_some() {
            return Err(count_error());
        }
        path.push_str(rest);
        let url = Url::parse(&format!("{}{path}", self.base_url()))
            .map_err(|e| invalid(format!("the URL does not parse: {e}")))?;
        let method = Method::from_bytes(spec.method.as_bytes())
            .map_err(|_| invalid(format!("the table's method {} is not valid", spec.method)))?;
        let mut request = Request::new(method, url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| {
                invalid(format!(
                    "the body does not serialize: {}",
                    crate::error::describe_json_error(&e)
                ))
            })?;
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(bytes.into());
        }
        Ok(request)
    }

    /// Sends the action that starts a long-running operation through the runtime's
    /// pipeline (operation table, availability, token, `client-request-id`, retries by the
    /// operation's idempotency, body cap) and returns its acceptance.
    ///
    /// Success is any 2xx with a `Location` header (Graph documents `202 Accepted`). A
    /// non-empty body is decoded as `A`; an empty one gives no body. The `Location` must be
    /// an absolute URL under the runtime's base URL (same scheme, host and port, path under
    /// the base path): the poll carries the token, which never goes to another host.
    ///
    /// Errors, besides those of every call: [`Error::InvalidResponse`] (no `Location`, a
    /// `Location` that is not an absolute URL, a body that is not an `A`),
    /// [`Error::UntrustedOperationLocation`] (a `Location` outside the base URL).
    pub async fn start_operation<A: DeserializeOwned>(
        &self,
        mut request: Request,
        operation_id: &str,
    ) -> Result<Accepted<A>, Error> {
        let sent_id = client_request_id(&mut request);
        let response = self.send(request, operation_id).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .read_success_body(response, operation_id, status)
            .await?;
        let invalid = |reason: &str| Error::InvalidResponse {
            operation: operation_id.to_owned(),
            status,
            reason: reason.to_owned(),
        };
        let location = headers
            .get(LOCATION)
            .ok_or_else(|| {
                invalid("no Location header: a long-running operation needs one to be polled")
            })?
            .to_str()
            .map_err(|_| invalid("the Location header is not text"))?;
        let location = self.check_operation_location(operation_id, status, location)?;
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(
                serde_json::from_slice::<A>(&body)
                    .map_err(|e| Error::invalid_json(operation_id, status, &e))?,
            )
        };
        let ids = OperationIds {
            operation: operation_id.to_owned(),
            operation_id: operation_id_of(&location),
            start_request_id: request_id(&headers),
            start_client_request_id: Some(sent_id),
            ..OperationIds::default()
        };
        let retry_after = parse_retry_after(&headers, SystemTime::now());
        tracing::debug!(
            operation = %operation_id,
            operation_id = ids.operation_id.as_deref().unwrap_or(""),
            status,
            retry_after_ms = retry_after.map(|d| d.as_millis() as u64),
            has_body = body.is_some(),
            "long-running operation accepted"
        );
        Ok(Accepted {
            body,
            location,
            retry_after,
            ids,
        })
    }

    /// Checks a `Location` before the token is sent there.
    fn check_operation_location(
        &self,
        operation_id: &str,
        status: u16,
        location: &str,
    ) -> Result<Url, Error> {
        let url = Url::parse(location.trim()).map_err(|_| Error::InvalidResponse {
            operation: operation_id.to_owned(),
            status,
            reason: "the Location header is not an absolute URL".to_owned(),
        })?;
        let base = self.base_url_parsed();
        let untrusted = |reason: String| Error::UntrustedOperationLocation {
            operation: operation_id.to_owned(),
            origin: origin_of(&url),
            reason,
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(untrusted(
                "it carries user credentials (user:password@)".to_owned(),
            ));
        }
        if !same_origin(&url, base) {
            return Err(untrusted(format!(
                "its origin differs from the configured base URL's ({})",
                origin_of(base)
            )));
        }
        let base_path = base.path().trim_end_matches('/');
        let under_base = url
            .path()
            .strip_prefix(base_path)
            .is_some_and(|rest| rest.starts_with('/'));
        if !under_base {
            return Err(untrusted(format!(
                "its path is not under the configured base URL's path ({base_path}/)"
            )));
        }
        Ok(url)
    }

    /// Polls `accepted`'s `Location` with `GET` as `poll_operation_id` (an operation of
    /// the table, e.g. the generated `users_operations_get`) until `classify` says
    /// [`OperationState::Succeeded`], with [`PollOptions::default`]. See
    /// [`GraphRuntime::poll_operation_with`].
    pub async fn poll_operation<A, T, F>(
        &self,
        accepted: &Accepted<A>,
        poll_operation_id: &str,
        classify: F,
    ) -> Result<Completed<T>, Error>
    where
        T: DeserializeOwned,
        F: Fn(&T) -> OperationState,
    {
        self.poll_operation_with(
            accepted,
            poll_operation_id,
            &PollOptions::default(),
            classify,
        )
        .await
    }

    /// Polls `accepted`'s `Location` until a terminal state.
    ///
    /// Each poll is a `GET` of the `Location` as sent (query included) through the
    /// runtime's pipeline under `poll_operation_id` (its availability, retries after 429
    /// and 503, timeouts and body cap). Its answer is decoded as `T` and given to
    /// `classify`: [`OperationState::NotStarted`] and [`OperationState::Running`] poll
    /// again after the wait of [`PollOptions`] (the answer's `Retry-After`, or the default
    /// interval, clamped); [`OperationState::Succeeded`] returns the answer.
    ///
    /// Errors: [`Error::OperationFailed`] (`failed`, with its `statusDetail`),
    /// [`Error::UnknownOperationStatus`] (a status the classifier does not know),
    /// [`Error::OperationTimedOut`] (not finished within [`PollOptions::max_wait`]),
    /// [`Error::InvalidInput`] (inconsistent options), and those of every call (a poll
    /// answered with an error status, an answer that is not a `T`). The first three carry
    /// the [`OperationIds`].
    pub async fn poll_operation_with<A, T, F>(
        &self,
        accepted: &Accepted<A>,
        poll_operation_id: &str,
        options: &PollOptions,
        classify: F,
    ) -> Result<Completed<T>, Error>
    where
        T: DeserializeOwned,
        F: Fn(&T) -> OperationState,
    {
        options.check()?;
        // Fail before the first wait, not after it.
        self.ensure_available(poll_operation_id)?;
        let clock = &options.clock;
        let started = clock.now();
        let mut ids = accepted.ids.clone();
        let mut retry_after = accepted.retry_after;
        let mut last_state = OperationState::NotStarted;
        loop {
            let wait = options.next_wait(retry_after);
            let waited = clock.now().saturating_duration_since(started);
            if waited.saturating_add(wait) > options.max_wait {
                tracing::info!(
                    operation = %ids.operation,
                    operation_id = ids.operation_id.as_deref().unwrap_or(""),
                    polls = ids.polls,
                    waited_ms = waited.as_millis() as u64,
                    "long-running operation not finished within the poll limit"
                );
                return Err(Error::OperationTimedOut {
                    ids: Box::new(ids),
                    waited,
                    last_state,
                });
            }
            clock.sleep(wait).await;
            let mut request = Request::new(Method::GET, accepted.location.clone());
            request
                .headers_mut()
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
            let sent_id = client_request_id(&mut request);
            let response = self.send(request, poll_operation_id).await?;
            let status = response.status().as_u16();
            ids.polls += 1;
            ids.last_client_request_id = Some(sent_id);
            ids.last_request_id = request_id(response.headers());
            retry_after = parse_retry_after(response.headers(), SystemTime::now());
            let body = self
                .read_success_body(response, poll_operation_id, status)
                .await?;
            let value: T = serde_json::from_slice(&body)
                .map_err(|e| Error::invalid_json(poll_operation_id, status, &e))?;
            let state = classify(&value);
            tracing::debug!(
                operation = %ids.operation,
                operation_id = ids.operation_id.as_deref().unwrap_or(""),
                poll = ids.polls,
                state = state.name(),
                retry_after_ms = retry_after.map(|d| d.as_millis() as u64),
                "long-running operation polled"
            );
            match state {
                OperationState::NotStarted | OperationState::Running => last_state = state,
                OperationState::Succeeded => {
                    return Ok(Completed { result: value, ids });
                }
                OperationState::Failed { status_detail } => {
                    return Err(Error::OperationFailed {
                        ids: Box::new(ids),
                        status_detail: status_detail.map(|d| sanitize(&d, MAX_DETAIL_CHARS)),
                    });
                }
                OperationState::Unknown(status) => {
                    return Err(Error::UnknownOperationStatus {
                        ids: Box::new(ids),
                        status: sanitize(&status, MAX_STATUS_CHARS),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_statuses_classify_without_case() {
        use OperationState::*;
        assert_eq!(
            OperationState::from_status(Some("notStarted"), None),
            NotStarted
        );
        assert_eq!(
            OperationState::from_status(Some("NotStarted"), None),
            NotStarted
        );
        assert_eq!(OperationState::from_status(Some("Running"), None), Running);
        assert_eq!(
            OperationState::from_status(Some("succeeded"), None),
            Succeeded
        );
        assert_eq!(
            OperationState::from_status(Some("failed"), Some("banned password")),
            Failed {
                status_detail: Some("banned password".to_owned())
            }
        );
        assert_eq!(
            OperationState::from_status(Some("unknownFutureValue"), None),
            Unknown("unknownFutureValue".to_owned())
        );
        assert_eq!(
            OperationState::from_status(None, None),
            Unknown("<absent>".to_owned())
        );
    }

    #[test]
    fn waits_follow_retry_after_within_the_bounds() {
        let options = PollOptions::default()
            .default_interval(Duration::from_secs(2))
            .min_interval(Duration::from_millis(500))
            .max_interval(Duration::from_secs(10));
        assert_eq!(options.next_wait(None), Duration::from_secs(2));
        assert_eq!(
            options.next_wait(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            options.next_wait(Some(Duration::ZERO)),
            Duration::from_millis(500)
        );
        assert_eq!(
            options.next_wait(Some(Duration::from_secs(3600))),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn inconsistent_options_are_refused() {
        assert!(PollOptions::default().check().is_ok());
        let zero = PollOptions::default().max_wait(Duration::ZERO).check();
        assert!(matches!(
            zero,
            Err(Error::InvalidInput {
                field: "poll_options",
                ..
            })
        ));
        let crossed = PollOptions::default()
            .min_interval(Duration::from_secs(5))
            .max_interval(Duration::from_secs(1))
            .check();
        assert!(matches!(crossed, Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn operation_ids_are_plain_last_segments() {
        let id = |s: &str| operation_id_of(&Url::parse(s).unwrap());
        assert_eq!(
            id("https://graph.microsoft.com/v1.0/users/6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0/authentication/operations/88e7560c-9ebf-435c-8089-c3998ac1ec51?aadgdc=DUB02P&aadgsu=ssprprod-a")
                .as_deref(),
            Some("88e7560c-9ebf-435c-8089-c3998ac1ec51")
        );
        assert_eq!(
            id("https://graph.microsoft.com/v1.0/users/x/operations/alice%40contoso.com"),
            None,
            "not a plain id: may be personal data"
        );
    }

    #[test]
    fn status_text_is_cut_and_redacted() {
        let long = "x".repeat(100);
        assert_eq!(sanitize(&long, 64).chars().count(), 67);
        assert!(!sanitize("call alice@contoso.com", 64).contains("alice@contoso.com"));
    }
}
