//! The fault and load run: N tasks doing M mixed operations against the emulator while it
//! injects faults, then checks of the outcome against the emulator's state and request log.
//!
//! Design:
//! - Every user is owned by one task (user `u` by task `u % tasks`), so the operations on a
//!   user are sequential and their order is known; the emulator serialises all requests
//!   anyway, so tasks contend for the server, not for users.
//! - Each task keeps a belief of its users' phones, picks operations that make sense for
//!   it, and re-lists a user after any error (a 504 or a dropped connection may hide an
//!   applied change).
//! - Each operation runs in a `soak.op` span; [`super::correlate`] maps it to the
//!   `client-request-id`s of its calls, which the emulator's log records per attempt. The
//!   final model is the initial tenant plus every write that succeeded **or** that the
//!   log shows applied (a 504-after-apply, a dropped connection after applying, a delete
//!   whose retry found nothing).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use graph_phone_client::{
    AuthenticationPhoneType, BatchItem, Cloud, Error, GraphClient, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneMethodId, Query,
    RetryPolicy, StaticToken, Timeouts,
};
use graph_phone_emulator::{
    Emulator, FaultKind, FaultPlan, FaultRule, MethodKind, PhoneMethod, PhoneType, Principal,
    RequestRecord, RetryAfter, SmsSignInState, Tenant, User,
};
use tracing::Instrument;

use super::correlate::{self, CallIds, ItemIds};

/// The size of a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Concurrent tasks.
    pub tasks: usize,
    /// Operations in total (resync listings after errors included).
    pub ops: usize,
    /// Users in the generated tenant.
    pub users: usize,
    /// Seed of the workload and of the emulator's faults.
    pub seed: u64,
    /// Share of requests that get a fault (latency included).
    pub fault_rate: f64,
    /// The emulator's page size (`Some(2)`: most listings take several pages, each its own
    /// call that can fault).
    pub page_size: Option<usize>,
    /// Upper bound of the wall time; generous, so it cannot flake.
    pub time_limit: Duration,
    /// The batch mode: each task sends its operations as batch items through the bulk
    /// path (`GraphClient::bulk`), one operation per owned user per round, under
    /// `/users` (a batch carries one token). Listings are one page each: run it without
    /// server paging.
    pub batch: bool,
}

const APP_TOKEN: &str = "soak-app-rw";
const MAX_ATTEMPTS: u32 = 4;
/// Sends of one batch item at most in the batch mode (`Bulk::max_attempts`).
const BULK_MAX_ATTEMPTS: u32 = 6;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: MAX_ATTEMPTS,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
    }
}

fn delegated_token(u: usize) -> String {
    format!("soak{u}-rw")
}

fn upn(u: usize) -> String {
    format!("soak{u:04}@contoso.com")
}

fn object_id(u: usize) -> String {
    format!("50a50a50-0000-4000-8000-{u:012}")
}

/// A number no other user ever gets: `+1 5UUUUKKKKK`.
fn number(u: usize, k: usize) -> String {
    format!("+1 5{u:04}{k:05}")
}

fn sms_enabled_by_policy(u: usize) -> bool {
    u.is_multiple_of(2)
}

