//! The generated client against the local emulator over loopback: every kind of operation
//! under `/me` and `/users`, paging, `$select`, typed errors, throttling and faults, token
//! refresh, national-cloud availability, the nextLink origin check, and PII.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt;
use graph_phone_client::{
    AccessToken, AuthenticationMethod, AuthenticationPhoneType, CachingTokenProvider, Cloud, Error,
    GraphClient, OPERATIONS, PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
    PhoneMethodId, Query, StaticToken, TokenError, TokenProvider,
};
use graph_phone_emulator::{Emulator, FaultKind, FaultRule, RequestRecord, RetryAfter, Tenant};

mod common;

use common::*;

#[tokio::test]
async fn phone_methods_every_operation_under_me_and_users() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let me = client(&emu, "alice-rw");
    // Create and update are not self-service operations (spec/permissions.toml, from the
    // Create phoneMethod and Update phoneAuthenticationMethod pages): under /me the client
    // reads and deletes what an administrator created and updated through /users.
    for (label, phones, admin) in [
        (
            "users",
            app.user("bob@contoso.com").phone_methods(),
            app.user("bob@contoso.com").phone_methods(),
        ),
        (
            "me",
            me.me().phone_methods(),
            app.user(ALICE).phone_methods(),
        ),
    ] {
        // bob has an office phone; alice a mobile and an alternate mobile.
        let before: Vec<_> = phones.list().try_collect().await.unwrap();
        assert!(!before.is_empty(), "{label}");
        let body = PhoneAuthenticationMethodCreate::new(
            "+1 4255550199",
            if label == "me" {
                AuthenticationPhoneType::Office
            } else {
                AuthenticationPhoneType::Mobile
            },
        );
        let update =
            PhoneAuthenticationMethodUpdate::default().with_phone_number("+1 4255550100x12");
        if label == "me" {
            let err = phones.create(&body).await.unwrap_err();
            assert_eq!(
                graph_status(&err),
                Some((403, "accessDenied".into())),
                "{err:?}"
            );
        }
        let created = admin.create(&body).await.unwrap();
        let id = PhoneMethodId::from_id(&created.id);
        assert_eq!(
            created.phone_number.as_deref(),
            Some("+1 4255550199"),
            "{label}"
        );
        let got = phones.get(&id).await.unwrap();
        assert_eq!(got.id, created.id);
        if label == "me" {
            let err = phones.update(&id, &update).await.unwrap_err();
            assert_eq!(
                graph_status(&err),
                Some((403, "accessDenied".into())),
                "{err:?}"
            );
        }
        admin.update(&id, &update).await.unwrap();
        let got = phones.get(&id).await.unwrap();
        assert_eq!(got.phone_number.as_deref(), Some("+1 4255550100x12"));
        let after: Vec<_> = phones.list().try_collect().await.unwrap();
        assert_eq!(after.len(), before.len() + 1, "{label}");
        phones.delete(&id).await.unwrap();
        let err = phones.get(&id).await.unwrap_err();
        assert_eq!(
            graph_status(&err).map(|s| s.0),
            Some(404),
            "{label}: {err:?}"
        );
    }
    // The SMS sign-in actions, on both roots (alice is enabled by policy).
    let alice_users = app.user(ALICE).phone_methods();
    alice_users
        .disable_sms_sign_in(PhoneMethodId::Mobile)
        .await
        .unwrap();
    let mobile = alice_users.get(PhoneMethodId::Mobile).await.unwrap();
    assert_eq!(
        mobile.sms_sign_in_state.map(|s| s.to_string()).as_deref(),
        Some("notEnabled")
    );
    me.me()
        .phone_methods()
        .enable_sms_sign_in(PhoneMethodId::Mobile)
        .await
        .unwrap();
    let mobile = me
        .me()
        .phone_methods()
        .get(PhoneMethodId::Mobile)
        .await
        .unwrap();
    assert_eq!(
        mobile.sms_sign_in_state.map(|s| s.to_string()).as_deref(),
        Some("ready")
    );

    // What reached the server: the documented methods and path templates, no api-version.
    let log = requests(&emu);
    let seen: std::collections::BTreeSet<(String, String)> = log
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path_template.clone().unwrap_or_default(),
            )
        })
        .collect();
    for root in ["/me", "/users/{id}"] {
        for (method, tail) in [
            ("GET", "phoneMethods"),
            ("POST", "phoneMethods"),
            ("GET", "phoneMethods/{id}"),
            ("PATCH", "phoneMethods/{id}"),
            ("DELETE", "phoneMethods/{id}"),
            ("POST", "phoneMethods/{id}/enableSmsSignIn"),
        ] {
            let template = format!("{root}/authentication/{tail}");
            if tail.ends_with("SmsSignIn") && root == "/users/{id}" {
                continue;
            }
            assert!(
                seen.contains(&(method.into(), template.clone())),
                "{method} {template}: {seen:?}"
            );
        }
    }
    assert!(seen.contains(&(
        "POST".into(),
        "/users/{id}/authentication/phoneMethods/{id}/disableSmsSignIn".into()
    )));
    assert!(log.iter().all(|r| r.client_request_id.is_some()));
}

