//! The phone method rules.

use graph_phone_emulator::PhoneType;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn list_and_get_use_the_fixed_ids() {
    let ctx = Ctx::new().await;
    let list = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    list.ok(200);
    let items = list.json["value"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [MOBILE, ALTERNATE]);
    assert_eq!(items[0]["phoneType"], "mobile");
    assert_eq!(items[0]["phoneNumber"], "+1 2065550100");
    assert_eq!(items[0]["smsSignInState"], "ready");
    assert_eq!(items[1]["smsSignInState"], "notSupported");
    assert!(
        list.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with(&format!(
                "/v1.0/$metadata#users('{ALICE}')/authentication/phoneMethods"
            ))
    );

    let one = ctx
        .get(
            &format!("/me/authentication/phoneMethods/{MOBILE}"),
            "alice-read",
        )
        .await;
    one.ok(200);
    assert_eq!(one.json["phoneType"], "mobile");
    assert!(
        one.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/phoneMethods/$entity")
    );

    ctx.get(
        &format!("/me/authentication/phoneMethods/{OFFICE}"),
        "alice-read",
    )
    .await
    .expect(404, "itemNotFound");
    ctx.get(
        "/me/authentication/phoneMethods/not-a-phone-id",
        "alice-read",
    )
    .await
    .expect(404, "itemNotFound");
}

#[tokio::test]
async fn create_answers_201_with_the_fixed_id_and_location() {
    let ctx = Ctx::new().await;
    let created = ctx
        .post(
            &user_path(ALICE, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+1 4255550199x42", "phoneType": "office"}),
        )
        .await;
    created.ok(201);
    assert_eq!(created.json["id"], OFFICE);
    assert_eq!(created.json["phoneNumber"], "+1 4255550199x42");
    assert_eq!(created.json["smsSignInState"], "notSupported");
    assert!(created.json["createdDateTime"].is_string());
    assert!(created.header("location").unwrap().ends_with(&format!(
        "/v1.0/users/{ALICE}/authentication/phoneMethods/{OFFICE}"
    )));
    ctx.get(
        &format!("/me/authentication/phoneMethods/{OFFICE}"),
        "alice-read",
    )
    .await
    .ok(200);
    let log = ctx.emu.handle().requests();
    let post = log.iter().find(|r| r.method == "POST").unwrap();
    assert!(post.applied);
    assert_eq!(post.status, Some(201));
    assert_eq!(
        post.path_template.as_deref(),
        Some("/users/{id}/authentication/phoneMethods")
    );
    assert_eq!(post.user_id.as_deref(), Some(ALICE));
}

#[tokio::test]
async fn numbers_must_match_the_format_on_create_and_update() {
    let ctx = Ctx::new().await;
    for bad in [
        "2065550123",
        "+1 206-555-0123",
        "+12065550123",
        "+1 2065550123x",
        "+1234 5550123",
        "+1 phone",
    ] {
        ctx.post(
            &user_path(GINA, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": bad, "phoneType": "mobile"}),
        )
        .await
        .expect(400, "invalidPhoneNumber");
        ctx.patch(
            &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
            "app-rw",
            json!({"phoneNumber": bad}),
        )
        .await
        .expect(400, "invalidPhoneNumber");
    }
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));
    assert_eq!(
        ctx.phone(ALICE, PhoneType::Mobile).unwrap().0,
        "+1 2065550100"
    );
    assert!(ctx.phone(GINA, PhoneType::Mobile).is_none());
}

#[tokio::test]
async fn one_phone_per_type() {
    let ctx = Ctx::new().await;
    ctx.post(
        &user_path(ALICE, "phoneMethods"),
        "app-rw",
        json!({"phoneNumber": "+1 2065550111", "phoneType": "mobile"}),
    )
    .await
    .expect(409, "phoneTypeAlreadyExists");
    assert_eq!(
        ctx.phone(ALICE, PhoneType::Mobile).unwrap().0,
        "+1 2065550100"
    );
}

#[tokio::test]
async fn mobile_before_alternate_mobile() {
    let ctx = Ctx::new().await;
    let path = user_path(GINA, "phoneMethods");
    ctx.post(
        &path,
        "app-rw",
        json!({"phoneNumber": "+1 5550001", "phoneType": "alternateMobile"}),
    )
    .await
    .expect(400, "mobilePhoneRequired");
    ctx.post(
        &path,
        "app-rw",
        json!({"phoneNumber": "+1 5550002", "phoneType": "mobile"}),
    )
    .await
    .ok(201);
    let alt = ctx
        .post(
            &path,
            "app-rw",
            json!({"phoneNumber": "+1 5550001", "phoneType": "alternateMobile"}),
        )
        .await;
    alt.ok(201);
    assert_eq!(alt.json["id"], ALTERNATE);
}