/// `users` users: even ones enabled for SMS sign-in, every third one with a mobile, each
/// with a password and an e-mail method; an application token that may write everything
/// and one delegated token per user.
pub fn tenant(users: usize) -> Tenant {
    let mut tenant = Tenant::default();
    for u in 0..users {
        let mut user = User::new(object_id(u), upn(u));
        user.policy.sms_sign_in_enabled = sms_enabled_by_policy(u);
        if u.is_multiple_of(3) {
            user.phone_methods
                .push(PhoneMethod::new(PhoneType::Mobile, number(u, 0)));
        }
        let object = |v: serde_json::Value| match v {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        user.methods.insert(
            MethodKind::PasswordMethods,
            vec![object(serde_json::json!({
                "id": "28c10230-6103-485e-b985-444c60001490",
                "createdDateTime": "2024-01-01T00:00:00Z",
                "password": "never-returned",
            }))],
        );
        user.methods.insert(
            MethodKind::EmailMethods,
            vec![object(serde_json::json!({
                "id": format!("3ddfcfc8-9383-446f-83cc-{u:012}"),
                "emailAddress": format!("soak{u}@fabrikam.example"),
            }))],
        );
        tenant.users.push(user);
        tenant.tokens.insert(
            delegated_token(u),
            Principal::Delegated {
                user: upn(u),
                scopes: vec!["UserAuthenticationMethod.ReadWrite".into()],
                recent_mfa: true,
                cloud: None,
            },
        );
    }
    tenant.tokens.insert(
        APP_TOKEN.into(),
        Principal::Application {
            roles: vec!["UserAuthenticationMethod.ReadWrite.All".into()],
            cloud: None,
        },
    );
    tenant
}

/// About `rate` of all requests get a fault: latency, 429 with a fractional `Retry-After`,
/// 503 with and without `Retry-After`, 504 after applying, connections dropped before and
/// after applying.
///
/// The emulator visits the rules in order and the first non-latency rule that fires decides,
/// so each rule's probability is its share divided by what the earlier rules leave.
pub fn fault_plan(seed: u64, rate: f64) -> FaultPlan {
    let secs = |s| Some(RetryAfter::Seconds(s));
    let kinds = [
        (
            0.15,
            FaultKind::TooManyRequests {
                retry_after: secs(0.015),
            },
        ),
        (
            0.10,
            FaultKind::TooManyRequests {
                retry_after: secs(0.035),
            },
        ),
        (
            0.12,
            FaultKind::ServiceUnavailable {
                retry_after: secs(0.01),
            },
        ),
        (0.12, FaultKind::ServiceUnavailable { retry_after: None }),
        (0.12, FaultKind::GatewayTimeoutAfterApply),
        (0.12, FaultKind::DropBeforeApply),
        (0.12, FaultKind::DropAfterApply),
    ];
    // Latency comes on top of the others (it also hits requests that get another fault).
    let mut plan = FaultPlan::seeded(seed).rule(
        FaultRule::new("*", "*", FaultKind::Latency(Duration::from_millis(3)))
            .probability(rate * 0.15),
    );
    let mut left = 1.0;
    for (share, kind) in kinds {
        let q = rate * share;
        plan = plan.rule(FaultRule::new("*", "*", kind).probability((q / left).min(1.0)));
        left -= q;
    }
    plan
}

/// What an operation does.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Create(PhoneType, String),
    Update(PhoneType, String),
    Delete(PhoneType),
    EnableSms,
    DisableSms,
    Get(PhoneType),
    List,
    /// A listing after an error, to learn the user's phones again.
    Resync,
    ReadMethods,
    ReadEmail,
    ReadPassword,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Create(..) => "create",
            Op::Update(..) => "update",
            Op::Delete(_) => "delete",
            Op::EnableSms => "enableSms",
            Op::DisableSms => "disableSms",
            Op::Get(_) => "get",
            Op::List => "list",
            Op::Resync => "resync",
            Op::ReadMethods => "methods",
            Op::ReadEmail => "emailMethods",
            Op::ReadPassword => "passwordMethods",
        }
    }

    /// Whether a user may do it to their own account (`/me`): creating and updating phones
    /// are not self-service operations (spec/permissions.toml, from the Create phoneMethod
    /// and Update phoneAuthenticationMethod pages).
    fn self_service(&self) -> bool {
        !matches!(self, Op::Create(..) | Op::Update(..))
    }

    fn is_write(&self) -> bool {
        matches!(
            self,
            Op::Create(..) | Op::Update(..) | Op::Delete(_) | Op::EnableSms | Op::DisableSms
        )
    }
}

/// One finished operation.
#[derive(Debug)]
pub struct Done {
    pub op_id: u64,
    pub user: usize,
    pub op: Op,
    pub via_me: bool,
    /// `None` on success, else the error's kind.
    pub error: Option<String>,
    /// What a successful listing or get returned (type, number).
    pub seen: Option<Vec<(PhoneType, String)>>,
}

fn phone_id(t: PhoneType) -> PhoneMethodId {
    match t {
        PhoneType::Mobile => PhoneMethodId::Mobile,
        PhoneType::AlternateMobile => PhoneMethodId::AlternateMobile,
        PhoneType::Office => PhoneMethodId::Office,
    }
}

fn api_type(t: PhoneType) -> AuthenticationPhoneType {
    match t {
        PhoneType::Mobile => AuthenticationPhoneType::Mobile,
        PhoneType::AlternateMobile => AuthenticationPhoneType::AlternateMobile,
        PhoneType::Office => AuthenticationPhoneType::Office,
    }
}

/// The kind of an error, for the figures; `Err` for a kind the run must never see. The
/// tasks only send what their belief allows and re-list after every error, so no answer
/// of the phone rules (409, 400) is expected.
fn classify(op: &Op, e: &Error) -> Result<String, String> {
    match e {
        Error::Graph(g) => {
            let kind = format!("graph {} {}", g.status, g.code);
            match (g.status, g.code.as_str(), op) {
                // 503 without Retry-After and 504 are not retried for creates.
                (503, "serviceNotAvailable", Op::Create(..))
                | (504, "gatewayTimeout", Op::Create(..)) => Ok(kind),
                // Not even a delete retried after an attempt that was applied but not
                // answered: the runtime reports that as done (it used to be a 404).
                _ => Err(format!("{e:?}")),
            }
        }
        Error::ThrottledOutOfRetries { last, .. } => {
            Ok(format!("out of retries ({})", last.status))
        }
        Error::Transport { .. } => Ok("transport".into()),
        // The batch mode: the batch carrying the item was lost (a fault on another item
        // dropped its connection) and the item may not be sent again.
        Error::BatchFailed { .. } => Ok("batch lost".into()),
        other => Err(format!("{other:?}")),
    }
}

/// The random source of a task (splitmix64): the workload is reproducible from the seed,
/// the interleaving of tasks is not.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A task's belief about one user's phones (type -> number); `None` when unknown.
type Belief = Option<BTreeMap<PhoneType, String>>;

