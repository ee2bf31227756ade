//! resetPassword end to end through the generated client and the emulator: the action with
//! its optional `newPassword` (a generated request body type), Graph's `202 Accepted` with a
//! `Location` under `authentication/operations`, polled to `succeeded` or `failed`
//! (https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword). Polls wait on
//! a virtual clock, except in the one-call test, which waits the emulator's `Retry-After`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use graph_phone_client::{
    Error, LongRunningOperationStatus, OperationState, PasswordResetResponse, PollClock,
    PollOptions, ResetPasswordRequest,
};
use graph_phone_emulator::{Emulator, FaultPlan, RunningEmulator, Tenant};
use serde_json::json;

mod common;

use common::*;

/// The fixed id of every user's password method (the page's example).
const PASSWORD_METHOD: &str = "28c10230-6103-485e-b985-444c60001490";
/// Authentication Administrator and Privileged Authentication Administrator of the example
/// tenant, with `UserAuthenticationMethod.ReadWrite.All`.
const ADMIN: &str = "carol-admin";
const PRIVILEGED: &str = "dave-priv";
const CHOSEN: &str = "Xk4!rT9#qLm2";

#[derive(Debug)]
struct VirtualClock {
    start: Instant,
    elapsed: Mutex<Duration>,
}

impl PollClock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().unwrap()
    }
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        *self.elapsed.lock().unwrap() += duration;
        Box::pin(std::future::ready(()))
    }
}

fn virtual_time() -> PollOptions {
    PollOptions::default().clock(Arc::new(VirtualClock {
        start: Instant::now(),
        elapsed: Mutex::new(Duration::ZERO),
    }))
}

async fn emulator_with(faults: &str) -> RunningEmulator {
    Emulator::builder()
        .tenant(Tenant::example())
        .faults(FaultPlan::parse(faults).unwrap())
        .start()
        .await
        .unwrap()
}

fn with_password(password: &str) -> ResetPasswordRequest {
    let mut body = ResetPasswordRequest::default();
    body.new_password = Some(password.to_owned());
    body
}

