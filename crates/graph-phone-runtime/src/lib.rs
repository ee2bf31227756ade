//! Hand-written runtime under the generated Microsoft Graph phone-methods client.
//!
//! This crate is never generated and holds everything that is not per operation:
//! tokens ([`TokenProvider`], [`StaticToken`], [`CachingTokenProvider`], and
//! `AzureCredential` behind the `azure-identity` feature), national clouds ([`Cloud`])
//! and per-cloud availability ([`ensure_available`]), retries and timeouts
//! ([`RetryPolicy`], [`Timeouts`]), the typed [`Error`], paging
//! ([`GraphRuntime::stream_pages`]), input checks ([`PhoneNumber`], [`PhoneMethodId`],
//! [`UserRef`], [`encode_path_segment`]), JSON batching ([`BatchItem`],
//! [`GraphRuntime::send_batch`]) and the bulk path ([`Bulk`]: per-item retries, adaptive
//! concurrency and batch size), long-running operations ([`GraphRuntime::start_operation`],
//! [`GraphRuntime::poll_operation`]: `202 Accepted` + `Location`, polled until a terminal
//! status) and tracing. Its audience is the generated
//! `graph-phone-client` crate, which re-exports what users need; users rarely name this
//! crate.
//!
//! # Integration contract for the progenitor-generated client
//!
//! progenitor 0.15 builds each request once and hands it to three hooks
//! (`ClientHooks::pre`, `exec`, `post`); `exec` receives the owned `reqwest::Request`
//! and may send it as often as it likes, so the retry loop lives there (the request is
//! cloned per attempt with `Request::try_clone`; bodies here are small JSON).
//!
//! 1. Generate with `GenerationSettings::with_inner_type(quote!(graph_phone_runtime::GraphRuntime))`
//!    and `with_hooks(HooksMode::Expected)`, so a missing hooks impl is one clear error.
//!    The generated code names `progenitor_client` and `reqwest`; depend on the same
//!    versions (root `[workspace.dependencies]`), which this crate also re-exports.
//! 2. Build the client from the runtime, so progenitor and the runtime share one base URL
//!    and one `reqwest::Client`:
//!    ```ignore
//!    let rt = GraphRuntime::builder(Cloud::Global)
//!        .token_provider(CachingTokenProvider::new(my_provider))
//!        .operations(generated::OPERATIONS)        // &'static [OperationSpec] from spec/
//!        .build()?;
//!    let client = generated::Client::new_with_client(rt.base_url(), rt.http_client().clone(), rt.clone());
//!    ```
//! 3. Implement the hooks for the generated `Client` (not `&Client`: progenitor uses
//!    auto-ref specialisation) by delegating to the runtime:
//!    ```ignore
//!    impl progenitor_client::ClientHooks<GraphRuntime> for Client {
//!        async fn pre<E>(&self, request: &mut reqwest::Request, info: &OperationInfo)
//!            -> Result<(), progenitor_client::Error<E>> {
//!            self.inner.pre_hook(request, info).await
//!        }
//!        async fn exec(&self, request: reqwest::Request, info: &OperationInfo)
//!            -> reqwest::Result<reqwest::Response> {
//!            self.inner.exec_hook(request, info).await
//!        }
//!    }
//!    ```
//!    `pre_hook` checks the operation's availability in the configured cloud (nothing is
//!    sent otherwise), removes progenitor's `api-version` header, refuses a URL outside
//!    the base URL's origin, adds `Prefer: include-unknown-enum-members` and sets
//!    `Authorization` (the token wait counts against [`Timeouts::overall`]). `exec_hook`
//!    adds a fresh `client-request-id` (kept across the retries of that call), runs the
//!    retry loop with per-attempt and overall timeouts inside a `graph.request` tracing
//!    span, and returns the final response. For a 2xx it has read the body (up to
//!    [`RuntimeBuilder::max_body_bytes`]) and hands progenitor the same bytes under the
//!    operation's [`OperationSpec::success_status`], so any 2xx gives the typed result;
//!    for an error status it has parsed the Graph error (body up to
//!    [`RuntimeBuilder::max_error_body_bytes`]) and hands progenitor the same bytes.
//!    `post` needs nothing.
//! 4. Wrap every progenitor call in [`GraphRuntime::call`] to get the typed [`Error`]
//!    (the hooks record the parsed Graph error, attempts, `UnsupportedInCloud`, token
//!    failures in a task-local slot that `call` reads):
//!    ```ignore
//!    let methods = rt.call(client.users_list_phone_methods().user_id(user.as_str()).send()).await?;
//!    ```
//!    Without `call`, progenitor's own `Error<E>` comes back and [`from_progenitor`]
//!    converts it with less detail.
//! 5. Operation metadata is data: emit a `&'static [OperationSpec]` (operation id,
//!    method, path template, [`Idempotency`], [`CloudSet`], success status) from `spec/`.
//!    The runtime fails closed: an operation id its table lacks is refused with
//!    [`Error::UnknownOperation`] before anything is sent (hooks, [`GraphRuntime::send`],
//!    paging), so a client built around a runtime without the table cannot skip the
//!    availability check. Creates
//!    (`POST` to a collection) are [`Idempotency::NonIdempotent`]; `GET`, `PATCH`,
//!    `DELETE` and the SMS sign-in actions are [`Idempotency::Idempotent`].
//! 6. Lists: have progenitor decode the first page as a type that deserializes through
//!    [`Page`] (item by item: a bad item lands in [`Page::item_errors`] instead of failing
//!    the page) and call [`GraphRuntime::stream_pages`] with the list operation id; the
//!    runtime fetches later pages itself (progenitor ignores `x-ms-pageable`), refusing a
//!    link to a page already fetched ([`Error::PagingLoop`]) and stopping at
//!    [`RuntimeBuilder::max_pages`] ([`Error::TooManyPages`]). A bad item is yielded as
//!    [`Error::Item`] and the stream goes on; `try_collect` stops at it, so filter those
//!    out to skip them.
//! 7. Inputs: accept [`PhoneNumber`] and [`PhoneMethodId`] in the ergonomic API, and
//!    [`UserRef`] for `{user-id}`; pass `UserRef::as_str()` to progenitor (its
//!    `encode_path` does the percent-encoding; pre-encoding would double-encode).
//!
//! 8. Long-running operations (an action answering `202 Accepted` with a `Location`, as
//!    [resetPassword](https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword)
//!    does): build the action's request with [`GraphRuntime::operation_request`] (the
//!    table's template filled with encoded path parameters, the body as JSON), send it with
//!    [`GraphRuntime::start_operation`] (any 2xx with a `Location` under the base URL; the
//!    optional body decoded) and poll with [`GraphRuntime::poll_operation`] (or
//!    [`GraphRuntime::poll_operation_with`] and [`PollOptions`]) under the table's `GET`
//!    operation of the `Location`, giving a classifier from the operation type to
//!    [`OperationState`] ([`OperationState::from_status`] reads Graph's
//!    `longRunningOperationStatus`). Waits follow `Retry-After` within
//!    [`PollOptions`]' bounds; `failed`, an unknown status and the time budget end polling
//!    with [`Error::OperationFailed`], [`Error::UnknownOperationStatus`] and
//!    [`Error::OperationTimedOut`], each carrying the [`OperationIds`].
//!
//! # Defaults
//!
//! | setting | default |
//! |---|---|
//! | [`RetryPolicy::max_attempts`] | 4 (one try, three retries) |
//! | [`RetryPolicy::initial_backoff`] / [`RetryPolicy::max_backoff`] | 1 s / 30 s, full jitter |
//! | [`RetryPolicy::max_retry_after`] | 60 s (a longer `Retry-After` ends the retries) |
//! | [`Timeouts::connect`] / [`Timeouts::per_attempt`] / [`Timeouts::overall`] | 10 s / 30 s / 120 s; the overall limit covers the token wait; zero is refused when building, a duration too large for the clock (`Duration::MAX`) means no limit |
//! | [`RuntimeBuilder::max_pages`] | [`DEFAULT_MAX_PAGES`] = 1000 pages per listing, the first included |
//! | [`RuntimeBuilder::max_body_bytes`] | [`DEFAULT_MAX_BODY_BYTES`] = 16 MiB (Graph pages hold at most 999 items of a few KiB: about 4 MiB) |
//! | [`RuntimeBuilder::max_error_body_bytes`] | [`DEFAULT_MAX_ERROR_BODY_BYTES`] = 64 KiB |
//! | [`RuntimeBuilder::include_unknown_enum_members`] | `true`: every request carries `Prefer: include-unknown-enum-members` ([`INCLUDE_UNKNOWN_ENUM_MEMBERS`]), merged into a `Prefer` value already set |
//! | [`DEFAULT_REFRESH_SKEW`] of [`CachingTokenProvider`] | 5 min |
//! | [`PollOptions`] of a long-running operation | wait 1 s without `Retry-After`, waits kept within 100 ms to 30 s, 5 min in all |
//! | scopes | `[cloud.default_scope()]` |
//! | redirects | not followed (the token never leaves the Graph host) |
//!
//! Bodies are read chunk by chunk: a `Content-Length` over the cap is refused before
//! reading, and reading stops as soon as the total passes it, so at most the cap (plus one
//! chunk) is held. [`Error::ResponseTooLarge`] names the operation, the status and the
//! limit. Any 2xx is a success: Graph's
//! [update page](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-update)
//! documents `204 No Content` and an updated object in the body; an operation with a
//! result still needs a body ([`Error::InvalidResponse`] without one).
//!
//! Retried: 429, 503, 504 and transport failures. [`Idempotency::NonIdempotent`]
//! operations (creates) only after 429, 503 with `Retry-After`, or a failure to connect.
//! A `DELETE` whose retry answers 404 after an earlier attempt of the same call may have
//! been applied (504, 503 without `Retry-After`, a failure after sending) succeeds: the
//! item is gone, most likely by that attempt, and a 404 would report the call's own success
//! as a failure.
//!
//! # Correlation ids
//!
//! Every logical call gets a fresh UUID v4 `client-request-id` (unless the caller set
//! one); its retries resend the same request, id included, plus a `retry-attempt: n`
//! header. This follows the Microsoft Graph SDK design for retry handlers ("retried
//! requests should be equivalent to the initial request", with a `retry-attempt`
//! header; microsoftgraph/msgraph-sdk-design, `middleware/RetryHandler.md`), and lets
//! Microsoft support find every attempt of one call from one id. Each page of a listing
//! is its own call with its own id. The ids come from a per-thread `fastrand` generator
//! seeded from the OS, not a system call per request: they correlate, they guard nothing.
//!
//! # Tracing
//!
//! One `graph.request` span per logical call with `operation`, `method`, `path` (the
//! template from the operation table, never the concrete path with a user id),
//! `client_request_id`, and, as they become known, `attempt`, `status`, `request_id` and
//! `duration_ms`. Events: `graph attempt answered` / `graph attempt failed` (debug),
//! `retrying graph request` (info), `graph call finished` (debug). No URL, header value,
//! body, token or phone number is ever recorded.
//!
//! A JSON batch is one `graph.request` call (operation `$batch`) inside a `graph.batch`
//! span (`items`, `client_request_id`); each of its items emits a `graph batch item` debug
//! event (`client_request_id` of the batch, `batch_item` = its id in the batch,
//! `operation`) in the span that was current when the item was built, so a caller's own
//! span sees every send of its item, as it sees a single call's `graph.request` span.
//!
//! # Features
//!
//! The TLS backend of the `reqwest::Client` the runtime builds (one given to
//! [`RuntimeBuilder::http_client`] keeps its own):
//!
//! - `rustls` (default): rustls with the *ring* crypto provider, the platform's
//!   certificate verifier (rustls-platform-verifier), TLS 1.2 and 1.3. The provider is
//!   given to this client only; the runtime never installs a process-wide default.
//! - `rustls-aws-lc`: the same with the aws-lc-rs provider (what reqwest's own `rustls`
//!   feature uses; it compiles the aws-lc C library, which adds tens of seconds to a cold
//!   build). Takes precedence over `rustls` when both are on, so adding it to the
//!   default features is enough.
//! - `native-tls`: the platform's TLS library (OpenSSL on Linux, which needs its headers
//!   to build: `libssl-dev` on Debian and Ubuntu; SChannel on Windows;
//!   Security.framework on macOS). Takes precedence over both rustls features.
//! - None of them (`default-features = false`): plain `http://` only, which is what the
//!   loopback emulator needs; an `https://` base URL then fails at the first request.
//!
//! Under `rustls` (ring) reqwest is compiled with its `rustls-no-provider` feature, and
//! reqwest panics when any `reqwest::Client` is built without a TLS configuration
//! (`reqwest::Client::new()`, including in your own code or tests) unless the program
//! installed a process-wide rustls `CryptoProvider` or something in the build enables
//! reqwest's own `rustls` or `native-tls` feature. Build other clients from
//! [`http_client_builder`], which sets the same TLS configuration as the runtime's.
//! - `azure-identity`: `AzureCredential`, an adapter from azure_core's `TokenCredential`.
#![deny(missing_docs)]

