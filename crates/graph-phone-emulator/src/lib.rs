//! A local, stateful emulator of the Microsoft Graph v1.0 user authentication method
//! endpoints (`/me/authentication/...` and `/users/{id | userPrincipalName}/authentication/...`),
//! for testing Graph clients over real HTTP without touching Graph.
//!
//! It enforces the phone method rules, the permission tables and Graph's error shape described
//! in the crate README, pages collections with `@odata.nextLink`, honours `$select`, and can
//! inject faults (throttling, outages, timeouts after a change was applied, dropped
//! connections, latency, malformed JSON) deterministically. Every request is recorded so a
//! test can assert which requests arrived and which changes were applied.
//!
//! It also serves Graph's JSON batching, `POST /v1.0/$batch`
//! ([Combine multiple HTTP requests using JSON batching](https://learn.microsoft.com/graph/json-batching)):
//! at most 20 requests, unique ids, `dependsOn` (an item whose dependency failed is 424), each
//! item run in request order through the same routing, authorization (the batch's bearer
//! token), validation, faults and state as a single request, and logged as its own
//! [`RequestRecord`] (with [`RequestRecord::batch_item`]). See the crate README.
//!
//! It serves the password reset
//! ([resetPassword](https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword)):
//! `202 Accepted` with the `Location` of a long-running operation that moves from
//! `notStarted` through `running` to `succeeded` one step per read, or to `failed` or nowhere
//! under the [`FaultKind::OperationFails`] and [`FaultKind::OperationStaysRunning`] faults.
//!
//! Optionally it throttles as Graph does ([`EmulatorBuilder::throttle`], [`Throttle`]): token
//! buckets per application and tenant, each request and each batch item counted, a 429 with
//! `Retry-After` and Graph's throttling body when a bucket is empty, and the named profile
//! [`Throttle::identity_and_access`] with the limits Graph documents for its identity and
//! access service; and it can add a service latency to every request
//! ([`EmulatorBuilder::latency`]), to model Graph's round trip in a benchmark.
//!
//! ```no_run
//! # async fn demo() -> Result<(), graph_phone_emulator::Error> {
//! use graph_phone_emulator::{Emulator, FaultKind, FaultRule, RetryAfter, Tenant};
//!
//! let emulator = Emulator::builder().tenant(Tenant::example()).page_size(2).start().await?;
//! // base_url() ends in /v1.0: append `/me/authentication/phoneMethods` etc.
//! println!("{}", emulator.base_url());
//! emulator.handle().add_fault(
//!     FaultRule::new("POST", "phoneMethods", FaultKind::TooManyRequests {
//!         retry_after: Some(RetryAfter::Seconds(0.25)),
//!     })
//!     .times(2),
//! );
//! // ... drive a client against emulator.base_url() ...
//! let log = emulator.handle().requests();
//! assert!(log.iter().all(|r| !r.applied));
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod auth;
mod batch;
mod error;
mod faults;
#[rustfmt::skip]
mod generated;
mod handler;
mod number;
mod permissions;
mod phone;
mod redact;
mod reset;
mod route;
mod server;
mod state;
pub mod tenant;
mod throttle;
mod wire;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::Error;
pub use faults::{
    FaultKind, FaultPlan, FaultRule, MAX_LATENCY_MS, MAX_RETRY_AFTER_SECONDS, RetryAfter, Trigger,
};
pub use number::{is_valid_number, mask_for_api, mask_for_log};
pub use redact::MAX_RECORDED_LEN;
pub use tenant::{
    Cloud, DefaultMfaMethod, JsonObject, MethodKind, PhoneMethod, PhoneType, Principal,
    SmsSignInState, Tenant, User, UserPolicy,
};
pub use throttle::{
    Bucket, Counted, PROFILE_IDENTITY_AND_ACCESS, Quota, Throttle, ThrottleLimit, ThrottleScope,
};

/// The default request body limit, in bytes.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The default time allowed for a request body to arrive.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time a connection has to send a complete request head (also how long a
/// keep-alive connection may stay idle).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The default cap on connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// The default capacity of the request log, in records (a record takes well under 1 KiB).
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 10_000;

