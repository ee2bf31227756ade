//! JSON batching: typed batch items and one `POST /$batch`, as
//! [Combine multiple HTTP requests using JSON batching](https://learn.microsoft.com/graph/json-batching)
//! describes it.
//!
//! Graph's documented rules this module follows (and its tests check):
//!
//! - at most 20 requests per batch; each has an `id` unique in the batch (compared without
//!   case), a `method`, a `url` relative to the version (`/users/{id}/...`), and `headers`
//!   with a `Content-Type` whenever it has a `body`;
//! - the answer is `{"responses": [...]}` with one response per request, `id`, `status`,
//!   `headers` and `body`, **in any order**: responses are matched to requests by `id`;
//! - a batch that parses is answered `200` whatever its items' statuses; a malformed one is
//!   one `400`; each item is evaluated on its own against throttling and fails alone with
//!   `429` (and its own `Retry-After`).
//!
//! A [`BatchItem`] is built by the generated client from the same operation table as the
//! single call (national-cloud check, input and id checks happen when it is built; nothing
//! is sent then). [`GraphRuntime::send_batch`] sends up to 20 of them in one request and
//! decodes each item's answer to its operation's typed result or typed [`Error`], with the
//! single calls' error mapping ([`GraphError::from_parts`], messages redacted) and body
//! caps ([`crate::RuntimeBuilder::max_body_bytes`] for the whole batch answer and for each
//! item's success body, [`crate::RuntimeBuilder::max_error_body_bytes`] for each item's
//! error body). Retrying throttled items in later batches is [`crate::Bulk`]'s job.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request, Url};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::cloud::{CloudSet, Idempotency, OperationSpec};
use crate::error::{Error, GraphError, describe_json_error};
use crate::retry::parse_retry_after;
use crate::runtime::{
    CLIENT_REQUEST_ID, GraphRuntime, INCLUDE_UNKNOWN_ENUM_MEMBERS, OpCtx, new_request_id,
};

/// The most requests Graph accepts in one JSON batch.
pub const MAX_BATCH_ITEMS: usize = 20;

/// The batch request itself when every item may be sent again after an unknown outcome.
static BATCH_IDEMPOTENT: OperationSpec = OperationSpec {
    id: "$batch",
    method: "POST",
    path_template: "/$batch",
    idempotency: Idempotency::Idempotent,
    clouds: CloudSet::ALL,
    success_status: 200,
};

/// The batch request itself when one of its items is not idempotent (a create): resent
/// whole only when Graph said it did not process it (429, 503 with `Retry-After`) or the
/// connection could not be made, as a single create is.
static BATCH_NON_IDEMPOTENT: OperationSpec = OperationSpec {
    idempotency: Idempotency::NonIdempotent,
    ..BATCH_IDEMPOTENT
};

/// Decodes an item's success body (for an operation without a result, `null`).
type Decode<T> = Arc<dyn Fn(&[u8]) -> Result<T, serde_json::Error> + Send + Sync>;

/// The request part of a batch item: operation, relative URL and body.
pub(crate) struct ItemRequest {
    pub(crate) op: &'static OperationSpec,
    /// Relative to the API base, starting with `/`; holds user ids (never printed).
    url: String,
    body: Option<Box<RawValue>>,
    /// The span current when the item was built: its `graph batch item` events go there,
    /// as a single call's `graph.request` span is a child of the caller's.
    span: tracing::Span,
}

/// One request of a JSON batch whose answer decodes to `T`: what the same operation's
/// single call returns (`()` for operations without a result).
///
/// Built by the generated client (`client.user(u).phone_methods().create_item(&body)`,
/// beside `create(&body)`), which checks the operation's availability in the configured
/// cloud, the inputs and the ids first, exactly as the single call does; nothing is sent
/// until the item goes through [`GraphRuntime::send_batch`] or [`crate::Bulk`]. Cheap to
/// clone. `Debug` names the operation only (the URL holds the user id or UPN, the body may
/// hold a phone number).
pub struct BatchItem<T> {
    pub(crate) request: Arc<ItemRequest>,
    decode: Decode<T>,
    /// Whether a success must carry a body (an operation with a result, not discarded).
    needs_body: bool,
}