#[cfg(feature = "azure-identity")]
mod azure;
mod batch;
mod bulk;
mod client;
mod cloud;
mod error;
mod input;
mod key;
mod lro;
mod paging;
pub mod permissions;
mod query;
mod retry;
mod runtime;
mod tls;
mod token;
pub mod wire;

#[cfg(feature = "azure-identity")]
pub use azure::AzureCredential;
pub use batch::{BatchFailure, BatchItem, BatchResponse, MAX_BATCH_ITEMS};
pub use bulk::{
    Bulk, BulkProgress, DEFAULT_BULK_MAX_ATTEMPTS, DEFAULT_INITIAL_CONCURRENCY,
    DEFAULT_MAX_CONCURRENCY,
};
pub use client::{
    ClientBuilder, Content, GeneratedClient, TabledRuntime, batch_item, call, call_content,
    check_phone_numbers, list_stream,
};
pub use cloud::{Cloud, CloudSet, Idempotency, OperationSpec, ensure_available};
pub use error::{Error, GraphError, ItemError, redact_pii};
pub use input::{
    PhoneMethodId, PhoneNumber, PhoneNumberError, UserRef, check_path_segment, encode_path_segment,
};
pub use key::{Key, checked_key};
pub use lro::{
    Accepted, Completed, DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MAX_POLL_WAIT,
    DEFAULT_MIN_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, Finished, OperationIds, OperationState,
    PollClock, PollOptions, TokioClock,
};
pub use paging::{DEFAULT_MAX_PAGES, Page};
pub use query::Query;
pub use retry::{RetryPolicy, Timeouts, is_retryable_status, parse_retry_after};
#[doc(hidden)]
pub use runtime::same_origin;
pub use runtime::{
    API_VERSION, CLIENT_REQUEST_ID, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ERROR_BODY_BYTES,
    GraphRuntime, INCLUDE_UNKNOWN_ENUM_MEMBERS, RETRY_ATTEMPT, RuntimeBuilder, from_progenitor,
};
pub use tls::http_client_builder;
pub use token::{
    AccessToken, CachingTokenProvider, DEFAULT_REFRESH_SKEW, SecretString, StaticToken, TokenError,
    TokenProvider,
};

/// The attribute [`TokenProvider`] implementations need (`#[graph_phone_runtime::async_trait]`
/// on the `impl`), re-exported so users need no `async-trait` dependency of their own.
pub use async_trait::async_trait;
/// Re-exported so the generated client and its users name the same versions.
pub use progenitor_client;
pub use reqwest;
