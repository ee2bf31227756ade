//! Regression tests for issue 11 through the generated client (progenitor and the
//! runtime's hooks), against a small local server: the emulator answers each operation
//! with its documented status, and these tests need the other answers Graph may give
//! (200 to an update or an action, a bad item in a first page, a huge body).

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use graph_phone_client::{
    AccessToken, AuthenticationPhoneType, Cloud, Error, GraphClient, GraphClientBuilder,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneMethodId, RetryPolicy,
    StaticToken, Timeouts, TokenError, TokenProvider,
};

const BOUND: Duration = Duration::from_secs(60);
const MOBILE_ID: &str = "3179e48a-750b-4051-897c-87b9720928f7";

fn phone_json() -> serde_json::Value {
    serde_json::json!({
        "id": MOBILE_ID,
        "phoneNumber": "+1 2065550100",
        "phoneType": "mobile",
        "smsSignInState": "ready",
    })
}

/// What the server answers: a status and an optional JSON body for every request, and the
/// requests it saw (method, path, headers).
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<(Method, String, HeaderMap)>>>,
}

async fn serve(
    answer: impl Fn(&Method, &str) -> Response + Clone + Send + Sync + 'static,
) -> Server {
    let seen: Arc<Mutex<Vec<(Method, String, HeaderMap)>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |method: Method, uri: axum::http::Uri, headers| {
        let answer = answer.clone();
        let record = record.clone();
        async move {
            record
                .lock()
                .unwrap()
                .push((method.clone(), uri.path().to_owned(), headers));
            answer(&method, uri.path())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { base, seen }
}

fn json(status: u16, body: serde_json::Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn builder(server: &Server) -> GraphClientBuilder {
    GraphClient::builder(Cloud::Custom {
        base_url: server.base.clone(),
    })
    .token_provider(StaticToken::new("token"))
    .retry_policy(RetryPolicy::no_retries())
}

fn client(server: &Server) -> GraphClient {
    builder(server).build().unwrap()
}

fn update() -> PhoneAuthenticationMethodUpdate {
    PhoneAuthenticationMethodUpdate::default().with_phone_number("+1 2065550199")
}

/// Before the fix: `InvalidResponse { reason: "success status not described by the API" }`
/// for each of these, after the server had applied the write.
#[tokio::test]
async fn every_2xx_is_a_success_with_the_same_typed_result() {
    for status in [200u16, 202, 204] {
        let server = serve(move |method, path| {
            let body = if status == 204 {
                serde_json::Value::Null
            } else {
                phone_json()
            };
            let with_body = |s: u16| {
                if body.is_null() {
                    StatusCode::from_u16(s).unwrap().into_response()
                } else {
                    json(s, body.clone())
                }
            };
            match (method.as_str(), path.ends_with("SignIn")) {
                // An update and an action answered with the entity (or nothing).
                ("PATCH", _) | ("POST", true) => with_body(status),
                // A create answered 200 instead of 201.
                ("POST", false) => json(200, phone_json()),
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        })
        .await;
        let phones = client(&server).user("kim@contoso.com").phone_methods();
        phones
            .update(PhoneMethodId::Mobile, &update())
            .await
            .unwrap_or_else(|e| panic!("PATCH answered {status}: {e:?}"));
        phones
            .enable_sms_sign_in(PhoneMethodId::Mobile)
            .await
            .unwrap_or_else(|e| panic!("enableSmsSignIn answered {status}: {e:?}"));
        phones
            .disable_sms_sign_in(PhoneMethodId::Mobile)
            .await
            .unwrap_or_else(|e| panic!("disableSmsSignIn answered {status}: {e:?}"));
        let created = phones
            .create(&PhoneAuthenticationMethodCreate::new(
                "+1 2065550100",
                AuthenticationPhoneType::Mobile,
            ))
            .await
            .unwrap_or_else(|e| panic!("create answered 200: {e:?}"));
        assert_eq!(created.id, MOBILE_ID);
    }
}

/// An operation with a result cannot give it from a 2xx without a body: that stays an
/// error, named as such.
#[tokio::test]
async fn a_get_answered_204_is_an_invalid_response() {
    let server = serve(|_, _| StatusCode::NO_CONTENT.into_response()).await;
    let err = client(&server)
        .user("kim@contoso.com")
        .phone_methods()
        .get(PhoneMethodId::Mobile)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { status: 204, .. }),
        "{err:?}"
    );
}

/// Before the fix the whole first page failed (`InvalidResponse`, "JSON does not match
/// the expected type") and no method could be listed.
#[tokio::test]
async fn a_bad_item_in_the_first_page_does_not_sink_the_listing() {
    let server = serve(|_, _| {
        json(
            200,
            serde_json::json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('kim%40contoso.com')/authentication/phoneMethods",
                "value": [
                    phone_json(),
                    { "id": "b6332ec1-7057-4abe-9331-3d72feddfe41", "phoneType": "alternateMobile",
                      "createdDateTime": "not a timestamp" },
                    { "id": "e37fc753-ff3b-4958-9484-eaa9425c82bc", "phoneType": "office", "phoneNumber": "+1 4255550100" },
                ],
            }),
        )
    })
    .await;
    let phones = client(&server).user("kim@contoso.com").phone_methods();
    let results: Vec<_> = tokio::time::timeout(BOUND, phones.list().collect())
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().id, MOBILE_ID);
    match &results[1] {
        Err(Error::Item { error, .. }) => {
            assert_eq!(error.index, 1);
            assert_eq!(
                error.id.as_deref(),
                Some("b6332ec1-7057-4abe-9331-3d72feddfe41")
            );
            assert_eq!(error.path, "createdDateTime");
            assert_eq!(error.raw["createdDateTime"], "not a timestamp");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        results[2].as_ref().unwrap().phone_type,
        Some(AuthenticationPhoneType::Office)
    );

    // try_collect stops at the bad item; filtering skips it.
    let err = phones.list().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err, Error::Item { .. }), "{err:?}");
    let good: Vec<_> = phones
        .list()
        .filter(|r| std::future::ready(!matches!(r, Err(Error::Item { .. }))))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(good.len(), 2);

    // list_page keeps the bad item and the annotations.
    let page = phones
        .list_page(&graph_phone_client::Query::new())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.item_errors.len(), 1);
    assert!(page.context.is_some());
    assert!(!format!("{page:?}").contains("kim"));
}

