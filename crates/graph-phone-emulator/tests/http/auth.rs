//! Authentication and the permission tables.

use graph_phone_emulator::{Cloud, Emulator, Tenant};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn missing_malformed_and_unknown_tokens_are_401() {
    let ctx = Ctx::new().await;
    let path = ctx.url("/me/authentication/phoneMethods");
    let cases = [
        None,
        Some("Bearer"),
        Some("Bearer "),
        Some("Basic YWxpY2U6cHc="),
        Some("Bearer not-a-token"),
        Some("alice-rw"),
    ];
    for auth in cases {
        let mut req = ctx.http.get(&path);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = read(req.send().await.unwrap()).await;
        r.expect(401, "InvalidAuthenticationToken");
        assert!(
            r.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{auth:?}"
        );
    }
    // The scheme is case-insensitive.
    let r = ctx
        .http
        .get(&path)
        .header("authorization", "bearer alice-read")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn tokens_of_another_cloud_are_401() {
    let ctx = Ctx::new().await;
    ctx.get(&user_path(ALICE, "phoneMethods"), "app-usgov")
        .await
        .expect(401, "InvalidAuthenticationToken");
    let gov = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .cloud(Cloud::UsGovL4),
    )
    .await;
    gov.get(&user_path(ALICE, "phoneMethods"), "app-usgov")
        .await
        .ok(200);
    // Unbound tokens work in every cloud.
    gov.get(&user_path(ALICE, "phoneMethods"), "app-read")
        .await
        .ok(200);
}

#[tokio::test]
async fn me_with_an_application_token_is_400() {
    let ctx = Ctx::new().await;
    for (method, path) in [
        ("GET", "/me/authentication/phoneMethods".to_string()),
        ("GET", "/me/authentication/methods".to_string()),
        (
            "DELETE",
            format!("/me/authentication/phoneMethods/{ALTERNATE}"),
        ),
    ] {
        let r = ctx.call(method, &path, Some("app-rw"), None).await;
        r.expect(400, "BadRequest");
        assert_eq!(
            r.json["error"]["message"],
            "/me request is only valid with delegated authentication flow."
        );
    }
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));
}

#[tokio::test]
async fn personal_accounts_are_refused() {
    let ctx = Ctx::new().await;
    ctx.get("/me/authentication/phoneMethods", "msa")
        .await
        .expect(403, "accessDenied");
    ctx.get(&user_path(ALICE, "methods"), "msa")
        .await
        .expect(403, "accessDenied");
}

/// (token, method, path, body, expected status, expected error code or "").
type Case = (
    &'static str,
    &'static str,
    String,
    Option<serde_json::Value>,
    u16,
    &'static str,
);