impl<T> Clone for BatchItem<T> {
    fn clone(&self) -> Self {
        BatchItem {
            request: self.request.clone(),
            decode: self.decode.clone(),
            needs_body: self.needs_body,
        }
    }
}

impl<T> fmt::Debug for BatchItem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchItem")
            .field("operation", &self.request.op.id)
            .field("method", &self.request.op.method)
            .field("url", &format_args!("<redacted>"))
            .field("body", &self.request.body.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl<T: DeserializeOwned + 'static> BatchItem<T> {
    /// An item of the operation `operation_id` of `runtime`'s table, at `url` (relative to
    /// the API base, starting with `/`, path segments already percent-encoded, query
    /// included), decoded as `T` (for an operation whose single call returns nothing, use
    /// `T = ()`).
    ///
    /// Fails as the single call would before sending: [`Error::UnknownOperation`] when
    /// the table lacks the operation, [`Error::UnsupportedInCloud`] when the configured
    /// cloud does not have it, [`Error::InvalidInput`] for a URL that is not relative.
    pub fn new(
        runtime: &GraphRuntime,
        operation_id: &str,
        url: impl Into<String>,
    ) -> Result<Self, Error> {
        let op = runtime
            .operation(operation_id)
            .ok_or_else(|| Error::UnknownOperation {
                operation: operation_id.to_owned(),
            })?;
        op.ensure_available(runtime.cloud())?;
        let url = url.into();
        if !url.starts_with('/') || url.starts_with("//") || url.contains("://") {
            return Err(Error::InvalidInput {
                field: "url",
                reason: format!(
                    "a batch item of {operation_id} needs a URL relative to the API version, starting with one '/'"
                ),
            });
        }
        Ok(BatchItem {
            request: Arc::new(ItemRequest {
                op,
                url,
                body: None,
                span: tracing::Span::current(),
            }),
            decode: Arc::new(|bytes| serde_json::from_slice(bytes)),
            needs_body: op.success_status != 204,
        })
    }
}

impl<T> BatchItem<T> {
    /// This item with a JSON body (sent with `Content-Type: application/json`, as Graph
    /// requires of an item with a body).
    pub fn with_body(self, body: &impl Serialize) -> Result<Self, Error> {
        let text = serde_json::to_string(body).map_err(|e| Error::InvalidInput {
            field: "body",
            reason: format!("cannot be serialised as JSON: {}", describe_json_error(&e)),
        })?;
        let raw = RawValue::from_string(text).map_err(|e| Error::InvalidInput {
            field: "body",
            reason: describe_json_error(&e),
        })?;
        let request = ItemRequest {
            op: self.request.op,
            url: self.request.url.clone(),
            body: Some(raw),
            span: self.request.span.clone(),
        };
        Ok(BatchItem {
            request: Arc::new(request),
            decode: self.decode,
            needs_body: self.needs_body,
        })
    }

    /// The same request, its success body ignored: its result is `Ok(())` for any 2xx and
    /// the same typed error as before otherwise. Items of different operations go through
    /// one [`crate::Bulk`] run this way.
    pub fn discard(self) -> BatchItem<()> {
        BatchItem {
            request: self.request,
            decode: Arc::new(|_| Ok(())),
            needs_body: false,
        }
    }

    /// The same request, its decoded result passed through `f`: items of different
    /// operations become one type (an enum of your own) and go through one run.
    pub fn map<U>(self, f: impl Fn(T) -> U + Send + Sync + 'static) -> BatchItem<U>
    where
        T: 'static,
    {
        let decode = self.decode;
        BatchItem {
            request: self.request,
            decode: Arc::new(move |bytes| decode(bytes).map(&f)),
            needs_body: self.needs_body,
        }
    }

    /// The operation id (`users_phone_methods_create`, ...).
    pub fn operation(&self) -> &'static str {
        self.request.op.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.request.op.method
    }

    /// Whether the item may be sent again after an unknown outcome (every operation but a
    /// create).
    pub fn idempotency(&self) -> Idempotency {
        self.request.op.idempotency
    }

    /// The relative URL as sent. It holds the user id or UPN: keep it out of logs.
    pub fn url(&self) -> &str {
        &self.request.url
    }