fn choose(rng: &mut Rng, belief: &BTreeMap<PhoneType, String>, u: usize, k: &mut usize) -> Op {
    let has = |t| belief.contains_key(&t);
    let mut fresh = || {
        *k += 1;
        number(u, *k)
    };
    let existing: Vec<PhoneType> = belief.keys().copied().collect();
    loop {
        let op = match rng.below(100) {
            0..=19 => {
                let t = PhoneType::ALL[rng.below(3)];
                if has(t) || (t == PhoneType::AlternateMobile && !has(PhoneType::Mobile)) {
                    continue;
                }
                Op::Create(t, fresh())
            }
            20..=34 if !existing.is_empty() => {
                Op::Update(existing[rng.below(existing.len())], fresh())
            }
            35..=46 if !existing.is_empty() => {
                let t = existing[rng.below(existing.len())];
                if t == PhoneType::Mobile && has(PhoneType::AlternateMobile) {
                    continue;
                }
                Op::Delete(t)
            }
            47..=52 if has(PhoneType::Mobile) => Op::EnableSms,
            53..=57 if has(PhoneType::Mobile) => Op::DisableSms,
            58..=69 if !existing.is_empty() => Op::Get(existing[rng.below(existing.len())]),
            70..=81 => Op::List,
            82..=87 => Op::ReadMethods,
            88..=93 => Op::ReadEmail,
            94..=99 => Op::ReadPassword,
            _ => continue,
        };
        return op;
    }
}

struct Clients {
    app: GraphClient,
    me: Vec<GraphClient>,
}

fn build_client(http: &reqwest::Client, base_url: &str, token: &str) -> GraphClient {
    GraphClient::builder(Cloud::Custom {
        base_url: base_url.to_owned(),
    })
    .http_client(http.clone())
    .token_provider(StaticToken::new(token))
    .retry_policy(policy())
    .timeouts(Timeouts {
        connect: Duration::from_secs(5),
        per_attempt: Duration::from_secs(20),
        overall: Duration::from_secs(60),
    })
    .build()
    .expect("client builds")
}

/// Runs one operation; `Ok(listed phones)` for listings.
async fn execute(
    clients: &Clients,
    u: usize,
    op: &Op,
    via_me: bool,
    by_id: bool,
) -> Result<Option<Vec<(PhoneType, String)>>, Error> {
    let (client, user) = if via_me {
        (&clients.me[u], None)
    } else {
        (
            &clients.app,
            Some(if by_id { object_id(u) } else { upn(u) }),
        )
    };
    macro_rules! nav {
        ($m:ident) => {
            match &user {
                Some(id) => client.user(id.as_str()).$m(),
                None => client.me().$m(),
            }
        };
    }
    let phones = nav!(phone_methods);
    match op {
        Op::Create(t, n) => {
            let created = phones
                .create(&PhoneAuthenticationMethodCreate::new(
                    n.clone(),
                    api_type(*t),
                ))
                .await?;
            assert_eq!(created.id, t.method_id());
        }
        Op::Update(t, n) => {
            phones
                .update(
                    phone_id(*t),
                    &PhoneAuthenticationMethodUpdate::default().with_phone_number(n.clone()),
                )
                .await?
        }
        Op::Delete(t) => phones.delete(phone_id(*t)).await?,
        Op::EnableSms => phones.enable_sms_sign_in(PhoneMethodId::Mobile).await?,
        Op::DisableSms => phones.disable_sms_sign_in(PhoneMethodId::Mobile).await?,
        Op::Get(t) => {
            let got = phones.get(phone_id(*t)).await?;
            assert_eq!(got.id, t.method_id());
            return Ok(Some(vec![(*t, got.phone_number.unwrap_or_default())]));
        }
        Op::List | Op::Resync => {
            let items: Vec<_> = phones.list().try_collect().await?;
            let listed = items
                .iter()
                .map(|p| {
                    let t = PhoneType::from_method_id(&p.id).expect("a known phone id");
                    assert_eq!(
                        p.phone_type.as_ref().map(ToString::to_string).as_deref(),
                        Some(t.as_str())
                    );
                    (t, p.phone_number.clone().unwrap_or_default())
                })
                .collect();
            return Ok(Some(listed));
        }
        Op::ReadMethods => {
            let items: Vec<_> = nav!(methods).list().try_collect().await?;
            assert!(items.len() >= 2, "password and e-mail at least");
        }
        Op::ReadEmail => {
            let items: Vec<_> = nav!(email_methods).list().try_collect().await?;
            assert_eq!(items.len(), 1);
        }
        Op::ReadPassword => {
            let items: Vec<_> = nav!(password_methods).list().try_collect().await?;
            assert_eq!(items.len(), 1);
        }
    }
    Ok(None)
}

/// What a batch item of the soak decodes to.
enum Outcome {
    Created(PhoneAuthenticationMethod),
    Got(PhoneAuthenticationMethod),
    Listed(graph_phone_client::Page<PhoneAuthenticationMethod>),
    Count(usize),
    Done,
}

