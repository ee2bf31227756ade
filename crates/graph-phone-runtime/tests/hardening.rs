//! Regression tests for issue 11's runtime defects, each against a local server over real
//! HTTP: paging loops and the page cap, body caps, timeouts (also around token
//! acquisition), the `Prefer` header, and items that do not decode.

mod common;

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get as route_get;
use common::*;
use futures::StreamExt;
use graph_phone_runtime::{
    AccessToken, Cloud, DEFAULT_MAX_PAGES, Error, GraphRuntime, Page, RuntimeBuilder, StaticToken,
    Timeouts, TokenError, TokenProvider,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: String,
    #[serde(default)]
    count: Option<u32>,
}

/// Generous bound for every wait: the test fails (rather than hangs) if a call never ends.
const BOUND: Duration = Duration::from_secs(60);

/// Requests seen by a [`Server`]: path and query, and headers.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, HeaderMap)>>>);

struct Server {
    base: String,
    seen: Seen,
}

/// A server whose answers are computed from the request (unlike the scripted
/// [`TestServer`]): endless links, loops, huge bodies.
async fn serve(routes: impl FnOnce(String) -> Router<Seen>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1.0", listener.local_addr().unwrap());
    let seen = Seen::default();
    let app = routes(base.clone())
        .layer(axum::middleware::from_fn_with_state(
            seen.clone(),
            |State(seen): State<Seen>,
             request: axum::extract::Request,
             next: axum::middleware::Next| async move {
                let uri = request.uri().to_string();
                seen.0
                    .lock()
                    .unwrap()
                    .push((uri, request.headers().clone()));
                next.run(request).await
            },
        ))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { base, seen }
}

impl Server {
    fn hits(&self) -> usize {
        self.seen.0.lock().unwrap().len()
    }
    fn headers(&self) -> Vec<HeaderMap> {
        self.seen
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, h)| h.clone())
            .collect()
    }
}

fn json(body: serde_json::Value) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn builder(base: &str) -> RuntimeBuilder {
    GraphRuntime::builder(Cloud::Global)
        .base_url(base)
        .token_provider(StaticToken::new(TOKEN))
        .operations(OPERATIONS)
        .retry_policy(fast_policy())
}

async fn collect<T: Send + 'static>(
    stream: impl futures::Stream<Item = Result<T, Error>>,
    at_most: usize,
) -> Vec<Result<T, Error>> {
    tokio::time::timeout(BOUND, stream.take(at_most).collect())
        .await
        .expect("the listing ended")
}

// ---- 1. Paging loops and the page cap ----

/// Before the fix a self-looping nextLink was fetched forever (the `take` bound below
/// ended the test with thousands of duplicates and no error).
#[tokio::test]
async fn a_self_looping_next_link_ends_the_listing_with_a_typed_error() {
    let server = serve(|base| {
        Router::new().route(
            "/v1.0/loop",
            route_get(move || {
                let base = base.clone();
                async move {
                    json(serde_json::json!({
                        "value": [{ "id": "a" }],
                        "@odata.nextLink": format!("{base}/loop"),
                    }))
                }
            }),
        )
    })
    .await;
    let rt = builder(&server.base).build().unwrap();
    let results = collect(
        rt.stream_from_url::<Item>(LIST, format!("{}/loop", server.base)),
        5_000,
    )
    .await;
    assert_eq!(results.len(), 2, "one item, then the error");
    assert_eq!(results[0].as_ref().unwrap().id, "a");
    let err = results[1].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::PagingLoop { operation, pages: 1 } if operation == LIST),
        "{err:?}"
    );
    assert_eq!(server.hits(), 1, "the repeated link was not fetched");
    assert!(!err.to_string().contains("loop?"), "no URL in the message");
}

