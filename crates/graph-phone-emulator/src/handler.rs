//! The request pipeline: route, faults, body, authentication, authorization, query options,
//! the operation itself, and the Graph-shaped response.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::auth;
use crate::error::ApiError;
use crate::faults::FaultKind;
use crate::route::{Coll, Route, Target, UserRef};
use crate::server::ConnectionControl;
use crate::tenant::{JsonObject, MethodKind, Tenant};
use crate::wire;
use crate::{RequestRecord, Shared, phone};

const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A successful outcome before headers and ids are added.
struct Success {
    status: StatusCode,
    body: Option<Value>,
    location: Option<String>,
    /// `Retry-After` in seconds (an operation still running).
    retry_after: Option<u32>,
    /// The request's `Prefer: include-unknown-enum-members` was applied to the body.
    preference_applied: bool,
}

impl Success {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            location: None,
            retry_after: None,
            preference_applied: false,
        }
    }

    /// The answer of a parsed batch: 200 and its `responses`, as JSON batching documents it.
    fn batch(body: Value) -> Self {
        Self::ok(body)
    }

    fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            retry_after: None,
            preference_applied: false,
        }
    }
}

/// What [`Shared::process`] gets besides the request line and headers: the body read, and
/// the fault decided for the request (a fault that shapes the operation, such as
/// `operation-fails`, is applied there).
struct Received<'a> {
    body: &'a [u8],
    fault: Option<&'a FaultKind>,
}

/// Per-request ids echoed in headers and error bodies.
struct Ids {
    request_id: String,
    client_request_id: String,
    given_client_request_id: Option<String>,
}

impl Ids {
    fn new(headers: &HeaderMap) -> Self {
        let request_id = uuid::Uuid::new_v4().to_string();
        let given = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Self {
            client_request_id: given.clone().unwrap_or_else(|| request_id.clone()),
            request_id,
            given_client_request_id: given,
        }
    }
}

/// The single axum handler (mounted as the router's fallback).
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnectionControl>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    match pipeline(
        &shared,
        &parts.method,
        &parts.uri,
        &parts.headers,
        body,
        None,
    )
    .await
    {
        Answer::Respond(response) => response,
        Answer::Drop => {
            conn.kill();
            std::future::pending::<Response>().await
        }
    }
}

/// What the pipeline decided: a response, or (a fault) closing the connection unanswered.
pub(crate) enum Answer {
    Respond(Response),
    Drop,
}

/// What a path addresses.
enum Routed {
    Operation(Route),
    /// `POST /v1.0/$batch` ([`crate::batch`]).
    Batch,
}

