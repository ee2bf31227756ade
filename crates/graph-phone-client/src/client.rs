//! [`GraphClient`] and [`GraphClientBuilder`]: the generated progenitor client and the
//! runtime, bundled, always with this crate's operation table.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use graph_phone_runtime::progenitor_client::{self, ClientHooks, OperationInfo, ResponseValue};
use graph_phone_runtime::{
    Cloud, Error, GraphRuntime, RetryPolicy, RuntimeBuilder, Timeouts, TokenProvider,
};

use crate::generated::api::OPERATIONS;
use crate::generated::progenitor::Client;

/// A Microsoft Graph client for user authentication methods.
///
/// Build it with [`GraphClient::builder`]. Cheap to clone (one `Arc`). Start from
/// [`GraphClient::me`] or [`GraphClient::user`]; the progenitor client underneath is
/// [`GraphClient::progenitor`].
///
/// ```no_run
/// use graph_phone_client::{Cloud, GraphClient, StaticToken};
/// let client = GraphClient::builder(Cloud::Global)
///     .token_provider(StaticToken::new("eyJ0..."))
///     .build()?;
/// # Ok::<(), graph_phone_client::Error>(())
/// ```
///
/// A client always carries this crate's operation table ([`OPERATIONS`](crate::OPERATIONS):
/// availability per national cloud, idempotency, path templates): there is no way to wrap
/// a runtime built without it.
///
/// ```compile_fail,E0599
/// use graph_phone_client::{Cloud, GraphClient, GraphRuntime, StaticToken};
/// let runtime = GraphRuntime::builder(Cloud::China)
///     .token_provider(StaticToken::new("eyJ0..."))
///     .build()
///     .unwrap();
/// let client = GraphClient::from_runtime(runtime);
/// ```
#[derive(Clone, Debug)]
pub struct GraphClient {
    inner: Arc<Client>,
}

/// Configures a [`GraphClient`]; start with [`GraphClient::builder`], finish with
/// [`GraphClientBuilder::build`].
///
/// Every setting of the runtime's [`RuntimeBuilder`] is here except its operation table,
/// which [`build`](Self::build) always sets to this crate's. `Debug` shows the cloud and
/// base URL only, never the token.
pub struct GraphClientBuilder {
    runtime: RuntimeBuilder,
}