#[tokio::test]
async fn the_api_version_header_is_never_sent() {
    // The emulator does not record headers; a local server that does.
    use axum::{Router, http::HeaderMap, routing::get};
    let seen = Arc::new(Mutex::new(Vec::<Vec<String>>::new()));
    let record = seen.clone();
    let app = Router::new().route(
        "/v1.0/me/authentication/phoneMethods",
        get(move |headers: HeaderMap| {
            let record = record.clone();
            async move {
                record
                    .lock()
                    .unwrap()
                    .push(headers.keys().map(|k| k.as_str().to_owned()).collect());
                ([("content-type", "application/json")], r#"{"value":[]}"#)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = GraphClient::builder(Cloud::Custom {
        base_url: format!("http://{addr}/v1.0"),
    })
    .token_provider(StaticToken::new("t"))
    .build()
    .unwrap();
    let items: Vec<_> = client
        .me()
        .phone_methods()
        .list()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].iter().any(|h| h == "authorization"), "{seen:?}");
    assert!(seen[0].iter().any(|h| h == "client-request-id"), "{seen:?}");
    assert!(!seen[0].iter().any(|h| h == "api-version"), "{seen:?}");
}

#[tokio::test]
async fn every_navigation_property_reads_under_me_and_users() {
    let emu = emulator(None).await;
    // A Global Reader acting on Alice: Get longRunningOperation supports no application
    // permission, so an application token cannot read operations.
    let app = client(&emu, "gina-reader");
    let me = client(&emu, "alice-rw");
    macro_rules! read_all {
        ($handle:ident) => {{
            for (label, h) in [
                ("users", app.user(ALICE).$handle()),
                ("me", me.me().$handle()),
            ] {
                let items: Vec<_> = h
                    .list()
                    .try_collect()
                    .await
                    .unwrap_or_else(|e| panic!("{} {} list: {e}", label, stringify!($handle)));
                assert!(!items.is_empty(), "{label} {}", stringify!($handle));
                let id = serde_json::to_value(&items[0]).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let one = h
                    .get(id.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("{} {} get: {e}", label, stringify!($handle)));
                assert_eq!(serde_json::to_value(&one).unwrap()["id"], id.as_str());
            }
        }};
    }
    read_all!(phone_methods);
    read_all!(email_methods);
    read_all!(fido2_methods);
    read_all!(methods);
    read_all!(microsoft_authenticator_methods);
    read_all!(operations);
    read_all!(password_methods);
    read_all!(platform_credential_methods);
    read_all!(software_oath_methods);
    read_all!(temporary_access_pass_methods);
    read_all!(windows_hello_for_business_methods);
    read_all!(external_authentication_methods);

    // /methods is polymorphic: each item is its subtype.
    let all: Vec<AuthenticationMethod> = me.me().methods().list().try_collect().await.unwrap();
    assert!(
        matches!(all[0], AuthenticationMethod::Phone(_)),
        "{:?}",
        all[0]
    );
    assert!(
        all.iter()
            .any(|m| matches!(m, AuthenticationMethod::Fido2(_)))
    );
    assert!(
        !all.iter()
            .any(|m| matches!(m, AuthenticationMethod::Unknown(_))),
        "{all:?}"
    );
    // Secrets are never returned (the emulator nulls them, the model keeps them optional).
    let password = me
        .me()
        .password_methods()
        .list_page(&Query::new())
        .await
        .unwrap();
    assert!(password.items[0].password.is_none());
}

#[tokio::test]
async fn paging_follows_next_links_across_pages() {
    let emu = emulator(None).await;
    let me = client(&emu, "alice-rw");
    // Unpaged: every method of alice in one response.
    let unpaged = me.me().methods().list_page(&Query::new()).await.unwrap();
    assert!(unpaged.next_link.is_none());
    let total = unpaged.items.len();
    assert!(total >= 7, "the example tenant gives alice {total} methods");
    let expected_pages = total.div_ceil(3);

    // Pages of 3: at least three pages, the same items in the same order.
    emu.handle().set_page_size(Some(3));
    emu.handle().clear_requests();
    let all: Vec<AuthenticationMethod> = me.me().methods().list().try_collect().await.unwrap();
    assert_eq!(all, unpaged.items);
    let log = requests(&emu);
    let gets: Vec<&RequestRecord> = log.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), expected_pages, "one request per page");
    // Each page is its own call with its own client-request-id.
    let ids: std::collections::BTreeSet<_> =
        gets.iter().map(|r| r.client_request_id.clone()).collect();
    assert_eq!(ids.len(), expected_pages);

    // Page at a time, under /users, with $top as the page size.
    emu.handle().set_page_size(None);
    let app = client(&emu, "app-rw");
    let methods = app.user(ALICE_ID).methods();
    let mut page = methods.list_page(&Query::new().top(4)).await.unwrap();
    let mut sizes = vec![page.items.len()];
    while let Some(next) = methods.next_page(&page).await.unwrap() {
        sizes.push(next.items.len());
        page = next;
    }
    let mut expected = vec![4; total / 4];
    if total % 4 != 0 {
        expected.push(total % 4);
    }
    assert_eq!(sizes, expected);
}

