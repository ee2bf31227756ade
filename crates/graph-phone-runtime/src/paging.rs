//! Paging: a `Stream` of items that follows `@odata.nextLink` page by page, with a guard
//! against links that loop and a cap on the number of pages, and item-by-item decoding so
//! that one bad item does not sink its page.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use futures::Stream;
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{Error, ItemError};
use crate::runtime::{GraphRuntime, origin_of, same_origin};

/// One page of a collection: its items, the items that could not be decoded, and the
/// link to the next page.
///
/// Decoding is item by item: an item that does not match `T` (a malformed timestamp, a
/// wrong type) lands in [`Page::item_errors`] with its position, and the page's other
/// items stay in [`Page::items`]. Check `item_errors` when you read pages yourself; the
/// item stream ([`GraphRuntime::stream_pages`]) yields each of them as
/// [`Error::Item`] in its place.
///
/// `Debug` shows whether there is a next link, not the link: it holds the user id or
/// user principal name of the listing.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of `value` that decoded, in order.
    pub items: Vec<T>,
    /// The items of `value` that did not decode, in order of [`ItemError::index`].
    pub item_errors: Vec<ItemError>,
    /// `@odata.nextLink`, absent on the last page.
    pub next_link: Option<String>,
    /// `@odata.context`, when the server sent it.
    pub context: Option<String>,
    /// `@odata.count` (with `$count=true`; Graph sends it on the first page only).
    pub count: Option<i64>,
}

impl<T> Page<T> {
    /// A page from its parts (the generated client builds the first page from
    /// progenitor's typed collection response).
    pub fn new(items: Vec<T>, next_link: Option<String>) -> Self {
        Self {
            items,
            item_errors: Vec::new(),
            next_link,
            context: None,
            count: None,
        }
    }

    /// This page with `item_errors` set.
    pub fn with_item_errors(mut self, item_errors: Vec<ItemError>) -> Self {
        self.item_errors = item_errors;
        self
    }

    /// This page with `@odata.context` and `@odata.count` set.
    pub fn with_annotations(mut self, context: Option<String>, count: Option<i64>) -> Self {
        self.context = context;
        self.count = count;
        self
    }
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The next link and the context URL carry the user id or UPN of the listing.
        f.debug_struct("Page")
            .field("items", &self.items)
            .field("item_errors", &self.item_errors)
            .field("next_link", &self.next_link.as_ref().map(|_| "<redacted>"))
            .field("context", &self.context.as_ref().map(|_| "<redacted>"))
            .field("count", &self.count)
            .finish()
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Decodes a Graph collection body (`{"value": [...], "@odata.nextLink": "..."}`),
    /// item by item. A missing `value` is an empty page.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// The page as read, items still raw JSON.
#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    value: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.context", default)]
    context: Option<String>,
    #[serde(rename = "@odata.count", default)]
    count: Option<i64>,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawPage::deserialize(deserializer)?;
        let values = raw.value.unwrap_or_default();
        let mut items = Vec::with_capacity(values.len());
        let mut item_errors = Vec::new();
        for (index, value) in values.iter().enumerate() {
            match decode_item(value.get()) {
                Ok(item) => items.push(item),
                Err((path, message)) => {
                    item_errors.push(ItemError::new(index, value.get(), path, message))
                }
            }
        }
        Ok(Page {
            items,
            item_errors,
            next_link: raw.next_link,
            context: raw.context,
            count: raw.count,
        })
    }
}

/// Decodes one item, or gives the serde path of the failure and a message without the
/// offending value.
fn decode_item<T: DeserializeOwned>(json: &str) -> Result<T, (String, String)> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        (path, crate::error::describe_item_error(e.inner()))
    })
}

/// Default [`crate::RuntimeBuilder::max_pages`]: 1000 pages per listing.
///
/// A user has a handful of phone methods and at most tens of authentication methods of all
/// kinds, so even a listing paged with `$top=1` ends well inside 1000 pages; a server
/// that keeps sending new links is stopped after 1000 requests.
pub const DEFAULT_MAX_PAGES: u32 = 1000;

/// Remembers the links a listing has fetched (as hashes of the normalised URL: memory is
/// 8 bytes a page) and counts pages.
struct LinkGuard {
    hasher: RandomState,
    seen: HashSet<u64>,
    pages: u32,
    max_pages: u32,
}

impl LinkGuard {
    fn new(max_pages: u32, first_page_fetched: bool) -> Self {
        Self {
            hasher: RandomState::new(),
            seen: HashSet::new(),
            pages: u32::from(first_page_fetched),
            max_pages,
        }
    }

    /// Records that `url` is about to be fetched, or says why it must not be.
    fn admit(&mut self, url: &Url, operation: &str) -> Result<(), Error> {
        if !self.seen.insert(self.hasher.hash_one(normalise(url))) {
            return Err(Error::PagingLoop {
                operation: operation.to_owned(),
                pages: self.pages,
            });
        }
        if self.pages >= self.max_pages {
            return Err(Error::TooManyPages {
                operation: operation.to_owned(),
                limit: self.max_pages,
            });
        }
        self.pages += 1;
        Ok(())
    }
}

/// The form two links are compared in: `Url` has already lower-cased the scheme and host,
/// dropped a default port and resolved dot segments; the fragment is dropped and the
/// query pairs are decoded and sorted, so reordered or differently encoded parameters
/// are the same link.
fn normalise(url: &Url) -> (String, String, Option<u16>, String, Vec<(String, String)>) {
    let mut query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    query.sort();
    (
        url.scheme().to_owned(),
        url.host_str().unwrap_or("").to_owned(),
        url.port_or_known_default(),
        url.path().to_owned(),
        query,
    )
}

