//! Reading, planning and applying many users' plans, crash-safe: [`read_plans`] and
//! [`apply`].

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{Stream, StreamExt};
use graph_phone_runtime::{BatchItem, Bulk, Error, Page, PhoneMethodId};
use graph_phone_types::{
    PhoneAuthenticationMethod, PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
};

use super::journal::{FORMAT, Journal, JournalError, ReadRecord, Record, WriteResult};
use super::report::{ErrorInfo, Report};
use super::{CurrentPhones, DesiredPhones, PlanError, Step, UserKey, UserPlan, plan};
use crate::{GraphClient, Query};

/// A progress callback: called after every user read and every write answered.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Where a [`read_plans`] or [`apply`] call is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// What is being done.
    pub phase: Phase,
    /// How many of this phase's users (reading) or writes (writing) are done.
    pub done: usize,
    /// How many there are in this phase (writes of users stopped by a failure are taken
    /// off as they stop).
    pub total: usize,
    /// The pass of the run (1, then one more each time users are read again after
    /// writing: to confirm the writes, or to resume after an unknown outcome).
    pub pass: u32,
}

/// A phase of [`Progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Reading users' phones and planning.
    Reading,
    /// Sending writes; `round` k sends step k of every user's plan (from 0).
    Writing {
        /// The round.
        round: usize,
    },
}

/// Settings of [`read_plans`].
#[derive(Clone)]
pub struct ReadOptions {
    /// Most JSON batches of reads in flight at once ([`Bulk::max_concurrency`] of
    /// [`GraphClient::bulk`]; default 16; 0 counts as 1). The bulk path adapts below it
    /// when Graph throttles.
    pub concurrency: usize,
    /// Called after each user read.
    pub progress: Option<ProgressFn>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            concurrency: 16,
            progress: None,
        }
    }
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("concurrency", &self.concurrency)
            .field("progress", &self.progress.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// Settings of [`apply`]. Start from [`ApplyOptions::new`].
#[derive(Clone)]
pub struct ApplyOptions {
    /// The progress journal (created if missing). Run again with the same file to resume
    /// an interrupted run; the report then covers every run in it. It holds user
    /// principal names and phone numbers: keep it like the input file (on Unix it is
    /// created readable by its owner only). One `apply` at a time per journal.
    pub journal: PathBuf,
    /// Called after every user read and every write answered.
    pub progress: Option<ProgressFn>,
    /// Most JSON batches in flight at once ([`Bulk::max_concurrency`] of
    /// [`GraphClient::bulk`]; default 16; at least 1), when [`ApplyOptions::bulk`] is not
    /// set. The bulk path adapts below it when Graph throttles.
    pub concurrency: usize,
    /// The bulk path reads and writes go through (JSON batches of up to 20, adaptive
    /// concurrency, per-item retries), configured as wished; `None`:
    /// [`GraphClient::bulk`] with [`ApplyOptions::concurrency`]. [`apply`] always sets
    /// [`Bulk::resend_unknown`]`(false)` on it: a write whose outcome is unknown is not
    /// sent again, its user is read again instead.
    pub bulk: Option<Bulk>,
    /// Passes of read, plan and write per run (default 3; at least 1). Users whose writes
    /// succeeded are read once more to confirm; users whose write had an unknown outcome
    /// (no answer, 5xx, throttled out of retries) or met a changed state (404, 409) are
    /// read again and replanned in the next pass.
    pub max_passes: u32,
}

impl ApplyOptions {
    /// The defaults, with this journal.
    pub fn new(journal: impl Into<PathBuf>) -> ApplyOptions {
        ApplyOptions {
            journal: journal.into(),
            progress: None,
            concurrency: 16,
            bulk: None,
            max_passes: 3,
        }
    }

    /// Sets the progress callback.
    pub fn progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Sets [`ApplyOptions::concurrency`].
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the bulk path (for example `client.bulk().max_batch_size(10)`).
    pub fn bulk(mut self, bulk: Bulk) -> Self {
        self.bulk = Some(bulk);
        self
    }

    /// Sets [`ApplyOptions::max_passes`].
    pub fn max_passes(mut self, passes: u32) -> Self {
        self.max_passes = passes;
        self
    }
}

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("journal", &self.journal)
            .field("progress", &self.progress.as_ref().map(|_| "Fn"))
            .field("concurrency", &self.concurrency)
            .field("bulk", &self.bulk)
            .field("max_passes", &self.max_passes)
            .finish()
    }
}