    /// Decodes a success answer (`bytes` is `null` for an operation without a result).
    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<T, serde_json::Error> {
        (self.decode)(bytes)
    }
}

/// The answer to one item of a batch, as Graph sent it: status and headers (names in
/// lower case), and the item's typed result.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchResponse<T> {
    /// The item's HTTP status.
    pub status: u16,
    /// The item's headers (`retry-after`, `request-id`, `location`, ...).
    pub headers: HeaderMap,
    /// The typed result, decoded as the single call's would be.
    pub result: Result<T, Error>,
}

/// An item's answer before decoding.
pub(crate) struct RawItem {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The body's JSON text, `None` when the item had no body.
    pub(crate) body: Option<Box<RawValue>>,
}

impl RawItem {
    /// The `Retry-After` of this item, if any.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers, SystemTime::now())
    }
}

/// What one `POST /$batch` gave.
pub(crate) struct BatchReply {
    /// One entry per request, by position; `None` when the answer had no response for it.
    pub(crate) items: Vec<Option<RawItem>>,
    /// The batch's `client-request-id`.
    pub(crate) client_request_id: String,
}

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    responses: Vec<AnswerItem<'a>>,
}

#[derive(Deserialize)]
struct AnswerItem<'a> {
    id: String,
    status: u16,
    #[serde(default)]
    headers: HashMap<String, serde_json::Value>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
}

impl GraphRuntime {
    /// Sends `items` (at most [`MAX_BATCH_ITEMS`]) as one JSON batch and decodes each
    /// item's answer, in the order of `items`.
    ///
    /// The batch request itself goes through the runtime's pipeline (token,
    /// `client-request-id`, timeouts, tracing) and its retry policy, as a create when an
    /// item is a create: a batch answered 429, 503 or 504 as a whole, or lost on the way,
    /// is sent again only when every item in it may be. Items answered 429, 503 or 504
    /// inside a `200` batch are **not** retried here (each [`BatchResponse`] says what
    /// Graph answered); [`crate::Bulk`] retries them in later batches.
    ///
    /// `Err` is a failure of the whole batch: more than 20 items
    /// ([`Error::InvalidInput`]), an item whose operation the configured cloud lacks
    /// ([`Error::UnsupportedInCloud`], nothing sent), or the batch request's own failure
    /// (its error names the operation `$batch`). No item is sent for an empty `items`.
    pub async fn send_batch<T>(
        &self,
        items: Vec<BatchItem<T>>,
    ) -> Result<Vec<BatchResponse<T>>, Error> {
        let requests: Vec<Arc<ItemRequest>> = items.iter().map(|i| i.request.clone()).collect();
        let reply = self.post_batch(&requests).await?;
        Ok(items
            .iter()
            .zip(reply.items)
            .map(|(item, raw)| match raw {
                Some(raw) => {
                    let result = self.decode_item(item, &raw, &reply.client_request_id, None);
                    BatchResponse {
                        status: raw.status,
                        headers: raw.headers,
                        result,
                    }
                }
                None => BatchResponse {
                    status: 0,
                    headers: HeaderMap::new(),
                    result: Err(missing_answer(item.operation())),
                },
            })
            .collect())
    }

