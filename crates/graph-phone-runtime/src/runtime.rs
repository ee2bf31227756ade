//! [`GraphRuntime`]: the state the generated client holds as its progenitor inner type,
//! the request pipeline (auth, `client-request-id`, retry, timeouts, tracing) and the
//! progenitor hook helpers.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request, Response, StatusCode, Url};
use tracing::Instrument;

use crate::cloud::{Cloud, Idempotency, OperationSpec};
use crate::error::{Error, GraphError, describe_json_error};
use crate::retry::{RetryPolicy, Timeouts, is_retryable_status, parse_retry_after};
use crate::token::{SecretString, TokenError, TokenProvider};

/// Header carrying the per-call correlation id.
pub const CLIENT_REQUEST_ID: &str = "client-request-id";
/// Header added on retries with the retry number (1 for the first retry), as the
/// Microsoft Graph SDKs do.
pub const RETRY_ATTEMPT: &str = "retry-attempt";
/// Header progenitor adds to every request and the runtime removes.
pub const API_VERSION: &str = "api-version";

// The same names, parsed once: a `&str` name is parsed on every header map access.
const CLIENT_REQUEST_ID_NAME: HeaderName = HeaderName::from_static(CLIENT_REQUEST_ID);
const RETRY_ATTEMPT_NAME: HeaderName = HeaderName::from_static(RETRY_ATTEMPT);
const API_VERSION_NAME: HeaderName = HeaderName::from_static(API_VERSION);
const REQUEST_ID_NAME: HeaderName = HeaderName::from_static("request-id");
const PREFER_NAME: HeaderName = HeaderName::from_static("prefer");

/// The `Prefer` preference that makes Graph send enum members added after
/// `unknownFutureValue` (otherwise they arrive as `unknownFutureValue`). Sent on every
/// request unless [`RuntimeBuilder::include_unknown_enum_members`] turns it off.
pub const INCLUDE_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";

/// Default [`RuntimeBuilder::max_body_bytes`]: 16 MiB.
///
/// The largest page of this API is a `/methods` listing: Graph pages at most 999 items,
/// and the largest method object (a `windowsHelloForBusinessAuthenticationMethod` or a
/// `platformCredentialAuthenticationMethod` with `$expand=device`, or a FIDO2 key with its
/// attestation certificates) is a few KiB: 999 x 4 KiB is about 4 MiB, and 16 MiB leaves
/// four times that.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Default [`RuntimeBuilder::max_error_body_bytes`]: 64 KiB. A Graph error body is a few
/// hundred bytes; only the code, message and ids are read from it.
pub const DEFAULT_MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

tokio::task_local! {
    static CALL: RefCell<CallState>;
}

/// What the hooks of one progenitor call tell [`GraphRuntime::call`].
#[derive(Default)]
struct CallState {
    /// When the call started (the `pre` hook): the overall deadline counts from here, so
    /// it bounds token acquisition too.
    started: Option<Instant>,
    operation: Option<Cow<'static, str>>,
    attempts: u32,
    status: Option<u16>,
    error: Option<Error>,
}

fn with_call_state(f: impl FnOnce(&mut CallState)) {
    let _ = CALL.try_with(|state| f(&mut state.borrow_mut()));
}

/// The runtime: configuration plus a `reqwest::Client`. Cheap to clone (one `Arc`).
///
/// It is the progenitor client's inner type (`with_inner_type`); see the crate
/// documentation for the wiring.
#[derive(Clone)]
pub struct GraphRuntime {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    cloud: Cloud,
    base_url: Url,
    base_url_string: String,
    tokens: Arc<dyn TokenProvider>,
    scopes: Vec<String>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    operations: HashMap<&'static str, &'static OperationSpec>,
    limits: Limits,
    /// The `Authorization` value built for the last token seen, reused while the provider
    /// hands out the same token (formatting and validating it is per-request work).
    authorization: Mutex<Option<(SecretString, HeaderValue)>>,
}

impl fmt::Debug for GraphRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphRuntime")
            .field("cloud", &self.inner.cloud.name())
            .field("base_url", &self.inner.base_url_string)
            .field("scopes", &self.inner.scopes)
            .field("retry", &self.inner.retry)
            .field("timeouts", &self.inner.timeouts)
            .field("limits", &self.inner.limits)
            .field("operations", &self.inner.operations.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`GraphRuntime`]; start with [`GraphRuntime::builder`].
pub struct RuntimeBuilder {
    cloud: Cloud,
    base_url: Option<String>,
    tokens: Option<Arc<dyn TokenProvider>>,
    scopes: Option<Vec<String>>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    operations: &'static [OperationSpec],
    http: Option<reqwest::Client>,
    user_agent: String,
    limits: Limits,
}

/// Caps and per-request options; see the builder methods.
#[derive(Clone, Debug)]
struct Limits {
    max_pages: u32,
    max_body_bytes: usize,
    max_error_body_bytes: usize,
    include_unknown_enum_members: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pages: crate::paging::DEFAULT_MAX_PAGES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_error_body_bytes: DEFAULT_MAX_ERROR_BODY_BYTES,
            include_unknown_enum_members: true,
        }
    }
}

