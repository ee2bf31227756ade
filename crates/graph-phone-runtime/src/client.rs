//! What every generated client crate shares: its builder ([`ClientBuilder`]), and the
//! helpers its generated operations call ([`call`], [`call_content`], [`list_stream`], [`batch_item`],
//! [`check_phone_numbers`]). A generated crate defines its own `GraphClient` (the ergonomic
//! API hangs off it) around its progenitor client and implements [`GeneratedClient`]; the
//! rest is here, so a slice's client crate is generated whole and no per-slice code is
//! written by hand.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    BatchItem, Cloud, Error, GraphRuntime, OperationSpec, Page, PhoneNumber, RetryPolicy,
    RuntimeBuilder, Timeouts, TokenProvider, encode_path_segment,
};

/// A generated client: its operation table and how it wraps a runtime built with that table.
///
/// Implemented by the `GraphClient` of each generated client crate; [`ClientBuilder::build`]
/// is the only way to the [`TabledRuntime`] it is made from, so such a client always carries
/// its own table (availability per national cloud, idempotency, path templates).
pub trait GeneratedClient: Sized {
    /// The operation table of the client's slice (its generated `OPERATIONS`).
    fn operations() -> &'static [OperationSpec];

    /// The client around `runtime`, which was built with [`Self::operations`].
    fn from_runtime(runtime: TabledRuntime) -> Self;
}

/// A runtime built by [`ClientBuilder::build`] with a client's operation table; nothing else
/// makes one.
#[derive(Debug)]
pub struct TabledRuntime(GraphRuntime);

impl TabledRuntime {
    /// The runtime.
    pub fn into_runtime(self) -> GraphRuntime {
        self.0
    }
}

/// Configures a generated client `C`; start with the client's `builder`, finish with
/// [`ClientBuilder::build`].
///
/// Every setting of [`RuntimeBuilder`] is here except its operation table, which
/// [`build`](Self::build) always sets to `C`'s. `Debug` shows the cloud and base URL only,
/// never the token.
pub struct ClientBuilder<C> {
    runtime: RuntimeBuilder,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl<C: GeneratedClient> ClientBuilder<C> {
    /// Starts configuring a client for `cloud`: set the token source (required), then
    /// [`build`](Self::build).
    pub fn new(cloud: Cloud) -> Self {
        ClientBuilder {
            runtime: GraphRuntime::builder(cloud),
            client: PhantomData,
        }
    }

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
    /// rules. See [`RuntimeBuilder::base_url`].
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

    /// Timeouts; default [`Timeouts::default`]. See [`RuntimeBuilder::timeouts`].
    pub fn timeouts(self, timeouts: Timeouts) -> Self {
        self.map(|b| b.timeouts(timeouts))
    }

    /// Most pages one listing fetches, the first included (default 1000). See
    /// [`RuntimeBuilder::max_pages`].
    pub fn max_pages(self, pages: u32) -> Self {
        self.map(|b| b.max_pages(pages))
    }

    /// Largest success body read, in bytes (default 16 MiB). See
    /// [`RuntimeBuilder::max_body_bytes`].
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

    /// Uses this `reqwest::Client` instead of building one. See
    /// [`RuntimeBuilder::http_client`].
    pub fn http_client(self, client: reqwest::Client) -> Self {
        self.map(|b| b.http_client(client))
    }

    /// `User-Agent`; default `graph-phone-runtime/{version}`. See
    /// [`RuntimeBuilder::user_agent`].
    pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
        self.map(|b| b.user_agent(user_agent))
    }

    /// Validates the configuration and builds the client, with its operation table
    /// ([`GeneratedClient::operations`]). Fails with [`Error::InvalidInput`] naming the
    /// setting (no token provider, a zero timeout or cap, a bad base URL).
    pub fn build(self) -> Result<C, Error> {
        let runtime = self.runtime.operations(C::operations()).build()?;
        Ok(C::from_runtime(TabledRuntime(runtime)))
    }

    fn map(self, f: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder) -> Self {
        ClientBuilder {
            runtime: f(self.runtime),
            client: PhantomData,
        }
    }
}