#[tokio::test]
async fn the_permission_table() {
    let phone = |u: &str| user_path(u, "phoneMethods");
    let office = |u: &str| user_path(u, &format!("phoneMethods/{OFFICE}"));
    let create_office = || Some(json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}));
    let cases: Vec<Case> = vec![
        // Self-service.
        (
            "alice-read",
            "GET",
            "/me/authentication/phoneMethods".into(),
            None,
            200,
            "",
        ),
        ("alice-read", "GET", phone(ALICE), None, 200, ""),
        (
            "alice-read",
            "GET",
            "/me/authentication/emailMethods".into(),
            None,
            200,
            "",
        ),
        (
            "alice-read",
            "POST",
            "/me/authentication/phoneMethods".into(),
            create_office(),
            403,
            "accessDenied",
        ),
        // Self-service create and update are not supported (the newest Create phoneMethod
        // and Update phoneAuthenticationMethod pages), whatever the scope and the path form.
        (
            "alice-rw",
            "POST",
            "/me/authentication/phoneMethods".into(),
            create_office(),
            403,
            "accessDenied",
        ),
        (
            "alice-rw",
            "PATCH",
            format!("/me/authentication/phoneMethods/{MOBILE}"),
            Some(json!({"phoneNumber": "+1 4255550103"})),
            403,
            "accessDenied",
        ),
        (
            "dave-priv",
            "POST",
            phone("dave@contoso.com"),
            create_office(),
            403,
            "accessDenied",
        ),
        // Self-service delete is supported, after a recent MFA.
        ("app-rw", "POST", phone(ALICE), create_office(), 201, ""),
        (
            "alice-stale-mfa",
            "GET",
            "/me/authentication/phoneMethods".into(),
            None,
            200,
            "",
        ),
        (
            "alice-stale-mfa",
            "DELETE",
            office(ALICE),
            None,
            403,
            "accessDenied",
        ),
        ("alice-rw", "DELETE", office(ALICE), None, 204, ""),
        // Self scopes do not reach other users; .All scopes still need a directory role.
        ("alice-read", "GET", phone(BOB), None, 403, "accessDenied"),
        (
            "alice-rw",
            "POST",
            phone(BOB),
            create_office(),
            403,
            "accessDenied",
        ),
        (
            "alice-other-read",
            "GET",
            phone(BOB),
            None,
            403,
            "Authorization_RequestDenied",
        ),
        (
            "alice-other-read",
            "GET",
            "/me/authentication/phoneMethods".into(),
            None,
            200,
            "",
        ),
        // Global Reader reads, cannot write.
        ("gina-reader", "GET", phone(BOB), None, 200, ""),
        (
            "gina-reader",
            "GET",
            user_path(ALICE, "methods"),
            None,
            200,
            "",
        ),
        (
            "gina-reader",
            "POST",
            phone(CAROL),
            create_office(),
            403,
            "Authorization_RequestDenied",
        ),
        // Authentication Administrator and Privileged Authentication Administrator write.
        ("carol-admin", "POST", phone(GINA), create_office(), 201, ""),
        (
            "carol-admin",
            "GET",
            user_path(ALICE, "fido2Methods"),
            None,
            200,
            "",
        ),
        ("dave-priv", "DELETE", office(GINA), None, 204, ""),
        (
            "dave-priv",
            "POST",
            user_path(ALICE, &format!("phoneMethods/{MOBILE}/disableSmsSignIn")),
            None,
            204,
            "",
        ),
        // Applications.
        ("app-read", "GET", phone(ALICE), None, 200, ""),
        // Get longRunningOperation does not support application permissions.
        (
            "app-read",
            "GET",
            user_path(ALICE, "operations/b3e4f9a2-0000-4000-8000-000000000001"),
            None,
            403,
            "accessDenied",
        ),
        (
            "gina-reader",
            "GET",
            user_path(ALICE, "operations/b3e4f9a2-0000-4000-8000-000000000001"),
            None,
            200,
            "",
        ),
        (
            "app-read",
            "POST",
            phone(GINA),
            create_office(),
            403,
            "accessDenied",
        ),
        (
            "app-read",
            "POST",
            user_path(ALICE, &format!("phoneMethods/{MOBILE}/enableSmsSignIn")),
            None,
            403,
            "accessDenied",
        ),
        ("app-rw", "POST", phone(GINA), create_office(), 201, ""),
        // Fine-grained phone permissions reach phones only.
        ("app-phone", "GET", phone(ALICE), None, 200, ""),
        (
            "app-phone",
            "PATCH",
            office(GINA),
            Some(json!({"phoneNumber": "+1 4255550101"})),
            204,
            "",
        ),
        (
            "app-phone",
            "GET",
            user_path(ALICE, "emailMethods"),
            None,
            403,
            "accessDenied",
        ),
        (
            "app-phone",
            "GET",
            user_path(ALICE, "methods"),
            None,
            403,
            "accessDenied",
        ),
        (
            "bob-phone",
            "GET",
            "/me/authentication/phoneMethods".into(),
            None,
            200,
            "",
        ),
        (
            "bob-phone",
            "GET",
            "/me/authentication/emailMethods".into(),
            None,
            403,
            "accessDenied",
        ),
        ("bob-phone", "GET", phone(ALICE), None, 403, "accessDenied"),
        // Unknown users are 404 for whoever may look.
        (
            "app-read",
            "GET",
            phone("ghost@contoso.com"),
            None,
            404,
            "Request_ResourceNotFound",
        ),
    ];
    let ctx = Ctx::new().await;
    for (token, method, path, body, status, code) in cases {
        let r = ctx.call(method, &path, Some(token), body).await;
        if code.is_empty() {
            assert_eq!(r.status, status, "{token} {method} {path}: {}", r.text);
        } else {
            assert_eq!(
                (r.status, r.code()),
                (status, code),
                "{token} {method} {path}: {}",
                r.text
            );
        }
    }
}

#[tokio::test]
async fn authentication_administrators_see_masked_numbers() {
    let ctx = Ctx::new().await;
    let masked = ctx
        .get(&user_path(ALICE, "phoneMethods"), "carol-admin")
        .await;
    masked.ok(200);
    assert_eq!(masked.json["value"][0]["phoneNumber"], "+1 XXXXXXXX00");
    assert_eq!(masked.json["value"][1]["phoneNumber"], "+1 XXXXXXXX01");
    let bob = ctx
        .get(
            &user_path(BOB, &format!("phoneMethods/{OFFICE}")),
            "carol-admin",
        )
        .await;
    assert_eq!(bob.json["phoneNumber"], "+44 XXXXXXXX00");
    let methods = ctx.get(&user_path(ALICE, "methods"), "carol-admin").await;
    assert!(!methods.text.contains("2065550100"));
    assert_eq!(methods.json["value"][0]["phoneNumber"], "+1 XXXXXXXX00");
    // Writes by an Authentication Administrator answer with masked numbers too.
    let created = ctx
        .post(
            &user_path(GINA, "phoneMethods"),
            "carol-admin",
            json!({"phoneNumber": "+1 4255550123", "phoneType": "mobile"}),
        )
        .await;
    assert_eq!(created.json["phoneNumber"], "+1 XXXXXXXX23");
    assert_eq!(
        ctx.phone(GINA, graph_phone_emulator::PhoneType::Mobile)
            .unwrap()
            .0,
        "+1 4255550123"
    );
    // Everyone else sees the number.
    for token in ["dave-priv", "gina-reader", "app-read"] {
        let r = ctx.get(&user_path(ALICE, "phoneMethods"), token).await;
        assert_eq!(
            r.json["value"][0]["phoneNumber"], "+1 2065550100",
            "{token}"
        );
    }
    // An Authentication Administrator acting on themself sees their own number.
    ctx.post(
        &user_path(CAROL, "phoneMethods"),
        "app-rw",
        json!({"phoneNumber": "+1 4255550124", "phoneType": "office"}),
    )
    .await
    .ok(201);
    let own = ctx
        .get("/me/authentication/phoneMethods", "carol-admin")
        .await;
    assert_eq!(own.json["value"][0]["phoneNumber"], "+1 4255550124");
}
