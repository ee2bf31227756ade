//! Graph's error shape and the request/response ids.

use crate::common::*;

#[tokio::test]
async fn error_bodies_have_graphs_exact_shape_and_echo_the_client_request_id() {
    let ctx = Ctx::new().await;
    let r = read(
        ctx.http
            .get(ctx.url("/me/authentication/phoneMethods/nope"))
            .bearer_auth("alice-read")
            .header("client-request-id", "7c9b4a36-0d6e-4a5b-9d8e-1f2a3b4c5d6e")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(404, "itemNotFound");
    assert!(
        r.text
            .starts_with("{\"error\":{\"code\":\"itemNotFound\",\"message\":"),
        "{}",
        r.text
    );
    let top: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(top, ["error"]);
    let mut error: Vec<&String> = r.json["error"].as_object().unwrap().keys().collect();
    error.sort();
    assert_eq!(error, ["code", "innerError", "message"]);
    let inner = r.json["error"]["innerError"].as_object().unwrap();
    let mut keys: Vec<&String> = inner.keys().collect();
    keys.sort();
    assert_eq!(keys, ["client-request-id", "date", "request-id"]);
    assert_eq!(
        inner["client-request-id"],
        "7c9b4a36-0d6e-4a5b-9d8e-1f2a3b4c5d6e"
    );
    assert_eq!(
        r.header("client-request-id"),
        Some("7c9b4a36-0d6e-4a5b-9d8e-1f2a3b4c5d6e")
    );
    assert_eq!(inner["request-id"].as_str(), r.header("request-id"));
    assert!(
        jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", inner["date"].as_str().unwrap())
            .is_ok()
    );
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let log = ctx.emu.handle().requests();
    assert_eq!(
        log[0].client_request_id.as_deref(),
        Some("7c9b4a36-0d6e-4a5b-9d8e-1f2a3b4c5d6e")
    );
    assert_eq!(Some(log[0].request_id.as_str()), r.header("request-id"));
    assert_eq!(log[0].status, Some(404));
}

#[tokio::test]
async fn without_a_client_request_id_both_ids_are_the_request_id() {
    let ctx = Ctx::new().await;
    let r = ctx.get("/me/authentication/phoneMethods", "nobody").await;
    r.expect(401, "InvalidAuthenticationToken");
    let request_id = r.header("request-id").unwrap();
    assert_eq!(r.header("client-request-id"), Some(request_id));
    assert_eq!(
        r.json["error"]["innerError"]["client-request-id"],
        request_id
    );
    assert!(ctx.emu.handle().requests()[0].client_request_id.is_none());
    // Successes carry the ids too, and each request gets a new one.
    let a = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    let b = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    assert!(a.header("request-id").is_some());
    assert_ne!(a.header("request-id"), b.header("request-id"));
    assert!(
        a.header("content-type")
            .unwrap()
            .starts_with("application/json;odata.metadata=minimal")
    );
}

#[tokio::test]
async fn the_request_log_never_holds_tokens_or_numbers() {
    let ctx = Ctx::new().await;
    ctx.post(
        &user_path(ALICE, "phoneMethods"),
        "dave-priv",
        serde_json::json!({"phoneNumber": "+1 4255550188", "phoneType": "office"}),
    )
    .await
    .ok(201);
    ctx.delete(
        &format!("/me/authentication/phoneMethods/{OFFICE}"),
        "alice-rw",
    )
    .await
    .ok(204);
    let log = format!("{:?}", ctx.emu.handle().requests());
    for secret in ["dave-priv", "alice-rw", "4255550188"] {
        assert!(!log.contains(secret), "{secret}");
    }
    assert!(log.contains("/users/{id}/authentication/phoneMethods"));
    assert!(log.contains("/me/authentication/phoneMethods/{id}"));
}
