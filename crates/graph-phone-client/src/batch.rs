//! JSON batching and the bulk path of the client: [`GraphClient::send_batch`],
//! [`GraphClient::bulk`], and the helper the generated `*_item` constructors call.

use graph_phone_runtime::{BatchItem, BatchResponse, Bulk, Error};
use serde::de::DeserializeOwned;

use crate::GraphClient;

impl GraphClient {
    /// Sends up to 20 batch items (from the generated `*_item` constructors, such as
    /// `client.user(u).phone_methods().create_item(&body)`) as one JSON batch and returns
    /// each item's status, headers and typed result, in the order given.
    ///
    /// Items answered 429, 503 or 504 are not retried here; [`GraphClient::bulk`] retries
    /// them. See [`GraphRuntime::send_batch`](graph_phone_runtime::GraphRuntime::send_batch) for what fails the whole batch.
    pub async fn send_batch<T>(
        &self,
        items: Vec<BatchItem<T>>,
    ) -> Result<Vec<BatchResponse<T>>, Error> {
        self.runtime().send_batch(items).await
    }

    /// The bulk path: runs any number of batch items through JSON batches of up to 20,
    /// several at a time, retrying throttled items and adapting concurrency and batch size
    /// to Graph's throttling (see [`Bulk`]).
    ///
    /// ```no_run
    /// # async fn demo(client: graph_phone_client::GraphClient) -> Result<(), graph_phone_client::Error> {
    /// use graph_phone_client::{AuthenticationPhoneType, PhoneAuthenticationMethodCreate};
    /// let users = ["adele@contoso.com", "kim@contoso.com"];
    /// let items = users
    ///     .iter()
    ///     .map(|u| {
    ///         client.user(*u).phone_methods().create_item(&PhoneAuthenticationMethodCreate::new(
    ///             "+1 2065550100",
    ///             AuthenticationPhoneType::Mobile,
    ///         ))
    ///     })
    ///     .collect::<Result<Vec<_>, _>>()?; // checked here, before anything is sent
    /// for (user, result) in users.iter().zip(client.bulk().run(items).await) {
    ///     match result {
    ///         Ok(phone) => println!("{}: created {}", user.len(), phone.id),
    ///         Err(e) => println!("failed: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn bulk(&self) -> Bulk {
        Bulk::new(self.runtime().clone())
    }
}

/// A batch item of operation `op` ([`graph_phone_runtime::batch_item`]); the generated
/// `*_item` constructors call this after their checks.
pub(crate) fn item<T: DeserializeOwned + 'static>(
    client: &GraphClient,
    op: &'static str,
    segments: &[&str],
    query: &[(&str, Option<String>)],
) -> Result<BatchItem<T>, Error> {
    graph_phone_runtime::batch_item(client.runtime(), op, segments, query)
}
