//! Retry, Retry-After, idempotency, timeouts and client-request-id against a real local
//! HTTP server.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use graph_phone_runtime::{Error, RetryPolicy, Timeouts};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OK: &str = r#"{"id":"x"}"#;

#[tokio::test]
async fn fractional_retry_after_is_honoured() {
    let server = TestServer::start().await;
    server.push(
        Reply::json(
            429,
            r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
        )
        .header("retry-after", "0.25"),
    );
    server.push(Reply::json(200, OK));
    let rt = runtime(&server.base());
    let response = rt
        .send(get(&rt, "/users/u/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(250),
        "waited only {waited:?}"
    );
    assert_eq!(hits[1].header("retry-attempt").as_deref(), Some("1"));
    assert_eq!(hits[0].header("retry-attempt"), None);
}

#[tokio::test]
async fn http_date_retry_after_is_honoured() {
    let server = TestServer::start().await;
    let at = SystemTime::now() + Duration::from_secs(2);
    let date = httpdate::fmt_http_date(at);
    let advertised = httpdate::parse_http_date(&date).unwrap(); // whole seconds
    server.push(Reply::empty(503).header("retry-after", date));
    server.push(Reply::json(200, OK));
    let rt = runtime(&server.base());
    rt.send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    assert!(
        hits[1].wall >= advertised,
        "retried before the advertised date"
    );
}

#[tokio::test]
async fn service_unavailable_without_retry_after_backs_off_and_succeeds() {
    let server = TestServer::start().await;
    server.push(Reply::empty(503));
    server.push(Reply::empty(504));
    server.push(Reply::json(200, OK));
    let rt = runtime(&server.base());
    let response = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.hits().len(), 3);
}

#[tokio::test]
async fn create_is_not_retried_after_504() {
    let server = TestServer::start().await;
    server.push(Reply::json(
        504,
        r#"{"error":{"code":"gatewayTimeout","message":"timeout"}}"#,
    ));
    server.push(Reply::json(201, OK));
    let rt = runtime(&server.base());
    let err = rt
        .send(
            post_json(
                &rt,
                "/users/u/authentication/phoneMethods",
                json!({"phoneNumber": "+1 5555551234", "phoneType": "mobile"}),
            ),
            CREATE,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Graph(g) if g.status == 504 && g.code == "gatewayTimeout"),
        "{err:?}"
    );
    assert_eq!(server.hits().len(), 1, "the create must be sent once");
}

