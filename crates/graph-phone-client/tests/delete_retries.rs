//! Regression tests for what the soak (`tests/soak/`) found: a delete whose first attempt
//! was applied but not answered (504 after applying, connection dropped after applying) was
//! retried, the retry answered 404 `itemNotFound`, and the caller got that 404 for a phone
//! its own call had deleted.

use graph_phone_client::PhoneMethodId;
use graph_phone_emulator::{FaultKind, FaultRule, PhoneType};

mod common;

use common::*;

async fn delete_after(fault: FaultKind) {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    emu.handle()
        .add_fault(FaultRule::new("DELETE", "phoneMethods/{id}", fault.clone()).times(1));
    app.user(ALICE)
        .phone_methods()
        .delete(PhoneMethodId::AlternateMobile)
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", fault.name()));
    let alice = emu.handle().user(ALICE).unwrap();
    assert!(alice.phone(PhoneType::AlternateMobile).is_none());
    // Two attempts of one call: the first applied and unanswered, the second a 404.
    let log = requests(&emu);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].client_request_id, log[1].client_request_id);
    assert!(log[0].applied);
    assert_eq!(log[0].fault.as_deref(), Some(fault.name()));
    assert!(!log[1].applied);
    assert_eq!(log[1].status, Some(404));
}

#[tokio::test]
async fn a_delete_applied_before_a_504_succeeds() {
    delete_after(FaultKind::GatewayTimeoutAfterApply).await;
}

#[tokio::test]
async fn a_delete_applied_before_a_dropped_connection_succeeds() {
    delete_after(FaultKind::DropAfterApply).await;
}

#[tokio::test]
async fn a_delete_of_a_missing_phone_is_a_404_unless_an_attempt_may_have_applied() {
    let emu = emulator(None).await;
    let app = client(&emu, "app-rw");
    let phones = app.user("bob@contoso.com").phone_methods();
    let err = phones.delete(PhoneMethodId::Mobile).await.unwrap_err();
    assert_eq!(graph_status(&err), Some((404, "itemNotFound".into())));
    // After a throttling answer (nothing was processed) the retry's 404 stands.
    emu.handle().add_fault(
        FaultRule::new(
            "DELETE",
            "phoneMethods/{id}",
            FaultKind::TooManyRequests { retry_after: None },
        )
        .times(1),
    );
    let err = phones.delete(PhoneMethodId::Mobile).await.unwrap_err();
    assert_eq!(graph_status(&err), Some((404, "itemNotFound".into())));
    // A connection dropped before anything was applied looks, to the client, exactly like
    // one dropped after: the retry's 404 then means "already gone" as well. The phone does
    // not exist either way, which is what the caller asked for.
    emu.handle().add_fault(
        FaultRule::new("DELETE", "phoneMethods/{id}", FaultKind::DropBeforeApply).times(1),
    );
    phones.delete(PhoneMethodId::Mobile).await.unwrap();
    assert!(
        emu.handle()
            .user("bob@contoso.com")
            .unwrap()
            .phone(PhoneType::Mobile)
            .is_none()
    );
}
