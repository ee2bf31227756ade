//! The new password of a reset is a secret: everything the emulator and the runtime log
//! (at every level), the request log, `Debug` output and the state hold no trace of it,
//! neither the caller's nor the generated one. Its own test binary with a global subscriber.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graph_phone_emulator::{Emulator, Tenant};
use graph_phone_runtime::{
    Cloud, CloudSet, GraphRuntime, Idempotency, OperationSpec, OperationState, PollOptions,
    StaticToken,
};
use serde_json::{Value, json};

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
async fn no_log_record_or_debug_output_holds_a_new_password() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let _ = support::http_client();

    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .unwrap();
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url(emu.base_url())
        .token_provider(StaticToken::new("carol-admin"))
        .operations(TABLE)
        .build()
        .unwrap();
    let given = "Given-Secret-7319";
    let mut generated = Vec::new();
    for body in [Some(json!({"newPassword": given})), None] {
        let request = rt
            .operation_request(
                "users_methods_reset_password",
                &["alice@contoso.com", "28c10230-6103-485e-b985-444c60001490"],
                body.as_ref(),
            )
            .unwrap();
        let accepted = rt
            .start_operation::<Value>(request, "users_methods_reset_password")
            .await
            .unwrap();
        if let Some(p) = accepted.body().and_then(|b| b["newPassword"].as_str()) {
            generated.push(p.to_owned());
        }
        let debug = format!("{accepted:?}");
        assert!(!debug.contains(given), "{debug}");
        assert!(
            generated.iter().all(|p| !debug.contains(p.as_str())),
            "{debug}"
        );
        let options = PollOptions::default()
            .min_interval(Duration::from_millis(1))
            .max_interval(Duration::from_millis(1));
        rt.poll_operation_with(&accepted, "users_operations_get", &options, |v: &Value| {
            OperationState::from_status(v["status"].as_str(), v["statusDetail"].as_str())
        })
        .await
        .unwrap();
    }
    assert_eq!(generated.len(), 1, "one reset without a password");
    // A refused reset (too weak) quotes nothing either.
    let request = rt
        .operation_request(
            "users_methods_reset_password",
            &["alice@contoso.com", "28c10230-6103-485e-b985-444c60001490"],
            Some(&json!({"newPassword": "weakweakweak"})),
        )
        .unwrap();
    let err = rt
        .start_operation::<Value>(request, "users_methods_reset_password")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("password reset accepted"), "{logs}");
    assert!(logs.contains("long-running operation polled"), "{logs}");
    let record = format!("{:?}", emu.handle().requests());
    let state = serde_json::to_string(&emu.handle().tenant()).unwrap();
    let tenant_debug = format!("{:?}", emu.handle().tenant());
    let error = format!("{err} {err:?}");
    let secrets = [given, "weakweakweak", generated[0].as_str()];
    for (what, text) in [
        ("logs", &logs),
        ("request log", &record),
        ("state", &state),
        ("tenant Debug", &tenant_debug),
        ("error", &error),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} holds a password: {text}");
        }
    }
}