/// The whole life of one request (a single request, the batch itself, or an item of a batch,
/// `batch_item` naming it): route, faults, body, then the operation, and the response logged
/// and recorded. Boxed: a batch runs its items through it.
pub(crate) fn pipeline<'a>(
    shared: &'a Arc<Shared>,
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: Body,
    batch_item: Option<&'a str>,
) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
    Box::pin(async move {
        if batch_item.is_none() {
            // The service latency: once per HTTP request (a batch's items do not add theirs).
            let latency = shared.lock().latency;
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
        }
        let ids = Ids::new(headers);
        let mut record = RequestRecord {
            seq: 0,
            method: crate::redact::recorded(method.as_str()),
            path_template: None,
            route: None,
            user_id: None,
            status: None,
            applied: false,
            client_request_id: ids
                .given_client_request_id
                .as_deref()
                .map(crate::redact::recorded),
            request_id: ids.request_id.clone(),
            fault: None,
            batch_item: batch_item.map(crate::redact::recorded),
        };
        let routed = if crate::batch::is_batch_path(uri.path()) && batch_item.is_none() {
            Routed::Batch
        } else {
            match Route::parse(uri.path(), shared.cloud) {
                Ok(r) => Routed::Operation(r),
                Err(e) => return Answer::Respond(finish(shared, &ids, record, Err(e))),
            }
        };
        let route_key = match &routed {
            Routed::Operation(route) => {
                record.path_template = Some(route.template());
                route.key()
            }
            Routed::Batch => {
                record.path_template = Some(format!("/{}", crate::batch::ROUTE));
                crate::batch::ROUTE.to_string()
            }
        };
        record.route = Some(route_key.clone());

        let decision = shared.lock().faults.decide(method.as_str(), &route_key);
        if !decision.latency.is_zero() {
            tokio::time::sleep(decision.latency).await;
        }
        record.fault = match &decision.fault {
            Some(f) => Some(f.name().to_string()),
            None if !decision.latency.is_zero() => Some("latency".to_string()),
            None => None,
        };
        match &decision.fault {
            Some(FaultKind::TooManyRequests { retry_after }) => {
                let mut e = ApiError::new(
                    429,
                    "TooManyRequests",
                    "Too many requests. Please retry after the time given in Retry-After.",
                );
                if let Some(r) = retry_after {
                    e = e.header("retry-after", &r.header_value());
                }
                return Answer::Respond(finish(shared, &ids, record, Err(e)));
            }
            Some(FaultKind::ServiceUnavailable { retry_after }) => {
                let mut e = ApiError::new(
                    503,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                );
                if let Some(r) = retry_after {
                    e = e.header("retry-after", &r.header_value());
                }
                return Answer::Respond(finish(shared, &ids, record, Err(e)));
            }
            Some(FaultKind::DropBeforeApply) => return drop_connection(shared, record),
            _ => {}
        }

        let bytes = match tokio::time::timeout(
            shared.body_timeout,
            axum::body::to_bytes(body, shared.body_limit),
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => {
                let e = ApiError::new(
                    413,
                    "requestEntityTooLarge",
                    format!("The request body exceeds {} bytes.", shared.body_limit),
                );
                return Answer::Respond(finish(shared, &ids, record, Err(e)));
            }
            Err(_) => {
                let e = ApiError::new(
                    408,
                    "requestTimeout",
                    "The request body was not received in time.",
                );
                return Answer::Respond(finish(shared, &ids, record, Err(e)));
            }
        };

        if let Routed::Operation(_) = &routed
            && let Some(refusal) = shared.throttled(method, uri, headers)
        {
            record.fault = Some("throttle".to_string());
            let e = ApiError::new(429, "TooManyRequests", "Please retry again later.")
                .header("retry-after", &refusal.retry_after_header())
                .header("x-ms-throttle-information", refusal.information);
            return Answer::Respond(finish_with(
                shared,
                &ids,
                record,
                Err(e),
                ErrorShape::Throttling,
                false,
            ));
        }

        let outcome = match &routed {
            // A bug must cost one request a 500, never the connection or the process.
            Routed::Operation(route) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let received = Received {
                        body: &bytes,
                        fault: decision.fault.as_ref(),
                    };
                    shared.process(method, uri, headers, route, received, &mut record)
                }))
                .unwrap_or_else(|_| {
                    Err(ApiError::new(
                        500,
                        "generalException",
                        "The emulator failed to handle the request.",
                    ))
                })
            }
            Routed::Batch => {
                match crate::batch::run(shared, method, headers, &bytes, &ids.client_request_id)
                    .await
                {
                    Some(result) => result.map(Success::batch),
                    // An item's fault closed the connection: so does the batch.
                    None => return drop_connection(shared, record),
                }
            }
        };

        match decision.fault {
            Some(FaultKind::GatewayTimeoutAfterApply) => {
                let e = ApiError::new(
                    504,
                    "gatewayTimeout",
                    "The gateway timed out waiting for the service.",
                );
                Answer::Respond(finish(shared, &ids, record, Err(e)))
            }
            Some(FaultKind::DropAfterApply) => drop_connection(shared, record),
            Some(FaultKind::MalformedJson) => Answer::Respond(finish_with(
                shared,
                &ids,
                record,
                outcome,
                ErrorShape::Standard,
                true,
            )),
            _ => Answer::Respond(finish(shared, &ids, record, outcome)),
        }
    })
}

fn drop_connection(shared: &Shared, record: RequestRecord) -> Answer {
    tracing::info!(
        method = %record.method,
        route = record.path_template.as_deref().unwrap_or("-"),
        applied = record.applied,
        "dropping the connection (fault)"
    );
    shared.push_record(record);
    Answer::Drop
}

/// Builds the response, logs it and records it.
fn finish(
    shared: &Shared,
    ids: &Ids,
    record: RequestRecord,
    outcome: Result<Success, ApiError>,
) -> Response {
    finish_with(shared, ids, record, outcome, ErrorShape::Standard, false)
}

/// Which error body an error gets.
#[derive(Clone, Copy)]
enum ErrorShape {
    /// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
    Standard,
    /// The throttling model's 429: Graph's documented throttling body
    /// ([`crate::throttle::error_text`]).
    Throttling,
}

