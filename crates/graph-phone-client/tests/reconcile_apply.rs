//! `reconcile::apply` and `reconcile::read_plans` against the in-process emulator: writes
//! only where needed, idempotence, runs aborted at many points and resumed (checked against
//! the emulator's request log for repeated writes), faults, and the per-user refusals Graph
//! documents (a default MFA method's delete, a mobile number not unique for SMS sign-in).

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use graph_phone_client::GraphClient;
use graph_phone_client::reconcile::{
    ApplyOptions, DesiredPhones, Outcome, Phase, ReadOptions, Report, SmsSignIn, Step, UserKey,
    apply, read_plans,
};
use graph_phone_emulator::{
    DefaultMfaMethod, Emulator, FaultPlan, PhoneMethod, PhoneType, Principal, RequestRecord,
    RunningEmulator, SmsSignInState, Tenant, User,
};

const TOKEN: &str = "app-rw";

/// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn upn(i: usize) -> String {
    format!("user{i:03}@contoso.com")
}

fn object_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// A number unique to user `i` and variant `v`.
fn number(i: usize, v: u64) -> String {
    format!("+1 555{i:04}{v:03}")
}

/// A tenant of `n` users in random starting states (every user enabled for SMS sign-in,
/// no default MFA method), and a random desired state for each.
fn campaign(seed: u64, n: usize) -> (Tenant, Vec<(UserKey, DesiredPhones)>) {
    let mut rng = Rng::new(seed);
    let mut tenant = Tenant::default();
    tenant.tokens.insert(
        TOKEN.into(),
        Principal::application(&["UserAuthenticationMethod.ReadWrite.All"]),
    );
    let mut desired = Vec::new();
    for i in 0..n {
        let mut user = User::new(object_id(i), upn(i));
        user.policy.sms_sign_in_enabled = true;
        if rng.chance(60) {
            user.phone_methods
                .push(PhoneMethod::new(PhoneType::Mobile, number(i, rng.below(3))));
            if rng.chance(50) {
                user.phone_methods.push(PhoneMethod::new(
                    PhoneType::AlternateMobile,
                    number(i, 10 + rng.below(3)),
                ));
            }
        }
        if rng.chance(40) {
            user.phone_methods.push(PhoneMethod::new(
                PhoneType::Office,
                number(i, 20 + rng.below(3)),
            ));
        }
        tenant.users.push(user);

        let mobile = rng.chance(70).then(|| number(i, rng.below(3)));
        let alternate = (mobile.is_some() && rng.chance(50)).then(|| number(i, 10 + rng.below(3)));
        let office = rng.chance(50).then(|| number(i, 20 + rng.below(3)));
        let sms = match (mobile.is_some(), rng.below(3)) {
            (true, 0) => SmsSignIn::Enabled,
            (_, 1) => SmsSignIn::Disabled,
            _ => SmsSignIn::DontCare,
        };
        // Half the users by object id, half by user principal name.
        let key = UserKey::new(if i % 2 == 0 { upn(i) } else { object_id(i) }).unwrap();
        let phones = DesiredPhones::parse(
            &key,
            mobile.as_deref(),
            alternate.as_deref(),
            office.as_deref(),
            sms,
        )
        .unwrap();
        desired.push((key, phones));
    }
    (tenant, desired)
}

async fn start(tenant: Tenant) -> RunningEmulator {
    Emulator::builder()
        .tenant(tenant)
        .start()
        .await
        .expect("emulator starts")
}

