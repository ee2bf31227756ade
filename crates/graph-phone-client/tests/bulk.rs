//! The bulk path end to end against the emulator with per-item and whole-batch faults:
//! every item ends in exactly one typed result, throttled items are retried in later
//! batches, creates are never applied twice, and the request log shows it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use graph_phone_client::{
    AuthenticationPhoneType, BulkProgress, Error, GraphClient, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneMethodId,
};
use graph_phone_emulator::{
    Emulator, FaultKind, FaultPlan, FaultRule, PhoneMethod, PhoneType, Principal, RequestRecord,
    RetryAfter, RunningEmulator, Tenant, User,
};

mod common;

use common::*;

const APP: &str = "bulk-app";

fn upn(u: usize) -> String {
    format!("bulk{u:04}@contoso.com")
}

fn number(u: usize) -> String {
    format!("+1 5{u:04}00000")
}

/// `users` users without phones (every third one with an office phone) and an application
/// token that may write their methods.
fn tenant(users: usize) -> Tenant {
    let mut tenant = Tenant::default();
    for u in 0..users {
        let mut user = User::new(format!("b0b0b0b0-0000-4000-8000-{u:012}"), upn(u));
        if u % 3 == 0 {
            user.phone_methods
                .push(PhoneMethod::new(PhoneType::Office, number(u)));
        }
        tenant.users.push(user);
    }
    tenant.tokens.insert(
        APP.into(),
        Principal::Application {
            roles: vec!["UserAuthenticationMethod.ReadWrite.All".into()],
            cloud: None,
        },
    );
    tenant
}

async fn start(users: usize, faults: FaultPlan) -> (RunningEmulator, GraphClient) {
    let emu = Emulator::builder()
        .tenant(tenant(users))
        .faults(faults)
        .request_log_capacity(100_000)
        .start()
        .await
        .unwrap();
    let client = client(&emu, APP);
    (emu, client)
}

fn creates(
    client: &GraphClient,
    users: usize,
) -> Vec<graph_phone_client::BatchItem<PhoneAuthenticationMethod>> {
    (0..users)
        .map(|u| {
            client
                .user(upn(u))
                .phone_methods()
                .create_item(&PhoneAuthenticationMethodCreate::new(
                    number(u),
                    AuthenticationPhoneType::Mobile,
                ))
                .unwrap()
        })
        .collect()
}

/// Applied writes per (user id, method, route) in the request log.
fn applied(log: &[RequestRecord]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in log.iter().filter(|r| r.applied) {
        *out.entry((r.user_id.clone().unwrap_or_default(), r.method.clone()))
            .or_default() += 1;
    }
    out
}

