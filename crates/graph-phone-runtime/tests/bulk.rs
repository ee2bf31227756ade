//! `Bulk` over real HTTP against a local `$batch` server: each item's own `Retry-After`,
//! whole-batch failures with and without creates, the retry limits, and the adaptive
//! window and batch size. No assertion is on a duration's upper bound: a slow machine only
//! waits longer.

mod batch_server;
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use batch_server::{BatchServer, ItemReply, WholeReply};
use common::{CREATE, GET, fast_policy, runtime, runtime_with};
use graph_phone_runtime::{
    BatchItem, Bulk, BulkProgress, Error, GraphRuntime, RetryPolicy, Timeouts,
};
use serde_json::{Value, json};

fn get_url(user: usize) -> String {
    format!("/users/u{user}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7")
}

fn create_url(user: usize) -> String {
    format!("/users/u{user}/authentication/phoneMethods")
}

fn get(rt: &GraphRuntime, user: usize) -> BatchItem<Value> {
    BatchItem::new(rt, GET, get_url(user)).unwrap()
}

fn create(rt: &GraphRuntime, user: usize) -> BatchItem<Value> {
    BatchItem::new(rt, CREATE, create_url(user))
        .unwrap()
        .with_body(&json!({"phoneNumber": "+1 2065550100", "phoneType": "mobile"}))
        .unwrap()
}

#[tokio::test]
async fn each_item_waits_for_its_own_retry_after() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    server.item(&get_url(0), [ItemReply::retry_after(429, "0.05")]);
    server.item(&get_url(1), [ItemReply::retry_after(429, "0.6")]);
    server.item(&create_url(2), [ItemReply::retry_after(503, "0.3")]);
    let items = vec![get(&rt, 0), get(&rt, 1), create(&rt, 2), get(&rt, 3)];
    let results = Bulk::new(rt.clone()).run(items).await;
    for (i, r) in results.iter().enumerate() {
        assert!(r.is_ok(), "item {i}: {r:?}");
    }
    for (url, wait) in [
        (get_url(0), Duration::from_millis(50)),
        (get_url(1), Duration::from_millis(600)),
        (create_url(2), Duration::from_millis(300)),
    ] {
        let answered = server.answered(&url);
        assert_eq!(answered.len(), 2, "{url}: throttled once, then sent again");
        assert!(answered[0].1 >= 429 && answered[1].1 == 200);
        let waited = answered[1].0.duration_since(answered[0].0);
        assert!(
            waited >= wait,
            "{url} sent again after {waited:?}, before its Retry-After"
        );
    }
    assert_eq!(
        server.sends(&get_url(3)),
        1,
        "an item answered 200 is not sent again"
    );
    // The item with the shortest wait did not wait for the others.
    let first_retry = server.answered(&get_url(0))[1].0;
    assert!(first_retry < server.answered(&get_url(1))[1].0);
}

#[tokio::test]
async fn a_create_is_sent_again_only_when_graph_said_it_did_not_process_it() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    server.item(&create_url(0), [ItemReply::status(503)]);
    server.item(&create_url(1), [ItemReply::status(504)]);
    server.item(&create_url(2), [ItemReply::retry_after(503, "0")]);
    server.item(&create_url(3), [ItemReply::retry_after(429, "0")]);
    server.item(
        &get_url(4),
        [ItemReply::status(504), ItemReply::status(503)],
    );
    let items = vec![
        create(&rt, 0),
        create(&rt, 1),
        create(&rt, 2),
        create(&rt, 3),
        get(&rt, 4),
    ];
    let results = Bulk::new(rt).run(items).await;
    for (i, status) in [(0, 503), (1, 504)] {
        let e = results[i].as_ref().unwrap_err();
        assert!(
            matches!(e, Error::Graph(g) if g.status == status),
            "{i}: {e:?}"
        );
    }
    assert!(
        results[2].is_ok() && results[3].is_ok() && results[4].is_ok(),
        "{results:?}"
    );
    assert_eq!(server.sends(&create_url(0)), 1);
    assert_eq!(server.sends(&create_url(1)), 1);
    assert_eq!(server.sends(&create_url(2)), 2);
    assert_eq!(server.sends(&create_url(3)), 2);
    assert_eq!(server.sends(&get_url(4)), 3);
}