fn client(emu: &RunningEmulator) -> GraphClient {
    common::client(emu, TOKEN)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "graph-phone-apply-{}-{name}-{}",
            std::process::id(),
            fastish_unique()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn journal(&self) -> PathBuf {
        self.0.join("journal.jsonl")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastish_unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn options(journal: &Path) -> ApplyOptions {
    ApplyOptions::new(journal)
}

/// Small batches, few at a time: more batches, so more points at which a run can stop.
fn small_batches(journal: &Path, client: &GraphClient) -> ApplyOptions {
    ApplyOptions::new(journal).bulk(client.bulk().max_batch_size(3).max_concurrency(2))
}

/// The (method, route) a step is sent as, as the emulator's request log names it.
fn route_of(step: &Step) -> (&'static str, &'static str) {
    match step {
        Step::Create { .. } => ("POST", "phoneMethods"),
        Step::UpdateNumber { .. } => ("PATCH", "phoneMethods/{id}"),
        Step::Delete { .. } => ("DELETE", "phoneMethods/{id}"),
        Step::EnableSmsSignIn => ("POST", "phoneMethods/{id}/enableSmsSignIn"),
        Step::DisableSmsSignIn => ("POST", "phoneMethods/{id}/disableSmsSignIn"),
    }
}

/// Applied writes in the log, per (user object id, method, route).
fn applied_writes(log: &[RequestRecord]) -> BTreeMap<(String, String, String), usize> {
    let mut counts = BTreeMap::new();
    for r in log.iter().filter(|r| r.applied) {
        let key = (
            r.user_id.clone().unwrap_or_default(),
            r.method.clone(),
            r.route.clone().unwrap_or_default(),
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// The writes the first plan of each user needs, per (user object id, method, route).
async fn planned_writes(
    client: &GraphClient,
    desired: &[(UserKey, DesiredPhones)],
    tenant: &Tenant,
) -> BTreeMap<(String, String, String), usize> {
    let mut counts = BTreeMap::new();
    for read in read_plans(client, desired, &ReadOptions::default()).await {
        let plan = read.result.expect("every user plans");
        let id = tenant.users[tenant.find_user(read.user.as_str()).unwrap()]
            .id
            .clone();
        for step in &plan.steps {
            let (method, route) = route_of(step);
            *counts
                .entry((id.clone(), method.to_owned(), route.to_owned()))
                .or_insert(0) += 1;
        }
    }
    counts
}

/// Every user is as desired: planning again gives no write.
async fn assert_converged(client: &GraphClient, desired: &[(UserKey, DesiredPhones)]) {
    for read in read_plans(client, desired, &ReadOptions::default()).await {
        let plan = read
            .result
            .unwrap_or_else(|e| panic!("{}: not planned: {e}", read.user));
        assert!(plan.is_empty(), "not converged: {plan}");
    }
}

/// No write was applied more often than the first plan needed, and no create met an
/// existing phone (what a repeated create would do). No exception: a write whose answer was
/// lost (`drop-after` or `504-after` on it or on its batch, or the batch's connection closed
/// by another item's fault) is not sent again by the reconciler's bulk path
/// (`resend_unknown(false)`); its user is read again instead.
fn assert_no_repeated_write(
    emu: &RunningEmulator,
    planned: &BTreeMap<(String, String, String), usize>,
) {
    assert_eq!(emu.handle().dropped_requests(), 0, "request log too small");
    let log = emu.handle().requests();
    for (key, n) in applied_writes(&log) {
        let allowed = planned.get(&key).copied().unwrap_or(0);
        assert!(
            n <= allowed,
            "{key:?} applied {n} times, the first plan needed {allowed}"
        );
    }
    let conflicts: Vec<_> = log
        .iter()
        .filter(|r| r.status == Some(409) || r.status == Some(400))
        .map(|r| (&r.method, &r.route, r.status))
        .collect();
    assert!(conflicts.is_empty(), "refused writes: {conflicts:?}");
}

/// Write requests, single or batch items (not the batch requests themselves).
fn writes(log: &[RequestRecord]) -> usize {
    log.iter()
        .filter(|r| r.method != "GET" && r.route.as_deref() != Some("$batch"))
        .count()
}

fn reads(log: &[RequestRecord]) -> usize {
    log.iter().filter(|r| r.method == "GET").count()
}

#[tokio::test]
async fn unchanged_users_make_no_write() {
    let (tenant, _) = campaign(1, 12);
    // Desire exactly what each user has.
    let desired: Vec<(UserKey, DesiredPhones)> = tenant
        .users
        .iter()
        .map(|u| {
            let key = UserKey::new(u.user_principal_name.clone()).unwrap();
            let n = |t| u.phone(t).map(|p| p.phone_number.as_str());
            let phones = DesiredPhones::parse(
                &key,
                n(PhoneType::Mobile),
                n(PhoneType::AlternateMobile),
                n(PhoneType::Office),
                SmsSignIn::DontCare,
            )
            .unwrap();
            (key, phones)
        })
        .collect();
    let emu = start(tenant).await;
    let dir = TempDir::new("unchanged");
    let report = apply(&client(&emu), &desired, options(&dir.journal()))
        .await
        .unwrap();
    assert_eq!(report.counts().unchanged, 12, "{report}");
    let log = emu.handle().requests();
    assert_eq!(writes(&log), 0);
    // One read per user (as batch items): nothing to confirm.
    assert_eq!(reads(&log), 12);
    assert!(
        log.iter()
            .filter(|r| r.method == "GET")
            .all(|r| r.batch_item.is_some())
    );
}

#[tokio::test]
async fn a_campaign_reaches_the_desired_state_and_applying_twice_is_applying_once() {
    let (tenant, desired) = campaign(2, 40);
    let emu = start(tenant.clone()).await;
    let client = client(&emu);
    let planned = planned_writes(&client, &desired, &tenant).await;
    assert!(planned.values().sum::<usize>() > 40, "a campaign with work");
    let dir = TempDir::new("twice");
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    let first = apply(
        &client,
        &desired,
        options(&dir.journal()).progress(move |p| sink.lock().unwrap().push(p.clone())),
    )
    .await
    .unwrap();
    assert!(first.all_done(), "{first}");
    // Progress: every read and every write, counted up to the phase's total.
    let events = events.lock().unwrap().clone();
    let first_reads: Vec<_> = events
        .iter()
        .filter(|p| p.pass == 1 && p.phase == Phase::Reading)
        .collect();
    assert_eq!(first_reads.len(), desired.len());
    assert!(first_reads.iter().all(|p| p.total == desired.len()));
    let written: Vec<_> = events
        .iter()
        .filter(|p| matches!(p.phase, Phase::Writing { .. }))
        .collect();
    assert_eq!(written.len(), planned.values().sum::<usize>());
    let last = written.last().unwrap();
    assert_eq!((last.done, last.total), (written.len(), written.len()));
    assert_converged(&client, &desired).await;
    assert_no_repeated_write(&emu, &planned);
    let applied: usize = first.users.iter().map(|u| u.applied.len()).sum();
    assert_eq!(
        applied,
        writes(&emu.handle().requests()),
        "the report names every write"
    );
    for user in &first.users {
        let (_, phones) = desired.iter().find(|(k, _)| *k == user.user).unwrap();
        match user.outcome {
            Outcome::Unchanged => assert!(user.applied.is_empty()),
            Outcome::Applied => assert!(!user.applied.is_empty()),
            ref other => panic!("{}: {other:?} for {phones:?}", user.user),
        }
    }

    // Again, same journal: reads only, and the report still lists the first run's writes.
    emu.handle().clear_requests();
    let second = apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    assert_eq!(writes(&emu.handle().requests()), 0);
    assert_eq!(second.runs.len(), 2);
    let outcomes = |r: &Report| -> Vec<_> {
        r.users
            .iter()
            .map(|u| (u.user.clone(), u.outcome.clone(), u.applied.clone()))
            .collect()
    };
    assert_eq!(
        outcomes(&second),
        outcomes(&first),
        "the second run changes no outcome"
    );
    assert!(second.users.iter().all(|u| u.last_run == 2));
    // And with a fresh journal: reads only, everyone unchanged.
    let fresh = TempDir::new("twice-fresh");
    let third = apply(&client, &desired, options(&fresh.journal()))
        .await
        .unwrap();
    assert_eq!(writes(&emu.handle().requests()), 0);
    assert_eq!(third.counts().unchanged, desired.len());
}

/// Wraps a future and drops it (as a killed process would stop it) at its `n`th poll,
/// unless it finished before.
struct AbortAtPoll<F> {
    inner: Pin<Box<F>>,
    polls_left: u64,
    polls: u64,
}

impl<F: Future> Future for AbortAtPoll<F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls_left == 0 {
            return Poll::Ready(None);
        }
        self.polls_left -= 1;
        self.polls += 1;
        self.inner.as_mut().poll(cx).map(Some)
    }
}

async fn run_until_poll<F: Future>(fut: F, polls: u64) -> (Option<F::Output>, u64) {
    let mut wrapped = AbortAtPoll {
        inner: Box::pin(fut),
        polls_left: polls,
        polls: 0,
    };
    let out = (&mut wrapped).await;
    (out, wrapped.polls)
}

#[tokio::test]
async fn runs_aborted_at_many_points_resume_to_the_desired_state_without_repeating_a_write() {
    for seed in [3, 4, 5] {
        let (tenant, desired) = campaign(seed, 24);
        // How many polls a whole run takes, on a twin emulator.
        let full_polls = {
            let twin = start(tenant.clone()).await;
            let dir = TempDir::new("calibrate");
            let twin_client = client(&twin);
            let (report, polls) = run_until_poll(
                apply(
                    &twin_client,
                    &desired,
                    small_batches(&dir.journal(), &twin_client),
                ),
                u64::MAX,
            )
            .await;
            assert!(report.unwrap().unwrap().all_done());
            polls
        };
        let emu = start(tenant.clone()).await;
        let client = client(&emu);
        let planned = planned_writes(&client, &desired, &tenant).await;
        let dir = TempDir::new("abort");
        let mut rng = Rng::new(seed);
        let mut aborted = 0;
        let mut attempts = 0;
        let report = loop {
            attempts += 1;
            assert!(attempts <= 200, "seed {seed}: no run finished");
            // At least 10 aborts, at a random poll of what a whole run takes.
            let limit = if aborted < 10 {
                1 + rng.below(full_polls)
            } else {
                u64::MAX
            };
            let (out, _) = run_until_poll(
                apply(&client, &desired, small_batches(&dir.journal(), &client)),
                limit,
            )
            .await;
            match out {
                None => {
                    aborted += 1;
                    // What an operator sees of the interrupted run, read without writing.
                    let so_far = Report::from_journal(&dir.journal()).unwrap();
                    assert_eq!(so_far.runs.len(), attempts);
                    assert_eq!(so_far.runs.last().unwrap().finished, None);
                    assert_no_personal_data_of(&so_far.to_string(), desired.len());
                }
                Some(report) if aborted >= 10 => break report.unwrap(),
                Some(report) => {
                    report.unwrap();
                }
            }
        };
        assert!(report.all_done(), "seed {seed}: {report}");
        assert_eq!(report.runs.len(), attempts, "every run is in the report");
        assert!(
            report.runs[..attempts - 1]
                .iter()
                .any(|r| r.finished.is_none())
        );
        assert_converged(&client, &desired).await;
        assert_no_repeated_write(&emu, &planned);
        // Every applied write is in the report, confirmed or sent by an interrupted run.
        let log = emu.handle().requests();
        for user in &report.users {
            let id = &tenant.users[tenant.find_user(user.user.as_str()).unwrap()].id;
            let applied = log
                .iter()
                .filter(|r| r.applied && r.user_id.as_deref() == Some(id))
                .count();
            assert!(
                user.applied.len() <= applied
                    && applied <= user.applied.len() + user.unconfirmed.len(),
                "seed {seed} {}: {applied} applied, report {user}",
                user.user
            );
        }
    }
}

#[tokio::test]
async fn a_journal_cut_inside_its_last_record_is_resumed_and_said() {
    let (tenant, desired) = campaign(6, 10);
    let emu = start(tenant).await;
    let client = client(&emu);
    let dir = TempDir::new("torn");
    apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    let whole = std::fs::read(dir.journal()).unwrap();
    let last_start = whole[..whole.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    for cut in [
        last_start + 1,
        (last_start + whole.len()) / 2,
        whole.len() - 1,
    ] {
        std::fs::write(dir.journal(), &whole[..cut]).unwrap();
        let report = apply(&client, &desired, options(&dir.journal()))
            .await
            .unwrap();
        assert_eq!(report.dropped_tail_bytes, Some((cut - last_start) as u64));
        assert!(report.to_string().contains("torn last record"), "{report}");
        assert!(report.all_done());
        // The journal goes on cleanly after the cut: reopening it drops nothing.
        let again = apply(&client, &desired, options(&dir.journal()))
            .await
            .unwrap();
        assert_eq!(again.dropped_tail_bytes, None);
        std::fs::write(dir.journal(), &whole).unwrap();
    }
}

#[tokio::test]
async fn faults_are_reread_never_repeated() {
    let (tenant, desired) = campaign(7, 30);
    let emu = start(tenant.clone()).await;
    let client = client(&emu);
    let planned = planned_writes(&client, &desired, &tenant).await;
    emu.handle().clear_requests();
    emu.handle().set_faults(
        FaultPlan::parse(
            "seed=7; POST phoneMethods 504-after p=0.2; POST phoneMethods 429 retry-after=0 p=0.3; \
             PATCH phoneMethods/{id} drop-after p=0.2; DELETE phoneMethods/{id} 503 p=0.3; \
             POST phoneMethods/{id}/disableSmsSignIn 504-after p=0.3; POST phoneMethods/{id}/enableSmsSignIn drop-before p=0.2; \
             GET phoneMethods 429 retry-after=0 p=0.2; POST $batch 503 p=0.1",
        )
        .unwrap(),
    );
    let dir = TempDir::new("faults");
    let mut runs = 0;
    let report = loop {
        runs += 1;
        assert!(runs <= 10, "not done after 10 runs");
        let report = apply(&client, &desired, small_batches(&dir.journal(), &client))
            .await
            .unwrap();
        if report.all_done() {
            break report;
        }
        for user in &report.users {
            assert!(
                !matches!(user.outcome, Outcome::Failed { .. }),
                "a fault is never final: {user}"
            );
        }
    };
    emu.handle().clear_faults();
    assert_converged(&client, &desired).await;
    assert_no_repeated_write(&emu, &planned);
    assert!(
        emu.handle().requests().iter().any(|r| r.fault.is_some()),
        "faults fired"
    );
    assert!(report.users.iter().any(|u| !u.applied.is_empty()));
}

/// Faults that lose the answer of writes Graph applied, on every kind of write and on
/// whole batches.
const LOST_ANSWERS: &str = "POST $batch drop-after p=0.08; POST $batch 504-after p=0.08; \
     POST phoneMethods drop-after p=0.1; PATCH phoneMethods/{id} drop-after p=0.15; \
     DELETE phoneMethods/{id} 504-after p=0.15; POST phoneMethods/{id}/enableSmsSignIn drop-after p=0.2; \
     POST phoneMethods/{id}/disableSmsSignIn 504-after p=0.2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_are_reread_and_no_write_reaches_graph_twice() {
    let mut unknown = 0;
    for seed in 0..12 {
        let (tenant, desired) = campaign(100 + seed, 30);
        let emu = start(tenant.clone()).await;
        let client = client(&emu);
        let planned = planned_writes(&client, &desired, &tenant).await;
        emu.handle().clear_requests();
        emu.handle()
            .set_faults(FaultPlan::parse(&format!("seed={seed}; {LOST_ANSWERS}")).unwrap());
        let dir = TempDir::new("lost");
        let mut runs = 0;
        loop {
            runs += 1;
            assert!(runs <= 10, "seed {seed}: not done after 10 runs");
            let report = apply(&client, &desired, small_batches(&dir.journal(), &client))
                .await
                .unwrap();
            if report.all_done() {
                break;
            }
            for user in &report.users {
                assert!(
                    !matches!(user.outcome, Outcome::Failed { .. }),
                    "seed {seed}: a lost answer is never final: {user}"
                );
            }
        }
        emu.handle().clear_faults();
        assert_converged(&client, &desired).await;
        assert_no_repeated_write(&emu, &planned);
        // The journal says which writes' outcomes were unknown (and so read again).
        let journal = std::fs::read_to_string(dir.journal()).unwrap();
        unknown += journal.matches("\"outcomeUnknown\"").count();
    }
    assert!(unknown > 0, "some write's outcome was unknown");
}

#[tokio::test]
async fn a_default_method_delete_and_a_number_not_unique_are_reported_per_user() {
    let mut tenant = Tenant::default();
    tenant.tokens.insert(
        TOKEN.into(),
        Principal::application(&["UserAuthenticationMethod.ReadWrite.All"]),
    );
    // 0: its mobile is the default MFA method, and is to go.
    // 1: has the mobile number 2 wants, ready for SMS sign-in.
    // 2: wants that number with SMS sign-in.
    // 3: an ordinary change, untouched by the others' failures.
    for i in 0..4 {
        let mut user = User::new(object_id(i), upn(i));
        user.policy.sms_sign_in_enabled = true;
        tenant.users.push(user);
    }
    tenant.users[0]
        .phone_methods
        .push(PhoneMethod::new(PhoneType::Mobile, number(0, 1)));
    tenant.users[0].policy.default_mfa_method = Some(DefaultMfaMethod::Sms);
    let mut taken = PhoneMethod::new(PhoneType::Mobile, number(1, 1));
    taken.sms_sign_in_state = Some(SmsSignInState::Ready);
    tenant.users[1].phone_methods.push(taken);
    let key = |i| UserKey::new(upn(i)).unwrap();
    let desired = vec![
        (
            key(0),
            DesiredPhones::parse(
                &key(0),
                None,
                None,
                Some(&number(0, 2)),
                SmsSignIn::DontCare,
            )
            .unwrap(),
        ),
        (
            key(2),
            DesiredPhones::parse(&key(2), Some(&number(1, 1)), None, None, SmsSignIn::Enabled)
                .unwrap(),
        ),
        (
            key(3),
            DesiredPhones::parse(
                &key(3),
                Some(&number(3, 1)),
                None,
                None,
                SmsSignIn::DontCare,
            )
            .unwrap(),
        ),
    ];
    let emu = start(tenant).await;
    let dir = TempDir::new("refusals");
    let report = apply(&client(&emu), &desired, options(&dir.journal()))
        .await
        .unwrap();

    let zero = report.user(&key(0)).unwrap();
    let Outcome::Failed {
        step:
            Some(Step::Delete {
                phone_type: graph_phone_client::reconcile::PhoneType::Mobile,
            }),
        error,
        action,
    } = &zero.outcome
    else {
        panic!("{zero}");
    };
    assert_eq!(error.status, Some(409));
    assert_eq!(error.code, "defaultMfaMethodCannotBeDeleted");
    assert!(error.request_id.is_some(), "{error:?}");
    assert!(action.contains("default method"), "{action}");
    // SMS sign-in disabled (round 1), then the delete (round 2) refused once, not retried,
    // and the office phone (round 3) never sent.
    let deletes = emu
        .handle()
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 1);

    let two = report.user(&key(2)).unwrap();
    let Outcome::Failed {
        step: None,
        error,
        action,
    } = &two.outcome
    else {
        panic!("{two}");
    };
    assert_eq!(error.code, "phoneNumberNotUnique");
    assert!(action.contains("another mobile number"), "{action}");
    // What happened; the user and what to do have their own places.
    assert!(
        error
            .message
            .starts_with("the mobile number is used for SMS sign-in"),
        "{}",
        error.message
    );
    assert_eq!(two.applied.len(), 2, "created, then asked to enable: {two}");

    assert_eq!(report.user(&key(3)).unwrap().outcome, Outcome::Applied);
    assert_eq!(report.counts().failed, 2);

    // Printed: the codes, the request id and what to do, never a number or a user name.
    let text = report.to_string();
    assert!(text.contains("defaultMfaMethodCannotBeDeleted"), "{text}");
    assert!(text.contains(error_request_id(&report)), "{text}");
    assert!(text.contains("phoneNumberNotUnique"), "{text}");
    assert_no_personal_data(&text);
    assert_no_personal_data(&report.to_masked_json().to_string());
    // The plain serialisation keeps everything and reads back.
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains(&number(1, 1)));
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);

    // Running again reports the same refusals, and still sends no second delete.
    let again = apply(&client(&emu), &desired, options(&dir.journal()))
        .await
        .unwrap();
    assert_eq!(again.counts().failed, 2, "{again}");
    let deletes = emu
        .handle()
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 2, "one refused delete per run");
}

