//! Peak memory (VmHWM) while a 1 GiB body arrives, with the default cap and without one.
//! Not part of the normal run (`#[ignore]`): a high-water mark is per process, so run each
//! case alone, in its own process:
//!
//! ```text
//! cargo test -p graph-phone-runtime --test body_memory -- --ignored --exact capped
//! cargo test -p graph-phone-runtime --test body_memory -- --ignored --exact uncapped
//! ```
//!
//! Each prints `VmHWM` before and after; the assertions are only on the outcome.

mod common;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use common::*;
use graph_phone_runtime::{Cloud, Error, GraphRuntime, Page, StaticToken};

const GIB: usize = 1 << 30;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn one_gib_server() -> String {
    let app = Router::new().fallback(|| async {
        // `{"value":[` + 1 GiB of spaces + `]}`, streamed in 64 KiB chunks without a length.
        let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
        let body = std::iter::once(bytes::Bytes::from_static(b"{\"value\":["))
            .chain(std::iter::repeat_n(chunk, GIB / (64 * 1024)))
            .chain(std::iter::once(bytes::Bytes::from_static(b"]}")))
            .map(Ok::<_, std::convert::Infallible>);
        Response::new(Body::from_stream(futures::stream::iter(body)))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn fetch(max_body_bytes: Option<usize>) -> Result<Page<serde_json::Value>, Error> {
    let base = one_gib_server().await;
    let mut builder = GraphRuntime::builder(Cloud::Global)
        .base_url(&base)
        .token_provider(StaticToken::new(TOKEN))
        .operations(OPERATIONS);
    if let Some(n) = max_body_bytes {
        builder = builder.max_body_bytes(n);
    }
    let rt = builder.build().unwrap();
    let before = vm_hwm_kib();
    let result = rt.fetch_page(LIST, &format!("{base}/x")).await;
    println!(
        "VmHWM before {} MiB, after {} MiB",
        before / 1024,
        vm_hwm_kib() / 1024
    );
    result
}

#[tokio::test]
#[ignore = "reads 1 GiB over loopback; run alone to measure peak RSS"]
async fn capped() {
    let err = fetch(None).await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

/// What the runtime did before the caps: the whole body in memory.
#[tokio::test]
#[ignore = "holds 1 GiB; run alone to measure peak RSS"]
async fn uncapped() {
    let page = fetch(Some(usize::MAX)).await.unwrap();
    assert!(page.items.is_empty());
}
