//! Building a client: `GraphClient::builder(cloud)...build()` is the one way to get a
//! `GraphClient`, it always carries the operation table, and a progenitor client built
//! around a runtime without the table sends nothing. Against a local server that answers
//! every request and counts what it receives.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use graph_phone_client::{
    AccessToken, Cloud, Error, GraphClient, GraphRuntime, PhoneMethodId, RetryPolicy, StaticToken,
    Timeouts, TokenError, TokenProvider, progenitor,
};

/// A server that answers `204` to anything but a list (`200` with an empty page), and
/// records the headers of every request it receives.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Server {
    async fn start() -> Server {
        let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
        let record = seen.clone();
        let app = Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(headers);
                if uri.path().ends_with("/phoneMethods") {
                    (
                        StatusCode::OK,
                        [("content-type", "application/json")],
                        r#"{"value":[]}"#,
                    )
                        .into_response()
                } else {
                    StatusCode::NO_CONTENT.into_response()
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1.0", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { base, seen }
    }

    fn received(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Enabling SMS sign-in does not exist in China's metadata: the client built with
/// `GraphClient::builder(Cloud::China)` refuses it before sending, and still sends what
/// China has.
#[tokio::test]
async fn the_built_client_refuses_an_operation_china_lacks_before_sending() {
    let server = Server::start().await;
    let client = GraphClient::builder(Cloud::China)
        .base_url(&server.base)
        .token_provider(StaticToken::new("token"))
        .build()
        .unwrap();
    let phones = client.user("kim@contoso.com").phone_methods();
    let err = phones
        .enable_sms_sign_in(PhoneMethodId::Mobile)
        .await
        .unwrap_err();
    assert_eq!(server.received(), 0, "nothing may be sent: {err:?}");
    assert!(
        matches!(&err, Error::UnsupportedInCloud { operation, cloud: "china" }
            if operation == "users_phone_methods_enable_sms_sign_in"),
        "{err:?}"
    );
    // The progenitor client underneath the built one carries the same table.
    let err =
        client
            .runtime()
            .call(client.progenitor().users_phone_methods_enable_sms_sign_in(
                "kim@contoso.com",
                PhoneMethodId::MOBILE_ID,
            ))
            .await
            .unwrap_err();
    assert!(matches!(&err, Error::UnsupportedInCloud { .. }), "{err:?}");
    assert_eq!(server.received(), 0, "nothing may be sent: {err:?}");
    // A listing exists in China and reaches the server.
    phones.list_page(&Default::default()).await.unwrap();
    assert_eq!(server.received(), 1);
}

/// progenitor's generated constructors are public: a client over a runtime built without
/// the operation table used to send every call unchecked (a China-unavailable call went
/// out). The runtime now refuses each of them, names the operation and says how to build
/// the client; nothing is sent.
#[tokio::test]
async fn a_progenitor_client_over_a_runtime_without_the_table_sends_nothing() {
    let server = Server::start().await;
    let runtime = GraphRuntime::builder(Cloud::China)
        .base_url(&server.base)
        .token_provider(StaticToken::new("token"))
        .build()
        .unwrap();
    let bare = progenitor::Client::new_with_client(
        runtime.base_url(),
        runtime.http_client().clone(),
        runtime.clone(),
    );
    let err =
        runtime
            .call(bare.users_phone_methods_enable_sms_sign_in(
                "kim@contoso.com",
                PhoneMethodId::MOBILE_ID,
            ))
            .await
            .unwrap_err();
    assert_eq!(server.received(), 0, "nothing may be sent: {err:?}");
    assert!(
        matches!(&err, Error::UnknownOperation { operation }
            if operation == "users_phone_methods_enable_sms_sign_in"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("users_phone_methods_enable_sms_sign_in")
            && text.contains("GraphClient::builder(cloud).build()"),
        "{text}"
    );
    // Every operation, not only the ones a cloud lacks.
    let err = runtime
        .call(bare.users_phone_methods_get("kim@contoso.com", PhoneMethodId::MOBILE_ID, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperation { operation } if operation == "users_phone_methods_get"),
        "{err:?}"
    );
    assert_eq!(server.received(), 0, "nothing may be sent: {err:?}");
}

/// A token provider that records the scopes it is asked for.
#[derive(Clone, Default)]
struct Recording(Arc<Mutex<Vec<Vec<String>>>>);

#[graph_phone_client::async_trait]
impl TokenProvider for Recording {
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError> {
        self.0.lock().unwrap().push(scopes.to_vec());
        Ok(AccessToken::new(
            "recorded-token",
            std::time::SystemTime::now() + Duration::from_secs(3600),
        ))
    }
}

/// Every setting of the builder reaches the client's runtime.
#[tokio::test]
async fn every_builder_setting_reaches_the_runtime() {
    let server = Server::start().await;
    let tokens = Recording::default();
    let policy = RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::default()
    };
    let timeouts = Timeouts {
        overall: Duration::from_secs(50),
        ..Timeouts::default()
    };
    let client = GraphClient::builder(Cloud::UsGovL4)
        .base_url(format!("{}/", server.base))
        .token_provider(StaticToken::new("replaced"))
        .shared_token_provider(Arc::new(tokens.clone()))
        .scopes(["https://graph.microsoft.us/UserAuthenticationMethod.Read.All"])
        .retry_policy(policy.clone())
        .timeouts(timeouts)
        .max_pages(7)
        .max_body_bytes(12_345)
        .max_error_body_bytes(678)
        .include_unknown_enum_members(false)
        .user_agent("construct-test/1")
        .build()
        .unwrap();
    let runtime = client.runtime();
    assert_eq!(runtime.cloud(), &Cloud::UsGovL4);
    assert_eq!(runtime.base_url(), server.base);
    assert_eq!(runtime.retry_policy(), &policy);
    assert_eq!(runtime.timeouts().overall, Duration::from_secs(50));
    assert_eq!(runtime.max_pages(), 7);
    assert_eq!(runtime.max_body_bytes(), 12_345);
    assert_eq!(runtime.max_error_body_bytes(), 678);
    assert!(runtime.operation("users_phone_methods_get").is_some());
    client
        .user("kim@contoso.com")
        .phone_methods()
        .list_page(&Default::default())
        .await
        .unwrap();
    {
        let seen = server.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let header = |name: &str| seen[0].get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("user-agent"), Some("construct-test/1"));
        assert_eq!(header("authorization"), Some("Bearer recorded-token"));
        assert_eq!(header("prefer"), None);
        assert_eq!(
            *tokens.0.lock().unwrap(),
            [["https://graph.microsoft.us/UserAuthenticationMethod.Read.All"]]
        );
    }

    // A reqwest client of the caller's is used as given.
    // Built from the runtime's builder: under the default `rustls` feature (reqwest's
    // `rustls-no-provider`) a bare `reqwest::Client::builder()` has no crypto provider.
    let http = graph_phone_client::runtime::http_client_builder()
        .unwrap()
        .user_agent("caller-client/1")
        .build()
        .unwrap();
    let client = GraphClient::builder(Cloud::Global)
        .base_url(&server.base)
        .token_provider(StaticToken::new("token"))
        .http_client(http)
        .build()
        .unwrap();
    client
        .me()
        .phone_methods()
        .list_page(&Default::default())
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap();
    assert_eq!(
        seen[1].get("user-agent").and_then(|v| v.to_str().ok()),
        Some("caller-client/1")
    );
}

#[test]
fn build_refuses_a_bad_configuration_naming_the_setting() {
    let err = GraphClient::builder(Cloud::Global).build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidInput {
                field: "token_provider",
                ..
            }
        ),
        "{err:?}"
    );
    let err = GraphClient::builder(Cloud::Global)
        .token_provider(StaticToken::new("token"))
        .max_pages(0)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("max_pages must be at least 1"),
        "{err}"
    );
}