impl fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("cloud", &self.cloud.name())
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RuntimeBuilder {
    /// The token source (required). Wrap slow providers in
    /// [`crate::CachingTokenProvider`].
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.tokens = Some(Arc::new(provider));
        self
    }

    /// A shared token source (required unless [`Self::token_provider`] is used).
    pub fn shared_token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(provider);
        self
    }

    /// Overrides the API base URL (including the version path, e.g.
    /// `http://127.0.0.1:8080/v1.0`) while keeping the cloud's scope and availability
    /// rules: point a `Cloud::China` runtime at the emulator to test China's rules.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Token scopes; default `[cloud.default_scope()]`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Retry policy; default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeouts; default [`Timeouts::default`]. A zero duration is refused by
    /// [`Self::build`]; a duration too large to add to the clock (such as
    /// `Duration::MAX`) means "no limit".
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Most pages one listing fetches, the first included; one more ends the item stream
    /// with [`Error::TooManyPages`]. Default [`crate::DEFAULT_MAX_PAGES`] (1000). At
    /// least 1.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.limits.max_pages = pages;
        self
    }

    /// Largest success body read, in bytes; a larger one fails the call with
    /// [`Error::ResponseTooLarge`] (checked against `Content-Length` before reading, and
    /// while reading). Default [`DEFAULT_MAX_BODY_BYTES`] (16 MiB). At least 1.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// Largest error body read, in bytes; a larger one fails the call with
    /// [`Error::ResponseTooLarge`] carrying the status. Default
    /// [`DEFAULT_MAX_ERROR_BODY_BYTES`] (64 KiB). At least 1.
    pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_error_body_bytes = bytes;
        self
    }

    /// Whether every request carries `Prefer: include-unknown-enum-members` (merged into
    /// any `Prefer` value already on the request), so that Graph sends enum members added
    /// after `unknownFutureValue` as themselves; the generated enums keep unknown members.
    /// Default `true`; `false` sends no such preference.
    pub fn include_unknown_enum_members(mut self, include: bool) -> Self {
        self.limits.include_unknown_enum_members = include;
        self
    }

    /// The generated operation table (availability, idempotency, path templates). The
    /// runtime sends only the operations it names: any other fails with
    /// [`Error::UnknownOperation`] before anything is sent (in the hooks, in
    /// [`GraphRuntime::send`] and when paging), so that a national cloud's availability
    /// rules cannot be skipped. `graph-phone-client` installs its own table; build its
    /// client with `GraphClient::builder(cloud).build()`.
    pub fn operations(mut self, table: &'static [OperationSpec]) -> Self {
        self.operations = table;
        self
    }

    /// Uses this `reqwest::Client` instead of building one. Its connect timeout and
    /// redirect policy are then the caller's business (the runtime's own client has
    /// [`Timeouts::connect`] and follows no redirects, so the token never leaves the
    /// host).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// `User-Agent`; default `graph-phone-runtime/{version}`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Validates the configuration and builds the runtime.
    pub fn build(self) -> Result<GraphRuntime, Error> {
        let base_url_string = self
            .base_url
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| self.cloud.api_base_url());
        let base_url = Url::parse(&base_url_string).map_err(|e| Error::InvalidInput {
            field: "base_url",
            reason: e.to_string(),
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host_str().is_none() {
            return Err(Error::InvalidInput {
                field: "base_url",
                reason: "must be an absolute http or https URL".to_owned(),
            });
        }
        let tokens = self.tokens.ok_or_else(|| Error::InvalidInput {
            field: "token_provider",
            reason: "no token provider configured".to_owned(),
        })?;
        if self.retry.max_attempts == 0 {
            return Err(Error::InvalidInput {
                field: "retry_policy",
                reason: "max_attempts must be at least 1".to_owned(),
            });
        }
        for (name, value) in [
            ("connect", self.timeouts.connect),
            ("per_attempt", self.timeouts.per_attempt),
            ("overall", self.timeouts.overall),
        ] {
            if value.is_zero() {
                return Err(Error::InvalidInput {
                    field: "timeouts",
                    reason: format!(
                        "Timeouts::{name} is zero, so every call would time out; use a positive duration (Duration::MAX for no limit)"
                    ),
                });
            }
        }
        for (name, zero) in [
            ("max_pages", self.limits.max_pages == 0),
            ("max_body_bytes", self.limits.max_body_bytes == 0),
            (
                "max_error_body_bytes",
                self.limits.max_error_body_bytes == 0,
            ),
        ] {
            if zero {
                return Err(Error::InvalidInput {
                    field: "limits",
                    reason: format!("RuntimeBuilder::{name} must be at least 1"),
                });
            }
        }
        let http = match self.http {
            Some(client) => client,
            None => crate::tls::http_client_builder()?
                .connect_timeout(self.timeouts.connect)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::InvalidInput {
                    field: "http_client",
                    reason: e.to_string(),
                })?,
        };
        let scopes = self
            .scopes
            .unwrap_or_else(|| vec![self.cloud.default_scope().to_owned()]);
        let operations = self.operations.iter().map(|op| (op.id, op)).collect();
        Ok(GraphRuntime {
            inner: Arc::new(Inner {
                http,
                cloud: self.cloud,
                base_url,
                base_url_string,
                tokens,
                scopes,
                retry: self.retry,
                timeouts: self.timeouts,
                operations,
                limits: self.limits,
                authorization: Mutex::new(None),
            }),
        })
    }
}

/// Per-call operation context: the operation's entry in the runtime's table.
#[derive(Clone, Debug)]
pub(crate) struct OpCtx {
    /// The operation id, the table's `&'static str`.
    pub(crate) id: Cow<'static, str>,
    path_template: &'static str,
    idempotency: Idempotency,
    spec: &'static OperationSpec,
}