#[tokio::test]
async fn select_is_sent_once_comma_separated() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let phones = app.user(ALICE).phone_methods();
    let page = phones
        .list_page(&Query::new().select(["phoneType", "smsSignInState"]))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    for item in &page.items {
        assert!(item.phone_type.is_some());
        assert!(item.phone_number.is_none(), "not selected");
    }
    let one = phones
        .get_with(PhoneMethodId::Mobile, &Query::new().select(["phoneNumber"]))
        .await
        .unwrap();
    assert_eq!(one.phone_number.as_deref(), Some(ALICE_MOBILE));
    assert!(one.phone_type.is_none());
    assert_eq!(
        requests(&emu)
            .iter()
            .filter(|r| r.status == Some(200))
            .count(),
        2
    );
}

#[tokio::test]
async fn unauthorized_and_forbidden_are_typed_errors() {
    let emu = emulator(None).await;
    let nobody = client(&emu, "no-such-token");
    let err = nobody
        .user(ALICE)
        .phone_methods()
        .list_page(&Query::new())
        .await
        .unwrap_err();
    let Error::Graph(g) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (g.status, g.code.as_str()),
        (401, "InvalidAuthenticationToken")
    );
    assert!(g.request_id.is_some() && g.client_request_id.is_some());

    let reader = client(&emu, "app-read");
    let err = reader
        .user(ALICE)
        .phone_methods()
        .delete(PhoneMethodId::AlternateMobile)
        .await
        .unwrap_err();
    assert_eq!(graph_status(&err).map(|s| s.0), Some(403), "{err:?}");
    // The same under /me: an unknown token, and a read-only delegated token writing.
    let err = nobody
        .me()
        .methods()
        .list_page(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(graph_status(&err).map(|s| s.0), Some(401), "{err:?}");
    let alice_read = client(&emu, "alice-read");
    let err = alice_read
        .me()
        .phone_methods()
        .delete(PhoneMethodId::AlternateMobile)
        .await
        .unwrap_err();
    let Error::Graph(g) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(g.status, 403, "{err:?}");
    assert_eq!(g.operation, "me_phone_methods_delete");
    // Nothing was changed, and no error was retried.
    assert!(requests(&emu).iter().all(|r| !r.applied));
    assert_eq!(requests(&emu).len(), 4);
}