#[test]
fn builder_debug_never_shows_the_token() {
    let builder = GraphClient::builder(Cloud::Global)
        .token_provider(StaticToken::new("super-secret-token"))
        .base_url("http://127.0.0.1:9/v1.0");
    let shown = format!("{builder:?} {builder:#?}");
    assert!(!shown.contains("super-secret-token"), "{shown}");
    assert!(
        shown.contains("GraphClientBuilder") && shown.contains("global"),
        "{shown}"
    );
    let client = builder.build().unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("super-secret-token"), "{shown}");
}

/// What a user names is at the crate root: the builder, `Patch` (with its `From`
/// conversions), `Query`, `Key` and every error type.
#[test]
fn what_users_name_is_at_the_root() {
    use graph_phone_client::{
        AuthenticationPhoneType, GraphClientBuilder, GraphError, ItemError, Key, Patch,
        PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneNumberError, Query,
    };
    fn errors(
        _: Option<Error>,
        _: Option<GraphError>,
        _: Option<ItemError>,
        _: Option<TokenError>,
        _: Option<PhoneNumberError>,
    ) {
    }
    errors(None, None, None, None, None);
    let _: fn(Cloud) -> GraphClientBuilder = GraphClient::builder;
    fn key(k: &impl Key) -> &str {
        k.as_key()
    }
    assert_eq!(key(&"abc"), "abc");
    let update = PhoneAuthenticationMethodUpdate::default()
        .with_phone_number(Patch::from("+1 2065550100"))
        .with_phone_type(AuthenticationPhoneType::Office);
    assert_eq!(update.phone_number, Patch::Value("+1 2065550100".into()));
    let create =
        PhoneAuthenticationMethodCreate::new("+1 2065550100", AuthenticationPhoneType::Mobile);
    assert_eq!(create.phone_type, AuthenticationPhoneType::Mobile);
    assert_eq!(Query::new().top(5).top_param(), Some(5));
    let number = graph_phone_client::PhoneNumber::parse("12065550100");
    let _: Option<PhoneNumberError> = number.err();
}