/// Why [`apply`] could not run (a user's own failure is in the [`Report`], not here).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The journal could not be opened, read, written or synced.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A user is given twice.
    #[error(
        "user {user} is given twice (entries {first} and {second}, counting from 1); give \
         each user once"
    )]
    DuplicateUser {
        /// The user.
        user: UserKey,
        /// Its first entry.
        first: usize,
        /// Its second entry.
        second: usize,
    },
    /// A setting is out of range.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// Which.
        option: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Why a user could not be planned by [`read_plans`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Listing the user's phone methods failed.
    #[error("user {user}: reading the phone methods: {source}")]
    Read {
        /// The user.
        user: UserKey,
        /// The client's error.
        #[source]
        source: Error,
    },
    /// The phones were read; no plan reaches the desired state.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// One user's result of [`read_plans`].
#[derive(Debug)]
#[non_exhaustive]
pub struct UserRead {
    /// The user.
    pub user: UserKey,
    /// The phones read, when the read succeeded.
    pub current: Option<CurrentPhones>,
    /// The plan, or why there is none.
    pub result: Result<UserPlan, ReadError>,
}

/// Reads every user's phones (their `phoneMethods` list, through the bulk path) and plans
/// each; one result per user, in input order. A user's read or plan error is kept in its
/// [`UserRead`] and does not stop the others. Sends no write.
pub async fn read_plans(
    client: &GraphClient,
    desired: &[(UserKey, DesiredPhones)],
    options: &ReadOptions,
) -> Vec<UserRead> {
    let bulk = client.bulk().max_concurrency(options.concurrency.max(1));
    let all: Vec<usize> = (0..desired.len()).collect();
    read_users(client, &bulk, desired, &all, options.progress.as_ref(), 1)
        .await
        .into_iter()
        .map(|(_, read)| read)
        .collect()
}

/// Plans one user from the first page of their phone methods (and the next pages, if
/// Graph pages a list of at most three).
async fn plan_user(
    client: &GraphClient,
    user: &UserKey,
    desired: &DesiredPhones,
    first: Result<Page<PhoneAuthenticationMethod>, Error>,
) -> UserRead {
    let not_read = |source| UserRead {
        user: user.clone(),
        current: None,
        result: Err(ReadError::Read {
            user: user.clone(),
            source,
        }),
    };
    let mut page = match first {
        Ok(page) => page,
        Err(e) => return not_read(e),
    };
    let phones = client.user(user.as_str()).phone_methods();
    let mut methods = Vec::new();
    // At most three phones: a handful of pages even at $top=1; bounded all the same.
    for _ in 0..16 {
        if let Some(bad) = page.item_errors.first() {
            return not_read(Error::Item {
                operation: "users_phone_methods_list".to_owned(),
                error: Box::new(bad.clone()),
            });
        }
        let next = match phones.next_page(&page).await {
            Ok(next) => next,
            Err(e) => return not_read(e),
        };
        methods.append(&mut page.items);
        match next {
            Some(next) => page = next,
            None => break,
        }
    }
    match CurrentPhones::from_methods(user, &methods) {
        Ok(current) => {
            let result = plan(user, &current, desired).map_err(ReadError::Plan);
            UserRead {
                user: user.clone(),
                current: Some(current),
                result,
            }
        }
        Err(e) => UserRead {
            user: user.clone(),
            current: None,
            result: Err(ReadError::Plan(e)),
        },
    }
}

/// Reads the users `which` (indices into `desired`) through the bulk path; returns
/// `(index, read)` in the order of `which`.
async fn read_users(
    client: &GraphClient,
    bulk: &Bulk,
    desired: &[(UserKey, DesiredPhones)],
    which: &[usize],
    progress: Option<&ProgressFn>,
    pass: u32,
) -> Vec<(usize, UserRead)> {
    let total = which.len();
    let mut reads: Vec<Option<UserRead>> = (0..total).map(|_| None).collect();
    let mut items = Vec::with_capacity(total);
    let mut positions = Vec::with_capacity(total);
    for (position, &i) in which.iter().enumerate() {
        let user = &desired[i].0;
        match client
            .user(user.as_str())
            .phone_methods()
            .list_page_item(&Query::new())
        {
            Ok(item) => {
                items.push(item);
                positions.push(position);
            }
            Err(e) => reads[position] = Some(plan_user(client, user, &desired[i].1, Err(e)).await),
        }
    }
    let mut done = total - items.len();
    let mut answers = std::pin::pin!(bulk.stream(items));
    while let Some((k, page)) = answers.next().await {
        let position = positions[k];
        let i = which[position];
        reads[position] = Some(plan_user(client, &desired[i].0, &desired[i].1, page).await);
        done += 1;
        if let Some(p) = progress {
            p(&Progress {
                phase: Phase::Reading,
                done,
                total,
                pass,
            });
        }
    }
    which
        .iter()
        .zip(reads)
        .map(|(&i, read)| {
            let read = read.unwrap_or_else(|| UserRead {
                user: desired[i].0.clone(),
                current: None,
                result: Err(ReadError::Read {
                    user: desired[i].0.clone(),
                    source: Error::InvalidRequest {
                        operation: "users_phone_methods_list".to_owned(),
                        reason: "the bulk run ended without this read's result".to_owned(),
                    },
                }),
            });
            (i, read)
        })
        .collect()
}

/// The batch item of one write.
fn write_item(client: &GraphClient, user: &UserKey, step: &Step) -> Result<BatchItem<()>, Error> {
    let phones = client.user(user.as_str()).phone_methods();
    Ok(match step {
        Step::Create { phone_type, number } => phones
            .create_item(&PhoneAuthenticationMethodCreate::new(
                number.as_str(),
                phone_type.to_authentication_phone_type(),
            ))?
            .discard(),
        // Only the number: an update cannot change a phone's type.
        Step::UpdateNumber { phone_type, number } => phones.update_item(
            phone_type.method_id(),
            &PhoneAuthenticationMethodUpdate::default().with_phone_number(number.as_str()),
        )?,
        Step::Delete { phone_type } => phones.delete_item(phone_type.method_id())?,
        Step::EnableSmsSignIn => phones.enable_sms_sign_in_item(PhoneMethodId::Mobile)?,
        Step::DisableSmsSignIn => phones.disable_sms_sign_in_item(PhoneMethodId::Mobile)?,
    })
}

/// Sends one round of writes through the bulk path; yields `(position in items, result)`
/// as they complete, exactly once each. The one place writes are sent.
fn write_round(
    client: &GraphClient,
    bulk: &Bulk,
    items: Vec<(UserKey, Step)>,
) -> impl Stream<Item = (usize, Result<(), Error>)> + Send + 'static {
    let mut refused = Vec::new();
    let mut batch = Vec::with_capacity(items.len());
    let mut positions = Vec::with_capacity(items.len());
    for (position, (user, step)) in items.iter().enumerate() {
        match write_item(client, user, step) {
            Ok(item) => {
                batch.push(item);
                positions.push(position);
            }
            // Checked before sending (a number, the national cloud): nothing sent.
            Err(e) => refused.push((position, Err(e))),
        }
    }
    futures::stream::iter(refused).chain(
        bulk.stream(batch)
            .map(move |(k, result)| (positions[k], result)),
    )
}