/// One request as the emulator saw it. Never holds tokens or phone numbers, and never more than
/// [`MAX_RECORDED_LEN`] bytes of any value the client chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// Position in the log, from 1: the order in which requests finished (were answered or
    /// dropped), which is not their arrival order when a `latency` fault held one back.
    /// Records dropped from a full log keep their numbers, so the oldest record kept has
    /// `seq` = [`EmulatorHandle::dropped_requests`] + 1.
    pub seq: u64,
    /// HTTP method (an unusual one masked and cut like `client_request_id`).
    pub method: String,
    /// Path template, e.g. `/users/{id}/authentication/phoneMethods/{id}`; `None` when the
    /// path matched no route.
    pub path_template: Option<String>,
    /// Route under `authentication/` as used by fault rules, e.g. `phoneMethods/{id}`.
    pub route: Option<String>,
    /// Object id of the user whose methods were addressed, once resolved.
    pub user_id: Option<String>,
    /// Status answered; `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    /// Whether a write was applied to the tenant (also true when the response was then
    /// replaced by a 504 or a dropped connection).
    pub applied: bool,
    /// The `client-request-id` header, when the client sent one: as sent when it is a UUID or
    /// any value of at most [`MAX_RECORDED_LEN`] bytes without a phone number; otherwise with
    /// number-like digit runs masked and cut to [`MAX_RECORDED_LEN`] bytes (ending in `…`).
    pub client_request_id: Option<String>,
    /// The `request-id` the emulator generated.
    pub request_id: String,
    /// The injected fault, by its fault-language name (`429`, `drop-after`, ...); `latency`
    /// when only latency was added; `throttle` when the throttling model
    /// ([`EmulatorBuilder::throttle`]) refused the request with a 429.
    pub fault: Option<String>,
    /// For an item of a JSON batch (`POST /v1.0/$batch`), its `id` in the batch (masked and
    /// cut like `client_request_id`); its `client_request_id` is then the batch's. `None` for
    /// a single request and for the batch itself.
    pub batch_item: Option<String>,
}

struct Inner {
    tenant: Tenant,
    faults: faults::FaultState,
    log: RequestLog,
    page_size: Option<usize>,
    /// The throttling model's buckets, when throttling is on.
    throttle: Option<throttle::ThrottleState>,
    /// Added to every HTTP request before it is handled ([`EmulatorBuilder::latency`]).
    latency: Duration,
    /// The long-running operations this emulator started (password resets), by lower-case
    /// operation id: how far each has moved. Not saved in the state file.
    operations: std::collections::BTreeMap<String, reset::LiveOperation>,
}

/// The request log: the newest `capacity` records, and how many older ones were dropped.
struct RequestLog {
    records: VecDeque<RequestRecord>,
    capacity: usize,
    dropped: u64,
}

impl RequestLog {
    fn new(capacity: usize) -> Self {
        Self {
            // Grows as records come; never allocates the whole capacity up front.
            records: VecDeque::new(),
            capacity,
            dropped: 0,
        }
    }

    fn push(&mut self, mut record: RequestRecord) {
        record.seq = self.dropped + self.records.len() as u64 + 1;
        if self.records.len() >= self.capacity {
            if self.records.pop_front().is_none() {
                // Capacity 0: nothing is kept.
                self.dropped += 1;
                return;
            }
            self.dropped += 1;
        }
        self.records.push_back(record);
    }

    fn clear(&mut self) {
        self.records = VecDeque::new();
        self.dropped = 0;
    }
}

/// State shared by the server and every handle.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    cloud: Cloud,
    body_limit: usize,
    body_timeout: Duration,
    state: Option<state::StateFile>,
    addr: SocketAddr,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push_record(&self, record: RequestRecord) {
        self.lock().log.push(record);
    }

    /// `http://host:port` as the client addressed us (for `@odata.nextLink`).
    fn origin(&self, headers: &HeaderMap) -> String {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()));
        match host {
            Some(h) => format!("http://{h}"),
            None => format!("http://{}", self.addr),
        }
    }

    /// Saves `tenant` to the state file, if there is one. On failure the error is logged and
    /// returned: the caller must not apply the change.
    fn save_state(&self, tenant: &Tenant) -> Result<(), Error> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        state.save(tenant).map_err(|source| {
            tracing::error!(
                path = %state.path().display(),
                error = %source,
                "cannot save the state file; the change is not applied"
            );
            Error::File {
                path: state.path().to_path_buf(),
                source,
            }
        })
    }
}

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: empty tenant, global cloud, no paging, no faults,
    /// listening on `127.0.0.1:0`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tenant: Tenant::default(),
            cloud: Cloud::Global,
            page_size: None,
            faults: FaultPlan::default(),
            state_file: None,
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            throttle: None,
            latency: Duration::ZERO,
        }
    }
}

