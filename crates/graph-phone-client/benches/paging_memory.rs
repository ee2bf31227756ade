//! Peak memory while streaming a listing through `@odata.nextLink` pages: it must not grow
//! with the item count. Not run in CI: `cargo bench -p graph-phone-client --bench paging_memory`.
//!
//! Each measurement runs in a fresh child process (this same binary with `--child`), so
//! its peak resident set size (`VmHWM` in `/proc/self/status`, Linux only) belongs to that
//! run alone. A local axum server in the child makes each 1000-item page on demand, so the
//! server holds one page at a time too. The child streams the items through the public API
//! (`client.me().phone_methods().list()`), counting and dropping each one.
//!
//! Rows: streaming 10,000 items (the baseline), streaming 100,000 items (target: at most
//! 1.10x the baseline), and, as a control that shows the instrument sees growth, collecting
//! 100,000 items into a `Vec`.

use std::process::Command;

use futures::StreamExt;
use graph_phone_client::{Cloud, GraphClient, StaticToken};

const PAGE_SIZE: usize = 1000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let mode = args[i + 1].as_str();
        let items: usize = args[i + 2].parse().expect("item count");
        child(mode, items);
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let run = |mode: &str, items: usize| -> f64 {
        let out = Command::new(&exe)
            .args(["--child", mode, &items.to_string()])
            .output()
            .expect("child runs");
        assert!(
            out.status.success(),
            "child {mode} {items} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let kib: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("peak_rss_kib "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak_rss_kib from child {mode} {items}: {text}"));
        kib / 1024.0
    };
    if std::fs::read_to_string("/proc/self/status").is_err() {
        println!("paging memory: /proc/self/status unavailable (not Linux); nothing measured");
        return;
    }
    // Medians of three children each, alternating, so page-cache and allocator noise hits all.
    let mut rows: Vec<(&str, usize, Vec<f64>)> = vec![
        ("stream", 10_000, Vec::new()),
        ("stream", 100_000, Vec::new()),
        ("collect", 100_000, Vec::new()),
    ];
    for _ in 0..3 {
        for (mode, items, samples) in rows.iter_mut() {
            samples.push(run(mode, *items));
        }
    }
    let median = |s: &[f64]| {
        let mut s = s.to_vec();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    let base = median(&rows[0].2);
    let stream_100k = median(&rows[1].2);
    let collect_100k = median(&rows[2].2);
    println!("paging memory: peak RSS of a child process, median of 3, pages of {PAGE_SIZE}");
    println!("| run | peak RSS MiB | x 10k stream |");
    println!("|---|---:|---:|");
    for (label, v) in [
        ("stream 10,000 items (baseline)", base),
        ("stream 100,000 items", stream_100k),
        ("collect 100,000 items into a Vec (control)", collect_100k),
    ] {
        println!("| {label} | {v:.1} | {:.2} |", v / base);
    }
    for (name, value, max_ratio) in [
        ("stream 100,000 items: peak RSS", stream_100k, Some(1.10)),
        (
            "collect 100,000 items into a Vec (control): peak RSS",
            collect_100k,
            None,
        ),
    ] {
        let mut line = serde_json::json!({
            "bench": "paging",
            "name": name,
            "unit": "MiB",
            "value": (value * 10.0).round() / 10.0,
            "baseline": "stream 10,000 items: peak RSS",
            "baseline_value": (base * 10.0).round() / 10.0,
        });
        if let Some(r) = max_ratio {
            line["max_ratio"] = r.into();
        }
        println!("BENCH {line}");
    }
}

/// One measured run: serve `total` items in pages, list them, print the peak RSS.
fn child(mode: &str, total: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let app = axum::Router::new().route(
            "/v1.0/me/authentication/phoneMethods",
            axum::routing::get(
                move |host: axum::http::header::HeaderMap,
                      q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                    let page: usize = q.get("$skiptoken").and_then(|t| t.parse().ok()).unwrap_or(0);
                    let host = host
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    (
                        [("content-type", "application/json")],
                        page_body(&host, page, total),
                    )
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        let client = GraphClient::builder(Cloud::Custom {
            base_url: format!("http://{addr}/v1.0"),
        })
        .token_provider(StaticToken::new("t"))
        .build()
        .expect("client");
        let stream = client.me().phone_methods().list();
        let count = match mode {
            "stream" => {
                stream
                    .fold(0usize, |n, item| async move {
                        std::hint::black_box(item.expect("item"));
                        n + 1
                    })
                    .await
            }
            "collect" => {
                let all: Vec<_> = stream.collect().await;
                let n = all.len();
                std::hint::black_box(all);
                n
            }
            other => panic!("unknown mode {other}"),
        };
        assert_eq!(count, total, "every item arrives once");
    });
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM in /proc/self/status");
    println!("peak_rss_kib {kib}");
}

/// Page `page` (0-based) of `total` real-shaped phone methods, with a nextLink unless last.
fn page_body(host: &str, page: usize, total: usize) -> String {
    let start = page * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(total);
    let mut body = String::with_capacity(PAGE_SIZE * 200);
    body.push_str(r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('me')/authentication/phoneMethods","value":["#);
    for i in start..end {
        if i > start {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"id":"{i:08x}-750b-4051-897c-87b9720928f7","phoneNumber":"+1 206555{:04}","phoneType":"mobile","smsSignInState":"notEnabled","createdDateTime":"2024-01-01T00:00:00.1234567Z"}}"#,
            i % 10_000
        ));
    }
    body.push(']');
    if end < total {
        body.push_str(&format!(
            r#","@odata.nextLink":"http://{host}/v1.0/me/authentication/phoneMethods?$skiptoken={}""#,
            page + 1
        ));
    }
    body.push('}');
    body
}
