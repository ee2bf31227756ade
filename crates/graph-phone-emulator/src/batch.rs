//! JSON batching: `POST /v1.0/$batch`, as described on
//! <https://learn.microsoft.com/graph/json-batching>.
//!
//! The batch is parsed and checked as a whole first (a malformed batch is one 400 and nothing
//! runs); then its items run one after the other in request order, each through the same
//! pipeline as a single request ([`crate::handler::pipeline`]): routing, faults, the batch's
//! bearer token, validation and the tenant state. An item whose `dependsOn` names an item that
//! did not succeed is answered 424 without running.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::handler::{Answer, pipeline};
use crate::{RequestRecord, Shared};

/// The most requests a batch may hold.
pub(crate) const MAX_REQUESTS: usize = 20;

/// The methods an item may use.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The route key of the batch itself, as fault rules and the request log name it.
pub(crate) const ROUTE: &str = "$batch";

/// Whether `path` (raw) is `/v1.0/$batch`.
pub(crate) fn is_batch_path(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let path = path.strip_suffix('/').unwrap_or(path);
    path.strip_prefix("v1.0/")
        .is_some_and(|rest| rest == "$batch" || rest.eq_ignore_ascii_case("%24batch"))
}

/// One checked request of a batch.
struct Item {
    id: String,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
    depends_on: Vec<String>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message)
}

/// Parses and checks a batch body: every rule that makes the whole batch a 400.
fn parse(body: &[u8]) -> Result<Vec<Item>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "Invalid batch payload format: the body is not JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    let Some(requests) = value.get("requests") else {
        return Err(invalid(
            "Invalid batch payload format: the required property 'requests' is missing.",
        ));
    };
    let Some(requests) = requests.as_array() else {
        return Err(invalid(
            "Invalid batch payload format: 'requests' must be an array.",
        ));
    };
    if requests.is_empty() {
        return Err(invalid(
            "Invalid batch payload format: 'requests' holds no request.",
        ));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(invalid(format!(
            "The batch holds {} requests; a batch may hold at most {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let mut items: Vec<Item> = Vec::with_capacity(requests.len());
    for (index, request) in requests.iter().enumerate() {
        let item = parse_item(index, request, &items)?;
        items.push(item);
    }
    Ok(items)
}

fn parse_item(index: usize, request: &Value, earlier: &[Item]) -> Result<Item, ApiError> {
    let at = |message: &str| invalid(format!("requests[{index}]: {message}"));
    let Some(request) = request.as_object() else {
        return Err(at("each request must be a JSON object."));
    };
    let id = match request.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(_) => return Err(at("'id' must be a non-empty string.")),
        None => return Err(at("the required property 'id' is missing.")),
    };
    let shown = crate::redact::recorded(&id);
    if earlier.iter().any(|i| i.id.eq_ignore_ascii_case(&id)) {
        return Err(at(&format!(
            "the id '{shown}' is used by another request of the batch; ids must be unique \
             (compared case-insensitively)."
        )));
    }
    let method = match request.get("method") {
        Some(Value::String(m)) => m.to_ascii_uppercase(),
        Some(_) => return Err(at("'method' must be a string.")),
        None => return Err(at("the required property 'method' is missing.")),
    };
    if !METHODS.contains(&method.as_str()) {
        return Err(at(&format!(
            "the method '{}' is not allowed in a batch; use one of {}.",
            crate::redact::recorded(&method),
            METHODS.join(", ")
        )));
    }
    let method: Method = method.parse().map_err(|_| at("'method' is not valid."))?;
    let url = match request.get("url") {
        Some(Value::String(u)) if !u.is_empty() => u.as_str(),
        Some(_) => return Err(at("'url' must be a non-empty string.")),
        None => return Err(at("the required property 'url' is missing.")),
    };
    if url.contains("://") || url.starts_with("//") {
        return Err(at(
            "'url' must be relative to the version, e.g. '/users/{id}/authentication/phoneMethods'; absolute URLs are not allowed.",
        ));
    }
    let relative = url.trim_start_matches('/');
    if is_batch_path(&format!("/v1.0/{relative}")) {
        return Err(at("a batch cannot hold another $batch request."));
    }
    let uri: Uri = format!("/v1.0/{}", relative.replace(' ', "%20"))
        .parse()
        .map_err(|_| at("'url' is not a valid relative URL."))?;
    let mut headers = HeaderMap::new();
    match request.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (name, value) in given {
                let Value::String(value) = value else {
                    return Err(at("each value of 'headers' must be a string."));
                };
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| at("'headers' holds a name that is not a valid header name."))?;
                let value = HeaderValue::from_str(value)
                    .map_err(|_| at("'headers' holds a value that is not a valid header value."))?;
                headers.insert(name, value);
            }
        }
        Some(_) => return Err(at("'headers' must be a JSON object.")),
    }
    let body = match request.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(body) => {
            let Some(content_type) = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
            else {
                return Err(at(
                    "a request with a 'body' must give its Content-Type in 'headers'.",
                ));
            };
            let json = content_type
                .split(';')
                .next()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"));
            match body {
                _ if json => serde_json::to_vec(body).expect("a JSON value serialises"),
                Value::String(encoded) => base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(encoded))
                    .map_err(|_| {
                        at("a 'body' that is not JSON must be a base64-encoded string.")
                    })?,
                _ => {
                    return Err(at(
                        "a 'body' that is not JSON must be a base64-encoded string.",
                    ));
                }
            }
        }
    };
    let depends_on = match request.get("dependsOn") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => {
            let mut out = Vec::with_capacity(ids.len());
            for dep in ids {
                let Value::String(dep) = dep else {
                    return Err(at("'dependsOn' must be an array of request ids."));
                };
                if !earlier.iter().any(|i| i.id.eq_ignore_ascii_case(dep)) {
                    return Err(at(&format!(
                        "'dependsOn' names '{}', which is not the id of an earlier request of \
                         the batch.",
                        crate::redact::recorded(dep)
                    )));
                }
                out.push(dep.clone());
            }
            out
        }
        Some(_) => return Err(at("'dependsOn' must be an array of request ids.")),
    };
    Ok(Item {
        id,
        method,
        uri,
        headers,
        body,
        depends_on,
    })
}

