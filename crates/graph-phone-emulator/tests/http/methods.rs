//! The other method kinds, the polymorphic `methods` collection, operations, and routing.

use graph_phone_emulator::{Cloud, Emulator, MethodKind, Tenant};

use crate::common::*;

#[tokio::test]
async fn every_kind_lists_and_gets_with_secrets_nulled() {
    let ctx = Ctx::new().await;
    let alice = Tenant::example().users[0].clone();
    for kind in MethodKind::ALL {
        let list = ctx
            .get(
                &format!("/me/authentication/{}", kind.segment()),
                "alice-read",
            )
            .await;
        list.ok(200);
        let items = list.json["value"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", kind.segment());
        let id = items[0]["id"].as_str().unwrap();
        assert_eq!(id, alice.methods[&kind][0]["id"].as_str().unwrap());
        assert!(items[0].get("@odata.type").is_none());
        let one = ctx
            .get(
                &format!(
                    "/me/authentication/{}/{}",
                    kind.segment(),
                    id.replace('-', "%2D")
                ),
                "alice-read",
            )
            .await;
        one.ok(200);
        assert_eq!(one.json["id"], id);
        for secret in kind.secret_properties() {
            assert!(one.json[*secret].is_null(), "{secret} must be null");
            assert!(!one.text.contains("never-returned"));
        }
        ctx.get(
            &format!("/me/authentication/{}/nope", kind.segment()),
            "alice-read",
        )
        .await
        .expect(404, "itemNotFound");
    }
    let email = ctx
        .get("/me/authentication/emailMethods", "alice-read")
        .await;
    assert_eq!(
        email.json["value"][0]["emailAddress"],
        "alice@fabrikam.example"
    );
    let empty = ctx.get(&user_path(BOB, "fido2Methods"), "app-read").await;
    empty.ok(200);
    assert_eq!(empty.json["value"], serde_json::json!([]));
}

#[tokio::test]
async fn methods_is_polymorphic() {
    let ctx = Ctx::new().await;
    let list = ctx.get("/me/authentication/methods", "alice-read").await;
    list.ok(200);
    let items = list.json["value"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    let types: Vec<&str> = items
        .iter()
        .map(|i| i["@odata.type"].as_str().unwrap())
        .collect();
    assert_eq!(types[0], "#microsoft.graph.phoneAuthenticationMethod");
    for kind in MethodKind::ALL {
        assert!(types.contains(&format!("#microsoft.graph.{}", kind.type_name()).as_str()));
    }
    assert!(!list.text.contains("never-returned"));
    let phone = ctx
        .get(
            &format!("/me/authentication/methods/{MOBILE}"),
            "alice-read",
        )
        .await;
    phone.ok(200);
    assert_eq!(
        phone.json["@odata.type"],
        "#microsoft.graph.phoneAuthenticationMethod"
    );
    assert_eq!(phone.json["phoneNumber"], "+1 2065550100");
    assert!(
        phone.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/authentication/methods/$entity")
    );
    let password = ctx
        .get(
            "/me/authentication/methods/28c10230-6103-485e-b985-444c60001490",
            "alice-read",
        )
        .await;
    assert_eq!(
        password.json["@odata.type"],
        "#microsoft.graph.passwordAuthenticationMethod"
    );
    assert!(password.json["password"].is_null());
    ctx.get("/me/authentication/methods/nope", "alice-read")
        .await
        .expect(404, "itemNotFound");
}

#[tokio::test]
async fn operations_get() {
    let ctx = Ctx::new().await;
    let op = ctx
        .get(
            &user_path(ALICE, "operations/b3e4f9a2-0000-4000-8000-000000000001"),
            "app-read",
        )
        .await;
    op.ok(200);
    assert_eq!(op.json["status"], "succeeded");
    ctx.get(&user_path(ALICE, "operations/nope"), "app-read")
        .await
        .expect(404, "itemNotFound");
    let list = ctx.get(&user_path(ALICE, "operations"), "app-read").await;
    assert_eq!(list.json["value"].as_array().unwrap().len(), 1);
    ctx.get(&user_path(BOB, "operations/nope"), "alice-other-read")
        .await
        .expect(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn wrong_methods_answer_405_with_allow() {
    let ctx = Ctx::new().await;
    let r = ctx
        .delete("/me/authentication/emailMethods/x", "alice-rw")
        .await;
    r.expect(405, "Request_BadRequest");
    assert_eq!(r.header("allow"), Some("GET"));
    let r = ctx
        .call(
            "PUT",
            "/me/authentication/phoneMethods",
            Some("alice-rw"),
            None,
        )
        .await;
    r.expect(405, "Request_BadRequest");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = ctx
        .call(
            "GET",
            &format!("/me/authentication/phoneMethods/{MOBILE}/enableSmsSignIn"),
            Some("alice-rw"),
            None,
        )
        .await;
    r.expect(405, "Request_BadRequest");
    assert_eq!(r.header("allow"), Some("POST"));
    ctx.call("POST", "/me/authentication/methods", Some("alice-rw"), None)
        .await
        .expect(405, "Request_BadRequest");
}

#[tokio::test]
async fn unknown_segments_and_versions_are_400() {
    let ctx = Ctx::new().await;
    for path in [
        "/me/authentication/bogusMethods",
        "/me/authentication",
        "/me/profile",
        "/users",
        "/me/authentication/phoneMethods/x/y/z",
        &format!("/me/authentication/phoneMethods/{MOBILE}/enableVoice"),
        "/me/authentication/emailMethods/x/enableSmsSignIn",
    ] {
        let r = ctx.get(path, "alice-read").await;
        r.expect(400, "BadRequest");
        assert!(
            r.json["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Resource not found for the segment"),
            "{path}"
        );
    }
    let beta = ctx
        .http
        .get(format!("http://{}/beta/me", ctx.emu.addr()))
        .send()
        .await
        .unwrap();
    let beta = read(beta).await;
    beta.expect(400, "BadRequest");
    // Segment names are case-insensitive, and actions may be namespace-qualified.
    ctx.get("/ME/Authentication/PhoneMethods", "alice-read")
        .await
        .ok(200);
    ctx.call(
        "POST",
        &format!("/me/authentication/phoneMethods/{MOBILE}/microsoft.graph.enableSmsSignIn"),
        Some("alice-rw"),
        None,
    )
    .await
    .ok(204);
}

#[tokio::test]
async fn china_has_no_sms_sign_in_actions() {
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .cloud(Cloud::China),
    )
    .await;
    for verb in ["enableSmsSignIn", "disableSmsSignIn"] {
        let r = ctx
            .call(
                "POST",
                &format!("/me/authentication/phoneMethods/{MOBILE}/{verb}"),
                Some("alice-rw"),
                None,
            )
            .await;
        r.expect(400, "BadRequest");
        assert_eq!(
            r.json["error"]["message"],
            format!("Resource not found for the segment '{verb}'.")
        );
    }
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
    ctx.patch(
        &format!("/me/authentication/phoneMethods/{MOBILE}"),
        "alice-rw",
        serde_json::json!({"phoneNumber": "+86 13800138000"}),
    )
    .await
    .ok(204);
}

#[tokio::test]
async fn bodies_read_back_into_the_generated_types() {
    use graph_phone_types::{
        AuthenticationMethod, AuthenticationMethodSignInState, PhoneAuthenticationMethod,
    };
    let ctx = Ctx::new().await;
    let list = ctx.get("/me/authentication/methods", "alice-read").await;
    let items: Vec<AuthenticationMethod> = serde_json::from_value(list.json["value"].clone())
        .expect("every item is an AuthenticationMethod");
    assert_eq!(items.len(), 10);
    assert!(
        !items
            .iter()
            .any(|m| matches!(m, AuthenticationMethod::Unknown(_)))
    );
    let phones: Vec<&PhoneAuthenticationMethod> = items
        .iter()
        .filter_map(|m| match m {
            AuthenticationMethod::Phone(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(phones.len(), 2);
    assert_eq!(
        phones[0].sms_sign_in_state,
        Some(AuthenticationMethodSignInState::Ready)
    );
    let created = ctx
        .post(
            "/me/authentication/phoneMethods",
            "alice-rw",
            serde_json::json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}),
        )
        .await;
    let phone: PhoneAuthenticationMethod = serde_json::from_value(created.json.clone()).unwrap();
    assert_eq!(phone.id, OFFICE);
    assert!(phone.created_date_time.is_some());
}