/// What to do when the phone to delete is the user's default MFA method.
pub(crate) const ACTION_DEFAULT_METHOD: &str = "this phone is the user's default multi-factor \
     authentication method, which Graph does not delete: have the user (or an administrator) \
     choose another default method, then run again";
/// What to do when the mobile number is used by someone else for SMS sign-in.
pub(crate) const ACTION_NOT_UNIQUE: &str = "the mobile number is already used for SMS sign-in \
     by someone else (phoneNumberNotUnique): give this user another mobile number, or do not \
     ask for SMS sign-in, then run again";
const ACTION_RUN_AGAIN: &str = "run again with the same journal (the state is read first, \
     nothing applied is repeated)";

fn mentions(g: &graph_phone_runtime::GraphError, word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    [Some(&g.code), g.inner_code.as_ref(), Some(&g.message)]
        .into_iter()
        .flatten()
        .any(|s| s.to_ascii_lowercase().contains(&word))
}

/// Sorts a write's error: refused for good, or to be re-read.
fn classify(step: &Step, error: &Error) -> WriteResult {
    let error_info = ErrorInfo::from_error(error);
    let failed = |action: &str| WriteResult::Failed {
        error: error_info.clone(),
        action: action.to_owned(),
    };
    match error {
        // Nothing was sent.
        Error::InvalidInput { .. } | Error::InvalidRequest { .. } => {
            failed("the write was refused before sending: check this user's desired phones")
        }
        Error::UnsupportedInCloud { .. } | Error::UnknownOperation { .. } => failed(
            "the configured national cloud does not offer this operation: change the desired \
             state, or apply it in another way",
        ),
        Error::Auth { .. } => failed("the token provider failed: check the credentials"),
        Error::Graph(g) => {
            // The delete page documents the refusal, not its code: recognise it by the
            // code or message naming the default method.
            if matches!(step, Step::Delete { .. })
                && (400..500).contains(&g.status)
                && mentions(g, "default")
            {
                return failed(ACTION_DEFAULT_METHOD);
            }
            if matches!(step, Step::EnableSmsSignIn)
                && (400..500).contains(&g.status)
                && mentions(g, "unique")
            {
                return failed(ACTION_NOT_UNIQUE);
            }
            match g.status {
                401 => failed(
                    "Graph refused the token: check the credentials, the tenant and the cloud",
                ),
                403 => failed(
                    "the caller may not write this user's phone methods: an application needs \
                     UserAuthenticationMethod.ReadWrite.All; a delegated caller also needs the \
                     Authentication Administrator or Privileged Authentication Administrator \
                     role",
                ),
                // The state changed since it was read: read again and replan.
                404 | 409 => WriteResult::Reread { error: error_info },
                408 | 429 | 500.. => WriteResult::Reread { error: error_info },
                _ => failed(
                    "Graph refused the write: check this user's desired phones against the \
                     error code",
                ),
            }
        }
        // No answer, a timeout, throttled out of retries, an unreadable answer: unknown
        // whether it was applied.
        _ => WriteResult::Reread { error: error_info },
    }
}