/// [`finish`], optionally breaking the body (the `malformed` fault): the JSON is cut in half,
/// and a 204 becomes a 200 so that it can carry the broken body.
fn finish_with(
    shared: &Shared,
    ids: &Ids,
    mut record: RequestRecord,
    outcome: Result<Success, ApiError>,
    shape: ErrorShape,
    malformed: bool,
) -> Response {
    let (status, body, extra) = match outcome {
        Ok(s) => {
            let mut extra = Vec::new();
            if let Some(loc) = s.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                extra.push((header::LOCATION, loc));
            }
            if let Some(seconds) = s.retry_after {
                extra.push((header::RETRY_AFTER, HeaderValue::from(seconds)));
            }
            if s.preference_applied {
                extra.push((
                    header::HeaderName::from_static("preference-applied"),
                    HeaderValue::from_static(INCLUDE_UNKNOWN_ENUM_MEMBERS),
                ));
            }
            (s.status, s.body.map(|b| b.to_string()), extra)
        }
        Err(e) => {
            let text = match shape {
                ErrorShape::Standard => error_text(&e, &ids.request_id, &ids.client_request_id),
                ErrorShape::Throttling => {
                    crate::throttle::error_text(&ids.request_id, &ids.client_request_id)
                }
            };
            (e.status, Some(text), e.headers)
        }
    };
    let (status, body) = if malformed {
        let full = body.unwrap_or_else(|| String::from("{\"value\":[{\"id\":\"3179e48a-750b"));
        let cut = (full.len() / 2).max(1);
        let broken = full.get(..cut).unwrap_or("{").to_string();
        let status = if status == StatusCode::NO_CONTENT {
            StatusCode::OK
        } else {
            status
        };
        (status, Some(broken))
    } else {
        (status, body)
    };
    record.status = Some(status.as_u16());
    tracing::info!(
        method = %record.method,
        route = record.path_template.as_deref().unwrap_or("-"),
        user = record.user_id.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        applied = record.applied,
        client_request_id = record.client_request_id.as_deref().unwrap_or("-"),
        fault = record.fault.as_deref().unwrap_or("-"),
        "request"
    );
    shared.push_record(record);

    let has_body = body.is_some();
    let mut response = Response::new(body.map_or_else(Body::empty, Body::from));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if has_body {
        let ct = if status.is_success() || malformed {
            JSON_CONTENT_TYPE
        } else {
            "application/json"
        };
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        headers.insert("odata-version", HeaderValue::from_static("4.0"));
    }
    for (name, value) in [
        ("request-id", &ids.request_id),
        ("client-request-id", &ids.client_request_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
    for (name, value) in extra {
        headers.insert(name, value);
    }
    response
}

/// Graph's error body for `e`, with the ids and the date in `innerError`.
pub(crate) fn error_text(e: &ApiError, request_id: &str, client_request_id: &str) -> String {
    let date = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let body = ErrorBody {
        error: ErrorDetail {
            code: &e.code,
            message: &e.message,
            inner_error: InnerError {
                date,
                request_id,
                client_request_id,
            },
        },
    };
    serde_json::to_string(&body).expect("error body serialises")
}

/// Graph's error body, fields in Graph's order.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(rename = "innerError")]
    inner_error: InnerError<'a>,
}

#[derive(serde::Serialize)]
struct InnerError<'a> {
    date: String,
    #[serde(rename = "request-id")]
    request_id: &'a str,
    #[serde(rename = "client-request-id")]
    client_request_id: &'a str,
}

/// The preference that asks for evolvable enum members after `unknownFutureValue`.
const INCLUDE_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";

/// True if a `Prefer` header of the request holds `include-unknown-enum-members` (several
/// preferences may share a header, comma-separated, and several headers may be sent;
/// preference names compare case-insensitively, as RFC 7240 says).
fn prefers_unknown_enum_members(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.split(';').next())
        .any(|p| {
            let name = p.split('=').next().unwrap_or("").trim();
            name.eq_ignore_ascii_case(INCLUDE_UNKNOWN_ENUM_MEMBERS)
        })
}

/// Parsed query options.
#[derive(Debug, Default)]
struct Query {
    select: Option<Vec<String>>,
    /// `$expand`: navigation properties, checked against the resource by [`View::expand`].
    expand: Option<Vec<String>>,
    top: Option<usize>,
    skiptoken: Option<String>,
    count: bool,
    /// The raw `key=value` pairs other than `$skiptoken`, kept for `@odata.nextLink`.
    kept: Vec<String>,
}

