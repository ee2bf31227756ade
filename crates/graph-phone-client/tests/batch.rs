//! JSON batching end to end against the emulator: batch items built by the generated
//! `*_item` constructors, one `POST /$batch` with `GraphClient::send_batch`, each item
//! decoded to its operation's typed result or typed error, as the single call's would be.
//!
//! The oracle is Graph's documented JSON batching
//! (<https://learn.microsoft.com/graph/json-batching>): at most 20 requests, relative URLs,
//! a `Content-Type` with every body, one response per request matched by `id`.

use futures::TryStreamExt;
use graph_phone_client::{
    AuthenticationPhoneType, BatchItem, Cloud, Error, GraphClient, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneMethodId, Query,
    StaticToken,
};
use graph_phone_emulator::{Emulator, Tenant};

mod common;

use common::*;

fn create(number: &str, kind: AuthenticationPhoneType) -> PhoneAuthenticationMethodCreate {
    PhoneAuthenticationMethodCreate::new(number, kind)
}

#[tokio::test]
async fn every_kind_of_item_decodes_as_its_single_call_does() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let carol = app.user("carol@contoso.com").phone_methods();
    let alice = app.user(ALICE).phone_methods();
    let bob = app.user("bob@contoso.com").phone_methods();
    let created = carol
        .create_item(&create("+1 2065550177", AuthenticationPhoneType::Mobile))
        .unwrap();
    let got = alice.get_item(PhoneMethodId::Mobile).unwrap();
    let page = alice
        .list_page_item(&Query::new().select(["id", "phoneType"]))
        .unwrap();
    let update = bob
        .update_item(
            PhoneMethodId::Office,
            &PhoneAuthenticationMethodUpdate::default().with_phone_number("+1 4255550111"),
        )
        .unwrap();
    let before = alice.get(PhoneMethodId::Mobile).await.unwrap();
    let state = before.sms_sign_in_state.map(|s| s.to_string());
    assert_eq!(state.as_deref(), Some("ready"));
    let disable = alice
        .disable_sms_sign_in_item(PhoneMethodId::Mobile)
        .unwrap();
    let methods = app
        .user(ALICE)
        .methods()
        .list_page_item(&Query::new())
        .unwrap();

    // Items of different result types go through one batch once their results are
    // discarded; typed items of one type go through one batch as they are.
    let mut responses = app
        .send_batch(vec![created, got.clone()])
        .await
        .expect("the batch is answered");
    assert_eq!(responses.len(), 2);
    let created = responses.remove(0);
    assert_eq!(created.status, 201);
    let created = created.result.expect("created");
    assert_eq!(created.id, PhoneMethodId::MOBILE_ID);
    assert_eq!(created.phone_number.as_deref(), Some("+1 2065550177"));
    let got = responses.remove(0).result.expect("alice's mobile");
    assert_eq!(got, alice.get(PhoneMethodId::Mobile).await.unwrap());

    let page = app.send_batch(vec![page]).await.unwrap().remove(0);
    assert_eq!(page.status, 200);
    let page = page.result.unwrap();
    let single = alice
        .list_page(&Query::new().select(["id", "phoneType"]))
        .await
        .unwrap();
    assert_eq!(page.items, single.items);
    assert!(page.item_errors.is_empty());

    let methods = app.send_batch(vec![methods]).await.unwrap().remove(0);
    let methods = methods.result.unwrap();
    let single: Vec<_> = app
        .user(ALICE)
        .methods()
        .list()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(methods.items, single);

    let writes = app.send_batch(vec![update, disable]).await.unwrap();
    assert_eq!(
        writes.iter().map(|r| r.status).collect::<Vec<_>>(),
        [204, 204]
    );
    for w in writes {
        w.result.expect("204 decodes to ()");
    }
    let office = bob.get(PhoneMethodId::Office).await.unwrap();
    assert_eq!(office.phone_number.as_deref(), Some("+1 4255550111"));
    let mobile = alice.get(PhoneMethodId::Mobile).await.unwrap();
    let state = mobile.sms_sign_in_state.map(|s| s.to_string());
    assert_ne!(state.as_deref(), Some("ready"), "disabled by the batch");
}