#[tokio::test]
async fn mobile_cannot_go_while_an_alternate_exists_and_default_mfa_cannot_go() {
    let ctx = Ctx::new().await;
    let mobile = user_path(ALICE, &format!("phoneMethods/{MOBILE}"));
    let alternate = user_path(ALICE, &format!("phoneMethods/{ALTERNATE}"));
    ctx.delete(&mobile, "app-rw")
        .await
        .expect(409, "alternateMobilePhoneExists");
    // The documented way out: move the mobile to the new number, delete the alternate.
    ctx.patch(&mobile, "app-rw", json!({"phoneNumber": "+1 2065550101"}))
        .await
        .ok(204);
    ctx.delete(&alternate, "app-rw").await.ok(204);
    ctx.get(&alternate, "app-read")
        .await
        .expect(404, "itemNotFound");
    // Alice's default MFA method is sms, i.e. the mobile.
    ctx.delete(&mobile, "app-rw")
        .await
        .expect(409, "defaultMfaMethodCannotBeDeleted");
    // Bob's default is voiceOffice.
    ctx.delete(&user_path(BOB, &format!("phoneMethods/{OFFICE}")), "app-rw")
        .await
        .expect(409, "defaultMfaMethodCannotBeDeleted");
    ctx.delete(&user_path(BOB, &format!("phoneMethods/{MOBILE}")), "app-rw")
        .await
        .expect(404, "itemNotFound");
    // Once the default changes, the mobile can go.
    ctx.emu
        .handle()
        .update_tenant(|t| t.users[0].policy.default_mfa_method = None)
        .unwrap();
    ctx.delete(&mobile, "app-rw").await.ok(204);
    assert!(
        ctx.emu
            .handle()
            .user(ALICE)
            .unwrap()
            .phone_methods
            .is_empty()
    );
}

#[tokio::test]
async fn the_type_cannot_change_on_update() {
    let ctx = Ctx::new().await;
    let mobile = user_path(ALICE, &format!("phoneMethods/{MOBILE}"));
    ctx.patch(
        &mobile,
        "app-rw",
        json!({"phoneType": "office", "phoneNumber": "+1 2065550177"}),
    )
    .await
    .expect(400, "phoneTypeCannotBeChanged");
    assert_eq!(
        ctx.phone(ALICE, PhoneType::Mobile).unwrap().0,
        "+1 2065550100"
    );
    let same = ctx
        .patch(
            &mobile,
            "app-rw",
            json!({"phoneType": "mobile", "phoneNumber": "+1 2065550177"}),
        )
        .await;
    same.ok(204);
    assert!(same.text.is_empty());
    assert_eq!(
        ctx.phone(ALICE, PhoneType::Mobile).unwrap().0,
        "+1 2065550177"
    );
    ctx.patch(
        &user_path(GINA, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"phoneNumber": "+1 2065550177"}),
    )
    .await
    .expect(404, "itemNotFound");
}

#[tokio::test]
async fn sms_sign_in_is_only_for_the_mobile_phone() {
    let ctx = Ctx::new().await;
    for (user, id) in [(ALICE, ALTERNATE), (BOB, OFFICE)] {
        ctx.call(
            "POST",
            &user_path(user, &format!("phoneMethods/{id}/enableSmsSignIn")),
            Some("app-rw"),
            None,
        )
        .await
        .expect(400, "smsSignInNotSupported");
        ctx.call(
            "POST",
            &user_path(user, &format!("phoneMethods/{id}/disableSmsSignIn")),
            Some("app-rw"),
            None,
        )
        .await
        .expect(400, "smsSignInNotSupported");
    }
    ctx.call(
        "POST",
        &user_path(GINA, &format!("phoneMethods/{MOBILE}/enableSmsSignIn")),
        Some("app-rw"),
        None,
    )
    .await
    .expect(404, "itemNotFound");
}

