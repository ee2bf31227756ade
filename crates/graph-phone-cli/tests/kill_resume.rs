//! The kill-and-resume test: `graph-phone apply` killed (SIGKILL) at random points, at
//! least 10 times, and run again each time with the same journal, ends with every user as
//! desired and no write applied twice, checked against the emulator's request log.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{command, temp_dir};
use graph_phone_emulator::{
    Emulator, PhoneMethod, PhoneType, Principal, RequestRecord, SmsSignInState, Tenant, User,
};

const USERS: usize = 90;
/// Runs killed before the last, uninterrupted one.
const KILLS: usize = 10;
/// The most runs the test starts (a run that finishes before its kill point does not count
/// as a kill).
const MAX_RUNS: usize = 200;

/// Three kinds of user, by index: `0` has nothing and gets three phones and SMS sign-in;
/// `1` has an old mobile and an office phone and gets a new mobile number, an alternate
/// mobile and no office phone; `2` is already as desired.
fn kind(i: usize) -> usize {
    i % 3
}

fn upn(i: usize) -> String {
    format!("user{i:02}@contoso.com")
}

fn id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn number(i: usize, which: u32) -> String {
    format!("+1 425555{:02}{which:02}", i)
}

fn tenant() -> Tenant {
    let mut tenant = Tenant::default();
    for i in 0..USERS {
        let mut user = User::new(id(i), upn(i));
        user.policy.sms_sign_in_enabled = true;
        match kind(i) {
            1 => {
                user.phone_methods = vec![
                    PhoneMethod::new(PhoneType::Mobile, number(i, 9)),
                    PhoneMethod::new(PhoneType::Office, number(i, 8)),
                ];
            }
            2 => {
                user.phone_methods = vec![PhoneMethod::new(PhoneType::Mobile, number(i, 1))];
            }
            _ => {}
        }
        tenant.users.push(user);
    }
    tenant.tokens.insert(
        "app-rw".into(),
        Principal::application(&["UserAuthenticationMethod.ReadWrite.All"]),
    );
    tenant
}

fn desired_csv() -> String {
    let mut csv = String::from("user,mobile,alternateMobile,office,smsSignIn\n");
    for i in 0..USERS {
        let row = match kind(i) {
            0 => format!(
                "{},{},{},{},enabled\n",
                upn(i),
                number(i, 1),
                number(i, 2),
                number(i, 3)
            ),
            1 => format!("{},{},{},,\n", upn(i), number(i, 1), number(i, 2)),
            _ => format!("{},{},,,\n", upn(i), number(i, 1)),
        };
        csv.push_str(&row);
    }
    csv
}