/// Runs a batch; `None` when an item's fault closes the connection (the batch is then not
/// answered, as a single request with that fault is not).
pub(crate) async fn run(
    shared: &Arc<Shared>,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    client_request_id: &str,
) -> Option<Result<Value, ApiError>> {
    if *method != Method::POST {
        return Some(Err(ApiError::new(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
        .header("allow", "POST")));
    }
    let items = match parse(body) {
        Ok(items) => items,
        Err(e) => return Some(Err(e)),
    };
    let mut statuses: Vec<(String, u16)> = Vec::with_capacity(items.len());
    let mut responses = Vec::with_capacity(items.len());
    for item in items {
        let failed = item.depends_on.iter().find(|dep| {
            statuses
                .iter()
                .find(|(id, _)| id.eq_ignore_ascii_case(dep))
                .is_none_or(|(_, status)| !(200..300).contains(status))
        });
        let response = match failed {
            Some(dep) => failed_dependency(shared, &item, dep, client_request_id),
            None => {
                let mut item_headers = item.headers.clone();
                for name in [header::AUTHORIZATION, header::HOST] {
                    item_headers.remove(&name);
                    if let Some(v) = headers.get(&name) {
                        item_headers.insert(name, v.clone());
                    }
                }
                if let Ok(v) = HeaderValue::from_str(client_request_id) {
                    item_headers.insert("client-request-id", v);
                }
                let answer = pipeline(
                    shared,
                    &item.method,
                    &item.uri,
                    &item_headers,
                    Body::from(item.body.clone()),
                    Some(&item.id),
                )
                .await;
                match answer {
                    Answer::Respond(response) => response,
                    Answer::Drop => return None,
                }
            }
        };
        let status = response.status().as_u16();
        statuses.push((item.id.clone(), status));
        responses.push(item_json(&item.id, response).await);
    }
    Some(Ok(serde_json::json!({ "responses": responses })))
}

/// The 424 of an item whose dependency did not succeed; it is logged like a single request.
fn failed_dependency(
    shared: &Shared,
    item: &Item,
    dependency: &str,
    client_request_id: &str,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let route = crate::route::Route::parse(item.uri.path(), shared.cloud).ok();
    let e = ApiError::new(
        424,
        "FailedDependency",
        format!(
            "The request was not run: request '{}', which it depends on, failed.",
            crate::redact::recorded(dependency)
        ),
    );
    shared.push_record(RequestRecord {
        seq: 0,
        method: item.method.to_string(),
        path_template: route.as_ref().map(|r| r.template()),
        route: route.as_ref().map(|r| r.key()),
        user_id: None,
        status: Some(424),
        applied: false,
        client_request_id: Some(crate::redact::recorded(client_request_id)),
        request_id: request_id.clone(),
        fault: None,
        batch_item: Some(crate::redact::recorded(&item.id)),
    });
    let text = crate::handler::error_text(&e, &request_id, client_request_id);
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::FAILED_DEPENDENCY;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in [
        ("request-id", request_id.as_str()),
        ("client-request-id", client_request_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
    response
}

/// An item's response as the batch answers it: `{id, status, headers, body}`; a JSON body as
/// JSON, any other body (the `malformed` fault's cut JSON) as a string.
async fn item_json(id: &str, response: Response) -> Value {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            headers.insert(name.as_str().to_string(), Value::from(v));
        }
    }
    let mut out = Map::new();
    out.insert("id".into(), Value::from(id));
    out.insert("status".into(), Value::from(parts.status.as_u16()));
    out.insert("headers".into(), Value::Object(headers));
    if !bytes.is_empty() {
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&bytes).into_owned()));
        out.insert("body".into(), body);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_path_is_recognised_under_the_version_only() {
        assert!(is_batch_path("/v1.0/$batch"));
        assert!(is_batch_path("/v1.0/%24batch"));
        assert!(is_batch_path("/v1.0/$batch/"));
        assert!(!is_batch_path("/beta/$batch"));
        assert!(!is_batch_path("/v1.0/me/$batch"));
    }

    #[test]
    fn malformed_batches_name_the_request_and_the_rule() {
        let err = |body: &str| parse(body.as_bytes()).err().expect(body).message;
        assert!(err("not json").contains("not JSON"));
        assert!(err("{}").contains("'requests' is missing"));
        assert!(err(r#"{"requests":[]}"#).contains("no request"));
        let msg = err(
            r#"{"requests":[{"id":"1","method":"GET","url":"https://graph.microsoft.com/v1.0/me"}]}"#,
        );
        assert!(
            msg.starts_with("requests[0]: ") && msg.contains("absolute"),
            "{msg}"
        );
        let msg = err(r#"{"requests":[{"id":"1","method":"HEAD","url":"/me"}]}"#);
        assert!(msg.contains("'HEAD' is not allowed"), "{msg}");
        let msg = err(r#"{"requests":[{"id":"1","method":"POST","url":"/me","body":{}}]}"#);
        assert!(msg.contains("Content-Type"), "{msg}");
        let msg = err(
            r#"{"requests":[{"id":"a","method":"GET","url":"/me"},{"id":"2","method":"GET","url":"/me","dependsOn":["3"]},{"id":"3","method":"GET","url":"/me"}]}"#,
        );
        assert!(
            msg.starts_with("requests[1]: ") && msg.contains("earlier"),
            "{msg}"
        );
        let msg = err(
            r#"{"requests":[{"id":"a","method":"GET","url":"/me"},{"id":"A","method":"GET","url":"/me"}]}"#,
        );
        assert!(msg.contains("unique"), "{msg}");
        let msg = err(r#"{"requests":[{"id":"a","method":"POST","url":"/$batch"}]}"#);
        assert!(msg.contains("another $batch"), "{msg}");
    }
}