struct Walk<T> {
    runtime: GraphRuntime,
    operation: String,
    items: std::vec::IntoIter<T>,
    errors: std::iter::Peekable<std::vec::IntoIter<ItemError>>,
    /// Position in the current page's `value`.
    position: usize,
    next_link: Option<String>,
    guard: LinkGuard,
}

impl<T: DeserializeOwned> Walk<T> {
    fn load(&mut self, page: Page<T>) {
        self.items = page.items.into_iter();
        self.errors = page.item_errors.into_iter().peekable();
        self.position = 0;
        self.next_link = page.next_link;
    }

    /// The next item or bad item of the current page, in page order.
    fn next_in_page(&mut self) -> Option<Result<T, Error>> {
        let position = self.position;
        self.position += 1;
        if self.errors.peek().is_some_and(|e| e.index <= position) {
            let error = self.errors.next()?;
            return Some(Err(Error::Item {
                operation: self.operation.clone(),
                error: Box::new(error),
            }));
        }
        if let Some(item) = self.items.next() {
            return Some(Ok(item));
        }
        // Only errors left (their indexes past the items): yield them in order.
        let error = self.errors.next()?;
        Some(Err(Error::Item {
            operation: self.operation.clone(),
            error: Box::new(error),
        }))
    }
}

impl GraphRuntime {
    /// Streams the items of a listing, starting from its first page and following each
    /// `@odata.nextLink` verbatim (never rebuilt), one page in memory at a time. Pages
    /// with no items are fine.
    ///
    /// Items that do not decode are yielded as [`Error::Item`] in their place and the
    /// stream goes on (so `try_collect` stops at the first one; filter them out to skip
    /// them). Every other error ends the stream after being yielded:
    ///
    /// - a next link whose scheme, host or port differs from the configured base URL:
    ///   [`Error::UntrustedNextLink`], before anything (in particular the token) is sent;
    ///   one carrying `user:password@`: [`Error::InvalidResponse`];
    /// - a next link to a page this listing has already fetched (the same URL after
    ///   normalisation: a self-loop, or A -> B -> A): [`Error::PagingLoop`]. The first
    ///   page's own URL is unknown here when the generated client fetched it, so a link
    ///   back to the first page is caught when it comes round again, after its items
    ///   were yielded a second time;
    /// - more pages than [`crate::RuntimeBuilder::max_pages`] (default
    ///   [`DEFAULT_MAX_PAGES`], the first page included): [`Error::TooManyPages`].
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
        self.clone().walk(operation_id.into(), first, true)
    }

    /// [`GraphRuntime::stream_pages`] on an owned runtime and operation id: the stream
    /// borrows nothing, for callers that build it inside a closure.
    pub fn into_stream_pages<T>(
        self,
        operation_id: String,
        first: Page<T>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.walk(operation_id, first, true)
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
        self.clone().walk(
            operation_id.into(),
            Page::new(Vec::new(), Some(url.into())),
            false,
        )
    }

    fn walk<T>(
        self,
        operation: String,
        first: Page<T>,
        first_page_fetched: bool,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let guard = LinkGuard::new(self.max_pages(), first_page_fetched);
        let mut walk = Walk {
            runtime: self,
            operation,
            items: Vec::new().into_iter(),
            errors: Vec::new().into_iter().peekable(),
            position: 0,
            next_link: None,
            guard,
        };
        walk.load(first);
        futures::stream::unfold(Some(walk), |walk| async move {
            let mut walk = walk?;
            loop {
                if let Some(next) = walk.next_in_page() {
                    return Some((next, Some(walk)));
                }
                let link = walk.next_link.take()?;
                // Free the spent page before fetching the next one.
                walk.items = Vec::new().into_iter();
                match walk.fetch_guarded(&link).await {
                    Ok(page) => walk.load(page),
                    Err(e) => return Some((Err(e), None)),
                }
            }
        })
    }

    /// Fetches and decodes one page. The body is read up to
    /// [`crate::RuntimeBuilder::max_body_bytes`]; items that do not decode are in
    /// [`Page::item_errors`].
    pub async fn fetch_page<T: DeserializeOwned>(
        &self,
        operation_id: &str,
        link: &str,
    ) -> Result<Page<T>, Error> {
        let url = self.check_next_link(operation_id, link)?;
        self.fetch_url(operation_id, url).await
    }

    async fn fetch_url<T: DeserializeOwned>(
        &self,
        operation_id: &str,
        url: Url,
    ) -> Result<Page<T>, Error> {
        let mut request = reqwest::Request::new(reqwest::Method::GET, url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        let response = self.send(request, operation_id).await?;
        let status = response.status().as_u16();
        let body = self
            .read_success_body(response, operation_id, status)
            .await?;
        Page::from_json(&body).map_err(|e| Error::invalid_json(operation_id, status, &e))
    }

    /// Parses a next link and refuses one that must not get the token.
    fn check_next_link(&self, operation_id: &str, link: &str) -> Result<Url, Error> {
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
        Ok(url)
    }
}

impl<T: DeserializeOwned> Walk<T> {
    async fn fetch_guarded(&mut self, link: &str) -> Result<Page<T>, Error> {
        let url = self.runtime.check_next_link(&self.operation, link)?;
        self.guard.admit(&url, &self.operation)?;
        self.runtime.fetch_url(&self.operation, url).await
    }
}