/// Configures and starts an emulator.
#[derive(Debug)]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    tenant: Tenant,
    cloud: Cloud,
    page_size: Option<usize>,
    faults: FaultPlan,
    state_file: Option<PathBuf>,
    body_limit: usize,
    body_timeout: Duration,
    request_log_capacity: usize,
    header_timeout: Duration,
    max_connections: usize,
    throttle: Option<Throttle>,
    latency: Duration,
}

impl EmulatorBuilder {
    /// The address to bind (default `127.0.0.1:0`, an ephemeral loopback port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The tenant to serve.
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.tenant = tenant;
        self
    }

    /// The national cloud to behave as.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// The server-side page size for every collection (`$top` can lower it further).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = Some(n);
        self
    }

    /// The initial fault plan.
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }

    /// Persist the tenant to this file after every applied change; if the file exists when
    /// the emulator starts, it is loaded instead of the configured tenant. The file is locked
    /// (`FILE.lock` next to it) while the emulator runs: a second emulator on it fails to
    /// start with [`Error::StateLocked`]. Saving is atomic (write `FILE.tmp`, sync, rename,
    /// sync the directory); a change that cannot be saved is not applied (the request gets a
    /// 503 `serviceNotAvailable`, [`EmulatorHandle::update_tenant`] an error).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// The request body limit in bytes (default [`DEFAULT_BODY_LIMIT`]).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a request body may take to arrive before a 408 (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How many request records the log keeps (default [`DEFAULT_REQUEST_LOG_CAPACITY`]);
    /// when full, the oldest is dropped and counted ([`EmulatorHandle::dropped_requests`]).
    /// 0 keeps none.
    pub fn request_log_capacity(mut self, records: usize) -> Self {
        self.request_log_capacity = records;
        self
    }

    /// How long a connection has to send a complete request head before it is closed
    /// without an answer (default [`DEFAULT_HEADER_TIMEOUT`]). The same limit closes a
    /// keep-alive connection idle for that long. Must be more than zero.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`DEFAULT_MAX_CONNECTIONS`]). Beyond
    /// the cap, new connections wait in the listen backlog until one closes; idle keep-alive
    /// connections are asked to close to make room. Must be at least 1.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Throttles requests as Graph does (off by default): token buckets per application and
    /// tenant (see [`Throttle`]; [`Throttle::identity_and_access`] is Graph's documented
    /// identity and access limits). Every authenticated request counts, single or an item of
    /// a JSON batch (the batch itself does not); a request that does not fit is answered 429
    /// `TooManyRequests` with `Retry-After` and Graph's throttling error body, and not
    /// applied. [`start`](Self::start) refuses a rate that is not above 0 or a burst under 1
    /// with [`Error::InvalidOption`].
    pub fn throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// A service latency added to every HTTP request before it is handled (default none), to
    /// model Graph's round-trip time: a JSON batch waits it once, not once per item. At most
    /// [`MAX_LATENCY_MS`] milliseconds ([`start`](Self::start) refuses more with
    /// [`Error::InvalidOption`]).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Binds, starts serving in a background task, and returns the running emulator.
    pub async fn start(self) -> Result<RunningEmulator, Error> {
        if self.header_timeout.is_zero() {
            return Err(Error::InvalidOption {
                option: "header_timeout",
                message: "must be more than zero".into(),
            });
        }
        if self.max_connections == 0 {
            return Err(Error::InvalidOption {
                option: "max_connections",
                message: "must be at least 1".into(),
            });
        }
        if let Some(t) = &self.throttle {
            t.validate()?;
        }
        check_latency(self.latency)?;
        let mut tenant = self.tenant;
        tenant.normalize()?;
        let state = match &self.state_file {
            None => None,
            Some(path) => {
                let (state, saved) = state::StateFile::open(path, &tenant)?;
                if let Some(saved) = saved {
                    tenant = saved;
                }
                Some(state)
            }
        };
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: self.listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.listen.to_string(),
            source,
        })?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                tenant,
                faults: faults::FaultState::new(self.faults),
                log: RequestLog::new(self.request_log_capacity),
                page_size: self.page_size,
                throttle: self.throttle.map(throttle::ThrottleState::new),
                latency: self.latency,
                operations: std::collections::BTreeMap::new(),
            }),
            cloud: self.cloud,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            state,
            addr,
        });
        let app = Router::new()
            .fallback(handler::handle)
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel();
        let limits = server::Limits {
            header_timeout: self.header_timeout,
            max_connections: self.max_connections,
        };
        let task = tokio::spawn(server::serve(listener, app, limits, stopped));
        tracing::info!(%addr, cloud = %self.cloud, "graph emulator listening");
        Ok(RunningEmulator {
            handle: EmulatorHandle { shared },
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server too; [`RunningEmulator::shutdown`] also
/// waits until open connections are closed.
#[derive(Debug)]
pub struct RunningEmulator {
    handle: EmulatorHandle,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The Graph base URL, including the version: `http://127.0.0.1:PORT/v1.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle to read and change the state, the request log and the faults.
    pub fn handle(&self) -> &EmulatorHandle {
        &self.handle
    }

    /// Stops accepting, lets in-flight requests finish (up to 2 s), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A cheap, cloneable handle on a running emulator's state.
#[derive(Clone)]
pub struct EmulatorHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.shared.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// A snapshot of the whole tenant.
    pub fn tenant(&self) -> Tenant {
        self.shared.lock().tenant.clone()
    }

    /// A snapshot of one user, by object id or UPN.
    pub fn user(&self, id_or_upn: &str) -> Option<User> {
        let inner = self.shared.lock();
        inner
            .tenant
            .find_user(id_or_upn)
            .map(|i| inner.tenant.users[i].clone())
    }

    /// Changes the tenant under the lock (seed users, tokens, policy...). The result is
    /// validated and, with a state file, saved; when either fails the change is rolled back
    /// and the error returned.
    pub fn update_tenant<R>(&self, change: impl FnOnce(&mut Tenant) -> R) -> Result<R, Error> {
        let mut inner = self.shared.lock();
        let mut tenant = inner.tenant.clone();
        let out = change(&mut tenant);
        tenant.normalize()?;
        self.shared.save_state(&tenant)?;
        inner.tenant = tenant;
        Ok(out)
    }

    /// The requests the log holds, in the order they finished (see [`RequestRecord::seq`]):
    /// every request since the start or the last [`clear_requests`](Self::clear_requests),
    /// less the oldest [`dropped_requests`](Self::dropped_requests) when the log was full.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.records.iter().cloned().collect()
    }

    /// How many records were dropped, oldest first, because the log was full (see
    /// [`EmulatorBuilder::request_log_capacity`]).
    pub fn dropped_requests(&self) -> u64 {
        self.shared.lock().log.dropped
    }

    /// Forgets the request log and the dropped count; `seq` starts again from 1.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Replaces the fault plan (the RNG restarts from the plan's seed).
    pub fn set_faults(&self, plan: FaultPlan) {
        self.shared.lock().faults = faults::FaultState::new(plan);
    }

    /// Appends one rule to the current plan.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.lock().faults.plan.rules.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.plan.rules.clear();
    }

    /// The current rules, with scripted counts as they stand now.
    pub fn faults(&self) -> FaultPlan {
        self.shared.lock().faults.plan.clone()
    }

    /// Changes the server-side page size (`None`: no server paging).
    pub fn set_page_size(&self, n: Option<usize>) {
        self.shared.lock().page_size = n;
    }

    /// Turns throttling on with `throttle` (every bucket starts full) or off (`None`); an
    /// invalid throttle is refused as by [`EmulatorBuilder::throttle`] and changes nothing.
    pub fn set_throttle(&self, throttle: Option<Throttle>) -> Result<(), Error> {
        if let Some(t) = &throttle {
            t.validate()?;
        }
        self.shared.lock().throttle = throttle.map(throttle::ThrottleState::new);
        Ok(())
    }

    /// The throttle in force, if any.
    pub fn throttle(&self) -> Option<Throttle> {
        self.shared
            .lock()
            .throttle
            .as_ref()
            .map(|t| t.config.clone())
    }

    /// Changes the latency added to every request (see [`EmulatorBuilder::latency`]).
    pub fn set_latency(&self, latency: Duration) -> Result<(), Error> {
        check_latency(latency)?;
        self.shared.lock().latency = latency;
        Ok(())
    }
}

/// A service latency is at most [`MAX_LATENCY_MS`].
fn check_latency(latency: Duration) -> Result<(), Error> {
    if latency > Duration::from_millis(MAX_LATENCY_MS) {
        return Err(Error::InvalidOption {
            option: "latency",
            message: format!("must be at most {MAX_LATENCY_MS} ms"),
        });
    }
    Ok(())
}
