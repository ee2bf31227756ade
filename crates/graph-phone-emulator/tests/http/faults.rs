//! Injected faults and what the request log says about them.

use std::time::{Duration, Instant};

use graph_phone_emulator::{
    Emulator, FaultKind, FaultPlan, FaultRule, PhoneType, RetryAfter, Tenant,
};
use serde_json::json;

use crate::common::*;

fn office() -> serde_json::Value {
    json!({"phoneNumber": "+1 4255550100", "phoneType": "office"})
}

#[tokio::test]
async fn scripted_429s_with_fractional_retry_after_then_success() {
    let ctx = Ctx::new().await;
    ctx.emu
        .handle()
        .set_faults(FaultPlan::parse("POST phoneMethods 429 retry-after=0.25 times=2").unwrap());
    for _ in 0..2 {
        let r = ctx
            .post(&user_path(ALICE, "phoneMethods"), "app-rw", office())
            .await;
        r.expect(429, "TooManyRequests");
        assert_eq!(r.header("retry-after"), Some("0.25"));
        assert!(r.json["error"]["innerError"]["request-id"].is_string());
    }
    // Other routes and methods are untouched meanwhile; the third POST goes through.
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
    ctx.post(&user_path(ALICE, "phoneMethods"), "app-rw", office())
        .await
        .ok(201);
    let log: Vec<_> = ctx
        .emu
        .handle()
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| (r.status, r.applied, r.fault))
        .collect();
    assert_eq!(
        log,
        [
            (Some(429), false, Some("429".to_string())),
            (Some(429), false, Some("429".to_string())),
            (Some(201), true, None),
        ]
    );
    let plan = ctx.emu.handle().faults();
    assert_eq!(
        plan.rules[0].to_string(),
        "POST phoneMethods 429 retry-after=0.25 times=0"
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_and_503_with_and_without() {
    let ctx = Ctx::new().await;
    let h = ctx.emu.handle();
    h.add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::HttpDate(Duration::from_secs(2))),
            },
        )
        .times(1),
    );
    let r = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    r.expect(429, "TooManyRequests");
    let date = r.header("retry-after").unwrap();
    assert!(date.ends_with(" GMT"), "{date}");
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date)
        .unwrap();
    let ahead = at.duration_since(jiff::Timestamp::now()).as_secs_f64();
    assert!((0.0..=3.0).contains(&ahead), "{ahead}");

    h.set_faults(
        FaultPlan::parse(
            "GET phoneMethods 503 retry-after=1 times=1; GET phoneMethods 503 times=1",
        )
        .unwrap(),
    );
    let r = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    r.expect(503, "serviceNotAvailable");
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    r.expect(503, "serviceNotAvailable");
    assert_eq!(r.header("retry-after"), None);
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
}

#[tokio::test]
async fn gateway_timeout_after_the_change_was_applied() {
    let ctx = Ctx::new().await;
    ctx.emu
        .handle()
        .set_faults(FaultPlan::parse("POST phoneMethods 504-after times=1").unwrap());
    ctx.post(&user_path(ALICE, "phoneMethods"), "app-rw", office())
        .await
        .expect(504, "gatewayTimeout");
    assert!(
        ctx.phone(ALICE, PhoneType::Office).is_some(),
        "the create was applied"
    );
    // A retry of the create now conflicts: what a client must be ready for.
    ctx.post(&user_path(ALICE, "phoneMethods"), "app-rw", office())
        .await
        .expect(409, "phoneTypeAlreadyExists");
    let log = ctx.emu.handle().requests();
    assert_eq!((log[0].status, log[0].applied), (Some(504), true));
    assert_eq!((log[1].status, log[1].applied), (Some(409), false));
}

#[tokio::test]
async fn added_latency() {
    let ctx = Ctx::new().await;
    ctx.emu.handle().add_fault(
        FaultRule::new(
            "*",
            "phoneMethods*",
            FaultKind::Latency(Duration::from_millis(150)),
        )
        .times(1),
    );
    let start = Instant::now();
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
    let faults: Vec<_> = ctx
        .emu
        .handle()
        .requests()
        .into_iter()
        .map(|r| r.fault)
        .collect();
    assert_eq!(faults, [Some("latency".to_string()), None]);
}