/// A -> B -> A, with B's link to A written differently (query order, host case, default
/// port): the same page after normalisation.
#[tokio::test]
async fn an_a_b_a_cycle_is_detected_through_url_normalisation() {
    let server = serve(|base| {
        let upper = base.replace("http://", "HTTP://");
        Router::new().route(
            "/v1.0/p/{name}",
            route_get(move |Path(name): Path<String>| {
                let (base, upper) = (base.clone(), upper.clone());
                async move {
                    let next = if name == "a" {
                        format!("{base}/p/b?$skiptoken=2")
                    } else {
                        format!("{upper}/p/a?y=2&x=1")
                    };
                    json(serde_json::json!({ "value": [{ "id": name }], "@odata.nextLink": next }))
                }
            }),
        )
    })
    .await;
    let rt = builder(&server.base).build().unwrap();
    // The first page arrives from elsewhere (as from the generated client), with A's link.
    let first = Page::new(
        vec![Item {
            id: "first".into(),
            count: None,
        }],
        Some(format!("{}/p/a?x=1&y=2", server.base)),
    );
    let results = collect(rt.stream_pages(LIST, first), 5_000).await;
    let ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|i| i.id.as_str()))
        .take(10)
        .collect();
    assert_eq!(ids, ["first", "a", "b"]);
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, Error::PagingLoop { pages: 3, .. }), "{err:?}");
    assert_eq!(server.hits(), 2);
}

/// A server that always sends a new link: the default cap stops it after
/// [`DEFAULT_MAX_PAGES`] pages, a configured cap after that many.
#[tokio::test]
async fn endless_distinct_links_stop_at_the_page_cap() {
    let server = serve(|base| {
        Router::new().route(
            "/v1.0/n/{n}",
            route_get(move |Path(n): Path<u64>| {
                let base = base.clone();
                async move {
                    json(serde_json::json!({
                        "value": [{ "id": n.to_string() }],
                        "@odata.nextLink": format!("{base}/n/{}", n + 1),
                    }))
                }
            }),
        )
    })
    .await;
    let rt = builder(&server.base).max_pages(5).build().unwrap();
    let results = collect(
        rt.stream_from_url::<Item>(LIST, format!("{}/n/1", server.base)),
        100,
    )
    .await;
    assert_eq!(results.len(), 6);
    let err = results[5].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::TooManyPages { limit: 5, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits(), 5);

    let rt = builder(&server.base).build().unwrap();
    assert_eq!(rt.max_pages(), DEFAULT_MAX_PAGES);
    let first = Page::new(Vec::<Item>::new(), Some(format!("{}/n/1", server.base)));
    let results = collect(rt.stream_pages(LIST, first), 5_000).await;
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(err, Error::TooManyPages { limit: 1000, .. }),
        "{err:?}"
    );
    // The first page (not fetched here) counts: 999 more pages were fetched.
    assert_eq!(results.len(), 1000);
    assert_eq!(server.hits(), 5 + 999);
}

#[tokio::test]
async fn zero_caps_and_timeouts_are_refused_when_building() {
    for (builder, field) in [
        (builder("http://127.0.0.1:9/v1.0").max_pages(0), "limits"),
        (
            builder("http://127.0.0.1:9/v1.0").max_body_bytes(0),
            "limits",
        ),
        (
            builder("http://127.0.0.1:9/v1.0").timeouts(Timeouts {
                overall: Duration::ZERO,
                ..Timeouts::default()
            }),
            "timeouts",
        ),
    ] {
        let err = builder.build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field: f, .. } if *f == field),
            "{err:?}"
        );
    }
}

// ---- 2. Body caps ----

/// An endless body (`chunks` x 64 KiB), with or without a declared length.
fn huge_body(status: StatusCode, declared: Option<u64>, chunks: usize) -> Response {
    let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
    let stream = futures::stream::iter(
        std::iter::repeat_n(chunk, chunks).map(Ok::<_, std::convert::Infallible>),
    );
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    if let Some(n) = declared {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_LENGTH, n.into());
    }
    response
}