    /// One `POST /$batch` of `requests` (ids `0`, `1`, ... by position), with the
    /// batch-level retries of the runtime's policy.
    pub(crate) async fn post_batch(
        &self,
        requests: &[Arc<ItemRequest>],
    ) -> Result<BatchReply, Error> {
        if requests.is_empty() {
            return Ok(BatchReply {
                items: Vec::new(),
                client_request_id: String::new(),
            });
        }
        if requests.len() > MAX_BATCH_ITEMS {
            return Err(Error::InvalidInput {
                field: "items",
                reason: format!(
                    "a JSON batch holds at most {MAX_BATCH_ITEMS} requests, {} given; split them (Bulk does)",
                    requests.len()
                ),
            });
        }
        for request in requests {
            request.op.ensure_available(self.cloud())?;
        }
        let spec = if requests
            .iter()
            .all(|r| r.op.idempotency == Idempotency::Idempotent)
        {
            &BATCH_IDEMPOTENT
        } else {
            &BATCH_NON_IDEMPOTENT
        };
        let op = OpCtx::internal(spec);
        let body = self.batch_body(requests);
        let url = Url::parse(&format!("{}/$batch", self.base_url())).map_err(|e| {
            Error::InvalidRequest {
                operation: spec.id.to_owned(),
                reason: format!("the batch URL does not parse: {e}"),
            }
        })?;
        let mut request = Request::new(Method::POST, url);
        let client_request_id = String::from_utf8_lossy(&new_request_id()).into_owned();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            CLIENT_REQUEST_ID,
            HeaderValue::from_str(&client_request_id).expect("a UUID is a header value"),
        );
        *request.body_mut() = Some(body.into());
        // Each item's event, in the span it was built in, ties it to this batch: the
        // server logs the batch's `client-request-id` and the item's `id` for it.
        for (i, request) in requests.iter().enumerate() {
            tracing::debug!(
                name: "graph batch item",
                parent: &request.span,
                client_request_id = %client_request_id,
                batch_item = i as u64,
                operation = request.op.id,
                "graph batch item sent"
            );
        }
        let span = tracing::debug_span!(
            "graph.batch",
            items = requests.len(),
            client_request_id = %client_request_id,
        );
        let response = tracing::Instrument::instrument(self.send_ctx(request, &op), span).await?;
        let status = response.status().as_u16();
        let bytes = self.read_success_body(response, spec.id, status).await?;
        let answer: Answer<'_> =
            serde_json::from_slice(&bytes).map_err(|e| Error::invalid_json(spec.id, status, &e))?;
        let mut items: Vec<Option<RawItem>> = (0..requests.len()).map(|_| None).collect();
        for response in answer.responses {
            // Ids are ours (`0`, `1`, ...); anything else, or a repeat, is not an answer
            // to any of our requests.
            let Some(slot) = response
                .id
                .parse::<usize>()
                .ok()
                .filter(|&i| response.id == i.to_string())
                .and_then(|i| items.get_mut(i))
            else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            let mut headers = HeaderMap::new();
            for (name, value) in &response.headers {
                let (Ok(name), Some(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    value.as_str().and_then(|v| HeaderValue::from_str(v).ok()),
                ) else {
                    continue;
                };
                headers.append(name, value);
            }
            *slot = Some(RawItem {
                status: response.status,
                headers,
                body: response.body.map(RawValue::to_owned),
            });
        }
        Ok(BatchReply {
            items,
            client_request_id,
        })
    }

    /// The JSON body of the batch: `{"requests": [...]}`.
    fn batch_body(&self, requests: &[Arc<ItemRequest>]) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            requests: Vec<Item<'a>>,
        }
        #[derive(Serialize)]
        struct Item<'a> {
            id: String,
            method: &'a str,
            url: &'a str,
            #[serde(skip_serializing_if = "HashMap::is_empty")]
            headers: HashMap<&'static str, &'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            body: Option<&'a RawValue>,
        }
        let prefer = self.includes_unknown_enum_members();
        let body = Body {
            requests: requests
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut headers = HashMap::new();
                    if r.body.is_some() {
                        headers.insert("content-type", "application/json");
                    }
                    if prefer {
                        headers.insert("prefer", INCLUDE_UNKNOWN_ENUM_MEMBERS);
                    }
                    Item {
                        id: i.to_string(),
                        method: r.op.method,
                        url: &r.url,
                        headers,
                        body: r.body.as_deref(),
                    }
                })
                .collect(),
        };
        serde_json::to_vec(&body).expect("the batch body serialises")
    }

    /// An item's typed result from its answer: any 2xx decodes (the operation's result, or
    /// nothing for an operation without one), anything else is the Graph error, or
    /// [`Error::ThrottledOutOfRetries`] when `exhausted` carries the attempts and the last
    /// `Retry-After`.
    pub(crate) fn decode_item<T>(
        &self,
        item: &BatchItem<T>,
        raw: &RawItem,
        client_request_id: &str,
        exhausted: Option<(u32, Option<Duration>)>,
    ) -> Result<T, Error> {
        let op = item.request.op;
        let body = raw.body.as_ref().map(|b| b.get().as_bytes());
        let len = body.map_or(0, <[u8]>::len);
        if (200..300).contains(&raw.status) {
            if len > self.max_body_bytes() {
                return Err(Error::ResponseTooLarge {
                    operation: op.id.to_owned(),
                    status: raw.status,
                    limit: self.max_body_bytes(),
                });
            }
            if !item.needs_body {
                return item
                    .decode(b"null")
                    .map_err(|e| Error::invalid_json(op.id, raw.status, &e));
            }
            let Some(body) = body else {
                return Err(Error::InvalidResponse {
                    operation: op.id.to_owned(),
                    status: raw.status,
                    reason: "a success without a body, where the operation returns one".to_owned(),
                });
            };
            return item
                .decode(body)
                .map_err(|e| Error::invalid_json(op.id, raw.status, &e));
        }
        if len > self.max_error_body_bytes() {
            return Err(Error::ResponseTooLarge {
                operation: op.id.to_owned(),
                status: raw.status,
                limit: self.max_error_body_bytes(),
            });
        }
        let graph = GraphError::from_parts(
            op.id,
            raw.status,
            &raw.headers,
            body.unwrap_or_default(),
            Some(client_request_id),
        );
        Err(match exhausted {
            Some((attempts, last_retry_after)) => Error::ThrottledOutOfRetries {
                operation: op.id.to_owned(),
                attempts,
                last_retry_after,
                last: Box::new(graph),
            },
            None => Error::Graph(Box::new(graph)),
        })
    }
}