/// The writes of one user in the request log, by kind: `create`, `update`, `delete`,
/// `enable`, `disable`.
fn writes_by_kind(log: &[RequestRecord], user: &str) -> BTreeMap<&'static str, Vec<RequestRecord>> {
    let mut by = BTreeMap::new();
    for r in log.iter().filter(|r| r.user_id.as_deref() == Some(user)) {
        let route = r.route.as_deref().unwrap_or("");
        let k = match (r.method.as_str(), route) {
            ("GET", _) => continue,
            ("POST", "phoneMethods") => "create",
            ("PATCH", _) => "update",
            ("DELETE", _) => "delete",
            ("POST", r) if r.ends_with("enableSmsSignIn") => "enable",
            ("POST", r) if r.ends_with("disableSmsSignIn") => "disable",
            (m, r) => panic!("unexpected write {m} {r}"),
        };
        by.entry(k).or_insert_with(Vec::new).push(r.clone());
    }
    by
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_at_random_points_resumes_to_the_desired_state_without_a_repeated_write() {
    let seed = std::env::var("KILL_RESUME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("kill-and-resume seed {seed} (KILL_RESUME_SEED to repeat)");
    let mut rng = fastrand::Rng::with_seed(seed);

    let emu = Emulator::builder()
        .tenant(tenant())
        .start()
        .await
        .expect("the emulator starts");
    let h = emu.handle();
    let dir = temp_dir("kill-resume");
    let file = dir.join("desired.csv");
    std::fs::write(&file, desired_csv()).unwrap();
    let journal = dir.join("apply.journal");

    // Small batches, of a random size per run, so that kills fall between batches too.
    let start = |cmd: &mut tokio::process::Command, batch_size: usize| {
        cmd.env("GRAPH_PHONE_TOKEN", "app-rw")
            .arg("--base-url")
            .arg(emu.base_url())
            .arg("apply")
            .arg(&file)
            .arg("--journal")
            .arg(&journal)
            .arg("--concurrency")
            .arg("2")
            .arg("--batch-size")
            .arg(batch_size.to_string())
            .spawn()
            .expect("graph-phone starts")
    };

    let mut kills = 0;
    let mut runs = 0;
    while kills < KILLS {
        runs += 1;
        assert!(runs <= MAX_RUNS, "{kills} kills in {MAX_RUNS} runs");
        let logged = h.requests().len();
        // Kill after a random number of new log entries: a quarter while reading (every run
        // first reads every user, in batches of `batch_size` items: one log entry per item
        // and one per batch), the rest among the writes (between batches, or with a batch
        // in flight).
        let batch_size = rng.usize(1..=4);
        let reads = USERS + USERS.div_ceil(batch_size);
        let kill_after = if rng.u8(0..4) == 0 {
            rng.usize(1..=reads)
        } else {
            reads + rng.usize(1..=40)
        };
        let mut child = start(&mut command(), batch_size);
        let mut killed = false;
        // Bounded: 60 s of 2 ms polls.
        for _ in 0..30_000 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if h.requests().len() >= logged + kill_after {
                child.start_kill().unwrap();
                killed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .expect("graph-phone ends")
            .unwrap();
        let new = &h.requests()[logged..];
        let new_writes = new
            .iter()
            .filter(|r| r.method != "GET" && r.user_id.is_some())
            .count();
        eprintln!(
            "run {runs}: {} after {} new log entries ({new_writes} writes)",
            if killed { "killed" } else { "ended" },
            new.len()
        );
        if killed && status.code().is_none() {
            kills += 1;
        }
    }

    // The last run, not interrupted: every user as desired, the report covering every run.
    let mut cmd = command();
    cmd.env("GRAPH_PHONE_TOKEN", "app-rw").args([
        "--json",
        "--base-url",
        &emu.base_url(),
        "apply",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ]);
    let out = common::output(cmd).await;
    assert_eq!(out.code, 0, "seed {seed}: {out:?}");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // Every run that got as far as its first request is in the journal (a run killed while
    // writing its first record may not be).
    let recorded = report["runs"].as_array().unwrap().len();
    assert!(
        (kills + 1..=runs + 1).contains(&recorded),
        "seed {seed}: {recorded} runs in the journal, {runs} started, {kills} killed"
    );
    let users = report["users"].as_array().unwrap();
    assert_eq!(users.len(), USERS);

    let log = h.requests();
    assert_eq!(h.dropped_requests(), 0, "the request log overflowed");
    for (i, entry) in users.iter().enumerate() {
        let user = h.user(&upn(i)).unwrap();
        let phone = |t: PhoneType| user.phone(t).map(|p| p.phone_number.clone());
        let writes = writes_by_kind(&log, &id(i));
        let applied = |k: &str| {
            writes
                .get(k)
                .map_or(0, |w| w.iter().filter(|r| r.applied).count())
        };
        let applied_in_log: usize = writes
            .values()
            .map(|w| w.iter().filter(|r| r.applied).count())
            .sum();
        // The report (users in input order) covers every run: each write the log shows
        // applied is among the writes it confirmed or those an interrupted run sent.
        let outcome = entry["outcome"]["outcome"].as_str().unwrap();
        assert!(
            matches!(outcome, "applied" | "unchanged"),
            "seed {seed}: user {i}: {entry}"
        );
        let confirmed = entry["applied"].as_array().unwrap().len();
        let unconfirmed = entry["unconfirmed"].as_array().unwrap().len();
        assert!(
            (confirmed..=confirmed + unconfirmed).contains(&applied_in_log),
            "seed {seed}: user {i}: {applied_in_log} writes applied, report {entry}"
        );
        if kind(i) == 2 {
            assert_eq!(outcome, "unchanged", "seed {seed}: user {i}: {entry}");
        } else if outcome == "unchanged" {
            // The library reports a user whose every write was sent by interrupted runs
            // (all of them in `unconfirmed`) as unchanged; said here, not failed on.
            eprintln!(
                "note: user {i} reported unchanged after {applied_in_log} write(s) by \
                 interrupted runs"
            );
        }
        // No write Graph refused: a create repeated for a type the user has, a delete of a
        // phone already deleted, would be (400 or 404).
        for (k, records) in &writes {
            for r in records {
                assert!(
                    r.status.is_none_or(|s| s < 400),
                    "seed {seed}: user {i}: {k} answered {:?}",
                    r.status
                );
            }
        }
        match kind(i) {
            0 => {
                assert_eq!(phone(PhoneType::Mobile), Some(number(i, 1)), "seed {seed}");
                assert_eq!(phone(PhoneType::AlternateMobile), Some(number(i, 2)));
                assert_eq!(phone(PhoneType::Office), Some(number(i, 3)));
                let mobile = user.phone(PhoneType::Mobile).unwrap();
                assert_eq!(
                    mobile.state(),
                    SmsSignInState::Ready,
                    "seed {seed}: user {i}"
                );
                // One create per phone (a request cut off before the emulator applied it
                // may be sent again: that is no repeated write).
                assert_eq!(applied("create"), 3, "seed {seed}: user {i}: {writes:?}");
                // At most one enable: a mobile added while the policy allows SMS sign-in
                // is registered for it by the create itself, so none may be needed.
                assert!(
                    applied("enable") <= 1,
                    "seed {seed}: user {i}: enabled twice: {writes:?}"
                );
                assert_eq!(
                    applied("update") + applied("delete") + applied("disable"),
                    0
                );
            }
            1 => {
                assert_eq!(phone(PhoneType::Mobile), Some(number(i, 1)), "seed {seed}");
                assert_eq!(phone(PhoneType::AlternateMobile), Some(number(i, 2)));
                assert_eq!(phone(PhoneType::Office), None);
                // One update, one create, one delete: none applied twice (an update sent
                // again with the same number would be applied again).
                assert_eq!(
                    (applied("update"), applied("create"), applied("delete")),
                    (1, 1, 1),
                    "seed {seed}: user {i}: {writes:?}"
                );
            }
            _ => {
                assert_eq!(phone(PhoneType::Mobile), Some(number(i, 1)));
                assert!(
                    writes.is_empty(),
                    "seed {seed}: user {i} is unchanged: {writes:?}"
                );
            }
        }
    }
    eprintln!("{kills} kills in {runs} runs");
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}
