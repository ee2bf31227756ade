//! Token caching, refresh before expiry and single flight.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use common::*;
use graph_phone_runtime::{
    AccessToken, CachingTokenProvider, Cloud, Error, GraphRuntime, TokenError, TokenProvider,
};

/// Issues `token-1`, `token-2`, ... each valid for `lifetime`, after a short delay.
struct Counting {
    calls: AtomicUsize,
    lifetime: Duration,
    delay: Duration,
}

impl Counting {
    fn new(lifetime: Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            lifetime,
            delay: Duration::from_millis(50),
        })
    }
}

#[async_trait::async_trait]
impl TokenProvider for Counting {
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError> {
        assert_eq!(scopes, ["https://graph.microsoft.com/.default"]);
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        Ok(AccessToken::new(
            format!("token-{n}"),
            SystemTime::now() + self.lifetime,
        ))
    }
}

fn scopes() -> Vec<String> {
    vec![Cloud::Global.default_scope().to_owned()]
}

#[tokio::test]
async fn caches_until_the_skew_window() {
    let inner = Counting::new(Duration::from_secs(3600));
    let cache = CachingTokenProvider::with_skew(inner.clone(), Duration::from_secs(300));
    let a = cache.token(&scopes()).await.unwrap();
    let b = cache.token(&scopes()).await.unwrap();
    assert_eq!(a.secret, b.secret);
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refreshes_before_expiry() {
    // Valid for 4 more minutes, but inside the 5 minute skew: refreshed every time.
    let inner = Counting::new(Duration::from_secs(240));
    let cache = CachingTokenProvider::with_skew(inner.clone(), Duration::from_secs(300));
    let a = cache.token(&scopes()).await.unwrap();
    let b = cache.token(&scopes()).await.unwrap();
    assert_ne!(a.secret, b.secret);
    assert_eq!(b.secret.expose_secret(), "token-2");
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn single_flight_under_concurrency() {
    let inner = Counting::new(Duration::from_secs(3600));
    let cache = Arc::new(CachingTokenProvider::new(inner.clone()));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.token(&scopes()).await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().secret.expose_secret(), "token-1");
    }
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn token_refresh_mid_run_over_http() {
    let server = TestServer::start().await;
    for _ in 0..2 {
        server.push(Reply::json(200, "{}"));
    }
    // Lifetime 1.5 s with a 1 s skew: fresh for about 0.5 s.
    let inner = Counting::new(Duration::from_millis(1500));
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(server.base())
        .token_provider(CachingTokenProvider::with_skew(
            inner.clone(),
            Duration::from_secs(1),
        ))
        .operations(OPERATIONS)
        .build()
        .unwrap();
    rt.send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    rt.send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    let auth = authorizations(&server);
    assert_eq!(auth, ["Bearer token-1", "Bearer token-2"]);
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn every_attempt_sends_the_token_it_was_given() {
    // No cache: each attempt asks the provider, and the runtime's reuse of the last
    // `Authorization` value must follow every change of token, retries included.
    let server = TestServer::start().await;
    server.push(Reply::json(200, "{}"));
    server.push(Reply::empty(429).header("retry-after", "0.01"));
    server.push(Reply::json(200, "{}"));
    server.push(Reply::json(200, "{}"));
    let inner = Counting::new(Duration::from_secs(3600));
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(server.base())
        .token_provider(inner.clone())
        .operations(OPERATIONS)
        .build()
        .unwrap();
    for _ in 0..3 {
        rt.send(get(&rt, "/me/authentication/phoneMethods"), LIST)
            .await
            .unwrap();
    }
    let auth = authorizations(&server);
    assert_eq!(
        auth,
        [
            "Bearer token-1",
            "Bearer token-2",
            "Bearer token-3",
            "Bearer token-4"
        ]
    );
}

#[tokio::test]
async fn token_failure_is_typed_and_sends_nothing() {
    struct Failing;
    #[async_trait::async_trait]
    impl TokenProvider for Failing {
        async fn token(&self, _: &[String]) -> Result<AccessToken, TokenError> {
            Err(TokenError::new("no credential"))
        }
    }
    let server = TestServer::start().await;
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(server.base())
        .token_provider(Failing)
        .operations(OPERATIONS)
        .build()
        .unwrap();
    let err = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Auth { source, .. } if source.message == "no credential"));
    assert!(server.hits().is_empty());
}

#[test]
fn secrets_never_show() {
    let t = AccessToken::new("super-secret", SystemTime::now());
    let shown = format!("{t:?} {} {:?}", t.secret, t.secret);
    assert!(!shown.contains("super-secret"), "{shown}");
    let cache = CachingTokenProvider::new(graph_phone_runtime::StaticToken::new("super-secret"));
    assert!(!format!("{cache:?}").contains("super-secret"));
    let rt = GraphRuntime::builder(Cloud::Global)
        .token_provider(graph_phone_runtime::StaticToken::new("super-secret"))
        .build()
        .unwrap();
    assert!(!format!("{rt:?}").contains("super-secret"));
    assert_eq!(rt.base_url(), "https://graph.microsoft.com/v1.0");
}

/// The `Authorization` header of every request the server saw, in order.
fn authorizations(server: &TestServer) -> Vec<String> {
    server
        .hits()
        .iter()
        .map(|h| h.header("authorization").unwrap())
        .collect()
}