#[tokio::test]
async fn oversized_success_and_error_bodies_fail_with_a_typed_error() {
    let server = serve(|_| {
        Router::new()
            // 64 MiB, chunked: the streamed total trips the cap.
            .route(
                "/v1.0/chunked",
                route_get(|| async { huge_body(StatusCode::OK, None, 1024) }),
            )
            // 1 GiB declared: refused before reading.
            .route(
                "/v1.0/declared",
                route_get(|| async { huge_body(StatusCode::OK, Some(1 << 30), 16 * 1024) }),
            )
            .route(
                "/v1.0/error",
                route_get(|| async { huge_body(StatusCode::INTERNAL_SERVER_ERROR, None, 16) }),
            )
    })
    .await;
    let rt = builder(&server.base)
        .retry_policy(graph_phone_runtime::RetryPolicy::no_retries())
        .build()
        .unwrap();
    for path in ["chunked", "declared"] {
        let err = rt
            .fetch_page::<Item>(LIST, &format!("{}/{path}", server.base))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::ResponseTooLarge { status: 200, limit, operation }
                if *limit == 16 * 1024 * 1024 && operation == LIST),
            "{path}: {err:?}"
        );
        assert!(err.to_string().contains("16777216-byte"), "{err}");
    }
    let err = rt
        .fetch_page::<Item>(LIST, &format!("{}/error", server.base))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::ResponseTooLarge {
                status: 500,
                limit: 65536,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(500));

    // A smaller configured cap applies to ordinary pages.
    let small = builder(&server.base).max_body_bytes(10).build().unwrap();
    let err = small
        .fetch_page::<Item>(LIST, &format!("{}/chunked", server.base))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ResponseTooLarge { limit: 10, .. }),
        "{err:?}"
    );
}

// ---- 3. Timeouts ----