#[tokio::test]
async fn the_batch_is_one_request_whose_items_the_emulator_logs_one_by_one() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let items = vec![
        app.user(ALICE)
            .phone_methods()
            .get_item(PhoneMethodId::Mobile)
            .unwrap(),
        app.user("bob@contoso.com")
            .phone_methods()
            .get_item(PhoneMethodId::Office)
            .unwrap(),
        app.user(ALICE_ID)
            .phone_methods()
            .get_item(PhoneMethodId::AlternateMobile)
            .unwrap(),
    ];
    emu.handle().clear_requests();
    let responses = app.send_batch(items).await.unwrap();
    assert!(responses.iter().all(|r| r.result.is_ok()));
    let log = requests(&emu);
    assert_eq!(log.len(), 4, "three items and the batch: {log:#?}");
    let batch = log.last().unwrap();
    assert_eq!(batch.route.as_deref(), Some("$batch"));
    let crid = batch.client_request_id.clone().expect("the batch's id");
    for (i, record) in log[..3].iter().enumerate() {
        assert_eq!(record.batch_item.as_deref(), Some(i.to_string().as_str()));
        assert_eq!(record.client_request_id.as_deref(), Some(crid.as_str()));
        assert_eq!(record.method, "GET");
        assert_eq!(record.status, Some(200));
    }
    // Each item's headers come back, as Graph's documentation shows them.
    for r in &responses {
        assert!(r.headers.contains_key("request-id"), "{:?}", r.headers);
    }
}