const UNSUPPORTED_OPTIONS: &[&str] = &[
    "$filter",
    "$orderby",
    "$search",
    "$skip",
    "$format",
    "$levels",
    "$apply",
    "$compute",
    "$index",
    "$schemaversion",
    "$deltatoken",
];

impl Query {
    fn parse(raw: Option<&str>, method: &Method, collection: bool) -> Result<Self, ApiError> {
        let mut q = Query::default();
        let mut seen: Vec<String> = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            // `+` is a space, as in HTML form encoding (what most HTTP clients send for
            // spaces in query strings), then percent-decoding.
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| {
                        ApiError::bad_request(
                            "The query string is not valid percent-encoded UTF-8.",
                        )
                    })
            };
            let key = decode(raw_key)?;
            let value = decode(raw_value)?;
            if !key.starts_with('$') {
                q.kept.push(pair.to_string());
                continue;
            }
            let lower = key.to_ascii_lowercase();
            if *method != Method::GET {
                return Err(ApiError::bad_request(format!(
                    "Query option '{key}' is not allowed: query options apply to GET requests only."
                )));
            }
            if seen.contains(&lower) {
                return Err(ApiError::bad_request(format!(
                    "Query option '{key}' was specified more than once, but it must be specified at most once."
                )));
            }
            seen.push(lower.clone());
            let collection_only = || {
                if collection {
                    Ok(())
                } else {
                    Err(ApiError::bad_request(format!(
                        "Query option '{key}' is not allowed on a single entity."
                    )))
                }
            };
            match lower.as_str() {
                "$select" => q.select = Some(name_list("$select", &value)?),
                "$expand" => q.expand = Some(name_list("$expand", &value)?),
                "$top" => {
                    collection_only()?;
                    q.top = Some(parse_top(&value)?);
                }
                "$count" => {
                    collection_only()?;
                    q.count = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(ApiError::bad_request(format!(
                                "Invalid value '{value}' for $count: expected true or false."
                            )));
                        }
                    };
                }
                "$skiptoken" => {
                    collection_only()?;
                    q.skiptoken = Some(value);
                    continue;
                }
                known if UNSUPPORTED_OPTIONS.contains(&known) => {
                    return Err(ApiError::bad_request(format!(
                        "Query option '{key}' is not supported by this resource."
                    )));
                }
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Query option '{key}' is not a known system query option."
                    )));
                }
            }
            q.kept.push(pair.to_string());
        }
        Ok(q)
    }
}

/// `$top`: digits only (OData's `1*DIGIT`), at most `i32::MAX` (the `int32` of the OpenAPI
/// document and of Graph's metadata).
fn parse_top(value: &str) -> Result<usize, ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "Invalid value '{value}' for $top: expected an integer from 0 to {}.",
            i32::MAX
        ))
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let top: i32 = value.parse().map_err(|_| invalid())?;
    usize::try_from(top).map_err(|_| invalid())
}

fn not_found_item(id: &str) -> ApiError {
    ApiError::new(
        404,
        "itemNotFound",
        format!("The authentication method '{id}' was not found for this user."),
    )
}

impl Shared {
    /// The throttling model's verdict on a request, when throttling is on: `Some` when it is
    /// refused. Only authenticated requests count (the bucket is their token's); the others
    /// get their 401 or 403 from [`Shared::process`].
    fn throttled(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Option<crate::throttle::Refusal> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let state = inner.throttle.as_mut()?;
        auth::authenticate(&inner.tenant, headers, self.cloud).ok()?;
        let app = crate::throttle::bearer(headers)?;
        let cost = crate::throttle::Cost::of(method, uri);
        state
            .admit(
                app,
                cost,
                inner.tenant.users.len(),
                std::time::Instant::now(),
            )
            .err()
    }