#[tokio::test]
async fn throttling_honours_a_fractional_retry_after() {
    let emu = emulator(None).await;
    emu.handle().add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(1.25)),
            },
        )
        .times(1),
    );
    let app = client(&emu, "app-rw");
    let start = Instant::now();
    let items: Vec<_> = app
        .user(ALICE)
        .phone_methods()
        .list()
        .try_collect()
        .await
        .unwrap();
    let waited = start.elapsed();
    assert_eq!(items.len(), 2);
    assert!(
        waited >= Duration::from_millis(1250),
        "waited only {waited:?}"
    );
    let log = requests(&emu);
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(429), Some(200)]
    );
    assert_eq!(log[0].client_request_id, log[1].client_request_id);
}

#[tokio::test]
async fn a_503_then_success() {
    let emu = emulator(None).await;
    emu.handle().add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods/{id}",
            FaultKind::ServiceUnavailable { retry_after: None },
        )
        .times(1),
    );
    let app = client(&emu, "app-rw");
    let mobile = app
        .user(ALICE)
        .phone_methods()
        .get(PhoneMethodId::Mobile)
        .await
        .unwrap();
    assert_eq!(mobile.phone_number.as_deref(), Some(ALICE_MOBILE));
    let statuses: Vec<_> = requests(&emu).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(200)]);
}

#[tokio::test]
async fn a_create_hit_by_a_504_is_not_repeated() {
    let emu = emulator(None).await;
    emu.handle().add_fault(
        FaultRule::new("POST", "phoneMethods", FaultKind::GatewayTimeoutAfterApply).times(1),
    );
    let app = client(&emu, "app-rw");
    let err = app
        .user("carol@contoso.com")
        .phone_methods()
        .create(&PhoneAuthenticationMethodCreate::new(
            "+1 4255550123",
            AuthenticationPhoneType::Mobile,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(504), "{err:?}");
    let creates: Vec<RequestRecord> = requests(&emu)
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert!(creates[0].applied);
    // The phone exists once.
    let carol = emu.handle().user("carol@contoso.com").unwrap();
    assert_eq!(carol.phone_methods.len(), 1);

    // A 429 on a create is retried: Graph said it did not process it.
    emu.handle().clear_requests();
    emu.handle().add_fault(
        FaultRule::new(
            "POST",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(0.05)),
            },
        )
        .times(1),
    );
    app.user("carol@contoso.com")
        .phone_methods()
        .create(&PhoneAuthenticationMethodCreate::new(
            "+1 4255550124",
            AuthenticationPhoneType::AlternateMobile,
        ))
        .await
        .unwrap();
    let statuses: Vec<_> = requests(&emu).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(201)]);
}

/// A provider whose tokens live one second; counts how often it is asked. Implemented with
/// the client's re-exported attribute, as a user without an `async-trait` dependency would.
struct ShortLived {
    calls: Arc<AtomicUsize>,
}

#[graph_phone_client::async_trait]
impl TokenProvider for ShortLived {
    async fn token(&self, _scopes: &[String]) -> Result<AccessToken, TokenError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            "alice-rw",
            SystemTime::now() + Duration::from_secs(1),
        ))
    }
}

#[tokio::test]
async fn tokens_are_refreshed_mid_run() {
    let emu = emulator(Some(1)).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let provider = CachingTokenProvider::with_skew(
        ShortLived {
            calls: calls.clone(),
        },
        Duration::from_millis(200),
    );
    let client = GraphClient::builder(Cloud::Custom {
        base_url: emu.base_url(),
    })
    .token_provider(provider)
    .retry_policy(fast_retries())
    .build()
    .unwrap();
    // A listing of two pages, with the token expiring between them.
    let mut stream = Box::pin(client.me().phone_methods().list());
    let first = stream.try_next().await.unwrap();
    assert!(first.is_some());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = stream.try_next().await.unwrap();
    assert!(second.is_some());
    assert_eq!(stream.try_next().await.unwrap().map(|m| m.id), None);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "refreshed once, for the second page"
    );
    assert!(requests(&emu).iter().all(|r| r.status == Some(200)));
}