#[tokio::test]
async fn a_delete_gone_after_an_unknown_outcome_succeeds() {
    static DELETE_OPS: &[graph_phone_runtime::OperationSpec] = &[
        graph_phone_runtime::OperationSpec {
            id: "users.phoneMethods.delete",
            method: "DELETE",
            path_template: "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
            idempotency: graph_phone_runtime::Idempotency::Idempotent,
            success_status: 204,
            clouds: graph_phone_runtime::CloudSet::ALL,
        },
    ];
    let server = BatchServer::start().await;
    let rt = GraphRuntime::builder(graph_phone_runtime::Cloud::Global)
        .base_url(server.base())
        .token_provider(graph_phone_runtime::StaticToken::new(common::TOKEN))
        .operations(DELETE_OPS)
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    let gone = json!({"error": {"code": "itemNotFound", "message": "gone"}});
    let not_found = ItemReply {
        status: 404,
        headers: json!({"content-type": "application/json"}),
        body: Some(gone),
    };
    server.item(&get_url(0), [ItemReply::status(504), not_found.clone()]);
    server.item(
        &get_url(1),
        [ItemReply::retry_after(429, "0"), not_found.clone()],
    );
    server.item(&get_url(2), [not_found]);
    let items: Vec<BatchItem<()>> = (0..3)
        .map(|u| BatchItem::new(&rt, "users.phoneMethods.delete", get_url(u)).unwrap())
        .collect();
    let results = Bulk::new(rt).run(items).await;
    results[0]
        .as_ref()
        .expect("the 504 may have deleted it: the 404 is the delete's own success");
    // After a 429 nothing was applied: the 404 is Graph's answer.
    assert!(
        matches!(&results[1], Err(e) if e.status() == Some(404)),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(&results[2], Err(e) if e.status() == Some(404)),
        "{:?}",
        results[2]
    );
}

#[tokio::test]
async fn a_whole_batch_failure_is_retried_whole_only_when_every_item_may_be() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    let unavailable = || WholeReply {
        status: 503,
        headers: vec![("content-type", "application/json".into())],
        body: json!({"error": {"code": "serviceNotAvailable", "message": "later"}}).to_string(),
    };
    // Without Retry-After Graph may have run it: a batch with a create is not sent again
    // whole; its reads are, in a later batch; the create ends with the 503.
    server.whole(unavailable());
    let results = Bulk::new(rt.clone())
        .run(vec![create(&rt, 0), get(&rt, 1)])
        .await;
    assert!(
        matches!(&results[0], Err(Error::Graph(g)) if g.status == 503 && g.operation == CREATE),
        "{:?}",
        results[0]
    );
    assert!(results[1].is_ok());
    assert_eq!(server.sends(&create_url(0)), 1);
    assert_eq!(server.sends(&get_url(1)), 2);
    // With Retry-After it was not processed: sent again whole, create included.
    let mut with_retry_after = unavailable();
    with_retry_after
        .headers
        .push(("retry-after", "0.05".into()));
    server.whole(with_retry_after);
    let results = Bulk::new(rt.clone())
        .run(vec![create(&rt, 5), get(&rt, 6)])
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.sends(&create_url(5)), 2);
    // A batch of reads only is retried whole by the runtime.
    server.whole(unavailable());
    let results = Bulk::new(rt.clone())
        .run(vec![get(&rt, 7), get(&rt, 8)])
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let batches = server.received();
    let last_two = &batches[batches.len() - 2..];
    assert!(
        last_two.iter().all(|b| b.urls == [get_url(7), get_url(8)]),
        "sent again whole"
    );
}