impl fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClientBuilder")
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl GraphClientBuilder {
    /// The token source (required). Wrap slow providers in
    /// [`CachingTokenProvider`](crate::CachingTokenProvider). See
    /// [`RuntimeBuilder::token_provider`].
    pub fn token_provider(self, provider: impl TokenProvider) -> Self {
        self.map(|b| b.token_provider(provider))
    }

    /// A shared token source (required unless [`Self::token_provider`] is used). See
    /// [`RuntimeBuilder::shared_token_provider`].
    pub fn shared_token_provider(self, provider: Arc<dyn TokenProvider>) -> Self {
        self.map(|b| b.shared_token_provider(provider))
    }

    /// Overrides the API base URL (including the version path, e.g.
    /// `http://127.0.0.1:8080/v1.0`) while keeping the cloud's scope and availability
    /// rules: point a `Cloud::China` client at the emulator to test China's rules. See
    /// [`RuntimeBuilder::base_url`].
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.map(|b| b.base_url(url))
    }

    /// Token scopes; default `[cloud.default_scope()]`. See [`RuntimeBuilder::scopes`].
    pub fn scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.map(|b| b.scopes(scopes))
    }

    /// Retry policy; default [`RetryPolicy::default`]. See [`RuntimeBuilder::retry_policy`].
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        self.map(|b| b.retry_policy(policy))
    }

    /// Timeouts; default [`Timeouts::default`]. A zero duration is refused by
    /// [`Self::build`]; [`Duration::MAX`](std::time::Duration::MAX) means no limit. See
    /// [`RuntimeBuilder::timeouts`].
    pub fn timeouts(self, timeouts: Timeouts) -> Self {
        self.map(|b| b.timeouts(timeouts))
    }

    /// Most pages one listing fetches, the first included (default 1000); one more ends
    /// the stream with [`Error::TooManyPages`]. See [`RuntimeBuilder::max_pages`].
    pub fn max_pages(self, pages: u32) -> Self {
        self.map(|b| b.max_pages(pages))
    }

    /// Largest success body read, in bytes (default 16 MiB); a larger one is
    /// [`Error::ResponseTooLarge`]. See [`RuntimeBuilder::max_body_bytes`].
    pub fn max_body_bytes(self, bytes: usize) -> Self {
        self.map(|b| b.max_body_bytes(bytes))
    }

    /// Largest error body read, in bytes (default 64 KiB). See
    /// [`RuntimeBuilder::max_error_body_bytes`].
    pub fn max_error_body_bytes(self, bytes: usize) -> Self {
        self.map(|b| b.max_error_body_bytes(bytes))
    }

    /// Whether every request carries `Prefer: include-unknown-enum-members` (default
    /// `true`). See [`RuntimeBuilder::include_unknown_enum_members`].
    pub fn include_unknown_enum_members(self, include: bool) -> Self {
        self.map(|b| b.include_unknown_enum_members(include))
    }

    /// Uses this `reqwest::Client` instead of building one; its connect timeout and
    /// redirect policy are then the caller's business. See [`RuntimeBuilder::http_client`].
    pub fn http_client(self, client: reqwest::Client) -> Self {
        self.map(|b| b.http_client(client))
    }

    /// `User-Agent`; default `graph-phone-runtime/{version}`. See
    /// [`RuntimeBuilder::user_agent`].
    pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
        self.map(|b| b.user_agent(user_agent))
    }

    /// Validates the configuration and builds the client, with this crate's operation
    /// table ([`OPERATIONS`](crate::OPERATIONS)). Fails with [`Error::InvalidInput`]
    /// naming the setting (no token provider, a zero timeout or cap, a bad base URL).
    pub fn build(self) -> Result<GraphClient, Error> {
        let runtime = self.runtime.operations(OPERATIONS).build()?;
        let client = Client::new_with_client(
            runtime.base_url(),
            runtime.http_client().clone(),
            runtime.clone(),
        );
        Ok(GraphClient {
            inner: Arc::new(client),
        })
    }

    fn map(self, f: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder) -> Self {
        GraphClientBuilder {
            runtime: f(self.runtime),
        }
    }
}

impl GraphClient {
    /// Starts configuring a client for `cloud`: set the token source (required), then
    /// [`build`](GraphClientBuilder::build).
    pub fn builder(cloud: Cloud) -> GraphClientBuilder {
        GraphClientBuilder {
            runtime: GraphRuntime::builder(cloud),
        }
    }

    /// The progenitor-generated client: one method per operationId of `spec/openapi.json`.
    /// Wrap its calls in [`GraphRuntime::call`] to get the typed [`Error`].
    pub fn progenitor(&self) -> &Client {
        &self.inner
    }

    /// The runtime (tokens, cloud, retries, paging).
    pub fn runtime(&self) -> &GraphRuntime {
        &self.inner.inner
    }

    /// Runs one progenitor call through the runtime and unwraps its value
    /// ([`graph_phone_runtime::call`]).
    pub(crate) fn call<T, E, F>(
        &self,
        fut: F,
    ) -> impl Future<Output = Result<T, Error>> + use<'_, T, E, F>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        graph_phone_runtime::call(self.runtime(), fut)
    }
}

/// The runtime does the work: availability, token, origin check and `api-version` removal
/// before sending (`pre`); `client-request-id`, retries, timeouts and tracing (`exec`).
impl ClientHooks<GraphRuntime> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner.pre_hook(request, info).await
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner.exec_hook(request, info).await
    }
}