    fn process(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        route: &Route,
        received: Received<'_>,
        record: &mut RequestRecord,
    ) -> Result<Success, ApiError> {
        let Received { body, fault } = received;
        let Some(key) = route.operation_key(method) else {
            let allow: Vec<&str> = route.allowed().iter().map(Method::as_str).collect();
            return Err(ApiError::new(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
            .header("allow", &allow.join(", ")));
        };
        let mut inner = self.lock();
        // With a state file, a write that cannot be saved is rolled back to this.
        let before = (self.state.is_some() && *method != Method::GET).then(|| inner.tenant.clone());
        let page_size = inner.page_size;
        let inner_fields = &mut *inner;
        let tenant = &mut inner_fields.tenant;
        let live_operations = &mut inner_fields.operations;
        let caller = auth::authenticate(tenant, headers, self.cloud)?;
        let target = match &route.user {
            UserRef::Me => match caller {
                auth::Caller::Delegated { user, .. } => user,
                auth::Caller::Application { .. } => {
                    return Err(ApiError::bad_request(
                        "/me request is only valid with delegated authentication flow.",
                    ));
                }
            },
            UserRef::User(id) => tenant.find_user(id).ok_or_else(|| {
                ApiError::new(
                    404,
                    "Request_ResourceNotFound",
                    format!(
                        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                    ),
                )
            })?,
        };
        record.user_id = Some(tenant.users[target].id.clone());
        let masked = auth::authorize(tenant, &caller, target, &key, *method != Method::GET)?;
        let collection = matches!(route.target, Target::Collection(_));
        let query = Query::parse(uri.query(), method, collection)?;
        let view = View {
            origin: self.origin(headers),
            user_id: tenant.users[target].id.clone(),
            route,
            uri,
            query: &query,
            page_size,
            include_unknown_enum_members: prefers_unknown_enum_members(headers),
        };

        let needs_json = matches!(
            (&route.target, method),
            (Target::Collection(Coll::Phone), &Method::POST)
                | (Target::Item(Coll::Phone, _), &Method::PATCH)
        ) || (matches!(route.target, Target::ResetPassword { .. })
            && !body.iter().all(u8::is_ascii_whitespace));
        if needs_json && !is_json(headers) {
            return Err(ApiError::new(
                415,
                "unsupportedMediaType",
                "The request body must be sent with Content-Type: application/json.",
            ));
        }

        let user = &tenant.users[target];
        let result = match (&route.target, method) {
            (Target::Collection(Coll::Phone), &Method::GET) => {
                let items = user
                    .phone_methods
                    .iter()
                    .map(|p| wire::phone_json(p, masked))
                    .collect();
                view.list(items)
            }
            (Target::Item(Coll::Phone, id), &Method::GET) => {
                let phone = crate::tenant::PhoneType::from_method_id(id)
                    .and_then(|t| user.phone(t))
                    .ok_or_else(|| not_found_item(id))?;
                view.item(wire::phone_json(phone, masked))
            }
            (Target::Collection(Coll::Phone), &Method::POST) => {
                let parsed = wire::parse_phone_body(body, None)?;
                let (t, number) = (
                    parsed.phone_type.expect("checked"),
                    parsed.phone_number.expect("checked"),
                );
                tracing::debug!(phone = %crate::number::mask_for_log(&number), phone_type = t.as_str(), "create phone");
                let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
                    .unwrap_or_else(|_| jiff::Timestamp::now());
                let created = phone::create(tenant, target, t, &number, now)?;
                record.applied = true;
                let mut body = view.item(wire::phone_json(&created, masked))?;
                body.location = Some(format!(
                    "{}/v1.0/users/{}/authentication/phoneMethods/{}",
                    view.origin,
                    view.user_id,
                    created.id()
                ));
                body.status = StatusCode::CREATED;
                Ok(body)
            }
            (Target::Item(Coll::Phone, id), &Method::PATCH) => {
                let parsed = wire::parse_phone_body(body, Some(id))?;
                if let Some(n) = &parsed.phone_number {
                    tracing::debug!(phone = %crate::number::mask_for_log(n), "update phone");
                }
                phone::update(
                    tenant,
                    target,
                    id,
                    parsed.phone_type,
                    parsed.phone_number.as_deref(),
                )?;
                record.applied = true;
                Ok(Success::no_content())
            }
            (Target::Item(Coll::Phone, id), &Method::DELETE) => {
                phone::delete(tenant, target, id)?;
                record.applied = true;
                Ok(Success::no_content())
            }
            (Target::SmsAction { id, enable }, &Method::POST) => {
                phone::set_sms_sign_in(tenant, target, id, *enable)?;
                record.applied = true;
                Ok(Success::no_content())
            }
            (Target::Collection(Coll::Kind(kind)), _) => {
                let items = user.methods.get(kind).into_iter().flatten();
                view.list(items.map(|m| own_collection_json(*kind, m)).collect())
            }
            (Target::Item(Coll::Kind(kind), id), _) => {
                let found = user
                    .methods
                    .get(kind)
                    .into_iter()
                    .flatten()
                    .find(|m| id_matches(m, id))
                    .ok_or_else(|| not_found_item(id))?;
                let device = view
                    .expand(Some(*kind))?
                    .then(|| found.get("device").cloned().unwrap_or(Value::Null));
                let mut success = view.item(own_collection_json(*kind, found))?;
                if let (Some(device), Some(Value::Object(body))) = (device, &mut success.body) {
                    body.insert("device".into(), device);
                }
                Ok(success)
            }
            (Target::Collection(Coll::Methods), _) => {
                view.list(all_methods(tenant, target, masked))
            }
            (Target::Item(Coll::Methods, id), _) => {
                let found = all_methods(tenant, target, masked)
                    .into_iter()
                    .find(|m| id_matches(m, id))
                    .ok_or_else(|| not_found_item(id))?;
                view.item(found)
            }
            (Target::ResetPassword { id }, &Method::POST) => {
                let new_password = wire::parse_reset_body(body)?;
                crate::reset::check_method(tenant, target, id)?;
                if let Some(password) = &new_password {
                    crate::reset::check_password(password)?;
                }
                // The new password is answered once, in this body, and kept nowhere.
                let generated = new_password.is_none().then(crate::reset::generate_password);
                let fate = match fault {
                    Some(FaultKind::OperationFails) => crate::reset::Fate::Fails,
                    Some(FaultKind::OperationStaysRunning) => crate::reset::Fate::StaysRunning,
                    _ => crate::reset::Fate::Succeeds,
                };
                let op_id = uuid::Uuid::new_v4().to_string();
                let user_base =
                    format!("{}/v1.0/users/{}/authentication", view.origin, view.user_id);
                let op = wire::operation_json(
                    &op_id,
                    now_seconds(),
                    format!("{user_base}/methods/{}", crate::tenant::PASSWORD_METHOD_ID),
                    crate::reset::LiveOperation::initial(),
                );
                tenant.users[target].operations.push(op);
                live_operations.insert(op_id.clone(), crate::reset::LiveOperation::new(fate));
                record.applied = true;
                tracing::debug!(
                    operation_id = %op_id,
                    generated = generated.is_some(),
                    "password reset accepted"
                );
                Ok(Success {
                    status: StatusCode::ACCEPTED,
                    location: Some(format!("{user_base}/operations/{op_id}")),
                    retry_after: Some(crate::reset::RETRY_AFTER_SECONDS),
                    ..Success::ok(wire::reset_response_json(
                        &view.origin,
                        generated.as_deref(),
                    ))
                })
            }
            (Target::Collection(Coll::Operations), _) => view.list(user.operations.clone()),
            (Target::Item(Coll::Operations, id), _) => {
                let not_found = || {
                    ApiError::new(
                        404,
                        "itemNotFound",
                        format!("The operation '{id}' was not found."),
                    )
                };
                let index = user
                    .operations
                    .iter()
                    .position(|m| id_matches(m, id))
                    .ok_or_else(not_found)?;
                // An operation this emulator started moves one step per read (crate::reset).
                let live = live_operations
                    .get_mut(&id.to_ascii_lowercase())
                    .map(crate::reset::LiveOperation::read);
                let stored = &mut tenant.users[target].operations[index];
                if let Some(stage) = live {
                    wire::set_operation_stage(
                        stored,
                        stage,
                        now_seconds(),
                        crate::reset::FAILED_DETAIL,
                    );
                }
                let mut success = view.item(stored.clone())?;
                if live.is_some_and(|s| !s.is_terminal()) {
                    success.retry_after = Some(crate::reset::RETRY_AFTER_SECONDS);
                }
                Ok(success)
            }
            _ => unreachable!("methods are checked against Route::allowed"),
        };
        if record.applied
            && let (Err(_), Some(before)) = (self.save_state(&inner.tenant), before)
        {
            inner.tenant = before;
            record.applied = false;
            return Err(ApiError::new(
                503,
                "serviceNotAvailable",
                "The emulator could not save its state file; the change was not applied.",
            ));
        }
        result
    }
}

/// Now, to the second (as Graph writes its timestamps).
fn now_seconds() -> jiff::Timestamp {
    jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
        .unwrap_or_else(|_| jiff::Timestamp::now())
}

fn id_matches(item: &JsonObject, id: &str) -> bool {
    item.get("id")
        .and_then(Value::as_str)
        .is_some_and(|i| i.eq_ignore_ascii_case(id))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A stored method as its own collection serves it: with `@odata.type` where the
/// documentation shows it ([`wire::tagged_in_own_collection`]).
/// The comma-separated names of `$select` or `$expand`: spaces around each name trimmed
/// (`+` in the query string is a space), an empty name is 400.
fn name_list(option: &str, value: &str) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = value
        .split(',')
        .map(|s| s.trim_matches(' ').to_string())
        .collect();
    if names.iter().any(String::is_empty) {
        return Err(ApiError::bad_request(format!(
            "Invalid {option} value '{value}'."
        )));
    }
    Ok(names)
}

fn own_collection_json(kind: MethodKind, stored: &JsonObject) -> JsonObject {
    let item = wire::other_json(kind, stored);
    if wire::tagged_in_own_collection(kind) {
        wire::with_odata_type(kind.type_name(), item)
    } else {
        item
    }
}

/// Every method of the user, each with `@odata.type`, phones first.
fn all_methods(tenant: &Tenant, uidx: usize, masked: bool) -> Vec<JsonObject> {
    let user = &tenant.users[uidx];
    let mut out: Vec<JsonObject> = user
        .phone_methods
        .iter()
        .map(|p| wire::with_odata_type(wire::PHONE_TYPE_NAME, wire::phone_json(p, masked)))
        .collect();
    for kind in MethodKind::ALL {
        for m in user.methods.get(&kind).into_iter().flatten() {
            out.push(wire::with_odata_type(
                kind.type_name(),
                wire::other_json(kind, m),
            ));
        }
    }
    out
}

/// Everything needed to shape a response body.
struct View<'a> {
    origin: String,
    user_id: String,
    route: &'a Route,
    uri: &'a Uri,
    query: &'a Query,
    page_size: Option<usize>,
    /// The request sent `Prefer: include-unknown-enum-members`.
    include_unknown_enum_members: bool,
}

