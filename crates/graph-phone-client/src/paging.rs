//! The one paging helper the generated list operations use.

use std::future::Future;

use futures::{Stream, StreamExt};
use graph_phone_runtime::{Error, GraphRuntime, Page};
use serde::de::DeserializeOwned;

/// A stream of every item of a listing: `first` fetches the first page (through
/// progenitor), then the runtime follows each `@odata.nextLink`
/// ([`GraphRuntime::stream_pages`]: same-origin check, loop detection, page cap, token,
/// retries, tracing), one page in memory at a time. A bad item is yielded as
/// [`Error::Item`] and the stream goes on; any other error ends the stream after being
/// yielded.
pub(crate) fn stream<T, F>(
    runtime: GraphRuntime,
    operation: &'static str,
    first: F,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    F: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    futures::stream::once(first).flat_map(move |first| match first {
        Ok(page) => runtime
            .clone()
            .into_stream_pages(operation.to_owned(), page)
            .left_stream(),
        Err(e) => futures::stream::once(async move { Err(e) }).right_stream(),
    })
}