/// Runs one progenitor call through `runtime` ([`GraphRuntime::call`]) and unwraps its value.
///
/// Not an `async fn`: the progenitor future (kilobytes) is boxed before any future holds it,
/// so the futures above it stay small and moving them copies a pointer, not the whole call.
pub fn call<'a, T, E, F>(
    runtime: &'a GraphRuntime,
    fut: F,
) -> impl Future<Output = Result<T, Error>> + use<'a, T, E, F>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let fut = Box::pin(fut);
    async move { runtime.call(fut).await.map(ResponseValue::into_inner) }
}

/// The content of a media entity (`GET .../$value`): its bytes and the media type Graph
/// declared for them.
///
/// `Debug` shows the media type and the length only, never the bytes (a photo or a file
/// attachment is the user's data).
#[derive(Clone, PartialEq, Eq)]
pub struct Content {
    /// The `Content-Type` of the answer (for example `image/jpeg`), if Graph sent one.
    pub content_type: Option<String>,
    /// The bytes, at most [`crate::RuntimeBuilder::max_body_bytes`] of them.
    pub bytes: bytes::Bytes,
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Content")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Runs a progenitor call answering with bytes (`application/octet-stream`, progenitor's
/// `ByteStream`) through [`GraphRuntime::call`] and collects the bytes with the success body
/// cap ([`crate::RuntimeBuilder::max_body_bytes`]): more is [`Error::ResponseTooLarge`], a
/// transport failure while reading is [`Error::Transport`], never a partial [`Content`].
pub fn call_content<'a, E, F>(
    runtime: &'a GraphRuntime,
    operation: &'static str,
    fut: F,
) -> impl Future<Output = Result<Content, Error>> + use<'a, E, F>
where
    F: Future<
        Output = Result<ResponseValue<progenitor_client::ByteStream>, progenitor_client::Error<E>>,
    >,
{
    let fut = Box::pin(fut);
    async move {
        let value = runtime.call(fut).await?;
        let status = value.status().as_u16();
        let content_type = value
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        collect_capped(
            value.into_inner().into_inner(),
            runtime.max_body_bytes(),
            operation,
            status,
        )
        .await
        .map(|bytes| Content {
            content_type,
            bytes,
        })
    }
}

