//! The progenitor integration: a client shaped exactly like progenitor 0.15's generated
//! `Client` (inner type = GraphRuntime, hooks delegating to the runtime), with an
//! operation body copied from progenitor's generated code (tests/common/client.rs).
//! Also: typed errors through `GraphRuntime::call`, cloud availability, PII.

mod common;

use common::client::*;
use common::*;
use graph_phone_runtime::{Cloud, Error, GraphRuntime, PhoneMethodId, StaticToken, UserRef};

#[tokio::test]
async fn generated_call_goes_through_the_runtime() {
    let server = TestServer::start().await;
    server.push(Reply::empty(429).header("retry-after", "0.05"));
    server.push(Reply::json(
        200,
        r#"{"id":"3179e48a-750b-4051-897c-87b9720928f7"}"#,
    ));
    let rt = runtime(&server.base());
    let client = client_for(&rt);
    let user = UserRef::new("kim smith/../#1@contoso.com").unwrap();
    let value = rt
        .call(client.get_phone_method(user.as_str(), PhoneMethodId::Mobile.as_str()))
        .await
        .unwrap();
    assert_eq!(value.id, PhoneMethodId::Mobile.as_str());
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        assert_eq!(
            hit.uri,
            "/v1.0/users/kim%20smith%2F..%2F%231@contoso.com/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"
        );
        assert_eq!(hit.header("api-version"), None);
        assert_eq!(
            hit.header("authorization").as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
    }
    assert_eq!(
        hits[0].header("client-request-id"),
        hits[1].header("client-request-id")
    );
}