fn secs(s: f64) -> Option<RetryAfter> {
    Some(RetryAfter::Seconds(s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_under_throttled_items_applies_every_create_exactly_once() {
    let users = 240;
    let plan = FaultPlan::seeded(11)
        .rule(
            FaultRule::new(
                "POST",
                "phoneMethods",
                FaultKind::TooManyRequests {
                    retry_after: secs(0.02),
                },
            )
            .probability(0.3),
        )
        .rule(
            FaultRule::new(
                "POST",
                "phoneMethods",
                FaultKind::ServiceUnavailable {
                    retry_after: secs(0.01),
                },
            )
            .probability(0.1),
        );
    let (emu, client) = start(users, plan).await;
    let seen = Arc::new(Mutex::new(Vec::<BulkProgress>::new()));
    let record = seen.clone();
    let results = client
        .bulk()
        .progress(move |p| record.lock().unwrap().push(p.clone()))
        .run(creates(&client, users))
        .await;
    assert_eq!(results.len(), users);
    for (u, result) in results.iter().enumerate() {
        let phone = result.as_ref().unwrap_or_else(|e| panic!("user {u}: {e}"));
        // In input order: each result is its own user's.
        assert_eq!(phone.phone_number.as_deref(), Some(number(u).as_str()));
        assert_eq!(phone.id, PhoneMethodId::MOBILE_ID);
    }
    let log = requests(&emu);
    let throttled = log
        .iter()
        .filter(|r| r.batch_item.is_some() && matches!(r.status, Some(429 | 503)))
        .count();
    assert!(throttled > 0, "the faults fired");
    let applied = applied(&log);
    assert_eq!(applied.len(), users, "one user each");
    assert!(applied.values().all(|&n| n == 1), "{applied:?}");
    for u in 0..users {
        let user = emu.handle().user(&upn(u)).unwrap();
        let mobiles = user
            .phone_methods
            .iter()
            .filter(|p| p.phone_type == PhoneType::Mobile)
            .count();
        assert_eq!(mobiles, 1);
    }
    let progress = seen.lock().unwrap();
    let last = progress.last().expect("progress was reported");
    assert_eq!((last.total, last.succeeded, last.failed), (users, users, 0));
    assert!(last.retries > 0 && last.throttled > 0, "{last:?}");
    assert!(
        progress
            .iter()
            .all(|p| p.batch_size <= 20 && p.concurrency >= 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_are_not_sent_again_after_a_504_but_reads_and_deletes_are() {
    let users = 60;
    let plan = FaultPlan::seeded(5)
        .rule(
            FaultRule::new("POST", "phoneMethods", FaultKind::GatewayTimeoutAfterApply)
                .probability(0.4),
        )
        .rule(
            FaultRule::new(
                "GET",
                "phoneMethods/{id}",
                FaultKind::GatewayTimeoutAfterApply,
            )
            .probability(0.4),
        )
        .rule(
            FaultRule::new(
                "DELETE",
                "phoneMethods/{id}",
                FaultKind::GatewayTimeoutAfterApply,
            )
            .probability(0.4),
        );
    let (emu, client) = start(users, plan).await;
    let results = client.bulk().run(creates(&client, users)).await;
    let mut timed_out = 0;
    for result in &results {
        match result {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(graph_status(e).map(|(s, _)| s), Some(504), "{e:?}");
                assert!(
                    matches!(e, Error::Graph(_)),
                    "a create is not retried: {e:?}"
                );
                timed_out += 1;
            }
        }
    }
    assert!(timed_out > 0, "the faults fired");
    let log = requests(&emu);
    let posts = log
        .iter()
        .filter(|r| r.method == "POST" && r.batch_item.is_some())
        .count();
    assert_eq!(posts, users, "every create sent once, 504 or not");
    assert!(applied(&log).values().all(|&n| n == 1));

    // Reads and deletes of the same phones are retried through the 504s and succeed; a
    // delete whose applied attempt was answered 504 succeeds on the 404 of its retry.
    let gets = (0..users)
        .map(|u| {
            client
                .user(upn(u))
                .phone_methods()
                .get_item(PhoneMethodId::Mobile)
                .unwrap()
        })
        .collect();
    for (u, r) in client.bulk().run(gets).await.into_iter().enumerate() {
        let phone = r.unwrap_or_else(|e| panic!("user {u}: {e}"));
        assert_eq!(phone.phone_number.as_deref(), Some(number(u).as_str()));
    }
    let deletes = (0..users)
        .map(|u| {
            client
                .user(upn(u))
                .phone_methods()
                .delete_item(PhoneMethodId::Mobile)
                .unwrap()
        })
        .collect();
    emu.handle().clear_requests();
    for (u, r) in client.bulk().run(deletes).await.into_iter().enumerate() {
        r.unwrap_or_else(|e| panic!("user {u}: {e}"));
        assert!(
            emu.handle()
                .user(&upn(u))
                .unwrap()
                .phone_methods
                .iter()
                .all(|p| p.phone_type != PhoneType::Mobile)
        );
    }
    let log = requests(&emu);
    assert!(
        log.iter()
            .any(|r| r.method == "DELETE" && r.status == Some(404)),
        "some delete was retried after an applied 504"
    );
}

#[tokio::test]
async fn a_lost_batch_holding_a_create_resends_only_its_other_items() {
    let plan = FaultPlan::seeded(1)
        .rule(FaultRule::new("POST", "$batch", FaultKind::DropAfterApply).times(1));
    let (emu, client) = start(3, plan).await;
    let items = vec![
        creates(&client, 2).remove(1).discard(),
        client
            .user(upn(0))
            .phone_methods()
            .get_item(PhoneMethodId::Office)
            .unwrap()
            .discard(),
    ];
    let results = client.bulk().run(items).await;
    let err = results[0].as_ref().unwrap_err();
    match err {
        Error::BatchFailed { operation, source } => {
            assert_eq!(operation, "users_phone_methods_create");
            assert!(!source.is_connect());
        }
        other => panic!("{other:?}"),
    }
    results[1].as_ref().expect("the get is sent again");
    let log = requests(&emu);
    let posts: Vec<_> = log
        .iter()
        .filter(|r| r.method == "POST" && r.batch_item.is_some())
        .collect();
    assert_eq!(posts.len(), 1, "the create was not sent again");
    assert!(posts[0].applied, "and it was applied by the lost batch");
    let gets = log.iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 2);
}

#[tokio::test]
async fn a_batch_refused_whole_with_retry_after_is_sent_again_whole() {
    let plan = FaultPlan::seeded(1).rule(
        FaultRule::new(
            "POST",
            "$batch",
            FaultKind::ServiceUnavailable {
                retry_after: secs(0.02),
            },
        )
        .times(1),
    );
    let (emu, client) = start(4, plan).await;
    let results = client.bulk().run(creates(&client, 4)).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let log = requests(&emu);
    let batches: Vec<_> = log
        .iter()
        .filter(|r| r.route.as_deref() == Some("$batch"))
        .collect();
    assert_eq!(
        batches.len(),
        2,
        "refused once, then sent again: {batches:#?}"
    );
    assert_eq!(batches[0].status, Some(503));
    assert!(applied(&log).values().all(|&n| n == 1));
}

#[tokio::test]
async fn a_batch_lost_on_the_way_ends_its_creates_and_sends_its_reads_again() {
    // Not a failure to connect, so nothing says it was not processed: a batch with a
    // create is not sent again whole, and the create ends with the failure.
    let plan = FaultPlan::seeded(1)
        .rule(FaultRule::new("POST", "$batch", FaultKind::DropBeforeApply).times(1));
    let (emu, client) = start(2, plan).await;
    let results = client.bulk().run(creates(&client, 2)).await;
    for r in &results {
        assert!(matches!(r, Err(Error::BatchFailed { .. })), "{r:?}");
    }
    assert!(requests(&emu).iter().all(|r| !r.applied));
    // A batch of reads only: each read is sent again, knowing it may have run.
    emu.handle().set_faults(
        FaultPlan::seeded(1)
            .rule(FaultRule::new("POST", "$batch", FaultKind::DropBeforeApply).times(1)),
    );
    let gets: Vec<_> = (0..2)
        .map(|u| {
            client
                .user(upn(u))
                .methods()
                .list_page_item(&Default::default())
                .unwrap()
        })
        .collect();
    let results = client.bulk().run(gets).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

/// Updates of the office phone of every user that has one (every third), to a new number.
fn office_updates(client: &GraphClient, users: usize) -> Vec<graph_phone_client::BatchItem<()>> {
    (0..users)
        .filter(|u| u % 3 == 0)
        .map(|u| {
            client
                .user(upn(u))
                .phone_methods()
                .update_item(
                    PhoneMethodId::Office,
                    &PhoneAuthenticationMethodUpdate::default()
                        .with_phone_number(format!("+1 6{u:04}00000")),
                )
                .unwrap()
        })
        .collect()
}

/// Write requests (batch items) in the log per (user id, method): sent, whatever came of it.
fn sent_writes(log: &[RequestRecord]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in log
        .iter()
        .filter(|r| r.batch_item.is_some() && r.method != "GET")
    {
        *out.entry((r.user_id.clone().unwrap_or_default(), r.method.clone()))
            .or_default() += 1;
    }
    out
}

/// Batches whose answer is lost after their items ran: a whole batch cut off after it was
/// processed (`drop-after`, `504-after`), or an item's `drop-after` closing the batch's
/// connection (the items before it stay applied). One batch at a time, so the faults fall
/// on the same requests in both runs.
fn lost_answers() -> FaultPlan {
    FaultPlan::seeded(21)
        .rule(
            FaultRule::new("PATCH", "phoneMethods/{id}", FaultKind::DropAfterApply)
                .probability(0.1),
        )
        .rule(FaultRule::new("POST", "$batch", FaultKind::DropAfterApply).probability(0.15))
        .rule(
            FaultRule::new("POST", "$batch", FaultKind::GatewayTimeoutAfterApply).probability(0.15),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_resend_unknown_off_no_write_is_sent_twice_after_a_lost_answer() {
    let users = 150;
    // By default an idempotent write whose answer was lost is sent again: the log shows
    // some update twice (the behaviour the option changes, unchanged).
    let (emu, client) = start(users, lost_answers()).await;
    let results = bulk_like(&client).run(office_updates(&client, users)).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let twice = sent_writes(&requests(&emu))
        .into_values()
        .filter(|&n| n > 1)
        .count();
    assert!(twice > 0, "the faults made some update go twice");

    // With resend_unknown(false): every update reaches the emulator at most once, and
    // those whose answer was lost end in OutcomeUnknown, with what the send got.
    let (emu, client) = start(users, lost_answers()).await;
    let bulk = bulk_like(&client).resend_unknown(false);
    let updates = office_updates(&client, users);
    let n = updates.len();
    let results = bulk.run(updates).await;
    assert_eq!(results.len(), n);
    let log = requests(&emu);
    let sent = sent_writes(&log);
    assert!(
        sent.values().all(|&n| n == 1),
        "a write went twice: {sent:?}"
    );
    let mut unknown = 0;
    for (k, r) in results.iter().enumerate() {
        let u = k * 3;
        match r {
            Ok(()) => {}
            Err(
                e @ Error::OutcomeUnknown {
                    operation,
                    attempts,
                    source,
                },
            ) => {
                unknown += 1;
                assert_eq!(operation, "users_phone_methods_update");
                assert_eq!(*attempts, 1);
                assert!(
                    matches!(**source, Error::BatchFailed { .. } | Error::Graph(_)),
                    "{source:?}"
                );
                // The message names no user and no number.
                let text = format!("{e} {source} {e:?}");
                assert!(!text.contains(&upn(u)) && !text.contains("+1"), "{text}");
            }
            Err(other) => panic!("user {u}: {other:?}"),
        }
    }
    assert!(unknown > 0, "the faults fired");
    // Every update sent once; those not in the log never left the client, as their
    // batch's connection closed before them.
    assert!(sent.len() <= n && sent.len() >= n - unknown);
    assert!(applied(&log).values().all(|&n| n == 1));
}

/// The same settings as the default run of the test above.
fn bulk_like(client: &GraphClient) -> graph_phone_client::Bulk {
    client.bulk().max_batch_size(5).max_concurrency(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_yields_every_item_exactly_once_with_its_index() {
    let users = 90;
    let plan = FaultPlan::seeded(3).rule(
        FaultRule::new(
            "*",
            "*",
            FaultKind::TooManyRequests {
                retry_after: secs(0.01),
            },
        )
        .probability(0.25),
    );
    let (_emu, client) = start(users, plan).await;
    let mut items = Vec::new();
    for u in 0..users {
        let phones = client.user(upn(u)).phone_methods();
        items.push(if u % 3 == 0 {
            phones.get_item(PhoneMethodId::Office).unwrap().discard()
        } else {
            phones
                .create_item(&PhoneAuthenticationMethodCreate::new(
                    number(u),
                    AuthenticationPhoneType::AlternateMobile,
                ))
                .unwrap()
                .discard()
        });
    }
    let bulk = client.bulk().max_batch_size(7).max_concurrency(3);
    let mut seen = vec![0usize; users];
    let mut stream = std::pin::pin!(bulk.stream(items));
    while let Some((i, result)) = stream.next().await {
        seen[i] += 1;
        // Alternate mobiles need a mobile first: Graph refuses them, a typed error.
        if i % 3 == 0 {
            result.unwrap();
        } else {
            let e = result.unwrap_err();
            assert_eq!(graph_status(&e).map(|(s, _)| s), Some(400), "{e:?}");
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
}

#[tokio::test]
async fn bad_settings_end_every_item_with_an_error_naming_the_setting() {
    let (emu, client) = start(2, FaultPlan::seeded(0)).await;
    for (bulk, field) in [
        (client.bulk().max_batch_size(0), "max_batch_size"),
        (client.bulk().max_batch_size(21), "max_batch_size"),
        (client.bulk().max_concurrency(0), "max_concurrency"),
        (client.bulk().max_attempts(0), "max_attempts"),
    ] {
        let results = bulk.run(creates(&client, 2)).await;
        assert_eq!(results.len(), 2);
        for r in results {
            assert!(
                matches!(&r, Err(Error::InvalidInput { field: f, .. }) if *f == field),
                "{r:?}"
            );
        }
    }
    assert!(requests(&emu).is_empty());
    assert!(
        client
            .bulk()
            .run(Vec::<graph_phone_client::BatchItem<()>>::new())
            .await
            .is_empty()
    );
}
