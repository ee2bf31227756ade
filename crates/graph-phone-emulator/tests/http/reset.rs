//! resetPassword and the long-running operation it starts, over HTTP: the 202, the
//! operation's statuses per read, faults, errors, permissions and the password as a secret.

use graph_phone_emulator::{Cloud, Emulator, FaultPlan, Tenant};
use serde_json::{Value, json};

use crate::common::*;

const PASSWORD: &str = "28c10230-6103-485e-b985-444c60001490";
/// The new password of the page's example 1.
const GIVEN: &str = "Cuyo5459";

fn reset_path(user: &str, method: &str) -> String {
    user_path(user, &format!("methods/{method}/resetPassword"))
}

/// The path and query of an absolute `Location` of this emulator.
fn local(ctx: &Ctx, location: &str) -> String {
    location
        .strip_prefix(&ctx.emu.base_url())
        .unwrap_or_else(|| panic!("{location} is not under {}", ctx.emu.base_url()))
        .to_string()
}

/// Starts a reset of Alice's password as Carol (Authentication Administrator) and returns
/// the 202 and the operation's path.
async fn start(ctx: &Ctx, body: Option<Value>) -> (Resp, String) {
    let r = ctx
        .call(
            "POST",
            &reset_path(ALICE, PASSWORD),
            Some("carol-admin"),
            body,
        )
        .await;
    r.ok(202);
    let location = r.header("location").expect("a Location").to_string();
    let path = local(ctx, &location);
    (r, path)
}

async fn statuses(ctx: &Ctx, path: &str, reads: usize) -> Vec<Resp> {
    let mut out = Vec::new();
    for _ in 0..reads {
        let r = ctx.get(path, "carol-admin").await;
        r.ok(200);
        out.push(r);
    }
    out
}

fn status_of(r: &Resp) -> &str {
    r.json["status"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn a_reset_with_a_password_is_accepted_and_its_operation_succeeds() {
    let ctx = Ctx::new().await;
    let (r, path) = start(&ctx, Some(json!({"newPassword": GIVEN}))).await;
    // The page's example 1: 202, a Location under the user's operations, `{}`.
    assert_eq!(r.json, json!({}));
    assert_eq!(r.header("retry-after"), Some("1"));
    let prefix = format!("/users/{ALICE}/authentication/operations/");
    let op_id = path
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{path}"));
    assert!(uuid_like(op_id), "{op_id}");

    let reads = statuses(&ctx, &path, 4).await;
    let seen: Vec<&str> = reads.iter().map(status_of).collect();
    assert_eq!(seen, ["notStarted", "running", "succeeded", "succeeded"]);
    assert_eq!(reads[0].header("retry-after"), Some("1"));
    assert_eq!(reads[1].header("retry-after"), Some("1"));
    assert_eq!(reads[2].header("retry-after"), None, "terminal");
    let done = &reads[2].json;
    assert_eq!(done["id"], op_id);
    assert!(done["createdDateTime"].is_string());
    assert!(done["lastActionDateTime"].is_string());
    assert!(done.get("statusDetail").is_none_or(Value::is_null));
    let resource = done["resourceLocation"].as_str().unwrap();
    assert!(
        resource.ends_with(&format!("/users/{ALICE}/authentication/methods/{PASSWORD}")),
        "{resource}"
    );
    // The operation is the generated longRunningOperation type.
    let typed: graph_phone_types::LongRunningOperation =
        serde_json::from_value(done.clone()).unwrap();
    assert_eq!(
        typed.status,
        Some(graph_phone_types::LongRunningOperationStatus::Succeeded)
    );
    // Listed too, with the status it reached.
    let list = ctx
        .get(&user_path(ALICE, "operations"), "carol-admin")
        .await;
    list.ok(200);
    let listed = list.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == op_id)
        .expect("listed");
    assert_eq!(listed["status"], "succeeded");

    let log = ctx.emu.handle().requests();
    let post = log.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        post.path_template.as_deref(),
        Some("/users/{id}/authentication/methods/{id}/resetPassword")
    );
    assert_eq!(post.route.as_deref(), Some("methods/{id}/resetPassword"));
    assert_eq!((post.status, post.applied), (Some(202), true));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn without_a_password_the_service_generates_one_and_answers_it_once() {
    let ctx = Ctx::new().await;
    let (first, _) = start(&ctx, None).await;
    // The page's example 2: a passwordResetResponse with the generated password.
    assert!(
        first.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#microsoft.graph.passwordResetResponse"),
        "{}",
        first.text
    );
    let generated = first.json["newPassword"].as_str().unwrap().to_string();
    assert!(generated.chars().count() >= 8, "{generated}");
    let (second, _) = start(&ctx, Some(json!({"newPassword": null}))).await;
    let again = second.json["newPassword"].as_str().unwrap();
    assert_ne!(again, generated, "each reset generates its own");
    // Nothing kept: neither the state nor the log holds it.
    let state = serde_json::to_string(&ctx.emu.handle().tenant()).unwrap();
    let log = format!("{:?}", ctx.emu.handle().requests());
    let debug = format!("{:?}", ctx.emu.handle().tenant());
    for text in [&state, &log, &debug] {
        assert!(!text.contains(&generated) && !text.contains(again));
    }
}

#[tokio::test]
async fn a_user_is_addressed_by_upn_and_the_location_names_the_object_id() {
    let ctx = Ctx::new().await;
    let r = ctx
        .post(
            &reset_path("alice@contoso.com", PASSWORD),
            "dave-priv",
            json!({"newPassword": GIVEN}),
        )
        .await;
    r.ok(202);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(&format!(
            "{}/users/{ALICE}/authentication/operations/",
            ctx.emu.base_url()
        )),
        "{location}"
    );
    // The action name may be qualified, as OData allows.
    ctx.post(
        &user_path(
            ALICE,
            &format!("methods/{PASSWORD}/microsoft.graph.resetPassword"),
        ),
        "dave-priv",
        json!({"newPassword": GIVEN}),
    )
    .await
    .ok(202);
}