/// The error of an item the batch answer did not mention.
pub(crate) fn missing_answer(operation: &str) -> Error {
    Error::InvalidResponse {
        operation: operation.to_owned(),
        status: 200,
        reason: "the batch answer has no response for this item".to_owned(),
    }
}

/// `error` of the batch request, renamed to the item's `operation` (the batch's failure
/// is each item's).
pub(crate) fn for_item(error: &Error, operation: &str) -> Error {
    let op = operation.to_owned();
    let graph = |g: &GraphError| {
        let mut g = g.clone();
        g.operation = op.clone();
        Box::new(g)
    };
    match error {
        Error::Graph(g) => Error::Graph(graph(g)),
        Error::ThrottledOutOfRetries {
            attempts,
            last_retry_after,
            last,
            ..
        } => Error::ThrottledOutOfRetries {
            operation: op.clone(),
            attempts: *attempts,
            last_retry_after: *last_retry_after,
            last: graph(last),
        },
        Error::Timeout { attempts, .. } => Error::Timeout {
            operation: op,
            attempts: *attempts,
        },
        Error::UnsupportedInCloud { cloud, .. } => Error::UnsupportedInCloud {
            operation: op,
            cloud,
        },
        Error::Auth { source, .. } => Error::Auth {
            operation: op,
            source: source.clone(),
        },
        Error::InvalidResponse { status, reason, .. } => Error::InvalidResponse {
            operation: op,
            status: *status,
            reason: reason.clone(),
        },
        Error::ResponseTooLarge { status, limit, .. } => Error::ResponseTooLarge {
            operation: op,
            status: *status,
            limit: *limit,
        },
        Error::InvalidRequest { reason, .. } => Error::InvalidRequest {
            operation: op,
            reason: reason.clone(),
        },
        // A transport failure's source cannot be copied: each item shares it.
        other => Error::BatchFailed {
            operation: op,
            source: Arc::new(BatchFailure(other.to_string(), is_connect(other))),
        },
    }
}

/// Whether `error` is a failure to connect (nothing was sent).
pub(crate) fn is_connect(error: &Error) -> bool {
    match error {
        Error::Transport { source, .. } => source.is_connect(),
        Error::BatchFailed { source, .. } => source.1,
        _ => false,
    }
}

/// What failed the JSON batch that carried an item: the batch request's own error as text
/// (no URL, body or token: the runtime's errors never hold them), and whether it was a
/// failure to connect.
#[derive(Debug)]
pub struct BatchFailure(String, bool);

impl BatchFailure {
    /// Whether the batch could not be sent at all (a failure to connect).
    pub fn is_connect(&self) -> bool {
        self.1
    }
}

impl fmt::Display for BatchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BatchFailure {}