#[tokio::test]
async fn invalid_inputs_are_refused_before_sending() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let err = app
        .user(ALICE)
        .phone_methods()
        .create(&PhoneAuthenticationMethodCreate::new(
            "206 555 0100",
            AuthenticationPhoneType::Office,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidInput {
                field: "phoneNumber",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("555 0100"));
    let err = app
        .user(ALICE)
        .phone_methods()
        .update(
            PhoneMethodId::Mobile,
            &PhoneAuthenticationMethodUpdate::default().with_phone_number("+1 2065550100x"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidInput {
                field: "phoneNumber",
                ..
            }
        ),
        "{err:?}"
    );
    let err = app
        .user("..")
        .phone_methods()
        .list_page(&Query::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field: "user", .. }),
        "{err:?}"
    );
    // Item ids that would name another resource: `..` resolves to the parent (a DELETE of
    // `/phoneMethods/..` would be a DELETE of `/authentication`), `\` becomes `/`, and an
    // empty id is the collection.
    for bad in ["", ".", "..", "a\\b"] {
        let phones = app.user(ALICE).phone_methods();
        let errors = [
            phones.get(bad).await.map(drop).unwrap_err(),
            phones.delete(bad).await.unwrap_err(),
            phones.enable_sms_sign_in(bad).await.unwrap_err(),
            app.me()
                .methods()
                .get(PhoneMethodId::Raw(bad.to_owned()))
                .await
                .map(drop)
                .unwrap_err(),
        ];
        for err in errors {
            assert!(
                matches!(&err, Error::InvalidInput { field: "id", .. }),
                "{bad:?}: {err:?}"
            );
        }
    }
    assert!(requests(&emu).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn user_ids_stay_one_path_segment() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    // o'neil#ops@contoso.com: `'` and `#` must stay inside the segment.
    let phones: Vec<_> = app
        .user("o'neil#ops@contoso.com")
        .phone_methods()
        .list()
        .try_collect()
        .await
        .unwrap();
    assert!(phones.is_empty());
    let log = requests(&emu);
    assert_eq!(
        log[0].user_id.as_deref(),
        Some("66666666-6666-6666-6666-666666666666")
    );
    // A slash cannot climb out of /users/{id}.
    let err = app
        .user("alice@contoso.com/authentication/../../me")
        .phone_methods()
        .list_page(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(graph_status(&err).map(|s| s.0), Some(404), "{err:?}");
}

#[tokio::test]
async fn china_refuses_the_sms_actions_before_sending() {
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .cloud(graph_phone_emulator::Cloud::China)
        .start()
        .await
        .unwrap();
    let client = GraphClient::builder(Cloud::China)
        .base_url(emu.base_url())
        .token_provider(StaticToken::new("app-rw"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let phones = client.user(ALICE).phone_methods();
    for result in [
        phones.enable_sms_sign_in(PhoneMethodId::Mobile).await,
        phones.disable_sms_sign_in(PhoneMethodId::Mobile).await,
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedInCloud { cloud: "china", .. }),
            "{err:?}"
        );
    }
    assert!(requests(&emu).is_empty(), "nothing was sent");
    // Reads exist in China's metadata and go through.
    let items: Vec<_> = phones.list().try_collect().await.unwrap();
    assert_eq!(items.len(), 2);
    let table = OPERATIONS
        .iter()
        .find(|o| o.id == "me_phone_methods_enable_sms_sign_in")
        .unwrap();
    assert!(table.clouds.contains(&Cloud::Global) && !table.clouds.contains(&Cloud::China));
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    use axum::{Router, routing::get};
    // A trap on another port: the token must never reach it.
    let trap_hits = Arc::new(AtomicUsize::new(0));
    let hits = trap_hits.clone();
    let trap = Router::new().fallback(move || {
        let hits = hits.clone();
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            ([("content-type", "application/json")], r#"{"value":[]}"#)
        }
    });
    let trap_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_addr = trap_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(trap_listener, trap).await.unwrap() });

    let body = format!(
        r#"{{"value":[{{"id":"{}","phoneType":"mobile"}}],"@odata.nextLink":"http://{trap_addr}/v1.0/me/authentication/phoneMethods?$skiptoken=2"}}"#,
        PhoneMethodId::MOBILE_ID
    );
    let app = Router::new().route(
        "/v1.0/me/authentication/phoneMethods",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = GraphClient::builder(Cloud::Custom {
        base_url: format!("http://{addr}/v1.0"),
    })
    .token_provider(StaticToken::new("secret-token"))
    .build()
    .unwrap();
    let results: Vec<Result<_, Error>> = client.me().phone_methods().list().collect_all().await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::UntrustedNextLink { .. }), "{err:?}");
    assert_eq!(trap_hits.load(Ordering::SeqCst), 0);
}