/// Collects a byte stream, refusing it as soon as it exceeds `limit` bytes.
async fn collect_capped<S>(
    mut stream: S,
    limit: usize,
    operation: &str,
    status: u16,
) -> Result<bytes::Bytes, Error>
where
    S: Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin,
{
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| crate::runtime::transport_error(e, operation, 1))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::ResponseTooLarge {
                operation: operation.to_owned(),
                status,
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A stream of every item of a listing: `first` fetches the first page (through
/// progenitor), then the runtime follows each `@odata.nextLink`
/// ([`GraphRuntime::into_stream_pages`]: same-origin check, loop detection, page cap, token,
/// retries, tracing), one page in memory at a time. A bad item is yielded as
/// [`Error::Item`] and the stream goes on; any other error ends the stream after being
/// yielded.
pub fn list_stream<T, F>(
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

/// A batch item of operation `op` whose path template's placeholders take `segments` in
/// order (each percent-encoded as one path segment), with the query options that are set.
/// The generated `*_item` constructors call this after their checks; an operation missing
/// from the runtime's table is [`Error::UnknownOperation`], a count of segments that does
/// not fit the template [`Error::InvalidRequest`].
pub fn batch_item<T: DeserializeOwned + 'static>(
    runtime: &GraphRuntime,
    op: &'static str,
    segments: &[&str],
    query: &[(&str, Option<String>)],
) -> Result<BatchItem<T>, Error> {
    let spec = runtime
        .operation(op)
        .ok_or_else(|| Error::UnknownOperation {
            operation: op.to_owned(),
        })?;
    let url = fill(spec.path_template, segments, query).ok_or_else(|| Error::InvalidRequest {
        operation: op.to_owned(),
        reason: format!(
            "{} path segment(s) given for the template {}",
            segments.len(),
            spec.path_template
        ),
    })?;
    BatchItem::new(runtime, op, url)
}

/// `template` with each `{...}` replaced by the next of `segments`, encoded, and the query
/// options that are set appended; `None` when the counts differ.
fn fill(template: &str, segments: &[&str], query: &[(&str, Option<String>)]) -> Option<String> {
    let mut url = String::with_capacity(template.len() + 64);
    let mut rest = template;
    let mut segments = segments.iter();
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        url.push_str(&rest[..open]);
        url.push_str(&encode_path_segment(segments.next()?));
        rest = &rest[close + 1..];
    }
    if segments.next().is_some() {
        return None;
    }
    url.push_str(rest);
    let mut first = true;
    for (name, value) in query {
        let Some(value) = value else { continue };
        url.push(if first { '?' } else { '&' });
        first = false;
        url.push_str(name);
        url.push('=');
        url.push_str(&encode_query_value(value));
    }
    Some(url)
}

/// Percent-encodes a query option's value; keeps unreserved characters and `,` (the
/// list separator of `$select` and `$expand`).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks that every property of `body` named in `fields` (wire names) that is present and
/// a string is a valid phone number ([`PhoneNumber::parse`]). The generator lists the
/// phone-number properties of each payload, so no per-type code is needed.
///
/// The error names the property and what is wrong, never the value.
pub fn check_phone_numbers<T: Serialize>(body: &T, fields: &[&'static str]) -> Result<(), Error> {
    let value = serde_json::to_value(body).map_err(|e| Error::InvalidInput {
        field: "body",
        reason: format!("cannot be serialised as JSON: {}", classify_name(&e)),
    })?;
    for field in fields {
        if let Some(number) = value.get(field).and_then(serde_json::Value::as_str) {
            PhoneNumber::parse(number).map_err(|e| Error::InvalidInput {
                field,
                reason: e.to_string(),
            })?;
        }
    }
    Ok(())
}

fn classify_name(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "data error",
        serde_json::error::Category::Eof => "unexpected end",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(
        parts: &[&'static [u8]],
    ) -> impl Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin {
        futures::stream::iter(
            parts
                .iter()
                .map(|p| Ok(bytes::Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn content_is_collected_up_to_the_cap_and_refused_beyond_it() {
        let whole = collect_capped(chunks(&[b"\x89PNG", b"\r\n"]), 6, "op", 200)
            .await
            .unwrap();
        assert_eq!(&whole[..], b"\x89PNG\r\n");
        let err = collect_capped(
            chunks(&[b"\x89PNG", b"\r\n!"]),
            6,
            "me_photo_get_content",
            200,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, Error::ResponseTooLarge { operation, status: 200, limit: 6 } if operation == "me_photo_get_content"),
            "{err:?}"
        );
    }

    #[test]
    fn content_debug_shows_the_length_not_the_bytes() {
        let content = Content {
            content_type: Some("text/plain".into()),
            bytes: bytes::Bytes::from_static(b"secret notes"),
        };
        let shown = format!("{content:?}");
        assert!(
            shown.contains("text/plain") && shown.contains("12"),
            "{shown}"
        );
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn templates_take_encoded_segments_in_order() {
        assert_eq!(
            fill(
                "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
                &["kim@contoso.com", "a/b c"],
                &[],
            )
            .as_deref(),
            Some("/users/kim@contoso.com/authentication/phoneMethods/a%2Fb%20c")
        );
        assert_eq!(
            fill(
                "/me/authentication/phoneMethods",
                &[],
                &[
                    ("$select", Some("id,phoneType".into())),
                    ("$top", None),
                    ("$expand", Some("device x".into()))
                ],
            )
            .as_deref(),
            Some("/me/authentication/phoneMethods?$select=id,phoneType&$expand=device%20x")
        );
        assert_eq!(fill("/users/{user-id}/x", &[], &[]), None);
        assert_eq!(fill("/me/x", &["extra"], &[]), None);
    }

    #[derive(Serialize)]
    struct Body {
        #[serde(rename = "phoneNumber", skip_serializing_if = "Option::is_none")]
        phone_number: Option<&'static str>,
    }

    #[test]
    fn phone_numbers_are_checked_without_echoing_them() {
        let ok = Body {
            phone_number: Some("+1 5555551234x123"),
        };
        assert!(check_phone_numbers(&ok, &["phoneNumber"]).is_ok());
        let absent = Body { phone_number: None };
        assert!(check_phone_numbers(&absent, &["phoneNumber"]).is_ok());
        let bad = Body {
            phone_number: Some("5555551234"),
        };
        let err = check_phone_numbers(&bad, &["phoneNumber"]).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::InvalidInput {
                    field: "phoneNumber",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("5555551234"));
    }
}