#[tokio::test]
async fn dropped_connections_before_and_after_the_change() {
    let ctx = Ctx::new().await;
    let h = ctx.emu.handle();
    h.set_faults(FaultPlan::parse("POST phoneMethods drop-before times=1").unwrap());
    let err = ctx
        .http
        .post(ctx.url("/me/authentication/phoneMethods"))
        .bearer_auth("alice-rw")
        .json(&office())
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_status());
    assert!(
        ctx.phone(ALICE, PhoneType::Office).is_none(),
        "nothing applied"
    );

    h.set_faults(FaultPlan::parse("DELETE phoneMethods/{id} drop-after times=1").unwrap());
    let alternate = format!("/me/authentication/phoneMethods/{ALTERNATE}");
    ctx.http
        .delete(ctx.url(&alternate))
        .bearer_auth("alice-rw")
        .send()
        .await
        .expect_err("no response");
    assert!(
        ctx.phone(ALICE, PhoneType::AlternateMobile).is_none(),
        "the delete was applied"
    );
    // The server still serves new connections.
    ctx.get(&alternate, "alice-read")
        .await
        .expect(404, "itemNotFound");
    let log: Vec<_> = h
        .requests()
        .into_iter()
        .map(|r| (r.method, r.status, r.applied, r.fault))
        .collect();
    assert_eq!(
        log,
        [
            (
                "POST".to_string(),
                None,
                false,
                Some("drop-before".to_string())
            ),
            (
                "DELETE".to_string(),
                None,
                true,
                Some("drop-after".to_string())
            ),
            ("GET".to_string(), Some(404), false, None),
        ]
    );
}

#[tokio::test]
async fn malformed_json_bodies() {
    let ctx = Ctx::new().await;
    ctx.emu.handle().set_faults(
        FaultPlan::parse("GET methods malformed times=1; POST phoneMethods malformed times=1; DELETE * malformed times=1").unwrap(),
    );
    let r = ctx.get("/me/authentication/methods", "alice-read").await;
    r.ok(200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.text).is_err(),
        "{}",
        r.text
    );
    assert!(r.text.starts_with('{'));
    let r = ctx
        .post(&user_path(ALICE, "phoneMethods"), "app-rw", office())
        .await;
    r.ok(201);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(ctx.phone(ALICE, PhoneType::Office).is_some());
    let r = ctx
        .delete(
            &format!("/me/authentication/phoneMethods/{OFFICE}"),
            "alice-rw",
        )
        .await;
    r.ok(200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(ctx.phone(ALICE, PhoneType::Office).is_none());
    let log: Vec<_> = ctx
        .emu
        .handle()
        .requests()
        .into_iter()
        .map(|r| (r.status, r.applied))
        .collect();
    assert_eq!(
        log,
        [(Some(200), false), (Some(201), true), (Some(200), true)]
    );
    ctx.get("/me/authentication/methods", "alice-read")
        .await
        .ok(200);
}

#[tokio::test]
async fn seeded_faults_are_deterministic() {
    let run = || async {
        let ctx = Ctx::with(
            Emulator::builder()
                .tenant(Tenant::example())
                .faults(FaultPlan::parse("seed=42; GET * 503 p=0.5").unwrap()),
        )
        .await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(
                ctx.get("/me/authentication/phoneMethods", "alice-read")
                    .await
                    .status,
            );
        }
        statuses
    };
    let a = run().await;
    assert_eq!(a, run().await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
    let other_seed = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .faults(FaultPlan::parse("seed=43; GET * 503 p=0.5").unwrap()),
    )
    .await;
    let mut b = Vec::new();
    for _ in 0..24 {
        b.push(
            other_seed
                .get("/me/authentication/phoneMethods", "alice-read")
                .await
                .status,
        );
    }
    assert_ne!(a, b);
}

#[tokio::test]
async fn rules_match_by_method_and_route_and_can_be_cleared() {
    let ctx = Ctx::new().await;
    let h = ctx.emu.handle();
    h.set_faults(FaultPlan::parse("POST phoneMethods/{id}/enableSmsSignIn 503").unwrap());
    let enable = format!("/me/authentication/phoneMethods/{MOBILE}/enableSmsSignIn");
    ctx.call("POST", &enable, Some("alice-rw"), None)
        .await
        .expect(503, "serviceNotAvailable");
    ctx.call("POST", &enable, Some("alice-rw"), None)
        .await
        .expect(503, "serviceNotAvailable");
    ctx.call(
        "POST",
        &format!("/me/authentication/phoneMethods/{MOBILE}/disableSmsSignIn"),
        Some("alice-rw"),
        None,
    )
    .await
    .ok(204);
    h.clear_faults();
    ctx.call("POST", &enable, Some("alice-rw"), None)
        .await
        .ok(204);
    // Faults come before authentication: a 429 is a 429 whoever asks.
    h.add_fault(
        FaultRule::new("*", "*", FaultKind::TooManyRequests { retry_after: None }).times(1),
    );
    ctx.get("/me/authentication/phoneMethods", "nobody")
        .await
        .expect(429, "TooManyRequests");
    ctx.get("/me/authentication/phoneMethods", "nobody")
        .await
        .expect(401, "InvalidAuthenticationToken");
}