/// Result of the retry loop.
struct RunOutcome {
    result: Result<Response, reqwest::Error>,
    attempts: u32,
    last_retry_after: Option<Duration>,
    /// The retry policy gave up on a retryable answer.
    exhausted: bool,
    client_request_id: HeaderValue,
}

impl OpCtx {
    /// The context of an operation the runtime defines itself (the JSON batch).
    pub(crate) fn internal(spec: &'static OperationSpec) -> OpCtx {
        OpCtx {
            id: Cow::Borrowed(spec.id),
            path_template: spec.path_template,
            idempotency: spec.idempotency,
            spec,
        }
    }
}

impl GraphRuntime {
    /// Starts a builder for `cloud`.
    pub fn builder(cloud: Cloud) -> RuntimeBuilder {
        RuntimeBuilder {
            cloud,
            base_url: None,
            tokens: None,
            scopes: None,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            operations: &[],
            http: None,
            user_agent: concat!("graph-phone-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
            limits: Limits::default(),
        }
    }

    /// The `reqwest::Client`; give a clone to progenitor's `Client::new_with_client`.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The API base URL (no trailing slash); give it to progenitor's `new_with_client`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url_string
    }

    /// The API base URL as parsed when the runtime was built.
    pub(crate) fn base_url_parsed(&self) -> &Url {
        &self.inner.base_url
    }

    /// The configured cloud.
    pub fn cloud(&self) -> &Cloud {
        &self.inner.cloud
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The timeouts.
    pub fn timeouts(&self) -> &Timeouts {
        &self.inner.timeouts
    }

    /// The page cap of a listing ([`RuntimeBuilder::max_pages`]).
    pub fn max_pages(&self) -> u32 {
        self.inner.limits.max_pages
    }

    /// The success body cap ([`RuntimeBuilder::max_body_bytes`]).
    pub fn max_body_bytes(&self) -> usize {
        self.inner.limits.max_body_bytes
    }

    /// The error body cap ([`RuntimeBuilder::max_error_body_bytes`]).
    pub fn max_error_body_bytes(&self) -> usize {
        self.inner.limits.max_error_body_bytes
    }

    /// Whether requests carry `Prefer: include-unknown-enum-members` (the JSON batch adds
    /// it to each item, as the single request would carry it).
    pub(crate) fn includes_unknown_enum_members(&self) -> bool {
        self.inner.limits.include_unknown_enum_members
    }

    /// The overall deadline of a call started at `started`; `None` when
    /// [`Timeouts::overall`] is too large to add to the clock (no limit).
    fn deadline(&self, started: Instant) -> Option<Instant> {
        started.checked_add(self.inner.timeouts.overall)
    }

    /// The table entry for `operation_id`, if the table has one.
    pub fn operation(&self, operation_id: &str) -> Option<&'static OperationSpec> {
        self.inner.operations.get(operation_id).copied()
    }

    /// [`crate::ensure_available`] for `operation_id` in the configured cloud. An
    /// operation the table does not have fails with [`Error::UnknownOperation`]: its
    /// availability cannot be known.
    pub fn ensure_available(&self, operation_id: &str) -> Result<(), Error> {
        self.op_ctx(operation_id)
            .and_then(|op| op.spec.ensure_available(&self.inner.cloud))
    }

    /// The context of `operation_id`, or [`Error::UnknownOperation`] when the table does
    /// not have it: the runtime fails closed, so that a client built without the table
    /// (progenitor's `Client::new_with_client` over a bare runtime) cannot skip the availability
    /// check of a national cloud.
    pub(crate) fn op_ctx(&self, operation_id: &str) -> Result<OpCtx, Error> {
        let spec = self
            .operation(operation_id)
            .ok_or_else(|| Error::UnknownOperation {
                operation: operation_id.to_owned(),
            })?;
        Ok(OpCtx {
            id: Cow::Borrowed(spec.id),
            path_template: spec.path_template,
            idempotency: spec.idempotency,
            spec,
        })
    }