fn error_request_id(report: &Report) -> &str {
    report
        .users
        .iter()
        .find_map(|u| match &u.outcome {
            Outcome::Failed { error, .. } => error.request_id.as_deref(),
            _ => None,
        })
        .unwrap()
}

fn assert_no_personal_data(text: &str) {
    assert_no_personal_data_of(text, 4)
}

fn assert_no_personal_data_of(text: &str, users: usize) {
    for i in 0..users {
        assert!(!text.contains(&upn(i)), "a user principal name in {text}");
        for v in 0..30 {
            let n = number(i, v);
            let digits = n.split_once(' ').unwrap().1;
            assert!(!text.contains(digits), "a number in {text}");
        }
    }
}

#[tokio::test]
async fn read_plans_keeps_per_user_errors() {
    let (tenant, mut desired) = campaign(8, 4);
    let ghost = UserKey::new("ghost@contoso.com").unwrap();
    desired.insert(1, (ghost.clone(), DesiredPhones::default()));
    let emu = start(tenant).await;
    let reads = read_plans(&client(&emu), &desired, &ReadOptions::default()).await;
    assert_eq!(reads.len(), 5);
    assert_eq!(reads[1].user, ghost);
    let err = reads[1].result.as_ref().unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert!(!err.to_string().contains("ghost@"), "{err}");
    for (read, (user, _)) in reads.iter().zip(&desired) {
        assert_eq!(&read.user, user, "input order");
    }
    assert!(reads.iter().filter(|r| r.result.is_ok()).count() == 4);
    assert_eq!(writes(&emu.handle().requests()), 0);

    // apply reports the ghost as not read, with what to do, and the others as usual.
    let dir = TempDir::new("ghost");
    let report = apply(&client(&emu), &desired, options(&dir.journal()))
        .await
        .unwrap();
    let Outcome::NotRead { error, action } = &report.user(&ghost).unwrap().outcome else {
        panic!("{report}");
    };
    assert_eq!(error.status, Some(404));
    assert!(action.contains("not found"), "{action}");
    assert_eq!(report.counts().not_read, 1);
    assert_eq!(
        report.counts().pending + report.counts().failed,
        0,
        "{report}"
    );
}