fn routes(emu: &RunningEmulator) -> Vec<(String, String, Option<u16>)> {
    requests(emu)
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.route.clone().unwrap_or_default(),
                r.status,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_reset_without_new_password_returns_the_generated_one_and_succeeds() {
    let emu = emulator(None).await;
    let methods = client(&emu, ADMIN).user(ALICE_ID).methods();
    let accepted = methods
        .reset_password_start(PASSWORD_METHOD, &ResetPasswordRequest::default())
        .await
        .unwrap();
    let generated = accepted
        .body()
        .and_then(|b| b.new_password.clone())
        .expect("the 202 carries the generated password");
    assert!(generated.len() >= 8);
    // Neither the 202 nor its typed body print the password.
    assert!(!format!("{accepted:?}").contains(&generated));
    assert!(!format!("{:?}", accepted.body()).contains(&generated));

    let done = methods
        .reset_password_poll_with(&accepted, &virtual_time())
        .await
        .unwrap();
    assert_eq!(
        done.result.status,
        Some(LongRunningOperationStatus::Succeeded)
    );
    assert_eq!(Some(done.result.id.as_str()), accepted.operation_id());
    assert_eq!(done.ids.operation, "users_methods_reset_password");
    assert_eq!(done.ids.polls, 3);
    // One reset (the body without newPassword), then the operation read until succeeded.
    let seen = routes(&emu);
    assert_eq!(
        seen[0],
        (
            "POST".into(),
            "methods/{id}/resetPassword".into(),
            Some(202)
        )
    );
    assert!(
        seen[1..]
            .iter()
            .all(|r| r == &("GET".into(), "operations/{id}".into(), Some(200))),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_reset_with_new_password_is_sent_and_checked_by_the_service() {
    let emu = emulator(None).await;
    let methods = client(&emu, PRIVILEGED).user(ALICE).methods();
    let accepted = methods
        .reset_password_start(PASSWORD_METHOD, &with_password(CHOSEN))
        .await
        .unwrap();
    // With newPassword, Graph's example answers `{}`: nothing generated.
    assert_eq!(accepted.body().and_then(|b| b.new_password.as_ref()), None);
    let done = methods
        .reset_password_poll_with(&accepted, &virtual_time())
        .await
        .unwrap();
    assert_eq!(
        done.result.status,
        Some(LongRunningOperationStatus::Succeeded)
    );

    // The body reached the service: a password its policy refuses is its 400, and neither
    // the error nor the request body's Debug show the password.
    let weak = "abc";
    let err = methods
        .reset_password_start(PASSWORD_METHOD, &with_password(weak))
        .await
        .unwrap_err();
    assert_eq!(graph_status(&err).map(|s| s.0), Some(400), "{err:?}");
    let body = with_password(CHOSEN);
    assert!(!format!("{body:?}").contains(CHOSEN));
    assert!(format!("{body:?}").contains("new_password"));
}

#[tokio::test]
async fn a_failed_operation_is_the_typed_error() {
    let emu = emulator_with("POST methods/{id}/resetPassword operation-fails").await;
    let methods = client(&emu, ADMIN).user(ALICE_ID).methods();
    let accepted = methods
        .reset_password_start(PASSWORD_METHOD, &with_password(CHOSEN))
        .await
        .unwrap();
    let err = methods
        .reset_password_poll_with(&accepted, &virtual_time())
        .await
        .unwrap_err();
    let Error::OperationFailed { ids, status_detail } = &err else {
        panic!("{err:?}");
    };
    assert!(status_detail.as_deref().is_some_and(|d| !d.is_empty()));
    assert_eq!(ids.operation_id.as_deref(), accepted.operation_id());
    assert!(!err.to_string().contains(CHOSEN));
}

#[tokio::test]
async fn the_one_call_method_starts_and_polls() {
    let emu = emulator(None).await;
    let finished = client(&emu, ADMIN)
        .user(ALICE_ID)
        .methods()
        .reset_password(PASSWORD_METHOD, &ResetPasswordRequest::default())
        .await
        .unwrap();
    let generated = finished
        .accepted
        .as_ref()
        .and_then(|b| b.new_password.clone())
        .expect("generated password");
    assert_eq!(
        OperationState::from_status(finished.result.status.as_ref().map(|s| s.as_str()), None),
        OperationState::Succeeded
    );
    assert!(!format!("{finished:?}").contains(&generated));
}

#[tokio::test]
async fn a_reset_of_ones_own_password_and_of_another_method_are_refused() {
    let emu = emulator(None).await;
    // The page: "cannot be performed on a user's own account"; /me is in the metadata only.
    let err = client(&emu, "alice-rw")
        .me()
        .methods()
        .reset_password_start(PASSWORD_METHOD, &ResetPasswordRequest::default())
        .await
        .unwrap_err();
    assert_eq!(graph_status(&err), Some((403, "accessDenied".into())));
    // Only the password method can be reset; a bad id is refused before sending.
    let methods = client(&emu, ADMIN).user(ALICE_ID).methods();
    let err = methods
        .reset_password_start("..", &ResetPasswordRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(requests(&emu).len(), 1);
}

/// The page's two examples
/// (microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/authenticationmethod-resetpassword.md):
/// the request body of example 1 is what the generated body type writes, and both 202 bodies
/// (`{}`, and the generated password with its `@odata.context`) read as
/// `PasswordResetResponse`, the password redacted in `Debug`.
#[test]
fn the_documentation_examples_read_and_write_as_the_page_shows() {
    assert_eq!(
        serde_json::to_value(with_password("Cuyo5459")).unwrap(),
        json!({"newPassword": "Cuyo5459"})
    );
    // Example 2 sends no parameter: an empty object (newPassword is optional).
    assert_eq!(
        serde_json::to_value(ResetPasswordRequest::default()).unwrap(),
        json!({})
    );
    let empty: PasswordResetResponse = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.new_password, None);
    let generated: PasswordResetResponse = serde_json::from_value(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordResetResponse",
        "newPassword": "Cuyo5459"
    }))
    .unwrap();
    assert_eq!(generated.new_password.as_deref(), Some("Cuyo5459"));
    assert!(
        generated
            .additional_properties
            .contains_key("@odata.context")
    );
    assert!(!format!("{generated:?}").contains("Cuyo5459"));
}