    /// Obtains a token and sets `Authorization: Bearer ...` (marked sensitive).
    ///
    /// The provider gets what is left of the call's overall deadline: a provider that
    /// takes longer, or never answers, gives [`Error::Timeout`] with 0 attempts.
    async fn authorize(
        &self,
        request: &mut Request,
        op: &OpCtx,
        deadline: Option<Instant>,
    ) -> Result<(), Error> {
        // Through the `dyn` provider itself: `Arc<dyn TokenProvider>` is a provider too, and
        // going through it would box a second future per request.
        let pending = (*self.inner.tokens).token(&self.inner.scopes);
        let result = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), pending)
                .await
                .map_err(|_| Error::Timeout {
                    operation: op.id.to_string(),
                    attempts: 0,
                })?,
            None => pending.await,
        };
        let token = result.map_err(|source| Error::Auth {
            operation: op.id.to_string(),
            source,
        })?;
        let value = self
            .authorization_value(token.secret)
            .ok_or_else(|| Error::Auth {
                operation: op.id.to_string(),
                source: TokenError::new("the token is not a valid HTTP header value"),
            })?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    /// The sensitive `Bearer {secret}` header value, from the cache when `secret` is the
    /// token it was built for.
    fn authorization_value(&self, secret: SecretString) -> Option<HeaderValue> {
        let cache = &self.inner.authorization;
        if let Some((cached, value)) = &*cache.lock().unwrap_or_else(|e| e.into_inner())
            && *cached == secret
        {
            return Some(value.clone());
        }
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", secret.expose_secret())).ok()?;
        value.set_sensitive(true);
        *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some((secret, value.clone()));
        Some(value)
    }

    /// Everything before the first attempt of an operation of the table: availability,
    /// `api-version` removal, origin check, `Prefer`, token (bounded by `deadline`).
    async fn prepare(
        &self,
        request: &mut Request,
        op: &OpCtx,
        deadline: Option<Instant>,
    ) -> Result<(), Error> {
        op.spec.ensure_available(&self.inner.cloud)?;
        request.headers_mut().remove(API_VERSION_NAME);
        if self.inner.limits.include_unknown_enum_members {
            add_preference(request.headers_mut(), INCLUDE_UNKNOWN_ENUM_MEMBERS);
        }
        if !same_origin(request.url(), &self.inner.base_url) {
            return Err(Error::InvalidRequest {
                operation: op.id.to_string(),
                reason: format!(
                    "request URL origin {} differs from the configured base URL; refusing to send the token there",
                    origin_of(request.url())
                ),
            });
        }
        self.authorize(request, op, deadline).await
    }

    /// The progenitor `pre` hook: refuses an operation the runtime's table does not have
    /// ([`Error::UnknownOperation`]), checks availability in the configured cloud (nothing
    /// is sent if the operation does not exist there), removes the `api-version` header,
    /// refuses URLs outside the base URL's origin and sets the `Authorization` header.
    ///
    /// Errors become `progenitor_client::Error::Custom`; inside [`GraphRuntime::call`]
    /// the typed [`Error`] is returned instead.
    pub async fn pre_hook<E>(
        &self,
        request: &mut Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let mut started = Instant::now();
        with_call_state(|s| started = *s.started.get_or_insert(started));
        let prepared = match self.op_ctx(info.operation_id) {
            Ok(op) => {
                with_call_state(|s| s.operation = Some(op.id.clone()));
                self.prepare(request, &op, self.deadline(started)).await
            }
            Err(e) => {
                with_call_state(|s| s.operation = Some(Cow::Owned(info.operation_id.to_owned())));
                Err(e)
            }
        };
        match prepared {
            Ok(()) => Ok(()),
            Err(e) => {
                let text = e.to_string();
                with_call_state(|s| s.error = Some(e));
                Err(progenitor_client::Error::Custom(text))
            }
        }
    }

    /// The progenitor `exec` hook: the retry loop (see [`RetryPolicy`]) with
    /// `client-request-id`, timeouts and the tracing span.
    ///
    /// It returns the final response, so progenitor's own status handling still works.
    /// For a 2xx it has read the body (up to [`RuntimeBuilder::max_body_bytes`]) and
    /// hands it back under the operation's [`OperationSpec::success_status`]: any 2xx of
    /// an operation without a result, and any 2xx with a body of an operation with one,
    /// becomes the status progenitor decodes, so every 2xx gives the same typed result.
    /// For an error status it has read (up to
    /// [`RuntimeBuilder::max_error_body_bytes`]) and parsed the body (the response handed
    /// back carries the same bytes) and, inside [`GraphRuntime::call`], recorded the
    /// typed [`Error`]. A body over its cap is [`Error::ResponseTooLarge`] (a
    /// request-builder error to progenitor, the typed error inside `call`).
    ///
    /// The overall deadline ([`Timeouts::overall`]) counts from the `pre` hook inside
    /// [`GraphRuntime::call`], so it covers the token wait; without `call`, the token
    /// wait and the attempts each get the overall limit.
    ///
    /// If `pre_hook` was not wired (no `Authorization` header yet), `exec_hook` does its
    /// work itself; a failure there (unavailable operation, token error) can only be
    /// reported to progenitor as a request-builder error, and as the typed error inside
    /// [`GraphRuntime::call`]. Nothing is sent in that case.
    pub async fn exec_hook(
        &self,
        mut request: Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        let op = match self.op_ctx(info.operation_id) {
            Ok(op) => op,
            Err(e) => {
                with_call_state(|s| {
                    s.operation = Some(Cow::Owned(info.operation_id.to_owned()));
                    s.error = Some(e);
                });
                return Err(refused(&self.inner.http));
            }
        };
        let mut started = Instant::now();
        with_call_state(|s| started = *s.started.get_or_insert(started));
        if !request.headers().contains_key(AUTHORIZATION)
            && let Err(e) = self
                .prepare(&mut request, &op, self.deadline(started))
                .await
        {
            with_call_state(|s| {
                s.operation = Some(op.id.clone());
                s.error = Some(e);
            });
            return Err(refused(&self.inner.http));
        }
        let outcome = self.run(request, &op, started).await;
        let status = outcome.result.as_ref().ok().map(|r| r.status().as_u16());
        with_call_state(|s| {
            s.operation = Some(op.id.clone());
            s.attempts = outcome.attempts;
            s.status = status;
        });
        let RunOutcome {
            result,
            attempts,
            last_retry_after,
            exhausted,
            client_request_id,
        } = outcome;
        let response = result?;
        if response.status().is_success() {
            return match self.success_for_progenitor(response, &op).await {
                Ok(response) => Ok(response),
                Err(e) => {
                    with_call_state(|s| s.error = Some(e));
                    Err(refused(&self.inner.http))
                }
            };
        }
        let (typed, rebuilt) = self
            .read_error(
                response,
                &op,
                attempts,
                last_retry_after,
                exhausted,
                &client_request_id,
            )
            .await;
        with_call_state(|s| s.error = Some(typed));
        Ok(rebuilt)
    }

    /// Runs one progenitor call (`client.op().send()` or `client.op(..)`) and turns its
    /// error into the runtime's typed [`Error`], using what the hooks recorded: the
    /// operation id, attempts, the parsed Graph error, `UnsupportedInCloud`, token
    /// failures.
    pub async fn call<T, E, F>(&self, fut: F) -> Result<ResponseValue<T>, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        let (result, state) = CALL
            .scope(RefCell::new(CallState::default()), async {
                let result = fut.await;
                let state = CALL.with(|s| std::mem::take(&mut *s.borrow_mut()));
                (result, state)
            })
            .await;
        match result {
            Ok(value) => Ok(value),
            Err(e) => {
                if let Some(typed) = state.error {
                    return Err(typed);
                }
                let operation = state.operation.as_deref().unwrap_or("<unknown>");
                Err(convert_progenitor(e, operation, state.attempts.max(1), state.status).await)
            }
        }
    }

    /// Sends a request built outside progenitor (paging uses it) through the whole
    /// pipeline: the operation table (an `operation_id` it lacks is
    /// [`Error::UnknownOperation`], nothing sent), availability, token,
    /// `client-request-id`, retries, tracing. A non-2xx answer becomes [`Error::Graph`] or
    /// [`Error::ThrottledOutOfRetries`].
    ///
    /// The success response's body is not read: read it with a cap (as
    /// [`GraphRuntime::fetch_page`] does with [`RuntimeBuilder::max_body_bytes`]).
    pub async fn send(&self, request: Request, operation_id: &str) -> Result<Response, Error> {
        let op = self.op_ctx(operation_id)?;
        self.send_ctx(request, &op).await
    }

    /// [`GraphRuntime::send`] for an operation context built by the runtime itself (the
    /// JSON batch, whose entry is not in the generated table).
    pub(crate) async fn send_ctx(
        &self,
        mut request: Request,
        op: &OpCtx,
    ) -> Result<Response, Error> {
        let op = op.clone();
        let started = Instant::now();
        self.prepare(&mut request, &op, self.deadline(started))
            .await?;
        let outcome = self.run(request, &op, started).await;
        match outcome.result {
            Err(e) => Err(transport_error(e, &op.id, outcome.attempts)),
            Ok(response) if response.status().is_success() => Ok(response),
            Ok(response) => {
                let (typed, _) = self
                    .read_error(
                        response,
                        &op,
                        outcome.attempts,
                        outcome.last_retry_after,
                        outcome.exhausted,
                        &outcome.client_request_id,
                    )
                    .await;
                Err(typed)
            }
        }
    }

    /// Reads an error response's body, builds the typed error and a copy of the
    /// response with the same status, headers and body.
    async fn read_error(
        &self,
        response: Response,
        op: &OpCtx,
        attempts: u32,
        last_retry_after: Option<Duration>,
        exhausted: bool,
        client_request_id: &HeaderValue,
    ) -> (Error, Response) {
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = match read_capped(response, self.inner.limits.max_error_body_bytes).await {
            Ok(body) => body,
            Err(ReadError::TooLarge) => {
                let typed = Error::ResponseTooLarge {
                    operation: op.id.to_string(),
                    status: status.as_u16(),
                    limit: self.inner.limits.max_error_body_bytes,
                };
                let mut rebuilt = http::Response::new(bytes::Bytes::new());
                *rebuilt.status_mut() = status;
                *rebuilt.version_mut() = version;
                return (typed, Response::from(rebuilt));
            }
            // A body cut short still tells the status and the ids of the headers.
            Err(ReadError::Transport(_)) => bytes::Bytes::new(),
        };
        let graph = GraphError::from_parts(
            &op.id,
            status.as_u16(),
            &headers,
            &body,
            client_request_id.to_str().ok(),
        );
        let typed = if exhausted {
            Error::ThrottledOutOfRetries {
                operation: op.id.to_string(),
                attempts,
                last_retry_after,
                last: Box::new(graph),
            }
        } else {
            Error::Graph(Box::new(graph))
        };
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        (typed, Response::from(rebuilt))
    }

    /// The retry loop. Returns the final response (any status) or transport error.
    async fn run(&self, mut request: Request, op: &OpCtx, started: Instant) -> RunOutcome {
        request.headers_mut().remove(API_VERSION_NAME);
        let client_request_id = ensure_client_request_id(&mut request);
        let span = tracing::info_span!(
            "graph.request",
            operation = %op.id,
            method = %request.method(),
            path = %op.path_template,
            client_request_id = %client_request_id.to_str().unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let outcome = self
            .run_attempts(request, op, client_request_id, started)
            .instrument(span.clone())
            .await;
        if !span.is_disabled() {
            span.record("duration_ms", started.elapsed().as_millis() as u64);
        }
        let _enter = span.enter();
        match &outcome.result {
            Ok(r) => tracing::debug!(
                status = r.status().as_u16(),
                attempts = outcome.attempts,
                exhausted = outcome.exhausted,
                "graph call finished"
            ),
            Err(e) => tracing::debug!(
                attempts = outcome.attempts,
                timeout = e.is_timeout(),
                connect = e.is_connect(),
                "graph call failed without a response"
            ),
        }
        outcome
    }

    async fn run_attempts(
        &self,
        request: Request,
        op: &OpCtx,
        client_request_id: HeaderValue,
        started: Instant,
    ) -> RunOutcome {
        let policy = &self.inner.retry;
        let deadline = self.deadline(started);
        let span = tracing::Span::current();
        let is_delete = request.method() == Method::DELETE;
        let mut template = Some(request);
        let mut attempt: u32 = 0;
        let mut last_retry_after = None;
        // An earlier attempt of this call may have been applied without its answer
        // reaching us (504, 503 without Retry-After, a failure after sending).
        let mut maybe_applied = false;
        loop {
            attempt += 1;
            // Send the request itself when its body cannot be cloned: that is the last try.
            let mut req = match template.as_ref().and_then(Request::try_clone) {
                Some(r) => r,
                None => template
                    .take()
                    .expect("the template is only taken on the last attempt"),
            };
            let last_possible = template.is_none();
            if attempt > 1 {
                req.headers_mut()
                    .insert(RETRY_ATTEMPT_NAME, HeaderValue::from(attempt - 1));
                // Pick up a refreshed token; keep the previous one if the provider fails
                // (or runs out the deadline: the attempt then times out at once).
                let _ = self.authorize(&mut req, op, deadline).await;
            }
            let attempt_started = if attempt == 1 {
                started
            } else {
                Instant::now()
            };
            let limit = match deadline {
                Some(deadline) => self.inner.timeouts.per_attempt.min(
                    deadline
                        .saturating_duration_since(attempt_started)
                        .max(Duration::from_millis(1)),
                ),
                None => self.inner.timeouts.per_attempt,
            };
            *req.timeout_mut() = Some(limit);
            span.record("attempt", attempt);
            let result = self.inner.http.execute(req).await;
            // Evaluated by the events below only when they are enabled.
            let elapsed_ms = || attempt_started.elapsed().as_millis() as u64;
            let done = |result, exhausted, last_retry_after| RunOutcome {
                result,
                attempts: attempt,
                last_retry_after,
                exhausted,
                client_request_id: client_request_id.clone(),
            };
            let delay = match result {
                Ok(response) => {
                    let status = response.status();
                    let request_id = response
                        .headers()
                        .get(REQUEST_ID_NAME)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    span.record("status", status.as_u16());
                    span.record("request_id", tracing::field::display(request_id));
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        request_id = %request_id,
                        elapsed_ms = elapsed_ms(),
                        "graph attempt answered"
                    );
                    if is_delete && maybe_applied && status == StatusCode::NOT_FOUND {
                        // The item is gone, most likely by this call's earlier attempt:
                        // report the delete as done rather than a 404 for our own success.
                        tracing::info!(attempt, "a retried delete found nothing to delete");
                        return done(Ok(no_content(&response)), false, last_retry_after);
                    }
                    if !is_retryable_status(status) {
                        return done(Ok(response), false, last_retry_after);
                    }
                    let retry_after = parse_retry_after(response.headers(), SystemTime::now());
                    last_retry_after = retry_after;
                    let server_did_not_process = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some());
                    maybe_applied |= !server_did_not_process;
                    if op.idempotency == Idempotency::NonIdempotent && !server_did_not_process {
                        return done(Ok(response), false, last_retry_after);
                    }
                    if attempt >= policy.max_attempts || last_possible {
                        return done(Ok(response), true, last_retry_after);
                    }
                    let delay = match retry_after {
                        Some(d) if d > policy.max_retry_after => {
                            return done(Ok(response), true, last_retry_after);
                        }
                        Some(d) => d,
                        None => policy.backoff(attempt),
                    };
                    if ends_after(delay, deadline) {
                        return done(Ok(response), true, last_retry_after);
                    }
                    tracing::info!(
                        attempt,
                        status = status.as_u16(),
                        wait_ms = delay.as_millis() as u64,
                        server_asked = retry_after.is_some(),
                        "retrying graph request"
                    );
                    delay
                }
                Err(error) => {
                    let error = error.without_url();
                    tracing::debug!(
                        attempt,
                        timeout = error.is_timeout(),
                        connect = error.is_connect(),
                        elapsed_ms = elapsed_ms(),
                        "graph attempt failed"
                    );
                    // Not connected means not sent: safe for every operation. Anything
                    // else may have reached the server: only idempotent operations.
                    maybe_applied |= !error.is_connect();
                    let retryable = error.is_connect()
                        || (op.idempotency == Idempotency::Idempotent && !error.is_builder());
                    if !retryable || attempt >= policy.max_attempts || last_possible {
                        return done(Err(error), false, last_retry_after);
                    }
                    let delay = policy.backoff(attempt);
                    if ends_after(delay, deadline) {
                        return done(Err(error), false, last_retry_after);
                    }
                    tracing::info!(
                        attempt,
                        wait_ms = delay.as_millis() as u64,
                        "retrying graph request after a transport failure"
                    );
                    delay
                }
            };
            tokio::time::sleep(delay).await;
        }
    }
}