#[tokio::test]
async fn a_user_given_twice_is_refused_before_anything_is_sent() {
    let (tenant, mut desired) = campaign(9, 3);
    let (first, phones) = desired[0].clone();
    let shouted = UserKey::new(first.as_str().to_ascii_uppercase()).unwrap();
    desired.push((shouted, phones));
    let emu = start(tenant).await;
    let dir = TempDir::new("twice-given");
    let err = apply(&client(&emu), &desired, options(&dir.journal()))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("entries 1 and 4"), "{message}");
    assert!(
        !message.to_ascii_lowercase().contains(first.as_str()),
        "{message}"
    );
    assert!(emu.handle().requests().is_empty());
}

#[tokio::test]
async fn a_journal_ending_after_any_record_is_resumed() {
    let (tenant, desired) = campaign(10, 6);
    let emu = start(tenant).await;
    let client = client(&emu);
    let dir = TempDir::new("prefix");
    let whole_report = apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    assert!(whole_report.users.iter().any(|u| !u.applied.is_empty()));
    let whole = std::fs::read_to_string(dir.journal()).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    assert!(lines.len() > 10);
    emu.handle().clear_requests();
    for k in 0..=lines.len() {
        let prefix: String = lines[..k].iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.journal(), &prefix).unwrap();
        // Read as it stands: one entry per user seen so far, whatever record it stops at.
        let so_far = Report::from_journal(&dir.journal()).unwrap();
        let c = so_far.counts();
        assert_eq!(
            c.unchanged + c.applied + c.failed + c.not_read + c.pending,
            so_far.users.len()
        );
        // Resumed: Graph already holds the desired state, so reads only, and every write
        // the prefix recorded as answered is still in the report.
        let resumed = apply(&client, &desired, options(&dir.journal()))
            .await
            .unwrap();
        assert!(resumed.all_done(), "after {k} records: {resumed}");
        for user in &so_far.users {
            let now = resumed.user(&user.user).unwrap();
            assert_eq!(now.applied, user.applied, "after {k} records");
        }
    }
    assert_eq!(writes(&emu.handle().requests()), 0);
}