/// The batch item of one operation (under `/users`, the application's token).
fn build_item(client: &GraphClient, u: usize, op: &Op, by_id: bool) -> BatchItem<Outcome> {
    let user = if by_id { object_id(u) } else { upn(u) };
    let phones = client.user(user.as_str()).phone_methods();
    let all = Query::new();
    let item = match op {
        Op::Create(t, n) => phones
            .create_item(&PhoneAuthenticationMethodCreate::new(
                n.clone(),
                api_type(*t),
            ))
            .map(|i| i.map(Outcome::Created)),
        Op::Update(t, n) => phones
            .update_item(
                phone_id(*t),
                &PhoneAuthenticationMethodUpdate::default().with_phone_number(n.clone()),
            )
            .map(|i| i.map(|()| Outcome::Done)),
        Op::Delete(t) => phones
            .delete_item(phone_id(*t))
            .map(|i| i.map(|()| Outcome::Done)),
        Op::EnableSms => phones
            .enable_sms_sign_in_item(PhoneMethodId::Mobile)
            .map(|i| i.map(|()| Outcome::Done)),
        Op::DisableSms => phones
            .disable_sms_sign_in_item(PhoneMethodId::Mobile)
            .map(|i| i.map(|()| Outcome::Done)),
        Op::Get(t) => phones.get_item(phone_id(*t)).map(|i| i.map(Outcome::Got)),
        Op::List | Op::Resync => phones.list_page_item(&all).map(|i| i.map(Outcome::Listed)),
        Op::ReadMethods => client
            .user(user.as_str())
            .methods()
            .list_page_item(&all)
            .map(|i| i.map(|p| Outcome::Count(p.items.len()))),
        Op::ReadEmail => client
            .user(user.as_str())
            .email_methods()
            .list_page_item(&all)
            .map(|i| i.map(|p| Outcome::Count(p.items.len()))),
        Op::ReadPassword => client
            .user(user.as_str())
            .password_methods()
            .list_page_item(&all)
            .map(|i| i.map(|p| Outcome::Count(p.items.len()))),
    };
    item.unwrap_or_else(|e| panic!("{} on user {u}: the item does not build: {e}", op.name()))
}

/// What a finished batch item says about the user's phones (for listings and gets).
fn seen_of(op: &Op, outcome: Outcome) -> Option<Vec<(PhoneType, String)>> {
    match (op, outcome) {
        (Op::Create(t, _), Outcome::Created(p)) => {
            assert_eq!(p.id, t.method_id());
            None
        }
        (Op::Get(t), Outcome::Got(p)) => {
            assert_eq!(p.id, t.method_id());
            Some(vec![(*t, p.phone_number.unwrap_or_default())])
        }
        (Op::List | Op::Resync, Outcome::Listed(page)) => {
            assert!(
                page.next_link.is_none(),
                "the batch mode runs without paging"
            );
            assert!(page.item_errors.is_empty());
            Some(
                page.items
                    .iter()
                    .map(|p| {
                        let t = PhoneType::from_method_id(&p.id).expect("a known phone id");
                        (t, p.phone_number.clone().unwrap_or_default())
                    })
                    .collect(),
            )
        }
        (Op::ReadMethods, Outcome::Count(n)) => {
            assert!(n >= 2, "password and e-mail at least");
            None
        }
        (Op::ReadEmail | Op::ReadPassword, Outcome::Count(n)) => {
            assert_eq!(n, 1);
            None
        }
        (_, Outcome::Done) => None,
        (op, _) => panic!("{}: an outcome of another operation", op.name()),
    }
}

