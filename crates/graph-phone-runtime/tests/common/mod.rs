//! A tiny scripted HTTP server on 127.0.0.1:0 (axum, real HTTP) and runtime helpers.
#![allow(dead_code)]

pub mod client;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use graph_phone_runtime::{Cloud, GraphRuntime, OperationSpec, RetryPolicy, StaticToken, Timeouts};

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: String::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request the server saw.
#[derive(Clone, Debug)]
pub struct Hit {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
    pub wall: SystemTime,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

#[derive(Default)]
pub struct Script {
    replies: Mutex<VecDeque<Reply>>,
    pub hits: Mutex<Vec<Hit>>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub script: Arc<Script>,
}

impl TestServer {
    /// Starts a server answering every request with the next scripted reply (404 when
    /// the script is exhausted).
    pub async fn start() -> TestServer {
        let script = Arc::new(Script::default());
        let app = Router::new().fallback(handler).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer { addr, script }
    }

    pub fn base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    pub fn push(&self, reply: Reply) {
        self.script.replies.lock().unwrap().push_back(reply);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.script.hits.lock().unwrap().clone()
    }
}

async fn handler(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    script.hits.lock().unwrap().push(Hit {
        method: method.to_string(),
        uri: uri.to_string(),
        headers,
        body,
        at: Instant::now(),
        wall: SystemTime::now(),
    });
    let reply = script.replies.lock().unwrap().pop_front();
    let Some(reply) = reply else {
        return (StatusCode::NOT_FOUND, "script exhausted").into_response();
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut builder = Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        builder = builder.header(k, v);
    }
    builder.body(axum::body::Body::from(reply.body)).unwrap()
}

pub const LIST: &str = "users.phoneMethods.list";
pub const CREATE: &str = "users.phoneMethods.create";
pub const GET: &str = "users.phoneMethods.get";
pub const ENABLE_SMS: &str = "users.phoneMethods.enableSmsSignIn";

pub static OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        id: LIST,
        method: "GET",
        path_template: "/users/{user-id}/authentication/phoneMethods",
        idempotency: graph_phone_runtime::Idempotency::Idempotent,
        success_status: 200,
        clouds: graph_phone_runtime::CloudSet::ALL,
    },
    OperationSpec {
        id: GET,
        method: "GET",
        path_template: "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
        idempotency: graph_phone_runtime::Idempotency::Idempotent,
        success_status: 200,
        clouds: graph_phone_runtime::CloudSet::ALL,
    },
    OperationSpec {
        id: CREATE,
        method: "POST",
        path_template: "/users/{user-id}/authentication/phoneMethods",
        idempotency: graph_phone_runtime::Idempotency::NonIdempotent,
        success_status: 201,
        clouds: graph_phone_runtime::CloudSet::ALL,
    },
    OperationSpec {
        id: ENABLE_SMS,
        method: "POST",
        path_template: "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}/enableSmsSignIn",
        idempotency: graph_phone_runtime::Idempotency::Idempotent,
        success_status: 204,
        clouds: graph_phone_runtime::CloudSet::GLOBAL
            .union(graph_phone_runtime::CloudSet::US_GOV_L4)
            .union(graph_phone_runtime::CloudSet::US_GOV_L5_DOD),
    },
];

pub const TOKEN: &str = "test-secret-token-value";

/// Fast policy for tests: small backoff, 4 attempts.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

pub fn runtime_with(base: &str, policy: RetryPolicy, timeouts: Timeouts) -> GraphRuntime {
    GraphRuntime::builder(Cloud::Global)
        .base_url(base)
        .token_provider(StaticToken::new(TOKEN))
        .operations(OPERATIONS)
        .retry_policy(policy)
        .timeouts(timeouts)
        .build()
        .unwrap()
}

pub fn runtime(base: &str) -> GraphRuntime {
    runtime_with(base, fast_policy(), Timeouts::default())
}

pub fn get(rt: &GraphRuntime, path: &str) -> reqwest::Request {
    rt.http_client()
        .get(format!("{}{}", rt.base_url(), path))
        .build()
        .unwrap()
}

pub fn post_json(rt: &GraphRuntime, path: &str, body: serde_json::Value) -> reqwest::Request {
    rt.http_client()
        .post(format!("{}{}", rt.base_url(), path))
        .json(&body)
        .build()
        .unwrap()
}

pub const GRAPH_404: &str = r#"{"error":{"code":"itemNotFound","message":"Phone +1 5555551234 of kim@contoso.com not found","innerError":{"request-id":"rid-404","client-request-id":"crid-404","date":"2026-11-21T20:00:00"}}}"#;