/// A large campaign, for a look at the cost of the journal and the report (no timing is
/// asserted): `cargo test -p graph-phone-client --release --test reconcile_apply -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a few thousand users; run by hand"]
async fn a_campaign_of_thousands() {
    let n: usize = std::env::var("CAMPAIGN_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let (tenant, desired) = campaign(11, n);
    let emu = Emulator::builder()
        .tenant(tenant)
        .request_log_capacity(n * 8)
        .start()
        .await
        .unwrap();
    let client = client(&emu);
    let dir = TempDir::new("thousands");
    let started = std::time::Instant::now();
    let report = apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(report.all_done());
    let log = emu.handle().requests();
    let bytes = std::fs::metadata(dir.journal()).unwrap().len();
    eprintln!(
        "{n} users: {} writes, {} reads, {} batches in {took:?}; journal {bytes} bytes; {}",
        writes(&log),
        reads(&log),
        log.iter()
            .filter(|r| r.route.as_deref() == Some("$batch"))
            .count(),
        report.to_string().lines().next().unwrap()
    );
    let started = std::time::Instant::now();
    let again = apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    eprintln!("again: {:?}, {}", started.elapsed(), again.counts().applied);
}

#[tokio::test]
async fn a_paged_list_of_phones_is_read_whole() {
    // One phone a page: the batch item reads the first page, nextLink the rest.
    let (tenant, desired) = campaign(12, 10);
    assert!(tenant.users.iter().any(|u| u.phone_methods.len() >= 2));
    let emu = Emulator::builder()
        .tenant(tenant.clone())
        .page_size(1)
        .start()
        .await
        .unwrap();
    let client = client(&emu);
    let planned = planned_writes(&client, &desired, &tenant).await;
    let dir = TempDir::new("paged");
    let report = apply(&client, &desired, options(&dir.journal()))
        .await
        .unwrap();
    assert!(report.all_done(), "{report}");
    assert!(
        emu.handle()
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.batch_item.is_none()),
        "a nextLink was followed"
    );
    assert_no_repeated_write(&emu, &planned);
    assert_converged(&client, &desired).await;
}
