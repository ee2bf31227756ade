//! The request log is in the order requests finished (answered or dropped), not the order
//! they arrived: a request held back by a `latency` fault is recorded after a later one.
//! (Found while building the client's soak: the docs said "arrival order".) Changes are
//! applied before their record is written, so for one client sending one request after
//! another the log order is also the order of the changes.

mod support;

use std::time::Duration;

use graph_phone_emulator::{Emulator, FaultKind, FaultRule, Tenant};

#[tokio::test]
async fn the_log_is_in_the_order_requests_finished() {
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .unwrap();
    emu.handle().add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods",
            FaultKind::Latency(Duration::from_secs(2)),
        )
        .times(1),
    );
    let http = support::http_client();
    let get = |route: &'static str, crid: &'static str| {
        let request = http
            .get(format!("{}/me/authentication/{route}", emu.base_url()))
            .bearer_auth("alice-read")
            .header("client-request-id", crid);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // The second request has about two seconds to overtake the first: generous, not a
    // measurement.
    let slow = tokio::spawn(get("phoneMethods", "first-to-arrive"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(get("emailMethods", "second-to-arrive").await, 200);
    assert_eq!(slow.await.unwrap(), 200);
    let log = emu.handle().requests();
    let order: Vec<(u64, Option<&str>)> = log
        .iter()
        .map(|r| (r.seq, r.client_request_id.as_deref()))
        .collect();
    assert_eq!(
        order,
        [(1, Some("second-to-arrive")), (2, Some("first-to-arrive"))]
    );
}