impl View<'_> {
    fn properties(&self) -> Vec<&'static str> {
        let base = ["id", "createdDateTime"];
        match self.route.coll() {
            Coll::Phone => wire::PHONE_PROPERTIES.to_vec(),
            Coll::Kind(k) => base.iter().chain(k.properties()).copied().collect(),
            Coll::Methods => {
                let mut all: Vec<&str> = base.to_vec();
                all.extend(wire::PHONE_PROPERTIES);
                for k in MethodKind::ALL {
                    all.extend(k.properties());
                }
                all
            }
            Coll::Operations => wire::OPERATION_PROPERTIES.to_vec(),
        }
    }

    fn type_name(&self) -> String {
        match self.route.coll() {
            Coll::Phone => wire::PHONE_TYPE_NAME.to_string(),
            Coll::Kind(k) => k.type_name().to_string(),
            Coll::Methods => "authenticationMethod".to_string(),
            Coll::Operations => "longRunningOperation".to_string(),
        }
    }

    /// Whether the read expands `device`: the only navigation the get pages of Microsoft
    /// Authenticator, Windows Hello for Business and platform credential methods document
    /// for `$expand`. Anything else asked for is a 400 naming it; lists and the other
    /// resources offer no `$expand` (the metadata's description: the device "is returned
    /// only on a single GET and when you specify ?$expand").
    fn expand(&self, kind: Option<MethodKind>) -> Result<bool, ApiError> {
        let Some(expand) = &self.query.expand else {
            return Ok(false);
        };
        let offers_device = matches!(
            kind,
            Some(
                MethodKind::MicrosoftAuthenticatorMethods
                    | MethodKind::WindowsHelloForBusinessMethods
                    | MethodKind::PlatformCredentialMethods
            )
        );
        if !offers_device {
            return Err(ApiError::bad_request(
                "Query option '$expand' is not supported by this resource.",
            ));
        }
        if let Some(other) = expand.iter().find(|n| *n != "device") {
            return Err(ApiError::bad_request(format!(
                "Could not find a navigation property named '{other}' on type 'microsoft.graph.{}'.",
                self.type_name()
            )));
        }
        Ok(true)
    }

    /// The validated `$select` list (`None` for all properties).
    fn select(&self) -> Result<Option<&[String]>, ApiError> {
        let Some(select) = &self.query.select else {
            return Ok(None);
        };
        if select.iter().any(|s| s == "*") {
            return Ok(None);
        }
        let known = self.properties();
        for p in select {
            if !known.contains(&p.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "Could not find a property named '{p}' on type 'microsoft.graph.{}'.",
                    self.type_name()
                )));
            }
        }
        Ok(Some(select))
    }

    fn context(&self, entity: bool) -> String {
        let mut ctx = format!(
            "{}/v1.0/$metadata#users('{}')/authentication/{}",
            self.origin,
            self.user_id,
            self.route.coll().segment()
        );
        if let Some(select) = &self.query.select {
            ctx.push_str(&format!("({})", select.join(",")));
        }
        if entity {
            ctx.push_str("/$entity");
        }
        ctx
    }

    /// Applies Graph's evolvable-enum rule ([`wire::hide_future_members`]) unless the client
    /// asked for every member; the item's type is its `@odata.type`, or the collection's.
    fn enum_members(&self, mut item: JsonObject) -> JsonObject {
        if !self.include_unknown_enum_members {
            let tagged = item
                .get("@odata.type")
                .and_then(Value::as_str)
                .and_then(|t| t.strip_prefix("#microsoft.graph."))
                .map(str::to_string);
            let type_name = tagged.unwrap_or_else(|| self.type_name());
            wire::hide_future_members(&type_name, &mut item);
        }
        item
    }

    fn project(item: JsonObject, select: Option<&[String]>) -> JsonObject {
        match select {
            None => item,
            Some(select) => item
                .into_iter()
                .filter(|(k, _)| k == "id" || k.starts_with('@') || select.contains(k))
                .collect(),
        }
    }

    fn item(&self, item: JsonObject) -> Result<Success, ApiError> {
        let kind = match self.route.coll() {
            Coll::Kind(k) => Some(k),
            _ => None,
        };
        self.expand(kind)?;
        let select = self.select()?;
        let mut body = Map::new();
        body.insert("@odata.context".into(), Value::from(self.context(true)));
        body.extend(Self::project(self.enum_members(item), select));
        Ok(self.success(Value::Object(body)))
    }

    fn collection_tag(&self) -> String {
        format!("{}|{}", self.user_id.to_ascii_lowercase(), self.route.key())
    }

    fn list(&self, items: Vec<JsonObject>) -> Result<Success, ApiError> {
        self.expand(None)?;
        let select = self.select()?;
        let offset = match &self.query.skiptoken {
            None => 0,
            Some(token) => decode_skiptoken(token, &self.collection_tag()).ok_or_else(|| {
                ApiError::bad_request("The $skiptoken is not valid for this request.")
            })?,
        };
        let page = match (self.query.top, self.page_size) {
            (Some(t), Some(p)) => t.min(p),
            (Some(t), None) => t,
            (None, Some(p)) => p,
            (None, None) => usize::MAX,
        };
        let total = items.len();
        let start = offset.min(total);
        let end = start.saturating_add(page).min(total);
        let value: Vec<Value> = items
            .into_iter()
            .skip(start)
            .take(end - start)
            .map(|i| Value::Object(Self::project(self.enum_members(i), select)))
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), Value::from(self.context(false)));
        if self.query.count && self.query.skiptoken.is_none() {
            body.insert("@odata.count".into(), Value::from(total));
        }
        if end < total && page > 0 {
            let token = URL_SAFE_NO_PAD.encode(format!("{end}|{}", self.collection_tag()));
            let mut pairs = self.query.kept.clone();
            pairs.push(format!("$skiptoken={token}"));
            let next = format!("{}{}?{}", self.origin, self.uri.path(), pairs.join("&"));
            body.insert("@odata.nextLink".into(), Value::from(next));
        }
        body.insert("value".into(), Value::Array(value));
        Ok(self.success(Value::Object(body)))
    }

    /// A 200 with `body`, saying whether the enum preference was applied.
    fn success(&self, body: Value) -> Success {
        Success {
            preference_applied: self.include_unknown_enum_members,
            ..Success::ok(body)
        }
    }
}

fn decode_skiptoken(token: &str, tag: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (offset, rest) = text.split_once('|')?;
    (rest == tag).then_some(())?;
    offset.parse().ok()
}
