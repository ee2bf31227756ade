//! The generated client's cost against hand-written reqwest + serde_json, over loopback, in
//! one run (not run in CI: `cargo bench -p graph-phone-client --no-default-features`).
//!
//! 1. Per request: `client.user(..).phone_methods().get(Mobile)` against the emulator vs a
//!    hand-written `GET` of the same URL decoded with `serde_json` into the same struct.
//!    Target: median ratio <= 1.05.
//! 2. A 1000-item page served by a local server: `list_page` vs the same `GET` decoded with
//!    `serde_json` into the same `CollectionResponse`. Target: median ratio <= 1.10.
//!
//! The two sides alternate, so machine noise hits both alike; medians are printed.

use std::time::{Duration, Instant};

use graph_phone_client::wire::CollectionResponse;
use graph_phone_client::{
    Cloud, GraphClient, PhoneAuthenticationMethod, PhoneMethodId, Query, StaticToken,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn compare<A, B, FA, FB>(label: &str, rounds: usize, target: f64, mut a: A, mut b: B)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: std::future::Future<Output = ()>,
    FB: std::future::Future<Output = ()>,
{
    for _ in 0..rounds / 10 {
        a().await;
        b().await;
    }
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        a().await;
        ta.push(t.elapsed());
        let t = Instant::now();
        b().await;
        tb.push(t.elapsed());
    }
    let (ma, mb) = (median(ta), median(tb));
    let ratio = ma.as_secs_f64() / mb.as_secs_f64();
    println!(
        "{label}: generated client {ma:?}, hand-written {mb:?}, ratio {ratio:.3} (target <= {target:.2}) {}",
        if ratio <= target { "ok" } else { "OVER" }
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // 1. Per request, against the emulator.
    let emu = graph_phone_emulator::Emulator::builder()
        .tenant(graph_phone_emulator::Tenant::example())
        .start()
        .await
        .unwrap();
    let base = emu.base_url();
    let client = GraphClient::new(
        GraphClient::builder(Cloud::Custom {
            base_url: base.clone(),
        })
        .token_provider(StaticToken::new("app-read")),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let url = format!(
        "{base}/users/alice@contoso.com/authentication/phoneMethods/{}",
        PhoneMethodId::MOBILE_ID
    );
    let phones = client.user("alice@contoso.com").phone_methods();
    compare(
        "GET one phone method",
        2000,
        1.05,
        || async {
            let m = phones.get(PhoneMethodId::Mobile).await.unwrap();
            std::hint::black_box(m);
        },
        || async {
            let bytes = http
                .get(&url)
                .header("authorization", "Bearer app-read")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let m: PhoneAuthenticationMethod = serde_json::from_slice(&bytes).unwrap();
            std::hint::black_box(m);
        },
    )
    .await;
    // The emulator logs every request; keep its memory flat.
    emu.handle().clear_requests();

    // 2. A 1000-item page from a static local server.
    let items: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"id":"{:08x}-750b-4051-897c-87b9720928f7","phoneNumber":"+1 20655{:05}","phoneType":"mobile","smsSignInState":"notEnabled","createdDateTime":"2024-01-01T00:00:00.1234567Z"}}"#,
                i, i
            )
        })
        .collect();
    let body = format!(r#"{{"value":[{}]}}"#, items.join(","));
    let app = axum::Router::new().route(
        "/v1.0/me/authentication/phoneMethods",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = GraphClient::new(
        GraphClient::builder(Cloud::Custom {
            base_url: format!("http://{addr}/v1.0"),
        })
        .token_provider(StaticToken::new("t")),
    )
    .unwrap();
    let url = format!("http://{addr}/v1.0/me/authentication/phoneMethods");
    let phones = client.me().phone_methods();
    compare(
        "1000-item page",
        300,
        1.10,
        || async {
            let page = phones.list_page(&Query::new()).await.unwrap();
            assert_eq!(page.items.len(), 1000);
            std::hint::black_box(page);
        },
        || async {
            let bytes = http
                .get(&url)
                .header("authorization", "Bearer t")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let page: CollectionResponse<PhoneAuthenticationMethod> =
                serde_json::from_slice(&bytes).unwrap();
            assert_eq!(page.value.len(), 1000);
            std::hint::black_box(page);
        },
    )
    .await;
}