/// The batch mode's task: rounds of one operation per owned user, each round one bulk run.
async fn task_batched(
    index: usize,
    cfg: Arc<Config>,
    clients: Arc<Clients>,
    ops: usize,
    initial: Vec<(usize, BTreeMap<PhoneType, String>)>,
    next_op: Arc<std::sync::atomic::AtomicU64>,
) -> Vec<Done> {
    let mut rng = Rng(cfg.seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let users: Vec<usize> = initial.iter().map(|(u, _)| *u).collect();
    let mut beliefs: HashMap<usize, Belief> =
        initial.into_iter().map(|(u, b)| (u, Some(b))).collect();
    let mut counters: HashMap<usize, usize> = users.iter().map(|u| (*u, 0)).collect();
    let bulk = clients.app.bulk().max_attempts(BULK_MAX_ATTEMPTS);
    let mut done = Vec::with_capacity(ops);
    while done.len() < ops {
        // A random subset of the users, each once: a user's operations stay in order.
        let mut order = users.clone();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        order.truncate((ops - done.len()).min(order.len()));
        let mut round = Vec::with_capacity(order.len());
        let mut items = Vec::with_capacity(order.len());
        for u in order {
            let op = match &beliefs[&u] {
                None => Op::Resync,
                Some(b) => choose(&mut rng, b, u, counters.get_mut(&u).unwrap()),
            };
            let by_id = rng.below(2) == 0;
            let op_id = next_op.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Built inside the operation's span: the runtime's item events go there.
            let item =
                correlate::op_span(op_id).in_scope(|| build_item(&clients.app, u, &op, by_id));
            items.push(item);
            round.push((op_id, u, op));
        }
        let results = bulk.run(items).await;
        assert_eq!(results.len(), round.len(), "one result per item");
        for ((op_id, u, op), result) in round.into_iter().zip(results) {
            let belief = beliefs.get_mut(&u).unwrap();
            let mut seen = None;
            let error = match result {
                Ok(outcome) => {
                    seen = seen_of(&op, outcome);
                    match (&op, belief.as_mut()) {
                        (Op::List | Op::Resync, _) => {
                            *belief = Some(seen.clone().expect("a listing").into_iter().collect())
                        }
                        (Op::Create(t, n) | Op::Update(t, n), Some(b)) => {
                            b.insert(*t, n.clone());
                        }
                        (Op::Delete(t), Some(b)) => {
                            b.remove(t);
                        }
                        _ => {}
                    }
                    None
                }
                Err(e) => {
                    let kind = classify(&op, &e).unwrap_or_else(|unexpected| {
                        panic!("{} on user {u}: unexpected error {unexpected}", op.name())
                    });
                    *belief = None;
                    Some(kind)
                }
            };
            done.push(Done {
                op_id,
                user: u,
                op,
                via_me: false,
                error,
                seen,
            });
        }
    }
    done
}

async fn task(
    index: usize,
    cfg: Arc<Config>,
    clients: Arc<Clients>,
    ops: usize,
    initial: Vec<(usize, BTreeMap<PhoneType, String>)>,
    next_op: Arc<std::sync::atomic::AtomicU64>,
) -> Vec<Done> {
    let mut rng = Rng(cfg.seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let users: Vec<usize> = initial.iter().map(|(u, _)| *u).collect();
    let mut beliefs: HashMap<usize, Belief> =
        initial.into_iter().map(|(u, b)| (u, Some(b))).collect();
    // Numbers used so far per user (the counter never goes back, so numbers never repeat).
    let mut counters: HashMap<usize, usize> = users.iter().map(|u| (*u, 0)).collect();
    let mut done = Vec::with_capacity(ops);
    for _ in 0..ops {
        let u = users[rng.below(users.len())];
        let op = match &beliefs[&u] {
            None => Op::Resync,
            Some(b) => choose(&mut rng, b, u, counters.get_mut(&u).unwrap()),
        };
        let via_me = rng.below(5) == 0 && op.self_service();
        let by_id = rng.below(2) == 0;
        let op_id = next_op.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = execute(&clients, u, &op, via_me, by_id)
            .instrument(correlate::op_span(op_id))
            .await;
        let belief = beliefs.get_mut(&u).unwrap();
        let mut seen = None;
        let error = match result {
            Ok(listed) => {
                seen = listed.clone();
                match (&op, belief.as_mut()) {
                    (Op::List | Op::Resync, _) => {
                        *belief = Some(listed.expect("a listing").into_iter().collect())
                    }
                    (Op::Create(t, n) | Op::Update(t, n), Some(b)) => {
                        b.insert(*t, n.clone());
                    }
                    (Op::Delete(t), Some(b)) => {
                        b.remove(t);
                    }
                    _ => {}
                }
                None
            }
            Err(e) => {
                let kind = classify(&op, &e).unwrap_or_else(|unexpected| {
                    panic!("{} on user {u}: unexpected error {unexpected}", op.name())
                });
                // The change may or may not have happened: learn the phones again.
                *belief = None;
                Some(kind)
            }
        };
        done.push(Done {
            op_id,
            user: u,
            op,
            via_me,
            error,
            seen,
        });
    }
    done
}

/// The figures of a run.
#[derive(Debug, Default)]
pub struct Figures {
    pub operations: usize,
    pub operations_by_kind: BTreeMap<&'static str, usize>,
    pub operations_via_me: usize,
    pub requests: usize,
    pub faults: BTreeMap<String, usize>,
    pub retries: usize,
    /// Faults after which a retry may follow (429, 503, 504, dropped connections).
    pub retryable_faults: usize,
    pub max_attempts_seen: usize,
    pub errors: BTreeMap<String, usize>,
    pub applied_despite_error: usize,
    /// The batch mode: batch requests sent.
    pub batches: usize,
    pub wall_time: Duration,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "operations        {} ({} under /me, the rest under /users)",
            self.operations, self.operations_via_me
        )?;
        for (k, n) in &self.operations_by_kind {
            writeln!(f, "  {k:<16}{n}")?;
        }
        writeln!(f, "requests          {}", self.requests)?;
        let total: usize = self.faults.values().sum();
        writeln!(
            f,
            "faults            {total} ({:.1} % of requests)",
            100.0 * total as f64 / self.requests.max(1) as f64
        )?;
        for (k, n) in &self.faults {
            writeln!(f, "  {k:<16}{n}")?;
        }
        writeln!(
            f,
            "retries           {} ({:.2} per retryable fault; at most {} attempts per call)",
            self.retries,
            self.retries as f64 / self.retryable_faults.max(1) as f64,
            self.max_attempts_seen
        )?;
        let errors: usize = self.errors.values().sum();
        writeln!(f, "errors            {errors}")?;
        for (k, n) in &self.errors {
            writeln!(f, "  {k:<32}{n}")?;
        }
        writeln!(
            f,
            "applied although the client saw an error: {}",
            self.applied_despite_error
        )?;
        if self.batches > 0 {
            writeln!(f, "batches           {}", self.batches)?;
        }
        write!(f, "wall time         {:.2?}", self.wall_time)
    }
}

const RETRYABLE_FAULTS: [&str; 5] = ["429", "503", "504-after", "drop-before", "drop-after"];

