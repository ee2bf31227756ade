//! One JSON batch (`GraphRuntime::send_batch`) over real HTTP against a local server, for
//! what the emulator cannot produce: responses out of order, unknown or missing ids, error
//! bodies over the cap, whole-batch failures. The oracle is Graph's documented JSON
//! batching (<https://learn.microsoft.com/graph/json-batching>).

mod batch_server;
mod common;

use batch_server::{BatchServer, ItemReply, WholeReply};
use common::{CREATE, ENABLE_SMS, GET, TOKEN, runtime};
use graph_phone_runtime::{BatchItem, Cloud, Error, GraphRuntime, StaticToken};
use serde_json::{Value, json};

fn get(rt: &GraphRuntime, user: &str) -> BatchItem<Value> {
    BatchItem::new(
        rt,
        GET,
        format!("/users/{user}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"),
    )
    .unwrap()
}

fn create(rt: &GraphRuntime, user: &str) -> BatchItem<Value> {
    BatchItem::new(
        rt,
        CREATE,
        format!("/users/{user}/authentication/phoneMethods"),
    )
    .unwrap()
    .with_body(&json!({"phoneNumber": "+1 2065550100", "phoneType": "mobile"}))
    .unwrap()
}

#[tokio::test]
async fn the_request_is_graphs_json_batching_format() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    let items = vec![get(&rt, "u1"), create(&rt, "u2")];
    rt.send_batch(items).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    let batch = &received[0];
    assert_eq!(batch.uri, "/v1.0/$batch");
    let auth = batch
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(auth, format!("Bearer {TOKEN}"));
    assert_eq!(
        batch.headers.get("content-type").unwrap(),
        "application/json"
    );
    let crid = batch
        .headers
        .get("client-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(uuid_like(crid), "{crid}");
    let requests = batch.body["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    // Ids unique, methods, URLs relative to the version.
    assert_eq!(requests[0]["id"], "0");
    assert_eq!(requests[1]["id"], "1");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[1]["method"], "POST");
    assert!(
        requests[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("/users/u1/")
    );
    // A body always comes with its Content-Type; a request without one has none.
    assert!(requests[0].get("body").is_none());
    assert!(requests[0]["headers"].get("content-type").is_none());
    assert_eq!(requests[1]["headers"]["content-type"], "application/json");
    assert_eq!(requests[1]["body"]["phoneType"], "mobile");
    // The single calls' Prefer, per item (Graph reads each item's own headers).
    assert_eq!(
        requests[0]["headers"]["prefer"],
        "include-unknown-enum-members"
    );
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn responses_in_any_order_are_matched_by_id_and_a_missing_one_is_an_error() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    server.item(
        "/users/u2/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
        [ItemReply {
            status: 404,
            headers: json!({"content-type": "application/json", "request-id": "rid-2"}),
            body: Some(json!({"error": {"code": "itemNotFound", "message": "no phone"}})),
        }],
    );
    // Reversed, an answer to an id we never sent, a repeated id, and item 3 left out.
    server.shuffle(|mut responses| {
        let missing = responses.pop();
        assert!(missing.is_some());
        responses.reverse();
        let first = responses[0].clone();
        let mut stranger = first.clone();
        stranger["id"] = json!("17");
        let mut padded = first.clone();
        padded["id"] = json!("01");
        responses.insert(0, stranger);
        responses.insert(0, padded);
        let mut repeat = responses.last().unwrap().clone();
        repeat["status"] = json!(500);
        responses.push(repeat);
        responses
    });
    let items = vec![
        get(&rt, "u0"),
        get(&rt, "u1"),
        get(&rt, "u2"),
        create(&rt, "u3"),
    ];
    let answers = rt.send_batch(items).await.unwrap();
    assert_eq!(answers.len(), 4);
    for (i, answer) in answers[..2].iter().enumerate() {
        assert_eq!(answer.status, 200);
        let body = answer.result.as_ref().unwrap();
        assert!(
            body["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("/users/u{i}/")),
            "{body}"
        );
    }
    assert_eq!(answers[2].status, 404);
    let err = answers[2].result.as_ref().unwrap_err();
    let graph = err.graph().unwrap();
    assert_eq!((graph.status, graph.code.as_str()), (404, "itemNotFound"));
    assert_eq!(graph.request_id.as_deref(), Some("rid-2"));
    assert_eq!(graph.operation, GET);
    let crid = server.received()[0].headers["client-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(graph.client_request_id.as_deref(), Some(crid.as_str()));
    assert!(matches!(
        &answers[3].result,
        Err(Error::InvalidResponse { operation, .. }) if operation == CREATE
    ));
}

#[tokio::test]
async fn item_errors_get_the_single_calls_caps_and_redaction() {
    let server = BatchServer::start().await;
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(common::OPERATIONS)
        .max_error_body_bytes(200)
        .build()
        .unwrap();
    server.item(
        "/users/u0/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
        [ItemReply {
            status: 400,
            headers: json!({"content-type": "application/json"}),
            body: Some(json!({"error": {"code": "invalidPhone", "message": "Phone +1 2065550100 of kim@contoso.com is refused"}})),
        }],
    );
    server.item(
        "/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
        [ItemReply {
            status: 500,
            headers: json!({}),
            body: Some(json!({"error": {"code": "x", "message": "y".repeat(300)}})),
        }],
    );
    let answers = rt
        .send_batch(vec![get(&rt, "u0"), get(&rt, "u1")])
        .await
        .unwrap();
    let err = answers[0].result.as_ref().unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("invalidPhone"), "{text}");
    assert!(
        !text.contains("2065550100") && !text.contains("kim@contoso.com"),
        "{text}"
    );
    assert!(
        matches!(
            answers[1].result,
            Err(Error::ResponseTooLarge {
                status: 500,
                limit: 200,
                ..
            })
        ),
        "{:?}",
        answers[1].result
    );
}

#[tokio::test]
async fn success_bodies_decode_as_the_operation_returns() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    let enable = "/users/u0/authentication/phoneMethods/m/enableSmsSignIn";
    // Any 2xx of an operation without a result is its success, its body ignored; an
    // operation with a result needs a body.
    server.item(enable, [ItemReply::ok(json!("not the entity"))]);
    server.item(
        "/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
        [ItemReply::status(200)],
    );
    let items = vec![
        BatchItem::<()>::new(&rt, ENABLE_SMS, enable).unwrap(),
        get(&rt, "u1").discard(),
    ];
    let answers = rt.send_batch(items).await.unwrap();
    answers[0].result.as_ref().unwrap();
    // Discarded, a success needs no body either.
    answers[1].result.as_ref().unwrap();
    let typed = rt.send_batch(vec![get(&rt, "u1")]).await.unwrap();
    // The script for u1 is used up: the default answer has a body.
    assert!(typed[0].result.is_ok());
    server.item(
        "/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
        [ItemReply::status(200)],
    );
    let typed = rt.send_batch(vec![get(&rt, "u1")]).await.unwrap();
    assert!(
        matches!(
            &typed[0].result,
            Err(Error::InvalidResponse { status: 200, .. })
        ),
        "{:?}",
        typed[0].result
    );
    // A body that is not the operation's type: the decoder's position, never the value.
    let typed_item = BatchItem::<Vec<u8>>::new(
        &rt,
        GET,
        "/users/u2/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
    )
    .unwrap();
    server.item(
        typed_item.url(),
        [ItemReply::ok(json!({"phoneNumber": "+1 2065550100"}))],
    );
    let answers = rt.send_batch(vec![typed_item]).await.unwrap();
    let err = answers[0].result.as_ref().unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(!format!("{err:?}").contains("2065550100"));
}

#[tokio::test]
async fn a_malformed_batch_fails_whole_and_nothing_is_retried() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    server.whole(WholeReply {
        status: 400,
        headers: vec![("content-type", "application/json".into())],
        body: json!({"error": {"code": "BadRequest", "message": "Invalid batch payload format."}})
            .to_string(),
    });
    let err = rt.send_batch(vec![get(&rt, "u0")]).await.unwrap_err();
    let graph = err.graph().unwrap();
    assert_eq!((graph.status, graph.operation.as_str()), (400, "$batch"));
    assert_eq!(server.received().len(), 1);
    // A 200 that is not a batch answer.
    server.whole(WholeReply {
        status: 200,
        headers: vec![],
        body: "{\"responses\": 7}".into(),
    });
    let err = rt.send_batch(vec![get(&rt, "u0")]).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn items_are_checked_against_the_cloud_and_the_table_when_built() {
    let server = BatchServer::start().await;
    let china = GraphRuntime::builder(Cloud::China)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(common::OPERATIONS)
        .build()
        .unwrap();
    let err = BatchItem::<()>::new(
        &china,
        ENABLE_SMS,
        "/users/u/authentication/phoneMethods/m/enableSmsSignIn",
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedInCloud { cloud: "china", .. }),
        "{err:?}"
    );
    let err = BatchItem::<()>::new(&china, "users.nothing", "/x").unwrap_err();
    assert!(matches!(err, Error::UnknownOperation { .. }), "{err:?}");
    for bad in [
        "users/u",
        "https://evil.example/v1.0/users",
        "//evil.example/users",
    ] {
        let err = BatchItem::<Value>::new(&china, GET, bad).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "url", .. }),
            "{bad}: {err:?}"
        );
    }
    // An item built for one runtime is checked again by the one that sends it.
    let global = runtime(&server.base());
    let item = BatchItem::<()>::new(
        &global,
        ENABLE_SMS,
        "/users/u/authentication/phoneMethods/m/enableSmsSignIn",
    )
    .unwrap();
    let err = china.send_batch(vec![item]).await.unwrap_err();
    assert!(matches!(err, Error::UnsupportedInCloud { .. }), "{err:?}");
    assert!(server.received().is_empty());
}