#[tokio::test]
async fn create_is_not_retried_after_503_without_retry_after() {
    let server = TestServer::start().await;
    server.push(Reply::empty(503));
    server.push(Reply::json(201, OK));
    let rt = runtime(&server.base());
    let err = rt
        .send(
            post_json(&rt, "/users/u/authentication/phoneMethods", json!({})),
            CREATE,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn create_is_retried_after_429_and_503_with_retry_after() {
    let server = TestServer::start().await;
    server.push(Reply::empty(429).header("retry-after", "0.05"));
    server.push(Reply::empty(503).header("retry-after", "0.05"));
    server.push(Reply::json(201, OK));
    let rt = runtime(&server.base());
    let response = rt
        .send(
            post_json(
                &rt,
                "/users/u/authentication/phoneMethods",
                json!({"phoneType": "mobile"}),
            ),
            CREATE,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    // The same body is sent on every attempt.
    assert!(
        hits.iter()
            .all(|h| h.body == hits[0].body && !h.body.is_empty())
    );
}

#[tokio::test]
async fn sms_action_is_retried_after_504() {
    let server = TestServer::start().await;
    server.push(Reply::empty(504));
    server.push(Reply::empty(204));
    let rt = runtime(&server.base());
    let path =
        "/users/u/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn";
    let response = rt
        .send(
            rt.http_client()
                .post(format!("{}{}", rt.base_url(), path))
                .build()
                .unwrap(),
            ENABLE_SMS,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(server.hits().len(), 2);
}

/// A raw TCP server that reads one request per connection and closes without answering.
async fn dropping_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                // Read until the end of the headers (and any small body that came with them).
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/v1.0"), count)
}

#[tokio::test]
async fn create_is_not_retried_when_the_connection_drops_after_sending() {
    let (base, count) = dropping_server().await;
    let rt = runtime(&base);
    let err = rt
        .send(
            post_json(
                &rt,
                "/users/u/authentication/phoneMethods",
                json!({"phoneType": "mobile"}),
            ),
            CREATE,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The URL (which holds user ids) is not in the error text.
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(!shown.contains("/users/u"), "{shown}");
}

#[tokio::test]
async fn get_is_retried_when_the_connection_drops() {
    let (base, count) = dropping_server().await;
    let rt = runtime(&base);
    let err = rt
        .send(get(&rt, "/users/u/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_create() {
    // Bind then drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rt = runtime(&format!("http://127.0.0.1:{port}/v1.0"));
    let err = rt
        .send(
            post_json(&rt, "/users/u/authentication/phoneMethods", json!({})),
            CREATE,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn attempt_cap_gives_throttled_out_of_retries() {
    let server = TestServer::start().await;
    for _ in 0..3 {
        server.push(
            Reply::json(429, r#"{"error":{"code":"TooManyRequests","message":"Too many requests","innerError":{"request-id":"rid-429"}}}"#)
                .header("retry-after", "0.05"),
        );
    }
    let policy = RetryPolicy {
        max_attempts: 3,
        ..fast_policy()
    };
    let rt = runtime_with(&server.base(), policy, Timeouts::default());
    let err = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    match &err {
        Error::ThrottledOutOfRetries {
            attempts,
            last_retry_after,
            last,
            ..
        } => {
            assert_eq!(*attempts, 3);
            assert_eq!(*last_retry_after, Some(Duration::from_millis(50)));
            assert_eq!(last.status, 429);
            assert_eq!(last.code, "TooManyRequests");
            assert_eq!(last.request_id.as_deref(), Some("rid-429"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.hits().len(), 3);
}

#[tokio::test]
async fn retry_after_beyond_the_policy_gives_up_at_once() {
    let server = TestServer::start().await;
    server.push(Reply::empty(429).header("retry-after", "3600"));
    let rt = runtime(&server.base());
    let started = Instant::now();
    let err = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ThrottledOutOfRetries { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3600));
}

#[tokio::test]
async fn overall_timeout_stops_a_slow_call() {
    let server = TestServer::start().await;
    for _ in 0..4 {
        server.push(Reply::json(200, OK).delayed(Duration::from_secs(5)));
    }
    let timeouts = Timeouts {
        overall: Duration::from_millis(300),
        ..Timeouts::default()
    };
    let rt = runtime_with(&server.base(), fast_policy(), timeouts);
    let started = Instant::now();
    let err = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn overall_timeout_stops_waiting_for_throttling() {
    let server = TestServer::start().await;
    for _ in 0..4 {
        server.push(Reply::empty(429).header("retry-after", "2"));
    }
    let timeouts = Timeouts {
        overall: Duration::from_millis(500),
        ..Timeouts::default()
    };
    let rt = runtime_with(&server.base(), fast_policy(), timeouts);
    let err = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ThrottledOutOfRetries { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn per_attempt_timeout_retries_idempotent_calls() {
    let server = TestServer::start().await;
    server.push(Reply::json(200, OK).delayed(Duration::from_secs(10)));
    // Spare fast answers in case a loaded machine times out a later attempt too.
    for _ in 0..3 {
        server.push(Reply::json(200, OK));
    }
    let timeouts = Timeouts {
        per_attempt: Duration::from_millis(500),
        ..Timeouts::default()
    };
    let rt = runtime_with(&server.base(), fast_policy(), timeouts);
    let started = Instant::now();
    let response = rt
        .send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(server.hits().len() >= 2, "the slow attempt was retried");
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[tokio::test]
async fn per_attempt_timeout_does_not_repeat_a_create() {
    let server = TestServer::start().await;
    server.push(Reply::json(201, OK).delayed(Duration::from_secs(3)));
    server.push(Reply::json(201, OK));
    let timeouts = Timeouts {
        per_attempt: Duration::from_millis(200),
        ..Timeouts::default()
    };
    let rt = runtime_with(&server.base(), fast_policy(), timeouts);
    let err = rt
        .send(
            post_json(&rt, "/users/u/authentication/phoneMethods", json!({})),
            CREATE,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn client_request_id_is_fresh_per_call_and_kept_across_retries() {
    let server = TestServer::start().await;
    server.push(Reply::empty(429).header("retry-after", "0.01"));
    server.push(Reply::json(200, OK));
    server.push(Reply::json(200, OK));
    let rt = runtime(&server.base());
    let mut request = get(&rt, "/me/authentication/phoneMethods");
    request
        .headers_mut()
        .insert("api-version", "1.0".parse().unwrap());
    rt.send(request, LIST).await.unwrap();
    rt.send(get(&rt, "/me/authentication/phoneMethods"), LIST)
        .await
        .unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    let ids: Vec<String> = hits
        .iter()
        .map(|h| h.header("client-request-id").unwrap())
        .collect();
    for id in &ids {
        let parsed = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }
    assert_eq!(ids[0], ids[1], "retries of one call share the id");
    assert_ne!(ids[1], ids[2], "each call gets a fresh id");
    for hit in &hits {
        assert_eq!(
            hit.header("authorization").as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
        assert_eq!(
            hit.header("api-version"),
            None,
            "api-version must be removed"
        );
    }
}