fn read_record(read: &UserRead) -> ReadRecord {
    match &read.result {
        Ok(plan) => ReadRecord::Planned {
            steps: plan.steps.clone(),
        },
        Err(ReadError::Read { source, .. }) => {
            let action = match source.status() {
                Some(404) => "the user was not found: check the object id or user principal name",
                Some(401) => "Graph refused the token: check the credentials",
                Some(403) => {
                    "the caller may not read this user's phone methods: an application needs \
                     UserAuthenticationMethod.Read.All (ReadWrite.All to apply)"
                }
                _ => ACTION_RUN_AGAIN,
            };
            ReadRecord::NotRead {
                error: ErrorInfo::from_error(source),
                action: action.to_owned(),
            }
        }
        Err(ReadError::Plan(e)) => {
            let action = match e {
                PlanError::SmsSignInNumberNotUnique { .. } => ACTION_NOT_UNIQUE.to_owned(),
                other => {
                    let message = other.to_string();
                    match message.split_once("; ") {
                        Some((_, what)) => what.to_owned(),
                        None => "check this user's desired phones".to_owned(),
                    }
                }
            };
            ReadRecord::PlanFailed {
                error: ErrorInfo::from_plan_error(e),
                action,
            }
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The journal and every record in it, the new ones included.
struct Log {
    journal: Journal,
    records: Vec<Record>,
}

impl Log {
    fn add(&mut self, record: Record) {
        self.journal.append(&record);
        self.records.push(record);
    }
}

/// Takes every user of `desired` to their desired phones, crash-safe, and reports every
/// user's outcome over every run recorded in the journal.
///
/// Per pass: reads every user still to do and plans it ([`plan`]); then sends the writes
/// in rounds, round k carrying step k of every plan that has one, each user's step only
/// after its previous step succeeded. Users whose writes all succeeded are read once more
/// in the next pass to confirm (this is where a `phoneNumberNotUnique` SMS sign-in state
/// shows); users whose write's outcome is unknown (the bulk path ends it in
/// [`Error::OutcomeUnknown`] rather than send it again) are read again and replanned,
/// never sent the same write blindly; the journal records that write's result as
/// `reread` with the code `outcomeUnknown`. A write Graph refuses for good (a delete of the default
/// MFA method, a permission missing, an invalid number) stops that user, reported with
/// Graph's code, request id and what to do.
///
/// Crash safety: before a round is sent its writes are recorded in the journal and synced
/// to disk, and each answer is recorded as it arrives. Killing the process (or dropping
/// this future) at any point and calling `apply` again with the same journal re-reads
/// every user and plans from what Graph holds, so a write that was applied is never sent
/// again; the report then covers both runs. A journal whose last record was cut by a kill
/// is accepted (the torn record is dropped and the report says so).
///
/// Unchanged users cost one read and no write. Errors here are about the run itself (the
/// journal, a user given twice, an option out of range); a user's failure is in the
/// report.
///
/// ```no_run
/// use graph_phone_client::reconcile::{self, ApplyOptions, DesiredPhones, SmsSignIn, UserKey};
/// # async fn demo(client: graph_phone_client::GraphClient) -> Result<(), Box<dyn std::error::Error>> {
/// let user = UserKey::new("kim@contoso.com")?;
/// let phones = DesiredPhones::parse(&user, Some("+1 2065550100"), None, None, SmsSignIn::Enabled)?;
/// let desired = vec![(user, phones)];
///
/// // Only look: read and plan, no write.
/// for read in reconcile::read_plans(&client, &desired, &Default::default()).await {
///     match read.result {
///         Ok(plan) => println!("{plan}"), // numbers masked
///         Err(e) => println!("{e}"),
///     }
/// }
///
/// // Apply, crash-safe. Killed half-way? Run the same call again with the same journal.
/// let report = reconcile::apply(&client, &desired, ApplyOptions::new("campaign.journal")).await?;
/// println!("{report}"); // every user's outcome over every run, numbers masked
/// if !report.all_done() {
///     // Some users failed, were not read, or are pending: the report says what to do.
/// }
/// # Ok(()) }
/// ```
pub async fn apply(
    client: &GraphClient,
    desired: &[(UserKey, DesiredPhones)],
    options: ApplyOptions,
) -> Result<Report, ApplyError> {
    if options.concurrency == 0 {
        return Err(ApplyError::InvalidOption {
            option: "concurrency",
            reason: "must be at least 1",
        });
    }
    if options.max_passes == 0 {
        return Err(ApplyError::InvalidOption {
            option: "max_passes",
            reason: "must be at least 1",
        });
    }
    // Graph matches object ids and user principal names case-insensitively.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, (user, _)) in desired.iter().enumerate() {
        if let Some(first) = seen.insert(user.as_str().to_ascii_lowercase(), i) {
            return Err(ApplyError::DuplicateUser {
                user: user.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
    }
    let opened = Journal::open(&options.journal)?;
    let dropped_tail = opened.dropped_tail;
    let mut log = Log {
        journal: opened.journal,
        records: opened.records,
    };
    let run = log
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Run { run, .. } => Some(*run),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        + 1;
    log.add(Record::Run {
        format: FORMAT,
        run,
        users: desired.len(),
        started: now(),
    });
    log.journal.sync()?;

    let progress = options.progress.as_ref();
    // A write whose outcome is unknown is never sent again by the bulk path: its user is
    // read again and replanned, so that no write reaches Graph twice.
    let bulk = options
        .bulk
        .clone()
        .unwrap_or_else(|| client.bulk().max_concurrency(options.concurrency))
        .resend_unknown(false);
    let mut todo: Vec<usize> = (0..desired.len()).collect();
    for pass in 1..=options.max_passes + 1 {
        let reads = read_users(client, &bulk, desired, &todo, progress, pass).await;
        let mut plans: Vec<(usize, Vec<Step>)> = Vec::new();
        for (i, read) in reads {
            log.add(Record::Read {
                run,
                pass,
                user: desired[i].0.clone(),
                read: read_record(&read),
            });
            if let Ok(plan) = read.result
                && !plan.is_empty()
            {
                plans.push((i, plan.steps));
            }
        }
        log.journal.sync()?;
        // The last pass only reads (confirms, or finds what is still pending).
        if plans.is_empty() || pass > options.max_passes {
            break;
        }
        todo = write_pass(
            client, &bulk, desired, &plans, &options, &mut log, run, pass,
        )
        .await?;
        if todo.is_empty() {
            break;
        }
    }
    log.add(Record::End {
        run,
        finished: now(),
    });
    log.journal.sync()?;
    Ok(Report::from_records(
        log.journal.path().to_path_buf(),
        dropped_tail,
        &log.records,
    ))
}

/// Sends every plan's steps in rounds; returns the users to read again (all but those
/// refused for good).
#[allow(clippy::too_many_arguments)]
async fn write_pass(
    client: &GraphClient,
    bulk: &Bulk,
    desired: &[(UserKey, DesiredPhones)],
    plans: &[(usize, Vec<Step>)],
    options: &ApplyOptions,
    log: &mut Log,
    run: u32,
    pass: u32,
) -> Result<Vec<usize>, ApplyError> {
    // Per plan: still going (every step so far succeeded), refused for good.
    let mut going = vec![true; plans.len()];
    let mut refused = vec![false; plans.len()];
    let mut total: usize = plans.iter().map(|(_, s)| s.len()).sum();
    let mut done = 0;
    let rounds = plans.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    for round in 0..rounds {
        let members: Vec<usize> = (0..plans.len())
            .filter(|&p| going[p] && plans[p].1.len() > round)
            .collect();
        if members.is_empty() {
            break;
        }
        let mut items = Vec::with_capacity(members.len());
        for &p in &members {
            let (i, steps) = &plans[p];
            let user = desired[*i].0.clone();
            log.add(Record::Send {
                run,
                pass,
                user: user.clone(),
                index: round,
                step: steps[round].clone(),
            });
            items.push((user, steps[round].clone()));
        }
        // Durable before anything is sent: a write the journal does not name was never sent.
        log.journal.sync()?;
        let mut answers = std::pin::pin!(write_round(client, bulk, items).ready_chunks(64));
        while let Some(chunk) = answers.next().await {
            for (position, result) in chunk {
                let p = members[position];
                let (i, steps) = &plans[p];
                let step = &steps[round];
                let result = match result {
                    Ok(()) => WriteResult::Ok,
                    Err(e) => classify(step, &e),
                };
                if !matches!(result, WriteResult::Ok) {
                    going[p] = false;
                    refused[p] = matches!(result, WriteResult::Failed { .. });
                    total -= steps.len() - round - 1;
                }
                log.add(Record::Done {
                    run,
                    pass,
                    user: desired[*i].0.clone(),
                    index: round,
                    step: step.clone(),
                    result,
                });
                done += 1;
                if let Some(progress) = &options.progress {
                    progress(&Progress {
                        phase: Phase::Writing { round },
                        done,
                        total,
                        pass,
                    });
                }
            }
            log.journal.sync()?;
        }
    }
    Ok(plans
        .iter()
        .enumerate()
        .filter(|(p, _)| !refused[*p])
        .map(|(_, (i, _))| *i)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::PhoneType;

    fn graph(status: u16, code: &str, message: &str) -> Error {
        Error::Graph(Box::new(graph_phone_runtime::GraphError {
            operation: "users_phone_methods_delete".into(),
            status,
            code: code.into(),
            message: message.into(),
            inner_code: None,
            request_id: Some("5b3b1a3e-0000-4000-8000-000000000001".into()),
            client_request_id: None,
            date: None,
        }))
    }

    fn delete_mobile() -> Step {
        Step::Delete {
            phone_type: PhoneType::Mobile,
        }
    }

    #[test]
    fn a_refused_delete_of_the_default_method_is_final_whatever_its_code() {
        // The delete page documents the refusal but not its code: the code or the message
        // naming the default method is enough.
        for error in [
            graph(409, "defaultMfaMethodCannotBeDeleted", ""),
            graph(
                400,
                "badRequest",
                "The phone is the user's Default authentication method.",
            ),
        ] {
            let WriteResult::Failed {
                error: info,
                action,
            } = classify(&delete_mobile(), &error)
            else {
                panic!("{error}");
            };
            assert_eq!(action, ACTION_DEFAULT_METHOD);
            assert_eq!(
                info.request_id.as_deref(),
                Some("5b3b1a3e-0000-4000-8000-000000000001")
            );
        }
        // The same words on another step are not that refusal.
        let other = classify(
            &Step::Create {
                phone_type: PhoneType::Office,
                number: "+1 2065550100".parse().unwrap(),
            },
            &graph(400, "badRequest", "default"),
        );
        assert!(
            matches!(other, WriteResult::Failed { action, .. } if action != ACTION_DEFAULT_METHOD)
        );
    }

    #[test]
    fn a_changed_state_or_an_unknown_outcome_is_read_again_and_a_refusal_is_final() {
        let reread =
            |e: &Error| matches!(classify(&delete_mobile(), e), WriteResult::Reread { .. });
        for status in [404, 409, 408, 429, 500, 503, 504] {
            assert!(reread(&graph(status, "x", "")), "{status}");
        }
        for status in [400, 401, 403, 415] {
            assert!(!reread(&graph(status, "x", "")), "{status}");
        }
        assert!(reread(&Error::Timeout {
            operation: "x".into(),
            attempts: 1
        }));
        assert!(!reread(&Error::InvalidInput {
            field: "phoneNumber",
            reason: "x".into()
        }));
        // A write the bulk path did not send again after its answer was lost: read again,
        // journaled with its own code and the status of what the send got.
        let unknown = Error::OutcomeUnknown {
            operation: "users_phone_methods_delete".into(),
            attempts: 1,
            source: Box::new(graph(504, "gatewayTimeout", "")),
        };
        let WriteResult::Reread { error } = classify(&delete_mobile(), &unknown) else {
            panic!("not read again");
        };
        assert_eq!(error.code, "outcomeUnknown");
        assert_eq!(error.status, Some(504));
        assert!(error.message.contains("gatewayTimeout") || error.message.contains("504"));
    }

    #[test]
    fn an_enable_refused_as_not_unique_says_what_to_do() {
        let result = classify(
            &Step::EnableSmsSignIn,
            &graph(400, "phoneNumberNotUnique", ""),
        );
        assert!(
            matches!(result, WriteResult::Failed { action, .. } if action == ACTION_NOT_UNIQUE)
        );
    }
}