/// Runs the soak and checks it; returns the figures.
pub async fn run(cfg: Config) -> Figures {
    let (ids, item_ids): (CallIds, ItemIds) = correlate::install();
    let cfg = Arc::new(cfg);
    // The checks correlate every attempt through the request log, so it must keep them all:
    // far more room than the run needs (an operation is a few requests, pages and retries
    // included), checked below.
    let mut builder = Emulator::builder()
        .tenant(tenant(cfg.users))
        .faults(fault_plan(cfg.seed, cfg.fault_rate))
        .request_log_capacity(cfg.ops.saturating_mul(64).max(10_000));
    if let Some(n) = cfg.page_size {
        builder = builder.page_size(n);
    }
    let emu = builder.start().await.expect("emulator starts");
    let handle = emu.handle().clone();
    let initial_tenant = handle.tenant();
    let base = emu.base_url();
    // One connection pool for every client (building one per token is slow); like the
    // runtime's own client, it follows no redirects.
    let http = graph_phone_client::runtime::http_client_builder()
        .expect("TLS configuration")
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client builds");
    let clients = Arc::new(Clients {
        app: build_client(&http, &base, APP_TOKEN),
        me: (0..cfg.users)
            .map(|u| build_client(&http, &base, &delegated_token(u)))
            .collect(),
    });
    let phones_of = |user: &User| -> BTreeMap<PhoneType, (String, SmsSignInState)> {
        user.phone_methods
            .iter()
            .map(|p| (p.phone_type, (p.phone_number.clone(), p.state())))
            .collect()
    };

    let started = Instant::now();
    let next_op = Arc::new(std::sync::atomic::AtomicU64::new(1 << 40 | cfg.seed << 20));
    let mut set = tokio::task::JoinSet::new();
    for t in 0..cfg.tasks {
        let owned: Vec<(usize, BTreeMap<PhoneType, String>)> = (0..cfg.users)
            .filter(|u| u % cfg.tasks == t)
            .map(|u| {
                let phones = phones_of(&initial_tenant.users[u])
                    .into_iter()
                    .map(|(t, (n, _))| (t, n))
                    .collect();
                (u, phones)
            })
            .collect();
        if owned.is_empty() {
            continue;
        }
        let ops = cfg.ops / cfg.tasks + usize::from(t < cfg.ops % cfg.tasks);
        if cfg.batch {
            set.spawn(task_batched(
                t,
                cfg.clone(),
                clients.clone(),
                ops,
                owned,
                next_op.clone(),
            ));
        } else {
            set.spawn(task(
                t,
                cfg.clone(),
                clients.clone(),
                ops,
                owned,
                next_op.clone(),
            ));
        }
    }
    let joined = tokio::time::timeout(cfg.time_limit, async {
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.extend(r.expect("a soak task panicked"));
        }
        all
    })
    .await;
    let wall_time = started.elapsed();
    let done = joined.unwrap_or_else(|_| {
        panic!(
            "the soak did not finish within {:?}: a hang or a retry storm",
            cfg.time_limit
        )
    });
    assert_eq!(done.len(), cfg.ops, "every operation ended");

    let log = handle.requests();
    assert_eq!(
        handle.dropped_requests(),
        0,
        "the request log dropped records: raise its capacity"
    );
    let final_tenant = handle.tenant();
    let ids = ids.lock().unwrap().clone();
    let item_ids = item_ids.lock().unwrap().clone();
    let figures = check(
        &cfg,
        &done,
        &log,
        (&ids, &item_ids),
        &initial_tenant,
        &final_tenant,
        wall_time,
    );

    // Read back through the client, faults off: the same phones, no duplicates.
    handle.clear_faults();
    for (u, user) in final_tenant.users.iter().enumerate() {
        let listed: Vec<_> = clients
            .app
            .user(upn(u))
            .phone_methods()
            .list()
            .try_collect()
            .await
            .expect("listing without faults");
        let mut seen: Vec<&str> = listed.iter().map(|p| p.id.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            listed.len(),
            "user {u}: duplicate phone methods"
        );
        let by_type: BTreeMap<PhoneType, String> = listed
            .iter()
            .map(|p| {
                (
                    PhoneType::from_method_id(&p.id).expect("a known phone id"),
                    p.phone_number.clone().unwrap_or_default(),
                )
            })
            .collect();
        let expected: BTreeMap<PhoneType, String> = phones_of(user)
            .into_iter()
            .map(|(t, (n, _))| (t, n))
            .collect();
        assert_eq!(
            by_type, expected,
            "user {u}: the listing differs from the state"
        );
    }
    emu.shutdown().await;
    Figures {
        wall_time,
        ..figures
    }
}

type Phones = BTreeMap<PhoneType, (String, SmsSignInState)>;
/// Operation number -> its calls' `client-request-id`s.
type OpCalls = HashMap<u64, Vec<String>>;
/// Operation number -> its batch item's sends (batch `client-request-id`, item id).
type OpItems = HashMap<u64, Vec<(String, String)>>;