#[tokio::test]
async fn duration_max_timeouts_mean_no_limit_and_do_not_panic() {
    let server = TestServer::start().await;
    server.push(Reply::json(200, r#"{"value":[{"id":"a"}]}"#));
    let rt = builder(&server.base())
        .timeouts(Timeouts {
            connect: Duration::MAX,
            per_attempt: Duration::MAX,
            overall: Duration::MAX,
        })
        .build()
        .unwrap();
    let page: Page<Item> = rt
        .fetch_page(LIST, &format!("{}/x", server.base()))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

/// Never answers.
struct Hung;

#[async_trait::async_trait]
impl TokenProvider for Hung {
    async fn token(&self, _: &[String]) -> Result<AccessToken, TokenError> {
        pending().await
    }
}

/// Answers after `delay`.
struct Slow(Duration);

#[async_trait::async_trait]
impl TokenProvider for Slow {
    async fn token(&self, _: &[String]) -> Result<AccessToken, TokenError> {
        tokio::time::sleep(self.0).await;
        Ok(AccessToken::new(
            TOKEN,
            SystemTime::now() + Duration::from_secs(3600),
        ))
    }
}

#[tokio::test]
async fn the_overall_deadline_bounds_token_acquisition() {
    let server = TestServer::start().await;
    let timeouts = Timeouts {
        overall: Duration::from_millis(200),
        ..Timeouts::default()
    };
    for provider in [
        Arc::new(Hung) as Arc<dyn TokenProvider>,
        Arc::new(Slow(Duration::from_secs(3600))),
    ] {
        let rt = builder(&server.base())
            .shared_token_provider(provider)
            .timeouts(timeouts.clone())
            .build()
            .unwrap();
        let result = tokio::time::timeout(BOUND, rt.send(get(&rt, "/x"), LIST))
            .await
            .expect("the call returned");
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::Timeout { attempts: 0, operation } if operation == LIST),
            "{err:?}"
        );
    }
    assert!(server.hits().is_empty(), "nothing was sent without a token");
}

// ---- 6. Prefer: include-unknown-enum-members ----

#[tokio::test]
async fn every_request_prefers_unknown_enum_members_unless_turned_off() {
    let server = serve(|_| {
        Router::new().fallback(|uri: Uri| async move {
            let _ = uri;
            json(serde_json::json!({ "value": [] }))
        })
    })
    .await;
    let prefer = |h: &HeaderMap| -> Vec<String> {
        h.get_all("prefer")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let rt = builder(&server.base).build().unwrap();
    rt.send(get(&rt, "/a"), LIST).await.unwrap();
    // Merged with a preference the caller already set, into one header.
    let mut request = get(&rt, "/b");
    request
        .headers_mut()
        .insert("prefer", "return=minimal".parse().unwrap());
    rt.send(request, LIST).await.unwrap();
    // Not repeated when the caller already asked for it.
    let mut request = get(&rt, "/c");
    request
        .headers_mut()
        .insert("prefer", "Include-Unknown-Enum-Members".parse().unwrap());
    rt.send(request, LIST).await.unwrap();
    let off = builder(&server.base)
        .include_unknown_enum_members(false)
        .build()
        .unwrap();
    off.send(get(&off, "/d"), LIST).await.unwrap();

    let seen = server.headers();
    assert_eq!(prefer(&seen[0]), ["include-unknown-enum-members"]);
    assert_eq!(
        prefer(&seen[1]),
        ["return=minimal, include-unknown-enum-members"]
    );
    assert_eq!(prefer(&seen[2]), ["Include-Unknown-Enum-Members"]);
    assert!(prefer(&seen[3]).is_empty());
}

// ---- 7. One bad item does not sink a listing ----

#[tokio::test]
async fn a_bad_item_is_reported_in_place_and_the_listing_goes_on() {
    let server = serve(|base| {
        Router::new()
            .route(
                "/v1.0/p1",
                route_get(move || {
                    let base = base.clone();
                    async move {
                        json(serde_json::json!({
                            "@odata.context": format!("{base}/$metadata#users('kim%40contoso.com')/x"),
                            "@odata.count": 4,
                            "value": [
                                { "id": "a" },
                                { "id": "m2", "count": "+1 2065550100" },
                                { "id": "c", "count": 3 },
                                { "count": -1 },
                            ],
                            "@odata.nextLink": format!("{base}/p2?$skiptoken=kim%40contoso.com"),
                        }))
                    }
                }),
            )
            .route(
                "/v1.0/p2",
                route_get(|| async { json(serde_json::json!({ "value": [{ "id": "d" }] })) }),
            )
    })
    .await;
    let rt = builder(&server.base).build().unwrap();

    // One page: good items, the bad ones with their index, the annotations kept.
    let page: Page<Item> = rt
        .fetch_page(LIST, &format!("{}/p1", server.base))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(page.count, Some(4));
    assert!(page.context.as_deref().unwrap().contains("$metadata#"));
    let bad: Vec<(usize, Option<&str>, &str)> = page
        .item_errors
        .iter()
        .map(|e| (e.index, e.id.as_deref(), e.path.as_str()))
        .collect();
    assert_eq!(bad, [(1, Some("m2"), "count"), (3, None, "count")]);
    assert_eq!(page.item_errors[0].raw["count"], "+1 2065550100");
    // Debug shows neither the links (they hold the UPN) nor the raw item.
    let shown = format!("{page:?}");
    assert!(
        !shown.contains("kim") && !shown.contains("2065550100"),
        "{shown}"
    );
    assert!(shown.contains("next_link: Some(\"<redacted>\")"), "{shown}");

    // The stream: in page order, the bad items as Error::Item, then the next page.
    let results = collect(
        rt.stream_from_url::<Item>(LIST, format!("{}/p1", server.base)),
        100,
    )
    .await;
    let shape: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(item) => item.id.clone(),
            Err(Error::Item { error, operation }) => {
                assert_eq!(operation, LIST);
                format!("bad {}", error.index)
            }
            Err(e) => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(shape, ["a", "bad 1", "c", "bad 3", "d"]);
    let err = results[1].as_ref().unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("item 1") && text.contains("m2") && text.contains("`count`"),
        "{text}"
    );
    assert!(text.contains("expected u32"), "{text}");
    assert!(!text.contains("2065550100"), "{text}");
}