#[tokio::test]
async fn sms_sign_in_state_transitions() {
    let ctx = Ctx::new().await;
    let action =
        |user: &str, verb: &str| user_path(user, &format!("phoneMethods/{MOBILE}/{verb}SmsSignIn"));

    // Bob is not enabled by policy: a new mobile is notAllowedByPolicy and stays so.
    let bob = ctx
        .post(
            &user_path(BOB, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+44 7700900123", "phoneType": "mobile"}),
        )
        .await;
    bob.ok(201);
    assert_eq!(bob.json["smsSignInState"], "notAllowedByPolicy");
    let r = ctx
        .call("POST", &action(BOB, "enable"), Some("app-rw"), None)
        .await;
    r.ok(204);
    assert!(r.text.is_empty());
    assert_eq!(
        ctx.phone(BOB, PhoneType::Mobile).unwrap().1,
        "notAllowedByPolicy"
    );

    // O'Neil is enabled by policy, but Alice has the number ready: not unique.
    let oneil = ctx
        .post(
            &user_path(ONEIL, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+1 2065550100", "phoneType": "mobile"}),
        )
        .await;
    oneil.ok(201);
    assert_eq!(oneil.json["smsSignInState"], "phoneNumberNotUnique");
    // The extension plays no part in uniqueness.
    ctx.call("POST", &action(ALICE, "disable"), Some("app-rw"), None)
        .await
        .ok(204);
    assert_eq!(ctx.phone(ALICE, PhoneType::Mobile).unwrap().1, "notEnabled");
    ctx.call("POST", &action(ONEIL, "enable"), Some("app-rw"), None)
        .await
        .ok(204);
    assert_eq!(ctx.phone(ONEIL, PhoneType::Mobile).unwrap().1, "ready");
    ctx.call("POST", &action(ALICE, "enable"), Some("app-rw"), None)
        .await
        .ok(204);
    assert_eq!(
        ctx.phone(ALICE, PhoneType::Mobile).unwrap().1,
        "phoneNumberNotUnique"
    );
    // A new number re-registers a mobile that was trying to be used for SMS sign-in.
    ctx.patch(
        &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"phoneNumber": "+1 2065550199x7"}),
    )
    .await
    .ok(204);
    assert_eq!(ctx.phone(ALICE, PhoneType::Mobile).unwrap().1, "ready");
    // A mobile that is notEnabled stays notEnabled when its number changes.
    ctx.call("POST", &action(ONEIL, "disable"), Some("app-rw"), None)
        .await
        .ok(204);
    ctx.patch(
        &user_path(ONEIL, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"phoneNumber": "+1 2065550555"}),
    )
    .await
    .ok(204);
    assert_eq!(ctx.phone(ONEIL, PhoneType::Mobile).unwrap().1, "notEnabled");
    // Disabling for a user outside the policy leaves notAllowedByPolicy.
    ctx.call("POST", &action(BOB, "disable"), Some("app-rw"), None)
        .await
        .ok(204);
    assert_eq!(
        ctx.phone(BOB, PhoneType::Mobile).unwrap().1,
        "notAllowedByPolicy"
    );
    // A user enabled by policy gets a new unique mobile registered at once.
    let carol = ctx
        .post(
            &user_path(CAROL, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+1 3605550100", "phoneType": "mobile"}),
        )
        .await;
    assert_eq!(carol.json["smsSignInState"], "ready");
    let applied = ctx
        .emu
        .handle()
        .requests()
        .iter()
        .filter(|r| r.applied)
        .count();
    assert_eq!(applied, 11);
}

#[tokio::test]
async fn users_by_id_or_upn_case_insensitively_with_encoded_segments() {
    let ctx = Ctx::new().await;
    for who in [
        "alice@contoso.com",
        "ALICE@Contoso.COM",
        "11111111-1111-1111-1111-111111111111",
        "alice%40contoso.com",
    ] {
        let r = ctx.get(&user_path(who, "phoneMethods"), "app-read").await;
        r.ok(200);
        assert_eq!(r.json["value"].as_array().unwrap().len(), 2, "{who}");
    }
    let r = ctx
        .get(
            &user_path("o'neil%23ops%40contoso.com", "phoneMethods"),
            "app-read",
        )
        .await;
    r.ok(200);
    assert!(r.json["@odata.context"].as_str().unwrap().contains(ONEIL));
    ctx.get(
        &user_path("O%27NEIL%23OPS@contoso.com", "phoneMethods"),
        "app-read",
    )
    .await
    .ok(200);
    ctx.get(&user_path("nobody@contoso.com", "phoneMethods"), "app-read")
        .await
        .expect(404, "Request_ResourceNotFound");
    // An unencoded '#' starts a fragment: the path ends at `o'neil` and no such user exists.
    ctx.get(
        &user_path("o'neil#ops@contoso.com", "phoneMethods"),
        "app-read",
    )
    .await
    .expect(400, "BadRequest");
}