/// Whether a wait of `delay` from now ends at or after `deadline`.
fn ends_after(delay: Duration, deadline: Option<Instant>) -> bool {
    match (deadline, Instant::now().checked_add(delay)) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(deadline), Some(end)) => end >= deadline,
    }
}

/// Adds `preference` to the request's `Prefer` header unless a value already has it:
/// existing values are merged into one header, `a, b, preference` (RFC 7240 section 2
/// lets a client send preferences in one header or several).
fn add_preference(headers: &mut HeaderMap, preference: &str) {
    let mut merged = String::new();
    for value in headers.get_all(PREFER_NAME) {
        let Ok(text) = value.to_str() else {
            // Not text: leave the caller's header alone, add ours as a second one.
            headers.append(
                PREFER_NAME,
                HeaderValue::from_str(preference).expect("a token"),
            );
            return;
        };
        let has_it = text.split(',').any(|p| {
            p.split(';')
                .next()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case(preference))
        });
        if has_it {
            return;
        }
        if !text.trim().is_empty() {
            if !merged.is_empty() {
                merged.push_str(", ");
            }
            merged.push_str(text.trim());
        }
    }
    if !merged.is_empty() {
        merged.push_str(", ");
    }
    merged.push_str(preference);
    match HeaderValue::from_str(&merged) {
        Ok(value) => {
            headers.insert(PREFER_NAME, value);
        }
        Err(_) => {
            headers.append(
                PREFER_NAME,
                HeaderValue::from_str(preference).expect("a token"),
            );
        }
    }
}