#[tokio::test]
async fn an_oversized_body_through_the_generated_client_is_a_typed_error() {
    let server = serve(|_, _| {
        // 64 MiB of JSON whitespace, streamed without a length.
        let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
        let stream = futures::stream::iter(
            std::iter::repeat_n(chunk, 1024).map(Ok::<_, std::convert::Infallible>),
        );
        (StatusCode::OK, Body::from_stream(stream)).into_response()
    })
    .await;
    let err = client(&server)
        .user("kim@contoso.com")
        .phone_methods()
        .get(PhoneMethodId::Mobile)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ResponseTooLarge { status: 200, limit, operation }
            if *limit == 16 << 20 && operation == "users_phone_methods_get"),
        "{err:?}"
    );
}

struct Hung;

#[graph_phone_client::async_trait]
impl TokenProvider for Hung {
    async fn token(&self, _: &[String]) -> Result<AccessToken, TokenError> {
        pending().await
    }
}

/// Before the fix the call never returned.
#[tokio::test]
async fn a_hung_token_provider_times_out_through_the_generated_client() {
    let server = serve(|_, _| json(200, phone_json())).await;
    let client = builder(&server)
        .token_provider(Hung)
        .timeouts(Timeouts {
            overall: Duration::from_millis(200),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    let result = tokio::time::timeout(
        BOUND,
        client
            .user("kim@contoso.com")
            .phone_methods()
            .get(PhoneMethodId::Mobile),
    )
    .await
    .expect("the call returned");
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { attempts: 0, operation } if operation == "users_phone_methods_get"),
        "{err:?}"
    );
    assert!(server.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_generated_client_sends_prefer_include_unknown_enum_members() {
    let server = serve(|_, _| json(200, phone_json())).await;
    let phones = client(&server).user("kim@contoso.com").phone_methods();
    phones.get(PhoneMethodId::Mobile).await.unwrap();
    let off = builder(&server)
        .include_unknown_enum_members(false)
        .build()
        .unwrap();
    off.user("kim@contoso.com")
        .phone_methods()
        .get(PhoneMethodId::Mobile)
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap();
    let prefer: Vec<Vec<&str>> = seen
        .iter()
        .map(|(_, _, h)| {
            h.get_all("prefer")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(prefer, [vec!["include-unknown-enum-members"], vec![]]);
}