#[tokio::test]
async fn create_and_update_bodies_are_validated_like_graph() {
    let ctx = Ctx::new().await;
    let path = user_path(GINA, "phoneMethods");
    let cases = [
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "smsSignInState": "ready"}),
            400,
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "createdDateTime": "2020-01-01T00:00:00Z"}),
            400,
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "id": OFFICE}),
            400,
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "nickname": "work"}),
            400,
            "BadRequest",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "pager"}),
            400,
            "BadRequest",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "unknownFutureValue"}),
            400,
            "BadRequest",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "Mobile"}),
            400,
            "BadRequest",
        ),
        (
            json!({"phoneNumber": 15550002, "phoneType": "mobile"}),
            400,
            "BadRequest",
        ),
        (json!({"phoneNumber": "+1 5550002"}), 400, "BadRequest"),
        (json!({"phoneType": "mobile"}), 400, "BadRequest"),
        (json!(["phoneNumber"]), 400, "BadRequest"),
        (
            json!({"@odata.type": "#microsoft.graph.emailAuthenticationMethod", "phoneNumber": "+1 5550002", "phoneType": "mobile"}),
            400,
            "BadRequest",
        ),
    ];
    for (body, status, code) in cases {
        let r = ctx.post(&path, "app-rw", body.clone()).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {}", r.text);
    }
    let unknown = ctx
        .post(
            &path,
            "app-rw",
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "nickname": "work"}),
        )
        .await;
    assert!(
        unknown.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'nickname'")
    );

    let raw = |ct: Option<&'static str>, body: &'static str| {
        let mut req = ctx
            .http
            .post(ctx.url(&path))
            .bearer_auth("app-rw")
            .body(body);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        async move { read(req.send().await.unwrap()).await }
    };
    raw(Some("application/json"), "{\"phoneNumber\": ")
        .await
        .expect(400, "BadRequest");
    raw(Some("application/json"), "")
        .await
        .expect(400, "BadRequest");
    raw(
        Some("text/plain"),
        "{\"phoneNumber\":\"+1 5550002\",\"phoneType\":\"mobile\"}",
    )
    .await
    .expect(415, "unsupportedMediaType");
    raw(
        None,
        "{\"phoneNumber\":\"+1 5550002\",\"phoneType\":\"mobile\"}",
    )
    .await
    .expect(415, "unsupportedMediaType");
    let big =
        Box::leak(format!("{{\"phoneNumber\":\"{}\"}}", "1".repeat(70 * 1024)).into_boxed_str());
    raw(Some("application/json"), big)
        .await
        .expect(413, "requestEntityTooLarge");
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));

    // An update cannot null the number or the type.
    for body in [
        json!({"phoneNumber": null}),
        json!({"phoneType": null}),
        json!({"phoneType": "pager"}),
        json!({"colour": "red"}),
    ] {
        ctx.patch(
            &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
            "app-rw",
            body,
        )
        .await
        .expect(400, "BadRequest");
    }
    ctx.patch(
        &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"smsSignInState": "ready"}),
    )
    .await
    .expect(400, "readOnlyProperty");
    ctx.patch(
        &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"id": OFFICE}),
    )
    .await
    .expect(400, "readOnlyProperty");
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));

    // Read-only properties are refused even when null or equal to the fixed id, and other
    // annotations and an @odata.type without `#` too: spec/openapi.json's payloads allow
    // the writable properties and `@odata.type` only.
    for (body, code) in [
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "id": MOBILE}),
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "id": null}),
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "smsSignInState": null}),
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "createdDateTime": null}),
            "readOnlyProperty",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile", "@odata.context": "x"}),
            "BadRequest",
        ),
        (
            json!({"phoneNumber": "+1 5550002", "phoneType": "mobile",
                "@odata.type": "microsoft.graph.phoneAuthenticationMethod"}),
            "BadRequest",
        ),
        (
            json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod"}),
            "BadRequest",
        ),
    ] {
        let r = ctx.post(&path, "app-rw", body.clone()).await;
        assert_eq!((r.status, r.code()), (400, code), "{body}: {}", r.text);
    }
    ctx.patch(
        &user_path(GINA, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"phoneNumber": "+1 5550003", "smsSignInState": null}),
    )
    .await
    .expect(400, "readOnlyProperty");
    // The documentation's create example (no @odata.type) and the generated client's body
    // (with it) are both accepted.
    ctx.post(
        &path,
        "app-rw",
        json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "phoneNumber": "+1 5550002",
               "phoneType": "mobile"}),
    )
    .await
    .ok(201);
    ctx.patch(
        &user_path(GINA, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "phoneNumber": "+1 5550003"}),
    )
    .await
    .ok(204);
    raw(
        Some("Application/JSON; charset=utf-8"),
        "{\"phoneNumber\":\"+1 5550004\",\"phoneType\":\"office\"}",
    )
    .await
    .ok(201);
}

#[tokio::test]
async fn a_slow_body_times_out_with_408() {
    use std::io::{Read, Write};
    use std::time::Duration;
    let ctx = Ctx::with(
        graph_phone_emulator::Emulator::builder()
            .tenant(graph_phone_emulator::Tenant::example())
            .body_timeout(Duration::from_millis(100)),
    )
    .await;
    let addr = ctx.emu.addr();
    let head = format!(
        "POST /v1.0/users/{GINA}/authentication/phoneMethods HTTP/1.1\r\nhost: x\r\nauthorization: Bearer app-rw\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"phone"
    );
    let (buf, n) = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut buf = vec![0; 4096];
        let n = stream.read(&mut buf).unwrap();
        (buf, n)
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"requestTimeout\""), "{text}");
}