/// A genuine `reqwest::Error` without touching the network: what the `exec` hook returns
/// when it refuses a request or a response (the typed error is in the call state).
fn refused(http: &reqwest::Client) -> reqwest::Error {
    http.get("graph-phone-runtime: request refused")
        .build()
        .expect_err("a relative URL never builds")
}

/// Why a capped body read failed.
pub(crate) enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads `response`'s body chunk by chunk, refusing it as soon as `Content-Length` or the
/// bytes read so far exceed `limit`: at most `limit` bytes (plus one chunk) are held.
pub(crate) async fn read_capped(
    mut response: Response,
    limit: usize,
) -> Result<bytes::Bytes, ReadError> {
    let declared = response
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(response.content_length());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let capacity = declared.map_or(0, |n| n as usize);
    let mut body = bytes::BytesMut::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

impl GraphRuntime {
    /// Reads a success body with the cap of [`RuntimeBuilder::max_body_bytes`].
    pub(crate) async fn read_success_body(
        &self,
        response: Response,
        operation: &str,
        status: u16,
    ) -> Result<bytes::Bytes, Error> {
        read_capped(response, self.inner.limits.max_body_bytes)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => Error::ResponseTooLarge {
                    operation: operation.to_owned(),
                    status,
                    limit: self.inner.limits.max_body_bytes,
                },
                ReadError::Transport(e) => transport_error(e, operation, 1),
            })
    }

    /// A 2xx response as progenitor expects it: the body read (with the cap) and the
    /// status set to the operation's documented success status, so that every 2xx gives
    /// the same typed result. progenitor accepts exactly the one success status of the
    /// OpenAPI document; Graph answers an update with 204 or with 200 and the entity, and
    /// Microsoft's SDKs accept any 2xx.
    ///
    /// - an operation without a result (204): any 2xx, its body ignored;
    /// - an operation with a result (200 or 201): any 2xx with a body. A 2xx without one
    ///   cannot give the entity and stays an error ([`Error::InvalidResponse`]).
    async fn success_for_progenitor(
        &self,
        response: Response,
        op: &OpCtx,
    ) -> Result<Response, Error> {
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = self
            .read_success_body(response, &op.id, status.as_u16())
            .await?;
        let expected = StatusCode::from_u16(op.spec.success_status)
            .ok()
            .filter(StatusCode::is_success);
        let status = match expected {
            Some(expected) if expected == StatusCode::NO_CONTENT => expected,
            Some(expected) if !body.is_empty() => expected,
            _ => status,
        };
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(Response::from(rebuilt))
    }
}

