//! No token or personal data in `Debug` output, errors or traces. Alone in its test binary:
//! it installs a tracing subscriber, which other tests running on other threads would race
//! with (tracing caches callsite interest process-wide).

mod common;

use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use graph_phone_client::{AuthenticationPhoneType, PhoneAuthenticationMethodCreate, Query};
use graph_phone_emulator::{FaultKind, FaultRule, RetryAfter};

use common::*;

/// Captures tracing output of the current thread.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_pii_in_debug_errors_or_traces() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = emulator(Some(1)).await;
    emu.handle().add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(0.05)),
            },
        )
        .times(1),
    );
    let app = client(&emu, "app-rw");
    let phones = app.user(ALICE).phone_methods();
    let items: Vec<_> = phones.list().try_collect().await.unwrap();
    let mut shown = format!("{items:?} {:?} {:?}", app, phones);
    // An error that echoes input: creating a second mobile for alice.
    let err = phones
        .create(&PhoneAuthenticationMethodCreate::new(
            "+1 2065550177",
            AuthenticationPhoneType::Mobile,
        ))
        .await
        .unwrap_err();
    assert!(
        err.status().is_some_and(|s| (400..500).contains(&s)),
        "{err:?}"
    );
    shown.push_str(&format!("{err} {err:?}"));
    let err = client(&emu, "app-rw")
        .user("secret.person@contoso.com")
        .phone_methods()
        .list_page(&Query::new())
        .await
        .unwrap_err();
    shown.push_str(&format!("{err} {err:?}"));
    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("users_phone_methods_list"),
        "traces name the operation: {traces}"
    );
    for secret in [
        "app-rw",
        ALICE,
        ALICE_MOBILE,
        "2065550100",
        "2065550101",
        "2065550177",
        "secret.person",
    ] {
        assert!(!shown.contains(secret), "{secret} in Debug/errors: {shown}");
        assert!(!traces.contains(secret), "{secret} in traces: {traces}");
    }
}