#[tokio::test]
async fn faults_decide_the_operations_fate() {
    let ctx = Ctx::new().await;
    ctx.emu.handle().set_faults(
        FaultPlan::parse(
            "POST methods/{id}/resetPassword operation-fails times=1; \
             POST methods/{id}/resetPassword operation-stays-running times=1",
        )
        .unwrap(),
    );
    let (_, failing) = start(&ctx, Some(json!({"newPassword": GIVEN}))).await;
    let (_, stuck) = start(&ctx, Some(json!({"newPassword": GIVEN}))).await;
    let (_, fine) = start(&ctx, Some(json!({"newPassword": GIVEN}))).await;

    let reads = statuses(&ctx, &failing, 3).await;
    let seen: Vec<&str> = reads.iter().map(status_of).collect();
    assert_eq!(seen, ["notStarted", "running", "failed"]);
    assert!(
        reads[2].json["statusDetail"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(reads[2].header("retry-after"), None);

    let reads = statuses(&ctx, &stuck, 6).await;
    assert!(reads[1..].iter().all(|r| status_of(r) == "running"));
    assert!(reads.iter().all(|r| r.header("retry-after") == Some("1")));

    let reads = statuses(&ctx, &fine, 3).await;
    assert_eq!(status_of(&reads[2]), "succeeded");

    let faults: Vec<Option<String>> = ctx
        .emu
        .handle()
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.fault)
        .collect();
    assert_eq!(
        faults,
        [
            Some("operation-fails".to_string()),
            Some("operation-stays-running".to_string()),
            None
        ]
    );
}

#[tokio::test]
async fn the_emulators_other_faults_apply_to_both_routes() {
    let ctx = Ctx::new().await;
    ctx.emu.handle().set_faults(
        FaultPlan::parse(
            "POST methods/{id}/resetPassword 429 retry-after=2 times=1; \
             POST methods/{id}/resetPassword 504-after times=1; \
             GET operations/{id} 503 retry-after=3 times=1",
        )
        .unwrap(),
    );
    let path = reset_path(ALICE, PASSWORD);
    let body = || json!({"newPassword": GIVEN});
    let r = ctx.post(&path, "carol-admin", body()).await;
    r.expect(429, "TooManyRequests");
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(operations_of_alice(&ctx), 0, "a 429 starts nothing");
    ctx.post(&path, "carol-admin", body())
        .await
        .expect(504, "gatewayTimeout");
    assert_eq!(
        operations_of_alice(&ctx),
        1,
        "504-after: started, answer lost"
    );
    let (_, op) = start(&ctx, Some(body())).await;
    ctx.get(&op, "carol-admin")
        .await
        .expect(503, "serviceNotAvailable");
    // The 503 was not a read of the operation: the first read still says notStarted.
    assert_eq!(status_of(&statuses(&ctx, &op, 1).await[0]), "notStarted");
}

fn operations_of_alice(ctx: &Ctx) -> usize {
    let seeded = Tenant::example()
        .users
        .iter()
        .find(|u| u.id == ALICE)
        .unwrap()
        .operations
        .len();
    ctx.emu.handle().user(ALICE).unwrap().operations.len() - seeded
}

#[tokio::test]
async fn bad_requests_are_refused_without_starting_anything() {
    let ctx = Ctx::new().await;
    let reset = reset_path(ALICE, PASSWORD);
    let cases: Vec<(String, Option<Value>, u16, &str)> = vec![
        // Another of Alice's methods (her mobile phone), and an id she has no method of.
        (
            reset_path(ALICE, MOBILE),
            Some(json!({})),
            400,
            "BadRequest",
        ),
        (reset_path(ALICE, "nope"), None, 404, "itemNotFound"),
        // Bob has no password method in the example tenant.
        (reset_path(BOB, PASSWORD), None, 404, "itemNotFound"),
        (
            reset_path("99999999-9999-9999-9999-999999999999", PASSWORD),
            None,
            404,
            "Request_ResourceNotFound",
        ),
        (reset.clone(), Some(json!([GIVEN])), 400, "BadRequest"),
        (
            reset.clone(),
            Some(json!({"newPassword": 5459})),
            400,
            "BadRequest",
        ),
        (
            reset.clone(),
            Some(json!({"newPassword": GIVEN, "forceChange": true})),
            400,
            "BadRequest",
        ),
        (
            reset.clone(),
            Some(json!({"newPassword": "short1A"})),
            400,
            "Request_BadRequest",
        ),
        (
            reset.clone(),
            Some(json!({"newPassword": "onlylowercaseletters"})),
            400,
            "Request_BadRequest",
        ),
    ];
    for (path, body, status, code) in cases {
        let r = ctx
            .call("POST", &path, Some("carol-admin"), body.clone())
            .await;
        r.expect(status, code);
        for secret in ["short1A", "onlylowercaseletters", GIVEN] {
            assert!(!r.text.contains(secret), "{path} {body:?}: {}", r.text);
        }
    }
    // A body that is not JSON.
    let r = ctx
        .http
        .post(ctx.url(&reset))
        .bearer_auth("carol-admin")
        .header("content-type", "application/json")
        .body("newPassword=Cuyo5459")
        .send()
        .await
        .unwrap();
    read(r).await.expect(400, "BadRequest");
    let r = ctx
        .http
        .post(ctx.url(&reset))
        .bearer_auth("carol-admin")
        .header("content-type", "text/plain")
        .body(r#"{"newPassword":"Cuyo5459"}"#)
        .send()
        .await
        .unwrap();
    read(r).await.expect(415, "unsupportedMediaType");
    let r = ctx.get(&reset, "carol-admin").await;
    r.expect(405, "Request_BadRequest");
    assert_eq!(r.header("allow"), Some("POST"));
    assert_eq!(operations_of_alice(&ctx), 0);
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));
}