/// A `204 No Content` standing for `response` (its request ids kept), for a retried delete
/// whose earlier attempt removed the item.
fn no_content(response: &Response) -> Response {
    let mut rebuilt = http::Response::new(Vec::<u8>::new());
    *rebuilt.status_mut() = StatusCode::NO_CONTENT;
    *rebuilt.version_mut() = response.version();
    for name in ["request-id", "client-request-id", "date"] {
        if let Some(value) = response.headers().get(name) {
            rebuilt.headers_mut().insert(name, value.clone());
        }
    }
    Response::from(rebuilt)
}

/// Sets a fresh UUID v4 `client-request-id` unless the caller already set one; returns it.
/// One logical call keeps its id across retries (the retries are the same request, and
/// Microsoft's support correlates attempts by it); every call, and every page of a
/// listing, gets a new one.
fn ensure_client_request_id(request: &mut Request) -> HeaderValue {
    if let Some(existing) = request.headers().get(CLIENT_REQUEST_ID_NAME)
        && existing.to_str().is_ok()
    {
        return existing.clone();
    }
    let id = HeaderValue::from_bytes(&new_request_id()).expect("a UUID is a valid header value");
    request
        .headers_mut()
        .insert(CLIENT_REQUEST_ID_NAME, id.clone());
    id
}

thread_local! {
    /// The generator of `client-request-id`s, one per thread.
    static REQUEST_IDS: RefCell<fastrand::Rng> = RefCell::new(fastrand::Rng::with_seed(os_seed()));
}

/// A seed from the OS: `RandomState` keys come from the OS once per thread (and differ
/// for every `RandomState` made), so threads and processes get distinct sequences.
fn os_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id())
}