#[tokio::test]
async fn graph_errors_come_back_typed_through_call() {
    let server = TestServer::start().await;
    let body = r#"{"error":{"code":"badRequest","message":"Number +1 5555551234 invalid for kim@contoso.com","innererror":{"request-id":"rid-1","client-request-id":"crid-1","date":"2026-11-21T20:00:00","innerError":{"code":"invalidPhoneNumber","innererror":{"code":"phoneNumberFormatInvalid"}}}}}"#;
    server.push(Reply::json(400, body).header("request-id", "hdr-rid"));
    let rt = runtime(&server.base());
    let client = client_for(&rt);
    let err = rt
        .call(client.get_phone_method("kim@contoso.com", PhoneMethodId::Office.as_str()))
        .await
        .unwrap_err();
    let Error::Graph(g) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(g.operation, GET);
    assert_eq!(g.status, 400);
    assert_eq!(g.code, "badRequest");
    assert_eq!(g.inner_code.as_deref(), Some("phoneNumberFormatInvalid"));
    assert_eq!(g.request_id.as_deref(), Some("rid-1"));
    assert_eq!(g.client_request_id.as_deref(), Some("crid-1"));
    assert_eq!(g.date.as_deref(), Some("2026-11-21T20:00:00"));
    let shown = format!("{err} | {err:?}");
    for secret in ["5555551234", "kim@contoso.com", TOKEN] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn throttled_out_of_retries_through_call() {
    let server = TestServer::start().await;
    for _ in 0..4 {
        server.push(Reply::empty(429).header("retry-after", "0.02"));
    }
    let rt = runtime(&server.base());
    let err = rt
        .call(client_for(&rt).get_phone_method("u", "m"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ThrottledOutOfRetries { attempts: 4, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_success_body_is_invalid_response_without_the_body() {
    let server = TestServer::start().await;
    server.push(Reply::json(
        200,
        r#"{"id": 5, "phoneNumber": "+1 5555551234"}"#,
    ));
    let rt = runtime(&server.base());
    let err = rt
        .call(client_for(&rt).get_phone_method("u", "m"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("5555551234"));
}

#[tokio::test]
async fn china_refuses_sms_actions_before_sending() {
    let server = TestServer::start().await;
    server.push(Reply::empty(204));
    let rt = GraphRuntime::builder(Cloud::China)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(OPERATIONS)
        .build()
        .unwrap();
    let err = rt
        .call(client_for(&rt).enable_sms("u", PhoneMethodId::Mobile.as_str()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedInCloud { operation, cloud: "china" } if operation == ENABLE_SMS),
        "{err:?}"
    );
    assert!(server.hits().is_empty(), "nothing may be sent");
    assert!(rt.ensure_available(ENABLE_SMS).is_err());
    assert!(rt.ensure_available(GET).is_ok());
    // The same call on Global goes through.
    let global = runtime(&server.base());
    global
        .call(client_for(&global).enable_sms("u", PhoneMethodId::Mobile.as_str()))
        .await
        .unwrap();
    assert_eq!(server.hits().len(), 1);
}

/// The runtime fails closed: an operation its table does not have (every operation, for a
/// runtime built without the generated table) is refused before anything is sent, through
/// the progenitor hooks, `exec` alone, `send` and paging alike, so that a client built
/// around a bare runtime cannot skip a national cloud's availability rules.
#[tokio::test]
async fn operations_missing_from_the_table_are_refused_before_sending() {
    use graph_phone_runtime::progenitor_client::{OperationInfo, ResponseValue};
    let server = TestServer::start().await;
    for _ in 0..4 {
        server.push(Reply::empty(204));
    }
    let bare = GraphRuntime::builder(Cloud::China)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .build()
        .unwrap();
    let unknown = |err: &Error, id: &str| matches!(err, Error::UnknownOperation { operation } if operation == id);
    let err = bare
        .call(client_for(&bare).enable_sms("u", PhoneMethodId::Mobile.as_str()))
        .await
        .unwrap_err();
    assert!(unknown(&err, ENABLE_SMS), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(ENABLE_SMS) && text.contains("GraphClient::builder(cloud).build()"),
        "{text}"
    );
    // Without `call`, progenitor's own error carries the same text.
    let raw = client_for(&bare)
        .enable_sms("u", PhoneMethodId::Mobile.as_str())
        .await
        .unwrap_err();
    assert!(raw.to_string().contains("operation table"), "{raw}");
    let info = OperationInfo {
        operation_id: ENABLE_SMS,
    };
    let request = bare
        .http_client()
        .post(format!(
            "{}/me/authentication/phoneMethods/m/enableSmsSignIn",
            server.base()
        ))
        .build()
        .unwrap();
    let err = bare
        .call(async {
            let response = bare.exec_hook(request, &info).await?;
            Ok::<_, graph_phone_runtime::progenitor_client::Error<()>>(ResponseValue::empty(
                response,
            ))
        })
        .await
        .unwrap_err();
    assert!(unknown(&err, ENABLE_SMS), "{err:?}");
    let err = bare.send(get(&bare, "/me"), LIST).await.unwrap_err();
    assert!(unknown(&err, LIST), "{err:?}");
    let link = format!(
        "{}/users/u/authentication/phoneMethods?$skiptoken=2",
        server.base()
    );
    let err = bare
        .fetch_page::<serde_json::Value>(LIST, &link)
        .await
        .unwrap_err();
    assert!(unknown(&err, LIST), "{err:?}");
    assert!(matches!(
        bare.ensure_available(GET),
        Err(Error::UnknownOperation { .. })
    ));
    // With the table, an id it lacks is refused the same way.
    let rt = runtime(&server.base());
    let err = rt
        .send(get(&rt, "/me"), "users.other.list")
        .await
        .unwrap_err();
    assert!(unknown(&err, "users.other.list"), "{err:?}");
    assert!(server.hits().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn without_call_progenitor_errors_still_convert() {
    let server = TestServer::start().await;
    server.push(Reply::json(404, GRAPH_404).header("request-id", "hdr-rid"));
    let rt = runtime(&server.base());
    let err = client_for(&rt)
        .get_phone_method("u", "m")
        .await
        .unwrap_err();
    let err = graph_phone_runtime::from_progenitor(err, GET).await;
    assert!(
        matches!(&err, Error::Graph(g) if g.status == 404 && g.request_id.as_deref() == Some("hdr-rid")),
        "{err:?}"
    );
}

#[tokio::test]
async fn exec_alone_still_checks_the_cloud_and_authorizes() {
    use graph_phone_runtime::progenitor_client::OperationInfo;
    let server = TestServer::start().await;
    server.push(Reply::empty(204));
    let china = GraphRuntime::builder(Cloud::China)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(OPERATIONS)
        .build()
        .unwrap();
    let info = OperationInfo {
        operation_id: ENABLE_SMS,
    };
    let url = format!(
        "{}/me/authentication/phoneMethods/m/enableSmsSignIn",
        server.base()
    );
    let request = china.http_client().post(&url).build().unwrap();
    let err = china
        .call(async {
            let response = china.exec_hook(request, &info).await?;
            Ok::<_, graph_phone_runtime::progenitor_client::Error<()>>(
                graph_phone_runtime::progenitor_client::ResponseValue::empty(response),
            )
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedInCloud { .. }), "{err:?}");
    assert!(server.hits().is_empty());

    let global = runtime(&server.base());
    let request = global.http_client().post(&url).build().unwrap();
    let response = global.exec_hook(request, &info).await.unwrap();
    assert_eq!(response.status(), 204);
    let hits = server.hits();
    assert_eq!(
        hits[0].header("authorization").as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[test]
fn runtime_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let rt = runtime("http://127.0.0.1:9/v1.0");
    let client = client_for(&rt);
    let call = rt.call(client.get_phone_method("u", "m"));
    assert_send(&call);
    let send = rt.send(get(&rt, "/me"), LIST);
    assert_send(&send);
    let stream =
        rt.stream_pages::<serde_json::Value>(LIST, graph_phone_runtime::Page::new(vec![], None));
    assert_send(&stream);
}
