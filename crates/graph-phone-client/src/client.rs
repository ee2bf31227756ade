//! [`GraphClient`]: the generated progenitor client and the runtime, bundled.

use std::future::Future;
use std::sync::Arc;

use graph_phone_runtime::progenitor_client::{self, ClientHooks, OperationInfo, ResponseValue};
use graph_phone_runtime::{Cloud, Error, GraphRuntime, RuntimeBuilder};

use crate::generated::api::OPERATIONS;
use crate::generated::progenitor::Client;

/// A Microsoft Graph client for user authentication methods.
///
/// Cheap to clone (one `Arc`). Start from [`GraphClient::me`] or [`GraphClient::user`];
/// the progenitor client underneath is [`GraphClient::progenitor`].
#[derive(Clone, Debug)]
pub struct GraphClient {
    inner: Arc<Client>,
}

impl GraphClient {
    /// Builds the runtime from `builder` with this crate's operation table (availability
    /// per cloud, idempotency, path templates for traces) and wraps it.
    ///
    /// ```no_run
    /// use graph_phone_client::{Cloud, GraphClient, GraphRuntime, StaticToken};
    /// let client = GraphClient::new(
    ///     GraphRuntime::builder(Cloud::Global).token_provider(StaticToken::new("eyJ0...")),
    /// )?;
    /// # Ok::<(), graph_phone_client::Error>(())
    /// ```
    pub fn new(builder: RuntimeBuilder) -> Result<GraphClient, Error> {
        Ok(GraphClient::from_runtime(
            builder.operations(OPERATIONS).build()?,
        ))
    }

    /// A runtime builder for `cloud`, to configure tokens, retries and timeouts before
    /// [`GraphClient::new`].
    pub fn builder(cloud: Cloud) -> RuntimeBuilder {
        GraphRuntime::builder(cloud)
    }

    /// Wraps an already built runtime. Build it with
    /// `.operations(graph_phone_client::OPERATIONS)`, or availability checks, retry
    /// classification and path templates in traces fall back to defaults.
    pub fn from_runtime(runtime: GraphRuntime) -> GraphClient {
        let client = Client::new_with_client(
            runtime.base_url(),
            runtime.http_client().clone(),
            runtime.clone(),
        );
        GraphClient {
            inner: Arc::new(client),
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

    /// Runs one progenitor call through the runtime and unwraps its value.
    ///
    /// Not an `async fn`: the progenitor future (kilobytes) is boxed before any future
    /// holds it, so the futures above it stay small and moving them copies a pointer, not
    /// the whole call (an `async fn` would keep its argument inline, a copy per layer).
    pub(crate) fn call<T, E, F>(
        &self,
        fut: F,
    ) -> impl Future<Output = Result<T, Error>> + use<'_, T, E, F>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        let fut = Box::pin(fut);
        let runtime = self.runtime();
        async move { runtime.call(fut).await.map(ResponseValue::into_inner) }
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