#[tokio::test]
async fn retries_end_in_throttled_out_of_retries() {
    let server = BatchServer::start().await;
    let rt = runtime_with(
        &server.base(),
        RetryPolicy {
            max_retry_after: Duration::from_secs(2),
            ..fast_policy()
        },
        Timeouts::default(),
    );
    server.item(
        &get_url(0),
        std::iter::repeat_n(ItemReply::retry_after(429, "0"), 10),
    );
    server.item(&get_url(1), [ItemReply::retry_after(429, "30")]);
    let results = Bulk::new(rt.clone())
        .max_attempts(3)
        .run(vec![get(&rt, 0), get(&rt, 1)])
        .await;
    match &results[0] {
        Err(Error::ThrottledOutOfRetries {
            attempts,
            last,
            operation,
            ..
        }) => {
            assert_eq!((*attempts, last.status, operation.as_str()), (3, 429, GET));
            assert_eq!(last.code, "TooManyRequests");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.sends(&get_url(0)), 3);
    // A Retry-After longer than the policy accepts ends the item at once.
    match &results[1] {
        Err(Error::ThrottledOutOfRetries {
            attempts: 1,
            last_retry_after,
            ..
        }) => {
            assert_eq!(*last_retry_after, Some(Duration::from_secs(30)));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn throttling_halves_the_window_then_the_batch_size_and_both_grow_back() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    // Every item's first two sends are throttled (Retry-After 0: no hold).
    for u in 0..40 {
        server.item(
            &get_url(u),
            [
                ItemReply::retry_after(429, "0"),
                ItemReply::retry_after(429, "0"),
            ],
        );
    }
    let seen = Arc::new(Mutex::new(Vec::<BulkProgress>::new()));
    let record = seen.clone();
    let items: Vec<_> = (0..40).map(|u| get(&rt, u)).collect();
    let results = Bulk::new(rt.clone())
        .max_concurrency(1)
        .initial_concurrency(1)
        .max_attempts(5)
        .progress(move |p| record.lock().unwrap().push(p.clone()))
        .run(items)
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let sizes: Vec<usize> = server.received().iter().map(|b| b.urls.len()).collect();
    // One batch in flight: a throttled batch halves the batch size: 20, 10, 5, ...
    assert_eq!(&sizes[..3], &[20, 10, 5], "{sizes:?}");
    let progress = seen.lock().unwrap().clone();
    assert!(progress.iter().all(|p| p.concurrency == 1));
    let smallest = progress.iter().map(|p| p.batch_size).min().unwrap();
    assert!(
        progress.last().unwrap().batch_size > smallest,
        "grows back: {progress:?}"
    );

    // Without throttling the window opens from its initial size.
    let seen = Arc::new(Mutex::new(Vec::<BulkProgress>::new()));
    let record = seen.clone();
    let items: Vec<_> = (100..160).map(|u| get(&rt, u)).collect();
    Bulk::new(rt)
        .max_batch_size(2)
        .initial_concurrency(1)
        .max_concurrency(8)
        .progress(move |p| record.lock().unwrap().push(p.clone()))
        .run(items)
        .await;
    let progress = seen.lock().unwrap().clone();
    assert_eq!(
        progress.first().unwrap().concurrency,
        2,
        "1 + 1/1 after the first batch"
    );
    assert!(progress.iter().map(|p| p.concurrency).max().unwrap() > 2);
    assert!(
        progress
            .iter()
            .all(|p| p.concurrency <= 8 && p.batch_size == 2)
    );
}

#[tokio::test]
async fn a_429_retry_after_holds_every_new_batch() {
    let server = BatchServer::start().await;
    let rt = runtime(&server.base());
    server.item(&get_url(0), [ItemReply::retry_after(429, "0.4")]);
    let items: Vec<_> = (0..3).map(|u| get(&rt, u)).collect();
    let results = Bulk::new(rt)
        .max_batch_size(1)
        .initial_concurrency(1)
        .max_concurrency(1)
        .run(items)
        .await;
    assert!(results.iter().all(Result::is_ok));
    let received = server.received();
    assert_eq!(received.len(), 4);
    let throttled_at = server.answered(&get_url(0))[0].0;
    for later in &received[1..] {
        assert!(
            later.at.duration_since(throttled_at) >= Duration::from_millis(400),
            "a batch went out during the Retry-After"
        );
    }
}