fn check(
    cfg: &Config,
    done: &[Done],
    log: &[RequestRecord],
    // Per operation: its calls' client-request-ids, and (the batch mode) its items' sends.
    (ids, item_ids): (&OpCalls, &OpItems),
    initial: &Tenant,
    fin: &Tenant,
    wall_time: Duration,
) -> Figures {
    let mut figures = Figures {
        operations: done.len(),
        requests: log.len(),
        wall_time,
        ..Figures::default()
    };

    // The log, per call.
    let mut calls: HashMap<&str, Vec<&RequestRecord>> = HashMap::new();
    for r in log {
        if let Some(f) = &r.fault {
            *figures.faults.entry(f.clone()).or_default() += 1;
        }
        let crid = r
            .client_request_id
            .as_deref()
            .unwrap_or_else(|| panic!("request {} without client-request-id", r.seq));
        calls.entry(crid).or_default().push(r);
    }
    // No retry storm: a call retries only after a retryable fault, at most MAX_ATTEMPTS
    // times in all. (The batch mode checks this per operation below: one batch's records
    // share its client-request-id.)
    let batch_calls = if cfg.batch { calls.len() } else { 0 };
    for (crid, records) in calls.iter().filter(|_| !cfg.batch) {
        figures.retries += records.len() - 1;
        figures.max_attempts_seen = figures.max_attempts_seen.max(records.len());
        assert!(
            records.len() <= MAX_ATTEMPTS as usize,
            "call {crid}: {} attempts",
            records.len()
        );
        for r in &records[..records.len() - 1] {
            let f = r.fault.as_deref().unwrap_or("none");
            assert!(
                RETRYABLE_FAULTS.contains(&f),
                "call {crid}: retried after an attempt answered {:?} (fault {f})",
                r.status
            );
        }
    }
    let retryable_faults: usize = RETRYABLE_FAULTS
        .iter()
        .map(|f| figures.faults.get(*f).copied().unwrap_or(0))
        .sum();
    if !cfg.batch {
        assert!(figures.retries <= retryable_faults);
    }
    figures.retryable_faults = retryable_faults;
    figures.batches = batch_calls;
    // The batch mode: the records of a batch, by its client-request-id, and whether a
    // fault dropped its connection (then every item of it may be sent again).
    let mut batch_items: HashMap<(&str, &str), Vec<&RequestRecord>> = HashMap::new();
    let mut lost_batches: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for r in log {
        if let (Some(crid), Some(item)) = (r.client_request_id.as_deref(), r.batch_item.as_deref())
        {
            batch_items.entry((crid, item)).or_default().push(r);
            if matches!(r.fault.as_deref(), Some("drop-before" | "drop-after")) {
                lost_batches.insert(crid);
            }
        }
    }

    // The model: per user, in the order the owning task ran them.
    let mut model: Vec<Phones> = initial
        .users
        .iter()
        .map(|u| {
            u.phone_methods
                .iter()
                .map(|p| (p.phone_type, (p.phone_number.clone(), p.state())))
                .collect()
        })
        .collect();
    let mut ops: Vec<&Done> = done.iter().collect();
    ops.sort_by_key(|d| d.op_id); // per task, op ids grow; users are owned by one task
    for d in ops {
        *figures.operations_by_kind.entry(d.op.name()).or_default() += 1;
        figures.operations_via_me += usize::from(d.via_me);
        if let Some(e) = &d.error {
            *figures.errors.entry(e.clone()).or_default() += 1;
        }
        let records: Vec<&RequestRecord> = if cfg.batch {
            let mut records: Vec<&RequestRecord> = item_ids
                .get(&d.op_id)
                .map(|sends| {
                    sends
                        .iter()
                        .flat_map(|(c, i)| {
                            batch_items
                                .get(&(c.as_str(), i.as_str()))
                                .cloned()
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .unwrap_or_default();
            records.sort_by_key(|r| r.seq);
            records.dedup_by_key(|r| r.seq);
            check_batched_op(d, &records, &lost_batches, &mut figures);
            records
        } else {
            ids.get(&d.op_id)
                .map(|crids| {
                    crids
                        .iter()
                        .flat_map(|c| calls.get(c.as_str()).cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default()
        };
        // In the batch mode an item after the one whose fault dropped the batch never ran;
        // it may end in an error without a record.
        assert!(
            !records.is_empty() || (cfg.batch && d.error.is_some()),
            "op {} ({:?}) sent nothing",
            d.op_id,
            d.op
        );
        let uid = object_id(d.user);
        for r in &records {
            if let Some(id) = &r.user_id {
                assert_eq!(id, &uid, "op {}: a request for another user", d.op_id);
            }
        }
        let applied = records.iter().filter(|r| r.applied).count();
        if !d.op.is_write() {
            assert_eq!(applied, 0, "op {}: a read applied a change", d.op_id);
            // What a read returned is what the model holds at that point.
            let expected = |t: &PhoneType| model[d.user].get(t).map(|(n, _)| n.clone());
            match (&d.op, &d.seen) {
                (Op::List | Op::Resync, Some(listed)) => {
                    let mut types: Vec<PhoneType> = listed.iter().map(|(t, _)| *t).collect();
                    types.sort_unstable();
                    types.dedup();
                    assert_eq!(
                        types.len(),
                        listed.len(),
                        "op {}: a phone listed twice",
                        d.op_id
                    );
                    let listed: BTreeMap<PhoneType, String> = listed.iter().cloned().collect();
                    let model: BTreeMap<PhoneType, String> = model[d.user]
                        .iter()
                        .map(|(t, (n, _))| (*t, n.clone()))
                        .collect();
                    assert_eq!(listed, model, "op {}: user {} listed", d.op_id, d.user);
                }
                (Op::Get(t), Some(got)) => {
                    assert_eq!(Some(got[0].1.clone()), expected(t), "op {}: get", d.op_id);
                }
                _ => {}
            }
            continue;
        }
        if d.error.is_none() {
            assert!(
                applied >= 1,
                "op {} ({:?}) succeeded unapplied",
                d.op_id,
                d.op
            );
        } else if applied > 0 {
            figures.applied_despite_error += 1;
        }
        if let (Op::Create(..), false) = (&d.op, cfg.batch) {
            // A create is never repeated once it may have reached the server.
            assert!(
                applied <= 1,
                "op {}: create applied {applied} times",
                d.op_id
            );
            for (i, r) in records.iter().enumerate() {
                let ambiguous = matches!(
                    r.fault.as_deref(),
                    Some("504-after" | "drop-after" | "drop-before")
                );
                assert!(
                    !ambiguous || i + 1 == records.len(),
                    "op {}: create repeated after {:?}",
                    d.op_id,
                    r.fault
                );
            }
        }
        if applied == 0 {
            continue;
        }
        let policy = sms_enabled_by_policy(d.user);
        let phones = &mut model[d.user];
        match &d.op {
            Op::Create(t, n) => {
                let state = match t {
                    PhoneType::Mobile if policy => SmsSignInState::Ready,
                    PhoneType::Mobile => SmsSignInState::NotAllowedByPolicy,
                    _ => SmsSignInState::NotSupported,
                };
                let old = phones.insert(*t, (n.clone(), state));
                assert!(
                    old.is_none(),
                    "op {}: applied a create over an existing phone",
                    d.op_id
                );
            }
            Op::Update(t, n) => {
                let (number, state) = phones.get_mut(t).expect("updated phone exists");
                *number = n.clone();
                if matches!(
                    state,
                    SmsSignInState::Ready | SmsSignInState::PhoneNumberNotUnique
                ) {
                    *state = SmsSignInState::Ready;
                }
            }
            Op::Delete(t) => {
                phones.remove(t).expect("deleted phone existed");
            }
            Op::EnableSms | Op::DisableSms => {
                let (_, state) = phones.get_mut(&PhoneType::Mobile).expect("a mobile");
                *state = match (&d.op, policy) {
                    (_, false) => SmsSignInState::NotAllowedByPolicy,
                    (Op::EnableSms, true) => SmsSignInState::Ready,
                    _ => SmsSignInState::NotEnabled,
                };
            }
            _ => unreachable!(),
        }
    }

    // The emulator's state equals the model; no unexpected phone method anywhere.
    assert_eq!(fin.users.len(), cfg.users);
    for (u, user) in fin.users.iter().enumerate() {
        let actual: Phones = user
            .phone_methods
            .iter()
            .map(|p| (p.phone_type, (p.phone_number.clone(), p.state())))
            .collect();
        assert_eq!(
            actual.len(),
            user.phone_methods.len(),
            "user {u}: two phones of one type"
        );
        for (number, _) in actual.values() {
            assert!(
                number.starts_with(&format!("+1 5{u:04}")),
                "user {u}: a number the soak never gave this user"
            );
        }
        assert_eq!(actual, model[u], "user {u}: state differs from the model");
    }
    figures
}

/// The batch mode's checks of one operation's sends (its item's records in the log, in
/// order): at most `BULK_MAX_ATTEMPTS` sends per batch attempt, each send but the last
/// after a retryable fault of its own or of its batch (a dropped connection loses every
/// item), and a create never sent again once it may have reached the server.
fn check_batched_op(
    d: &Done,
    records: &[&RequestRecord],
    lost_batches: &std::collections::HashSet<&str>,
    figures: &mut Figures,
) {
    if records.is_empty() {
        return;
    }
    figures.retries += records.len() - 1;
    figures.max_attempts_seen = figures.max_attempts_seen.max(records.len());
    assert!(
        records.len() <= (BULK_MAX_ATTEMPTS * MAX_ATTEMPTS) as usize,
        "op {}: {} sends",
        d.op_id,
        records.len()
    );
    for r in &records[..records.len() - 1] {
        let own = r.fault.as_deref().unwrap_or("none");
        let lost = r
            .client_request_id
            .as_deref()
            .is_some_and(|c| lost_batches.contains(c));
        assert!(
            RETRYABLE_FAULTS.contains(&own) || lost,
            "op {}: sent again after an answer {:?} (fault {own})",
            d.op_id,
            r.status
        );
        if let Op::Create(..) = d.op {
            let ambiguous = matches!(own, "504-after" | "drop-after" | "drop-before") || lost;
            assert!(!ambiguous, "op {}: create sent again after {own}", d.op_id);
        }
    }
    if let Op::Create(..) = d.op {
        let applied = records.iter().filter(|r| r.applied).count();
        assert!(
            applied <= 1,
            "op {}: create applied {applied} times",
            d.op_id
        );
    }
}