/// A random UUID v4 in its hyphenated lower-case form.
///
/// It correlates requests, it guards nothing, so it comes from a per-thread `fastrand`
/// generator seeded from the OS rather than from a `getrandom` system call per request, as
/// `uuid::Uuid::new_v4` makes.
pub(crate) fn new_request_id() -> [u8; 36] {
    let random = REQUEST_IDS.with(|rng| rng.borrow_mut().u128(..));
    uuid::Builder::from_random_bytes(random.to_be_bytes())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .as_bytes()
        .try_into()
        .expect("a hyphenated UUID is 36 bytes")
}

/// Whether `a` has `b`'s scheme, host and port: the check before a request URL or an
/// `@odata.nextLink` is sent with the token. Public only for the fuzz targets (`fuzz/`).
#[doc(hidden)]
pub fn same_origin(a: &Url, b: &Url) -> bool {
    let same_host = match (a.host_str(), b.host_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a.is_none() && b.is_none(),
    };
    a.scheme() == b.scheme() && same_host && a.port_or_known_default() == b.port_or_known_default()
}

pub(crate) fn origin_of(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default()
            .map_or(String::new(), |p| p.to_string())
    )
}

pub(crate) fn transport_error(e: reqwest::Error, operation: &str, attempts: u32) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            operation: operation.to_owned(),
            attempts,
        }
    } else {
        Error::Transport {
            operation: operation.to_owned(),
            attempts,
            source: e.without_url(),
        }
    }
}

/// Converts a progenitor error into the runtime's [`Error`] without hook records (used
/// by [`GraphRuntime::call`] when the hooks left none, and available to callers who
/// drive progenitor themselves). Reads the body of an unexpected response.
pub async fn from_progenitor<E>(err: progenitor_client::Error<E>, operation: &str) -> Error {
    convert_progenitor(err, operation, 1, None).await
}

async fn convert_progenitor<E>(
    err: progenitor_client::Error<E>,
    operation: &str,
    attempts: u32,
    status: Option<u16>,
) -> Error {
    use progenitor_client::Error as P;
    match err {
        P::InvalidRequest(reason) | P::Custom(reason) => Error::InvalidRequest {
            operation: operation.to_owned(),
            reason,
        },
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
            transport_error(e, operation, attempts)
        }
        P::ErrorResponse(rv) => Error::Graph(Box::new(GraphError::from_parts(
            operation,
            rv.status().as_u16(),
            rv.headers(),
            b"",
            None,
        ))),
        P::InvalidResponsePayload(_, e) => Error::InvalidResponse {
            operation: operation.to_owned(),
            status: status.unwrap_or(0),
            reason: describe_json_error(&e),
        },
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            if response.status().is_success() {
                return Error::InvalidResponse {
                    operation: operation.to_owned(),
                    status,
                    reason: "success status not described by the API".to_owned(),
                };
            }
            let headers: HeaderMap = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            Error::Graph(Box::new(GraphError::from_parts(
                operation, status, &headers, &body, None,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn request() -> Request {
        Request::new(Method::GET, Url::parse("http://127.0.0.1/v1.0/me").unwrap())
    }

    #[test]
    fn request_ids_are_distinct_uuid_v4s() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = new_request_id();
            let text = std::str::from_utf8(&id).unwrap();
            let parsed = uuid::Uuid::parse_str(text).unwrap();
            assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(
                parsed.hyphenated().to_string(),
                text,
                "hyphenated lower case"
            );
            assert!(seen.insert(id), "a request id repeated");
        }
    }

    #[test]
    fn threads_draw_different_request_ids() {
        let first = || std::thread::spawn(new_request_id).join().unwrap();
        assert_ne!(first(), first(), "each thread's generator has its own seed");
    }

    #[test]
    fn client_request_id_is_set_once_and_kept() {
        let mut req = request();
        let id = ensure_client_request_id(&mut req);
        assert_eq!(req.headers().get(CLIENT_REQUEST_ID), Some(&id));
        assert_eq!(
            ensure_client_request_id(&mut req),
            id,
            "kept, as across retries"
        );
        assert_ne!(
            ensure_client_request_id(&mut request()),
            id,
            "fresh per call"
        );
    }

    #[test]
    fn a_caller_client_request_id_is_kept_unless_unreadable() {
        let mut req = request();
        req.headers_mut()
            .insert(CLIENT_REQUEST_ID, HeaderValue::from_static("caller-id"));
        assert_eq!(ensure_client_request_id(&mut req), "caller-id");
        let mut req = request();
        req.headers_mut().insert(
            CLIENT_REQUEST_ID,
            HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        let id = ensure_client_request_id(&mut req);
        assert!(uuid::Uuid::parse_str(id.to_str().unwrap()).is_ok());
        assert_eq!(req.headers().get(CLIENT_REQUEST_ID), Some(&id));
    }

    #[test]
    fn same_origin_ignores_host_case_and_default_ports() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &url("https://GRAPH.microsoft.com/v1.0/me"),
            &url("https://graph.microsoft.com:443/v1.0"),
        ));
        assert!(!same_origin(
            &url("http://graph.microsoft.com/v1.0"),
            &url("https://graph.microsoft.com/v1.0"),
        ));
        assert!(!same_origin(
            &url("https://graph.microsoft.com.evil/v1.0"),
            &url("https://graph.microsoft.com/v1.0"),
        ));
        assert!(!same_origin(
            &url("https://graph.microsoft.com:8443/v1.0"),
            &url("https://graph.microsoft.com/v1.0"),
        ));
        assert!(!same_origin(
            &url("data:text/plain,x"),
            &url("https://graph.microsoft.com/v1.0"),
        ));
    }
}