trait CollectAll: futures::Stream + Sized {
    async fn collect_all(self) -> Vec<Self::Item> {
        futures::StreamExt::collect(self).await
    }
}
impl<S: futures::Stream> CollectAll for S {}

#[test]
fn a_user_handle_does_not_print_its_user() {
    let client = GraphClient::builder(Cloud::Global)
        .token_provider(StaticToken::new("t"))
        .build()
        .unwrap();
    let shown = format!("{:?}", client.user("kim@contoso.com").phone_methods());
    assert!(!shown.contains("kim"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

/// `$expand=device` on the three gets whose pages document it: the device is read into the
/// item's `device` field, with `$select` too; an operation that does not offer it fails
/// before sending.
#[tokio::test]
async fn expand_device_on_the_gets_that_offer_it() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let alice = app.user(ALICE);
    let tenant = Tenant::example();
    let stored = |segment: &str| {
        let kind = graph_phone_emulator::MethodKind::ALL
            .into_iter()
            .find(|k| k.segment() == segment)
            .unwrap();
        tenant.users[0].methods[&kind][0].clone()
    };
    let expand = Query::new().expand(["device"]);
    let with_select = Query::new().select(["displayName"]).expand(["device"]);

    let m = stored("microsoftAuthenticatorMethods");
    let id = m["id"].as_str().unwrap().to_owned();
    let methods = alice.microsoft_authenticator_methods();
    assert!(methods.get(id.as_str()).await.unwrap().device.is_none());
    let got = methods.get_with(id.as_str(), &expand).await.unwrap();
    let device = got.device.expect("expanded");
    assert_eq!(device.id, m["device"]["id"].as_str().unwrap());
    assert_eq!(
        device.display_name.as_deref(),
        m["device"]["displayName"].as_str()
    );
    assert!(
        !format!("{device:?}").contains("Alice"),
        "device names are redacted"
    );
    let got = methods.get_with(id.as_str(), &with_select).await.unwrap();
    assert!(got.device.is_some() && got.device_tag.is_none());

    let w = stored("windowsHelloForBusinessMethods");
    let got = alice
        .windows_hello_for_business_methods()
        .get_with(w["id"].as_str().unwrap(), &expand)
        .await
        .unwrap();
    assert_eq!(
        got.device.unwrap().operating_system.as_deref(),
        Some("Windows")
    );

    let p = stored("platformCredentialMethods");
    let got = alice
        .platform_credential_methods()
        .get_with(p["id"].as_str().unwrap(), &expand)
        .await
        .unwrap();
    assert_eq!(got.device.unwrap().id, p["device"]["id"].as_str().unwrap());
    let ok = requests(&emu).len();

    let err = methods.list_page(&expand).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field: "$expand", reason } if reason.contains("offers no `$expand`")),
        "{err:?}"
    );
    let err = alice
        .phone_methods()
        .get_with(PhoneMethodId::Mobile, &expand)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let err = methods
        .get_with(id.as_str(), &Query::new().expand(["owner"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { reason, .. } if reason.contains("offers `$expand` of device, not `owner`")),
        "{err:?}"
    );
    assert_eq!(requests(&emu).len(), ok, "refused before sending");
}
