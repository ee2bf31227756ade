//! The other method kinds, the polymorphic `methods` collection, operations, and routing.

use graph_phone_emulator::{Cloud, Emulator, MethodKind, Principal, Tenant};

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
        // As the response examples of the v1.0 list and get pages show: with `@odata.type`
        // for these kinds, without it for the others.
        let tagged = matches!(
            kind,
            MethodKind::MicrosoftAuthenticatorMethods
                | MethodKind::SoftwareOathMethods
                | MethodKind::WindowsHelloForBusinessMethods
                | MethodKind::PlatformCredentialMethods
                | MethodKind::TemporaryAccessPassMethods
                | MethodKind::ExternalAuthenticationMethods
        );
        let expected_type = format!("#microsoft.graph.{}", kind.type_name());
        assert_eq!(
            items[0].get("@odata.type").and_then(|t| t.as_str()),
            tagged.then_some(expected_type.as_str()),
            "{} list",
            kind.segment()
        );
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
        assert_eq!(
            one.json.get("@odata.type").and_then(|t| t.as_str()),
            tagged.then_some(expected_type.as_str()),
            "{} get",
            kind.segment()
        );
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
    assert_eq!(items.len(), 11);
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
            "gina-reader",
        )
        .await;
    op.ok(200);
    assert_eq!(op.json["status"], "succeeded");
    ctx.get(&user_path(ALICE, "operations/nope"), "gina-reader")
        .await
        .expect(404, "itemNotFound");
    // Get longRunningOperation does not support application permissions (the list, which no
    // page documents, follows the permissions reference and does).
    ctx.get(
        &user_path(ALICE, "operations/b3e4f9a2-0000-4000-8000-000000000001"),
        "app-read",
    )
    .await
    .expect(403, "accessDenied");
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
        &user_path(ALICE, &format!("phoneMethods/{MOBILE}")),
        "app-rw",
        serde_json::json!({"phoneNumber": "+86 13800138000"}),
    )
    .await
    .ok(204);
}

const EXTERNAL: &str = "9a8e1c5d-3f2b-4e7a-8c6d-5b4a3f2e1d0c";

#[tokio::test]
async fn external_methods_are_served_with_their_own_fine_grained_permissions() {
    let mut tenant = Tenant::example();
    tenant.tokens.insert(
        "alice-external".into(),
        Principal::delegated("alice@contoso.com", &["UserAuthMethod-External.Read"]),
    );
    tenant.tokens.insert(
        "app-external".into(),
        Principal::application(&["UserAuthMethod-External.Read.All"]),
    );
    let ctx = Ctx::with(Emulator::builder().tenant(tenant)).await;
    let list = ctx
        .get(
            "/me/authentication/externalAuthenticationMethods",
            "alice-external",
        )
        .await;
    list.ok(200);
    assert_eq!(list.json["value"][0]["id"], EXTERNAL);
    assert_eq!(list.json["value"][0]["displayName"], "Contoso external MFA");
    assert!(
        list.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/authentication/externalAuthenticationMethods")
    );
    let one = ctx
        .get(
            &user_path(
                ALICE,
                &format!("externalAuthenticationMethods/{EXTERNAL}?$select=configurationId"),
            ),
            "app-external",
        )
        .await;
    one.ok(200);
    assert_eq!(
        one.json["configurationId"],
        "0c2f5e1a-7b3d-4a9e-b8c6-d1e2f3a4b5c6"
    );
    assert!(one.json.get("displayName").is_none());
    let typed: graph_phone_types::ExternalAuthenticationMethod =
        serde_json::from_value(list.json["value"][0].clone()).unwrap();
    assert_eq!(
        typed.configuration_id,
        "0c2f5e1a-7b3d-4a9e-b8c6-d1e2f3a4b5c6"
    );
    let poly = ctx
        .get(
            &format!("/me/authentication/methods/{EXTERNAL}"),
            "alice-read",
        )
        .await;
    poly.ok(200);
    assert_eq!(
        poly.json["@odata.type"],
        "#microsoft.graph.externalAuthenticationMethod"
    );
    // The External family covers external methods only; `methods` needs the broad ones.
    for path in [
        "/me/authentication/emailMethods",
        "/me/authentication/methods",
    ] {
        ctx.get(path, "alice-external")
            .await
            .expect(403, "accessDenied");
    }
    ctx.get(
        &user_path(ALICE, "externalAuthenticationMethods/nope"),
        "app-external",
    )
    .await
    .expect(404, "itemNotFound");
    ctx.call(
        "DELETE",
        &format!("/me/authentication/externalAuthenticationMethods/{EXTERNAL}"),
        Some("alice-rw"),
        None,
    )
    .await
    .expect(405, "Request_BadRequest");
}

