//! A local `$batch` server (axum, real HTTP) for the cases the emulator cannot produce:
//! answers per item URL scripted attempt by attempt, whole-batch answers, responses out of
//! order, unknown or missing ids.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One item answer: status, headers, body.
#[derive(Clone, Debug)]
pub struct ItemReply {
    pub status: u16,
    pub headers: Value,
    pub body: Option<Value>,
}

impl ItemReply {
    pub fn ok(body: Value) -> ItemReply {
        ItemReply {
            status: 200,
            headers: json!({"content-type": "application/json"}),
            body: Some(body),
        }
    }
    pub fn status(status: u16) -> ItemReply {
        ItemReply {
            status,
            headers: json!({}),
            body: None,
        }
    }
    pub fn retry_after(status: u16, seconds: &str) -> ItemReply {
        ItemReply {
            status,
            headers: json!({"retry-after": seconds, "content-type": "application/json"}),
            body: Some(json!({"error": {"code": "TooManyRequests", "message": "slow down"}})),
        }
    }
}

/// A whole-batch answer: status, headers, body text.
#[derive(Clone, Debug)]
pub struct WholeReply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// One batch as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub uri: String,
    pub body: Value,
    /// The item URLs in request order.
    pub urls: Vec<String>,
}

/// A rewrite of the `responses` array.
type Shuffle = Box<dyn Fn(Vec<Value>) -> Vec<Value> + Send>;

#[derive(Default)]
pub struct Script {
    /// Per item URL, the answers of its successive sends (then 200 `{"id": url}`).
    pub items: Mutex<HashMap<String, VecDeque<ItemReply>>>,
    /// Answers of the successive batches as a whole, before the items are looked at.
    pub whole: Mutex<VecDeque<WholeReply>>,
    /// Rewrites the `responses` array before it is sent (reorder, drop, add).
    pub shuffle: Mutex<Option<Shuffle>>,
    pub received: Mutex<Vec<Received>>,
    /// When each URL was answered, send by send.
    pub answered: Mutex<HashMap<String, Vec<(Instant, u16)>>>,
}

pub struct BatchServer {
    pub addr: SocketAddr,
    pub script: Arc<Script>,
}

impl BatchServer {
    pub async fn start() -> BatchServer {
        let script = Arc::new(Script::default());
        let app = Router::new().fallback(handler).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        BatchServer { addr, script }
    }

    pub fn base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    pub fn item(&self, url: &str, replies: impl IntoIterator<Item = ItemReply>) {
        self.script
            .items
            .lock()
            .unwrap()
            .entry(url.to_owned())
            .or_default()
            .extend(replies);
    }

    pub fn whole(&self, reply: WholeReply) {
        self.script.whole.lock().unwrap().push_back(reply);
    }

    pub fn shuffle(&self, f: impl Fn(Vec<Value>) -> Vec<Value> + Send + 'static) {
        *self.script.shuffle.lock().unwrap() = Some(Box::new(f));
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.received.lock().unwrap().clone()
    }

    pub fn answered(&self, url: &str) -> Vec<(Instant, u16)> {
        self.script
            .answered
            .lock()
            .unwrap()
            .get(url)
            .cloned()
            .unwrap_or_default()
    }

    /// How many times `url` was sent in a batch.
    pub fn sends(&self, url: &str) -> usize {
        self.received()
            .iter()
            .map(|r| r.urls.iter().filter(|u| *u == url).count())
            .sum()
    }
}

async fn handler(
    State(script): State<Arc<Script>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let requests = value["requests"].as_array().cloned().unwrap_or_default();
    let urls: Vec<String> = requests
        .iter()
        .map(|r| r["url"].as_str().unwrap_or("").to_owned())
        .collect();
    let now = Instant::now();
    script.received.lock().unwrap().push(Received {
        at: now,
        headers,
        uri: uri.to_string(),
        body: value.clone(),
        urls: urls.clone(),
    });
    let whole = script.whole.lock().unwrap().pop_front();
    if let Some(whole) = whole {
        let mut builder = Response::builder().status(whole.status);
        for (k, v) in &whole.headers {
            builder = builder.header(*k, v);
        }
        return builder.body(axum::body::Body::from(whole.body)).unwrap();
    }
    if uri.path() != "/v1.0/$batch" {
        return (StatusCode::NOT_FOUND, "not a batch").into_response();
    }
    let mut responses = Vec::new();
    for request in &requests {
        let url = request["url"].as_str().unwrap_or("").to_owned();
        let reply = script
            .items
            .lock()
            .unwrap()
            .get_mut(&url)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| ItemReply::ok(json!({"id": url})));
        script
            .answered
            .lock()
            .unwrap()
            .entry(url)
            .or_default()
            .push((now, reply.status));
        let mut response = json!({
            "id": request["id"],
            "status": reply.status,
            "headers": reply.headers,
        });
        if let Some(body) = reply.body {
            response["body"] = body;
        }
        responses.push(response);
    }
    if let Some(f) = &*script.shuffle.lock().unwrap() {
        responses = f(responses);
    }
    let text = json!({ "responses": responses }).to_string();
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(text))
        .unwrap()
}
