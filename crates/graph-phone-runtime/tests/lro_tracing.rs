//! Captured tracing output of a long-running operation: ids and states, never the password
//! of the 202's body, the token or the user id in the `Location`. Its own test binary with a
//! global subscriber, so no other test's thread can race the callsite registration.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Reply, TOKEN, TestServer};
use graph_phone_runtime::{
    Cloud, CloudSet, GraphRuntime, Idempotency, OperationSpec, OperationState, StaticToken,
};
use serde_json::Value;

static TABLE: &[OperationSpec] = &[
    OperationSpec {
        id: "users_methods_reset_password",
        method: "POST",
        path_template: "/users/{user-id}/authentication/methods/{authenticationMethod-id}/resetPassword",
        idempotency: Idempotency::NonIdempotent,
        success_status: 202,
        clouds: CloudSet::ALL,
    },
    OperationSpec {
        id: "users_operations_get",
        method: "GET",
        path_template: "/users/{user-id}/authentication/operations/{longRunningOperation-id}",
        idempotency: Idempotency::Idempotent,
        success_status: 200,
        clouds: CloudSet::ALL,
    },
];

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn tracing_of_an_operation_shows_ids_never_the_password_token_or_user() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = TestServer::start().await;
    let user = "kim@contoso.com";
    let op_id = "77bafe36-3ac0-4f89-96e4-a4a5a48da851";
    let location = format!(
        "{}/users/{user}/authentication/operations/{op_id}?aadgdc=DUB02P",
        server.base()
    );
    server.push(
        Reply::json(202, r#"{"newPassword":"Generated-Secret-9911"}"#)
            .header("location", location.as_str())
            .header("retry-after", "0"),
    );
    server.push(Reply::json(200, r#"{"status":"running"}"#).header("retry-after", "0"));
    server.push(Reply::json(200, r#"{"status":"succeeded"}"#));
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(TABLE)
        .build()
        .unwrap();
    let body = serde_json::json!({"newPassword": "Caller-Secret-4242"});
    let request = rt
        .operation_request(
            "users_methods_reset_password",
            &[user, "28c10230-6103-485e-b985-444c60001490"],
            Some(&body),
        )
        .unwrap();
    let accepted = rt
        .start_operation::<Value>(request, "users_methods_reset_password")
        .await
        .unwrap();
    let options = graph_phone_runtime::PollOptions::default()
        .min_interval(std::time::Duration::from_millis(1));
    let done = rt
        .poll_operation_with(&accepted, "users_operations_get", &options, |v: &Value| {
            OperationState::from_status(v["status"].as_str(), None)
        })
        .await
        .unwrap();
    assert_eq!(done.ids.polls, 2);

    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("long-running operation accepted"), "{text}");
    assert!(text.contains("long-running operation polled"), "{text}");
    assert!(text.contains(op_id), "the operation id is logged: {text}");
    for secret in [
        "Generated-Secret-9911",
        "Caller-Secret-4242",
        TOKEN,
        user,
        "aadgdc",
    ] {
        assert!(!text.contains(secret), "{secret} logged: {text}");
    }
}