#[tokio::test]
async fn national_clouds_serve_what_their_metadata_has() {
    fn segment_not_found(r: &Resp, segment: &str) {
        r.expect(400, "BadRequest");
        assert_eq!(
            r.json["error"]["message"],
            format!("Resource not found for the segment '{segment}'.")
        );
    }
    for cloud in [Cloud::UsGovL4, Cloud::UsGovL5Dod] {
        let ctx = Ctx::with(Emulator::builder().tenant(Tenant::example()).cloud(cloud)).await;
        for path in [
            "externalAuthenticationMethods".to_string(),
            format!("externalAuthenticationMethods/{EXTERNAL}"),
        ] {
            let r = ctx
                .get(&format!("/me/authentication/{path}"), "alice-read")
                .await;
            segment_not_found(&r, "externalAuthenticationMethods");
        }
        for kind in MethodKind::ALL {
            if kind != MethodKind::ExternalAuthenticationMethods {
                ctx.get(&user_path(ALICE, kind.segment()), "app-read")
                    .await
                    .ok(200);
            }
        }
        // The US Gov metadata has the externalAuthenticationMethod type (a subtype of
        // authenticationMethod), only not the navigation: `methods` still lists the item.
        let all = ctx.get("/me/authentication/methods", "alice-read").await;
        all.ok(200);
        assert_eq!(all.json["value"].as_array().unwrap().len(), 11);
    }
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .cloud(Cloud::China),
    )
    .await;
    for nav in [
        "emailMethods",
        "fido2Methods",
        "methods",
        "passwordMethods",
        "softwareOathMethods",
        "temporaryAccessPassMethods",
        "windowsHelloForBusinessMethods",
        "operations",
        "externalAuthenticationMethods",
    ] {
        segment_not_found(&ctx.get(&user_path(ALICE, nav), "app-read").await, nav);
        segment_not_found(
            &ctx.get(&user_path(ALICE, &format!("{nav}/x")), "app-read")
                .await,
            nav,
        );
    }
    for nav in [
        "phoneMethods",
        "microsoftAuthenticatorMethods",
        "platformCredentialMethods",
    ] {
        let r = ctx.get(&user_path(ALICE, nav), "app-read").await;
        r.ok(200);
        let id = r.json["value"][0]["id"].as_str().unwrap().to_string();
        ctx.get(&user_path(ALICE, &format!("{nav}/{id}")), "app-read")
            .await
            .ok(200);
    }
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
    assert_eq!(items.len(), 11);
    assert!(
        !items
            .iter()
            .any(|m| matches!(m, AuthenticationMethod::Unknown(_)))
    );
    assert!(
        items
            .iter()
            .any(|m| matches!(m, AuthenticationMethod::External(_)))
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
            &user_path(ALICE, "phoneMethods"),
            "app-rw",
            serde_json::json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}),
        )
        .await;
    let phone: PhoneAuthenticationMethod = serde_json::from_value(created.json.clone()).unwrap();
    assert_eq!(phone.id, OFFICE);
    assert!(phone.created_date_time.is_some());
}

/// The get pages of these three kinds document `$expand=device`: the device comes inline,
/// only when asked for, also with `$select`; lists, other kinds and other navigations are a
/// 400 naming what is not supported.
#[tokio::test]
async fn expand_device_on_the_gets_that_document_it() {
    let ctx = Ctx::new().await;
    let alice = Tenant::example().users[0].clone();
    for kind in [
        MethodKind::MicrosoftAuthenticatorMethods,
        MethodKind::WindowsHelloForBusinessMethods,
        MethodKind::PlatformCredentialMethods,
    ] {
        let stored = &alice.methods[&kind][0];
        let id = stored["id"].as_str().unwrap();
        let item = format!("/me/authentication/{}/{id}", kind.segment());
        let plain = ctx.get(&item, "alice-read").await;
        plain.ok(200);
        assert!(plain.json.get("device").is_none(), "{}", plain.text);
        let expanded = ctx
            .get(&format!("{item}?$expand=device"), "alice-read")
            .await;
        expanded.ok(200);
        assert_eq!(
            expanded.json["device"],
            stored["device"],
            "{}",
            kind.segment()
        );
        assert_eq!(expanded.json["displayName"], stored["displayName"]);
        let selected = ctx
            .get(
                &format!("{item}?$select=displayName&$expand=device"),
                "alice-read",
            )
            .await;
        selected.ok(200);
        assert_eq!(selected.json["device"]["id"], stored["device"]["id"]);
        ctx.get(&format!("{item}?$expand=owner"), "alice-read")
            .await
            .expect(400, "BadRequest");
        let list = ctx
            .get(
                &format!("/me/authentication/{}?$expand=device", kind.segment()),
                "alice-read",
            )
            .await;
        list.expect(400, "BadRequest");
        assert!(list.text.contains("$expand"), "{}", list.text);
        let listed = ctx
            .get(
                &format!("/me/authentication/{}", kind.segment()),
                "alice-read",
            )
            .await;
        assert!(
            listed.json["value"][0].get("device").is_none(),
            "{}",
            listed.text
        );
    }
    let fido = alice.methods[&MethodKind::Fido2Methods][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ctx.get(
        &format!("/me/authentication/fido2Methods/{fido}?$expand=device"),
        "alice-read",
    )
    .await
    .expect(400, "BadRequest");
    let all = ctx.get("/me/authentication/methods", "alice-read").await;
    assert!(!all.text.contains("\"device\""), "{}", all.text);
}