#[tokio::test]
async fn only_administrators_acting_on_others_may_reset() {
    let ctx = Ctx::new().await;
    let body = json!({"newPassword": GIVEN});
    let cases = [
        // Not on one's own account, by /me or by id.
        (
            "/me/authentication/methods/{PASSWORD}/resetPassword".replace("{PASSWORD}", PASSWORD),
            "alice-rw",
            403,
            "accessDenied",
        ),
        (reset_path(ALICE, PASSWORD), "alice-rw", 403, "accessDenied"),
        // Applications are not supported.
        (reset_path(ALICE, PASSWORD), "app-rw", 403, "accessDenied"),
        // Acting on others needs UserAuthenticationMethod.ReadWrite.All ...
        (
            reset_path(BOB, PASSWORD),
            "alice-other-read",
            403,
            "accessDenied",
        ),
        // ... and an authentication administrator role (Gina is a Global Reader).
        (
            reset_path(ALICE, PASSWORD),
            "gina-reader",
            403,
            "Authorization_RequestDenied",
        ),
        (reset_path(ALICE, PASSWORD), "msa", 403, "accessDenied"),
        (
            reset_path(ALICE, PASSWORD),
            "nobody",
            401,
            "InvalidAuthenticationToken",
        ),
    ];
    for (path, token, status, code) in cases {
        let r = ctx.post(&path, token, body.clone()).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code),
            "{token} {path}: {}",
            r.text
        );
    }
    assert_eq!(operations_of_alice(&ctx), 0);
    // The operation's reads follow operations.get: the administrator reads it, the
    // application cannot (the page marks applications not supported).
    let (_, op) = start(&ctx, Some(body)).await;
    ctx.get(&op, "app-rw").await.expect(403, "accessDenied");
    ctx.get(&op, "dave-priv").await.ok(200);
}

#[tokio::test]
async fn china_has_no_reset_password() {
    let mut tenant = Tenant::example();
    // A token valid in the China cloud: an unbound delegated administrator token.
    tenant.tokens.retain(|_, p| p.cloud().is_none());
    let ctx = Ctx::with(Emulator::builder().tenant(tenant).cloud(Cloud::China)).await;
    ctx.post(
        &reset_path(ALICE, PASSWORD),
        "carol-admin",
        json!({"newPassword": GIVEN}),
    )
    .await
    .expect(400, "BadRequest");
}

#[tokio::test]
async fn an_unknown_operation_is_not_found() {
    let ctx = Ctx::new().await;
    ctx.get(
        &user_path(ALICE, "operations/00000000-0000-0000-0000-000000000000"),
        "carol-admin",
    )
    .await
    .expect(404, "itemNotFound");
}