#[tokio::test]
async fn item_constructors_check_what_the_single_calls_check_and_send_nothing() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    emu.handle().clear_requests();
    let bad_number = app
        .user(ALICE)
        .phone_methods()
        .create_item(&create("2065550100", AuthenticationPhoneType::Mobile))
        .unwrap_err();
    assert!(
        matches!(
            bad_number,
            Error::InvalidInput {
                field: "phoneNumber",
                ..
            }
        ),
        "{bad_number:?}"
    );
    assert!(!format!("{bad_number} {bad_number:?}").contains("2065550100"));
    let bad_update = app
        .user(ALICE)
        .phone_methods()
        .update_item(
            PhoneMethodId::Mobile,
            &PhoneAuthenticationMethodUpdate::default().with_phone_number("+1"),
        )
        .unwrap_err();
    assert!(matches!(
        bad_update,
        Error::InvalidInput {
            field: "phoneNumber",
            ..
        }
    ));
    for bad_id in ["", ".", "..", "a\\b"] {
        let err = app
            .user(ALICE)
            .phone_methods()
            .delete_item(bad_id)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "id", .. }),
            "{err:?}"
        );
        let err = app
            .user(ALICE)
            .email_methods()
            .get_item(bad_id)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "id", .. }),
            "{err:?}"
        );
    }
    for bad_user in ["", "..", "a\\b"] {
        let err = app
            .user(bad_user)
            .phone_methods()
            .list_page_item(&Query::new())
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "user", .. }),
            "{err:?}"
        );
    }
    // `$expand` only where the operation offers it.
    let err = app
        .user(ALICE)
        .phone_methods()
        .get_with_item(PhoneMethodId::Mobile, &Query::new().expand(["device"]))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");

    // A national cloud's metadata decides, as for single calls: China has no SMS sign-in
    // actions and no external authentication methods.
    let china = GraphClient::builder(Cloud::China)
        .base_url(emu.base_url())
        .token_provider(StaticToken::new("app-rw"))
        .build()
        .unwrap();
    let err = china
        .user(ALICE)
        .phone_methods()
        .enable_sms_sign_in_item(PhoneMethodId::Mobile)
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedInCloud { cloud: "china", operation } if operation == "users_phone_methods_enable_sms_sign_in"),
        "{err:?}"
    );
    let single = china
        .user(ALICE)
        .phone_methods()
        .enable_sms_sign_in(PhoneMethodId::Mobile)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), single.to_string());
    // What China has is allowed.
    china
        .user(ALICE)
        .phone_methods()
        .get_item(PhoneMethodId::Mobile)
        .unwrap();
    assert!(requests(&emu).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn item_errors_are_the_single_calls_typed_errors_without_personal_data() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let alice = app.user(ALICE).phone_methods();
    // Alice already has a mobile: Graph refuses a second one.
    let body = create("+1 2065550142", AuthenticationPhoneType::Mobile);
    let single = alice.create(&body).await.unwrap_err();
    let missing = app
        .user(ALICE)
        .email_methods()
        .get_item("00000000-0000-0000-0000-00000000dead")
        .unwrap();
    let responses = app
        .send_batch(vec![
            alice.create_item(&body).unwrap().discard(),
            missing.discard(),
        ])
        .await
        .unwrap();
    let batched = responses[0].result.as_ref().unwrap_err();
    let (s, b) = (single.graph().unwrap(), batched.graph().unwrap());
    assert_eq!(
        (b.status, &b.code, &b.inner_code),
        (s.status, &s.code, &s.inner_code)
    );
    assert_eq!(b.operation, "users_phone_methods_create");
    assert_eq!(b.message, s.message);
    assert!(b.request_id.is_some() && b.client_request_id.is_some());
    for text in [format!("{batched}"), format!("{batched:?}")] {
        assert!(!text.contains("2065550142"), "{text}");
        assert!(!text.contains(ALICE), "{text}");
    }
    let missing = responses[1].result.as_ref().unwrap_err();
    assert_eq!(
        graph_status(missing).map(|(s, _)| s),
        Some(404),
        "{missing:?}"
    );
    // Debug of an item names the operation, never the user or the number.
    let item = alice.create_item(&body).unwrap();
    let shown = format!("{item:?}");
    assert!(shown.contains("users_phone_methods_create"), "{shown}");
    assert!(
        !shown.contains("alice") && !shown.contains("2065550142"),
        "{shown}"
    );
}

#[tokio::test]
async fn more_than_twenty_items_is_refused_before_anything_is_sent() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let item = app
        .user(ALICE)
        .phone_methods()
        .get_item(PhoneMethodId::Mobile)
        .unwrap();
    emu.handle().clear_requests();
    let err = app.send_batch(vec![item.clone(); 21]).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "items", .. }),
        "{err:?}"
    );
    assert!(requests(&emu).is_empty());
    let ok = app.send_batch(vec![item; 20]).await.unwrap();
    assert_eq!(ok.len(), 20);
    assert!(ok.iter().all(|r| r.status == 200));
    let empty: Vec<BatchItem<PhoneAuthenticationMethod>> = Vec::new();
    emu.handle().clear_requests();
    assert!(app.send_batch(empty).await.unwrap().is_empty());
    assert!(requests(&emu).is_empty(), "an empty batch is not sent");
}

#[tokio::test]
async fn a_delegated_token_batches_under_me() {
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .unwrap();
    let me = client(&emu, "alice-rw");
    let items = vec![
        me.me()
            .phone_methods()
            .get_item(PhoneMethodId::Mobile)
            .unwrap(),
        me.me()
            .phone_methods()
            .get_item(PhoneMethodId::AlternateMobile)
            .unwrap(),
    ];
    let responses = me.send_batch(items).await.unwrap();
    let ids: Vec<String> = responses
        .into_iter()
        .map(|r| r.result.unwrap().id)
        .collect();
    assert_eq!(
        ids,
        [PhoneMethodId::MOBILE_ID, PhoneMethodId::ALTERNATE_MOBILE_ID]
    );
}
