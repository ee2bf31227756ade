//! The one paging helper the generated list operations use.

use std::future::Future;

use futures::{Stream, StreamExt};
use graph_phone_runtime::{Error, GraphRuntime, Page};
use serde::de::DeserializeOwned;

/// A stream of every item of a listing: `first` fetches the first page (through
/// progenitor), then each `@odata.nextLink` is fetched verbatim by the runtime
/// ([`GraphRuntime::fetch_page`]: same-origin check, token, retries, tracing), one page in
/// memory at a time. An error ends the stream after being yielded.
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
        Ok(page) => pages_from(runtime.clone(), operation, page).left_stream(),
        Err(e) => futures::stream::once(async move { Err(e) }).right_stream(),
    })
}

struct State<T> {
    runtime: GraphRuntime,
    items: std::vec::IntoIter<T>,
    next_link: Option<String>,
}

fn pages_from<T>(
    runtime: GraphRuntime,
    operation: &'static str,
    first: Page<T>,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let start = State {
        runtime,
        items: first.items.into_iter(),
        next_link: first.next_link,
    };
    futures::stream::unfold(Some(start), move |state| async move {
        let mut state = state?;
        loop {
            if let Some(item) = state.items.next() {
                return Some((Ok(item), Some(state)));
            }
            let link = state.next_link.take()?;
            // Free the spent page before fetching the next one.
            state.items = Vec::new().into_iter();
            match state.runtime.fetch_page::<T>(operation, &link).await {
                Ok(page) => {
                    state.items = page.items.into_iter();
                    state.next_link = page.next_link;
                }
                Err(e) => return Some((Err(e), None)),
            }
        }
    })
}
