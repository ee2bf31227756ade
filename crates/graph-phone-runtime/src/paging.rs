//! Paging: a `Stream` of items that follows `@odata.nextLink` page by page.

use futures::Stream;
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::runtime::{GraphRuntime, origin_of, same_origin};

/// One page of a collection: its items and the link to the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The `value` array.
    pub items: Vec<T>,
    /// `@odata.nextLink`, absent on the last page.
    pub next_link: Option<String>,
}

impl<T> Page<T> {
    /// A page from its parts (the generated client builds the first page from
    /// progenitor's typed collection response).
    pub fn new(items: Vec<T>, next_link: Option<String>) -> Self {
        Self { items, next_link }
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Decodes a Graph collection body (`{"value": [...], "@odata.nextLink": "..."}`).
    /// A missing `value` is an empty page.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        let page: PageBody<T> = serde_json::from_slice(body)?;
        Ok(Page {
            items: page.value,
            next_link: page.next_link,
        })
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct PageBody<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

enum State<T> {
    Page {
        items: std::vec::IntoIter<T>,
        next_link: Option<String>,
    },
    Done,
}

impl GraphRuntime {
    /// Streams the items of a listing, starting from its first page and following each
    /// `@odata.nextLink` verbatim (never rebuilt), one page in memory at a time. Pages
    /// with no items are fine. A next link whose scheme, host or port differs from the
    /// configured base URL ends the stream with [`Error::UntrustedNextLink`] before
    /// anything (in particular the token) is sent; one carrying `user:password@` ends it
    /// with [`Error::InvalidResponse`]. Any error ends the stream after
    /// being yielded.
    ///
    /// `operation_id` is the list operation's id; later pages are traced and retried
    /// under it.
    pub fn stream_pages<T>(
        &self,
        operation_id: impl Into<String>,
        first: Page<T>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let runtime = self.clone();
        let operation: String = operation_id.into();
        let start = State::Page {
            items: first.items.into_iter(),
            next_link: first.next_link,
        };
        futures::stream::unfold(start, move |mut state| {
            let runtime = runtime.clone();
            let operation = operation.clone();
            async move {
                loop {
                    match state {
                        State::Done => return None,
                        State::Page {
                            mut items,
                            next_link,
                        } => {
                            if let Some(item) = items.next() {
                                return Some((Ok(item), State::Page { items, next_link }));
                            }
                            // Free this page before fetching the next one.
                            drop(items);
                            let link = next_link?;
                            match runtime.fetch_page::<T>(&operation, &link).await {
                                Ok(page) => {
                                    state = State::Page {
                                        items: page.items.into_iter(),
                                        next_link: page.next_link,
                                    }
                                }
                                Err(e) => return Some((Err(e), State::Done)),
                            }
                        }
                    }
                }
            }
        })
    }

    /// Streams a listing whose first page is fetched from `url` by the runtime (a GET
    /// through [`GraphRuntime::send`]); otherwise as [`GraphRuntime::stream_pages`].
    pub fn stream_from_url<T>(
        &self,
        operation_id: impl Into<String>,
        url: impl Into<String>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.stream_pages(operation_id, Page::new(Vec::new(), Some(url.into())))
    }

    /// Fetches and decodes one page.
    pub async fn fetch_page<T: DeserializeOwned>(
        &self,
        operation_id: &str,
        link: &str,
    ) -> Result<Page<T>, Error> {
        let url = Url::parse(link).map_err(|_| Error::InvalidResponse {
            operation: operation_id.to_owned(),
            status: 200,
            reason: "@odata.nextLink is not an absolute URL".to_owned(),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            // Not sendable verbatim: reqwest would drop it or turn it into a second
            // (Basic) Authorization header. Graph never puts credentials in a link.
            return Err(Error::InvalidResponse {
                operation: operation_id.to_owned(),
                status: 200,
                reason: "@odata.nextLink carries user credentials (user:password@); refusing to follow it"
                    .to_owned(),
            });
        }
        if !same_origin(&url, self.base_url_parsed()) {
            return Err(Error::UntrustedNextLink {
                operation: operation_id.to_owned(),
                origin: origin_of(&url),
            });
        }
        let mut request = reqwest::Request::new(reqwest::Method::GET, url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        let response = self.send(request, operation_id).await?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                Error::Timeout {
                    operation: operation_id.to_owned(),
                    attempts: 1,
                }
            } else {
                Error::Transport {
                    operation: operation_id.to_owned(),
                    attempts: 1,
                    source: e.without_url(),
                }
            }
        })?;
        Page::from_json(&body).map_err(|e| Error::invalid_json(operation_id, status, &e))
    }
}
