//! [`Bulk`]: many batch items through JSON batches, with per-item retries and a
//! concurrency and batch size that adapt to throttling.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, Either};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, Stream, StreamExt};

use crate::batch::{
    BatchItem, BatchReply, MAX_BATCH_ITEMS, RawItem, for_item, is_connect, missing_answer,
};
use crate::cloud::Idempotency;
use crate::error::Error;
use crate::runtime::GraphRuntime;

/// Default [`Bulk::max_concurrency`]: batches in flight at most.
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
/// Default [`Bulk::initial_concurrency`].
pub const DEFAULT_INITIAL_CONCURRENCY: usize = 4;
/// Default [`Bulk::max_attempts`]: sends of one item at most.
pub const DEFAULT_BULK_MAX_ATTEMPTS: u32 = 10;

/// How far back the pacer measures the rate Graph admitted items at.
const PACE_WINDOW: Duration = Duration::from_secs(1);
/// The first pace is measured again this long after it was set.
const PACE_FIRST_RECUT: Duration = Duration::from_millis(200);
/// After a 429 the pacer sends at this share of the rate measured.
const PACE_CUT: f64 = 0.9;
/// Each batch answered without throttling raises the pace by this many items per second
/// per item of it: about 5 % of the pace per second.
const PACE_STEP: f64 = 0.05;

/// Where a [`Bulk`] run stands; handed to the [`Bulk::progress`] callback after every
/// batch answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkProgress {
    /// Items in the run.
    pub total: usize,
    /// Items finished with `Ok`.
    pub succeeded: usize,
    /// Items finished with `Err`.
    pub failed: usize,
    /// Item sends that were retries.
    pub retries: u64,
    /// Item answers 429 or 503 (throttling), and whole batches answered so.
    pub throttled: u64,
    /// Batch requests answered (or failed).
    pub batches: u64,
    /// Batches in flight now.
    pub in_flight: usize,
    /// The concurrency window now (batches in flight at most).
    pub concurrency: usize,
    /// The batch size now.
    pub batch_size: usize,
}

type Progress = Arc<dyn Fn(&BulkProgress) + Send + Sync>;

/// Runs many [`BatchItem`]s through JSON batches of up to 20, several batches at a time,
/// so that a campaign goes as fast as Graph lets it.
///
/// Get one from `GraphClient::bulk()` (or [`Bulk::new`] over a runtime); it is cheap to
/// clone. Each item ends in exactly one result, its operation's typed result or typed
/// error, yielded once ([`Bulk::stream`]) or in input order ([`Bulk::run`]).
///
/// # Retries
///
/// An item answered 429, 503 or 504 inside a batch is sent again in a later batch after
/// its own `Retry-After` (or the retry policy's backoff when it has none), with the single
/// calls' rules: a create (not idempotent) only when Graph said it did not process it
/// (429, or 503 with `Retry-After`), never after a 504; a delete whose retry finds nothing
/// (404) after an earlier answer that may have been applied succeeds. A batch failing as a
/// whole is sent again whole (by the runtime) only when Graph said it did not process it
/// (429, 503 with `Retry-After`, not connected); after an unknown outcome (504, a lost
/// connection) every idempotent item of it is sent again in a later batch, knowing its
/// earlier send may have been applied, and its creates end with the batch's error. With
/// [`Bulk::resend_unknown`]`(false)` no write is sent again after an unknown outcome: it
/// ends in [`Error::OutcomeUnknown`] and the caller reads the state instead. An item gets at most
/// [`Bulk::max_attempts`] sends, no `Retry-After` longer than the retry policy's
/// `max_retry_after`, and no retry past its `Timeouts::overall` from its first send; then
/// it ends in [`Error::ThrottledOutOfRetries`].
///
/// # Adapting to throttling
///
/// Concurrency is a window of batches in flight, additive increase, multiplicative
/// decrease: each batch answered without throttling widens it by `1/window` (one more
/// batch per round trip), a batch with a throttled item (429 or 503) halves it (once per
/// round trip: batches sent before the last decrease do not decrease it again). At a
/// window of one batch, throttling halves the batch size instead (not below the number of
/// the batch's items that went through), which grows back by one per unthrottled batch. A `Retry-After` on a 429 also holds every new batch until the
/// shortest `Retry-After` of that batch's throttled items has passed: Graph throttles per
/// application and tenant, so sending others meanwhile only draws more 429s.
///
/// From the first 429 on, a pacer also spaces the sends out to a rate: 0.9 of the rate at
/// which Graph admitted items, measured since the start at the first 429, then again at a
/// 429 since the last such cut (0.2 s after the first, since that one counts the burst
/// Graph allowed at the start; then at most once a second, over at most a second; never
/// below half the pace it replaces), and raised by about 5 % per second while batches go
/// through unthrottled. Where refused requests count against the limit too (Graph's
/// throttling guidance: "all requests accrue against your usage limits"), each 429 costs
/// capacity; sending at the rate Graph admits keeps them few.
#[derive(Clone)]
pub struct Bulk {
    runtime: GraphRuntime,
    max_batch_size: usize,
    max_concurrency: usize,
    initial_concurrency: usize,
    max_attempts: u32,
    resend_unknown: bool,
    progress: Option<Progress>,
}

impl fmt::Debug for Bulk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulk")
            .field("max_batch_size", &self.max_batch_size)
            .field("max_concurrency", &self.max_concurrency)
            .field("initial_concurrency", &self.initial_concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("resend_unknown", &self.resend_unknown)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Bulk {
    /// A bulk runner over `runtime` with the defaults: batches of 20, 4 batches in flight
    /// at first and at most [`DEFAULT_MAX_CONCURRENCY`], [`DEFAULT_BULK_MAX_ATTEMPTS`]
    /// sends per item.
    pub fn new(runtime: GraphRuntime) -> Bulk {
        Bulk {
            runtime,
            max_batch_size: MAX_BATCH_ITEMS,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            initial_concurrency: DEFAULT_INITIAL_CONCURRENCY,
            max_attempts: DEFAULT_BULK_MAX_ATTEMPTS,
            resend_unknown: true,
            progress: None,
        }
    }

    /// Most items per batch, from 1 to 20 (Graph's limit; default 20). A value outside
    /// that range makes every item of a run end in [`Error::InvalidInput`] (field
    /// `max_batch_size`), nothing sent.
    pub fn max_batch_size(mut self, n: usize) -> Bulk {
        self.max_batch_size = n;
        self
    }

    /// Most batches in flight at once (default 16); at least 1 (0 makes every item end in
    /// [`Error::InvalidInput`], nothing sent).
    pub fn max_concurrency(mut self, n: usize) -> Bulk {
        self.max_concurrency = n;
        self
    }

    /// Batches in flight at the start (default 4, at most `max_concurrency`); the window
    /// grows from there while Graph does not throttle.
    pub fn initial_concurrency(mut self, n: usize) -> Bulk {
        self.initial_concurrency = n;
        self
    }

    /// Most sends of one item, the first included (default 10; at least 1, 0 makes every
    /// item end in [`Error::InvalidInput`]). A campaign under throttling sees many 429s,
    /// each retried after its `Retry-After`; this bounds them per item.
    pub fn max_attempts(mut self, n: u32) -> Bulk {
        self.max_attempts = n;
        self
    }

    /// Whether an idempotent write (PATCH, DELETE, an action such as `enableSmsSignIn`)
    /// whose outcome is unknown is sent again (default `true`). Its outcome is unknown when
    /// it was sent and no answer says whether Graph applied it: the batch carrying it got
    /// no answer (a lost connection, a timeout, 504, 503 without `Retry-After`, an
    /// unreadable answer), the batch answer has no response for it, or the item itself was
    /// answered 504 or 503 without `Retry-After`.
    ///
    /// With `true`, such a write is sent again like a single call's retry: the same
    /// request, so applying it twice leaves the same state, but the service sees it twice.
    /// With `false`, it is never sent again and ends in [`Error::OutcomeUnknown`] (creates
    /// too, which are never sent again either way), so that no write reaches Graph twice;
    /// the caller reads the state to learn what happened (the reconciler in
    /// `graph-phone-client` does). Reads (GET) are sent again either way.
    pub fn resend_unknown(mut self, resend: bool) -> Bulk {
        self.resend_unknown = resend;
        self
    }

    /// A callback run after every batch answered, with where the run stands.
    pub fn progress(mut self, f: impl Fn(&BulkProgress) + Send + Sync + 'static) -> Bulk {
        self.progress = Some(Arc::new(f));
        self
    }

    fn check(&self) -> Result<(), Error> {
        let bad = |field, reason: &str| {
            Err(Error::InvalidInput {
                field,
                reason: reason.to_owned(),
            })
        };
        if !(1..=MAX_BATCH_ITEMS).contains(&self.max_batch_size) {
            return bad(
                "max_batch_size",
                "must be from 1 to 20 (Graph's JSON batching limit)",
            );
        }
        if self.max_concurrency == 0 {
            return bad("max_concurrency", "must be at least 1");
        }
        if self.max_attempts == 0 {
            return bad("max_attempts", "must be at least 1");
        }
        Ok(())
    }

    /// Runs `items`, yielding each item's index in `items` and its final result as soon as
    /// it has one: exactly once per item, in completion order. Dropping the stream stops
    /// the run (batches in flight are abandoned; their items may or may not be applied).
    pub fn stream<T: Send + 'static>(
        &self,
        items: Vec<BatchItem<T>>,
    ) -> impl Stream<Item = (usize, Result<T, Error>)> + Send + 'static + use<T> {
        let state = State::new(self.clone(), items);
        futures::stream::unfold(state, |mut state| async move {
            let next = state.next().await?;
            Some((next, state))
        })
    }

    /// Runs `items` and returns their results in input order.
    pub async fn run<T: Send + 'static>(&self, items: Vec<BatchItem<T>>) -> Vec<Result<T, Error>> {
        let n = items.len();
        let mut out: Vec<Option<Result<T, Error>>> = (0..n).map(|_| None).collect();
        let mut stream = std::pin::pin!(self.stream(items));
        while let Some((i, result)) = stream.next().await {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(result);
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(Error::InvalidRequest {
                        operation: "bulk".to_owned(),
                        reason: "the run ended without a result for this item (a bug)".to_owned(),
                    })
                })
            })
            .collect()
    }
}

/// One item of a run and what its sends so far said.
struct Slot<T> {
    item: BatchItem<T>,
    sends: u32,
    /// An earlier send may have been applied without its answer reaching us.
    maybe_applied: bool,
    first_sent: Option<Instant>,
    last_retry_after: Option<Duration>,
}

/// A batch in flight: its sequence number, its items and what the batch request gave.
struct Flight {
    seq: u64,
    indices: Vec<usize>,
    reply: Result<BatchReply, Error>,
}

enum Verdict<T> {
    Done(Result<T, Error>),
    Retry(Duration),
    /// The item had already finished (never happens: an item is in one place at a time).
    Finished,
}

struct State<T> {
    bulk: Bulk,
    slots: Vec<Option<Slot<T>>>,
    ready: VecDeque<usize>,
    waiting: BinaryHeap<Reverse<(Instant, usize)>>,
    in_flight: FuturesUnordered<BoxFuture<'static, Flight>>,
    out: VecDeque<(usize, Result<T, Error>)>,
    remaining: usize,
    window: f64,
    batch_size: usize,
    hold_until: Option<Instant>,
    launched: u64,
    last_decrease: u64,
    pacer: Pacer,
    progress: BulkProgress,
}

/// Spaces sends out to a rate learnt from Graph's answers (see [`Bulk`]).
#[derive(Default)]
struct Pacer {
    /// Items per second; `None` until the first 429.
    pace: Option<f64>,
    /// The earliest moment the next batch may go.
    next: Option<Instant>,
    /// When the run sent its first batch.
    started: Option<Instant>,
    /// Items that went through (not 429 or 503) per batch answered, in the last
    /// [`PACE_WINDOW`].
    admitted: VecDeque<(Instant, usize)>,
    /// When the pace was last set from a 429.
    last_cut: Option<Instant>,
    /// How many times it was set.
    cuts: u32,
}

impl Pacer {
    /// When the next batch may go, if that is later than `now`.
    fn wait(&self, now: Instant) -> Option<Instant> {
        self.next.filter(|&at| self.pace.is_some() && at > now)
    }

    /// A batch of `items` goes at `now`.
    fn sent(&mut self, items: usize, now: Instant) {
        self.started.get_or_insert(now);
        if let Some(pace) = self.pace {
            let interval = Duration::from_secs_f64(items as f64 / pace);
            // Keep to the schedule when this batch goes a little late (the timer's
            // granularity, a full window): a millisecond lost per batch of 20 ms would be
            // 5 % of the rate. Late by more than a batch's interval, start afresh.
            let from = match self.next {
                Some(at) if now.saturating_duration_since(at) < interval => at,
                _ => now,
            };
            self.next = from.checked_add(interval);
        }
    }

    /// A batch answered at `now`: `went_through` of its items were not throttled, and
    /// `refused` says whether some were answered 429.
    fn answered(&mut self, went_through: usize, refused: bool, now: Instant) {
        self.admitted.push_back((now, went_through));
        while let Some(&(at, _)) = self.admitted.front() {
            if now.duration_since(at) <= PACE_WINDOW {
                break;
            }
            self.admitted.pop_front();
        }
        if !refused {
            if let Some(pace) = self.pace.as_mut() {
                *pace += PACE_STEP * went_through as f64;
            }
            return;
        }
        // The first pace is measured from the start, when Graph's bucket was full: it
        // overshoots by that burst, so it is measured again soon, from the first 429 on
        // (the bucket empty), and from then on once per window.
        let every = if self.cuts == 1 {
            PACE_FIRST_RECUT
        } else {
            PACE_WINDOW
        };
        if self
            .last_cut
            .is_some_and(|at| now.duration_since(at) < every)
        {
            return;
        }
        let Some(started) = self.started else { return };
        // Measure from the last cut (what the pace then set got through) or the start,
        // over at most the window.
        let from = self
            .last_cut
            .unwrap_or(started)
            .max(now - PACE_WINDOW.min(now.duration_since(started)));
        let span = now
            .duration_since(from)
            .max(Duration::from_millis(10))
            .as_secs_f64();
        let admitted: usize = self
            .admitted
            .iter()
            .filter(|&&(at, _)| at > from || self.last_cut.is_none())
            .map(|&(_, n)| n)
            .sum();
        if admitted == 0 {
            // Nothing went through yet: no rate to learn from (the hold still applies).
            return;
        }
        let measured = PACE_CUT * admitted as f64 / span;
        self.pace = Some(match self.pace {
            Some(pace) => measured.max(pace / 2.0),
            None => measured,
        });
        self.last_cut = Some(now);
        self.cuts += 1;
    }
}

impl<T: Send + 'static> State<T> {
    fn new(bulk: Bulk, items: Vec<BatchItem<T>>) -> State<T> {
        let total = items.len();
        let mut out = VecDeque::new();
        let mut slots = Vec::with_capacity(total);
        let mut ready = VecDeque::with_capacity(total);
        let invalid = bulk.check().err();
        for (i, item) in items.into_iter().enumerate() {
            if let Some(e) = &invalid {
                out.push_back((i, Err(copy_invalid(e))));
                slots.push(None);
                continue;
            }
            slots.push(Some(Slot {
                item,
                sends: 0,
                maybe_applied: false,
                first_sent: None,
                last_retry_after: None,
            }));
            ready.push_back(i);
        }
        let max_concurrency = bulk.max_concurrency.max(1);
        let window = bulk.initial_concurrency.clamp(1, max_concurrency) as f64;
        let batch_size = bulk.max_batch_size.clamp(1, MAX_BATCH_ITEMS);
        let remaining = ready.len();
        State {
            progress: BulkProgress {
                total,
                failed: total - remaining,
                concurrency: window as usize,
                batch_size,
                ..BulkProgress::default()
            },
            bulk,
            slots,
            ready,
            waiting: BinaryHeap::new(),
            in_flight: FuturesUnordered::new(),
            out,
            remaining,
            window,
            batch_size,
            hold_until: None,
            launched: 0,
            last_decrease: 0,
            pacer: Pacer::default(),
        }
    }

    /// The next finished item, or `None` when every item has finished.
    async fn next(&mut self) -> Option<(usize, Result<T, Error>)> {
        loop {
            if let Some(done) = self.out.pop_front() {
                return Some(done);
            }
            if self.remaining == 0 {
                return None;
            }
            let now = Instant::now();
            let mut due = Vec::new();
            while let Some(Reverse((at, i))) = self.waiting.peek().copied() {
                if at > now {
                    break;
                }
                self.waiting.pop();
                due.push(i);
            }
            // Retries go before new items, the most-sent first: under sustained
            // throttling an unlucky item is not throttled again and again to the end of
            // its attempts while fresh items take the capacity.
            let sends = |i: &usize| self.slots[*i].as_ref().map_or(0, |s| s.sends);
            due.sort_by_key(|i| (Reverse(sends(i)), *i));
            for i in due.into_iter().rev() {
                self.ready.push_front(i);
            }
            let mut held = self.hold_until.filter(|&h| h > now);
            if held.is_none() {
                self.launch();
            }
            // The pacer's next slot, when something waits to go and the window has room.
            let window = (self.window.floor() as usize).max(1);
            if !self.ready.is_empty()
                && self.in_flight.len() < window
                && let Some(at) = self.pacer.wait(Instant::now())
            {
                held = Some(held.map_or(at, |h| h.max(at)));
            }
            // Wake for the next answer, or the next retry or hold to come due.
            let mut wake = self.waiting.peek().map(|Reverse((at, _))| *at);
            if let Some(h) = held {
                wake = Some(wake.map_or(h, |w| w.min(h)));
            }
            let flight = if self.in_flight.is_empty() {
                match wake {
                    Some(at) => {
                        tokio::time::sleep_until(at.into()).await;
                        continue;
                    }
                    // Nothing in flight, waiting or ready while items remain: a bug;
                    // end the items rather than hang.
                    None => {
                        self.abandon();
                        continue;
                    }
                }
            } else {
                match wake {
                    None => self.in_flight.next().await,
                    Some(at) => {
                        let sleep = std::pin::pin!(tokio::time::sleep_until(at.into()));
                        match futures::future::select(self.in_flight.next(), sleep).await {
                            Either::Left((flight, _)) => flight,
                            Either::Right(_) => continue,
                        }
                    }
                }
            };
            if let Some(flight) = flight {
                self.settle(flight);
            }
        }
    }

    /// Sends batches from the ready queue while the window allows.
    fn launch(&mut self) {
        let window = (self.window.floor() as usize).max(1);
        while self.in_flight.len() < window && !self.ready.is_empty() {
            let now = Instant::now();
            if self.pacer.wait(now).is_some() {
                break;
            }
            let take = self.batch_size.min(self.ready.len());
            let indices: Vec<usize> = self
                .ready
                .drain(..take)
                .filter(|&i| self.slots[i].is_some())
                .collect();
            if indices.is_empty() {
                continue;
            }
            self.pacer.sent(indices.len(), now);
            let mut requests = Vec::with_capacity(indices.len());
            for &i in &indices {
                if let Some(slot) = self.slots[i].as_mut() {
                    if slot.sends > 0 {
                        self.progress.retries += 1;
                    }
                    slot.sends += 1;
                    slot.first_sent.get_or_insert(now);
                    requests.push(slot.item.request.clone());
                }
            }
            self.launched += 1;
            let seq = self.launched;
            let runtime = self.bulk.runtime.clone();
            self.in_flight.push(
                async move {
                    let reply = runtime.post_batch(&requests).await;
                    Flight {
                        seq,
                        indices,
                        reply,
                    }
                }
                .boxed(),
            );
        }
        self.progress.in_flight = self.in_flight.len();
    }

    /// Ends every item still open (only if the scheduler lost track of them).
    fn abandon(&mut self) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if let Some(slot) = slot.take() {
                self.out.push_back((
                    i,
                    Err(Error::InvalidRequest {
                        operation: slot.item.operation().to_owned(),
                        reason: "the bulk run lost this item (a bug)".to_owned(),
                    }),
                ));
                self.remaining -= 1;
            }
        }
    }

    /// Takes in one batch's outcome: each item finishes or waits for a retry, and the
    /// window and batch size adapt.
    fn settle(&mut self, flight: Flight) {
        let Flight {
            seq,
            indices,
            reply,
        } = flight;
        self.progress.batches += 1;
        let now = Instant::now();
        let mut throttled = false;
        let mut refused = false;
        let mut hold: Option<Duration> = None;
        let mut went_through = 0;
        match reply {
            Ok(reply) => {
                for (&i, raw) in indices.iter().zip(reply.items) {
                    if raw.as_ref().is_some_and(|r| !matches!(r.status, 429 | 503)) {
                        went_through += 1;
                    }
                    if let Some(raw) = &raw
                        && matches!(raw.status, 429 | 503)
                    {
                        throttled = true;
                        refused |= raw.status == 429;
                        self.progress.throttled += 1;
                        // The earliest moment Graph said a request may go through
                        // again; a wait longer than the policy accepts ends the item
                        // instead (it holds nothing).
                        if raw.status == 429
                            && let Some(ra) = raw.retry_after()
                            && ra <= self.bulk.runtime.retry_policy().max_retry_after
                        {
                            hold = Some(hold.map_or(ra, |h| h.min(ra)));
                        }
                    }
                    let verdict = self.judge(i, raw.as_ref(), &reply.client_request_id, now);
                    self.apply(i, verdict, now);
                }
            }
            Err(error) => {
                if matches!(error.status(), Some(429 | 503)) {
                    throttled = true;
                    refused |= error.status() == Some(429);
                    self.progress.throttled += 1;
                }
                for &i in &indices {
                    let verdict = self.judge_batch_failure(i, &error, now);
                    self.apply(i, verdict, now);
                }
            }
        }
        self.pacer.answered(went_through, refused, now);
        if let Some(ra) = hold
            && let Some(until) = now.checked_add(ra)
        {
            self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
        }
        let max = self.bulk.max_concurrency.max(1) as f64;
        if throttled {
            if seq > self.last_decrease {
                // Never below what just went through: that much fits in a round trip.
                if self.window <= 1.0 {
                    self.batch_size = (self.batch_size / 2).max(went_through).max(1);
                }
                self.window = (self.window / 2.0).max(1.0);
                self.last_decrease = self.launched;
            }
        } else {
            self.window = (self.window + 1.0 / self.window).min(max);
            if self.batch_size < self.bulk.max_batch_size.clamp(1, MAX_BATCH_ITEMS) {
                self.batch_size += 1;
            }
        }
        self.progress.in_flight = self.in_flight.len();
        self.progress.concurrency = (self.window.floor() as usize).max(1);
        self.progress.batch_size = self.batch_size;
        if let Some(progress) = &self.bulk.progress {
            progress(&self.progress);
        }
    }

    fn apply(&mut self, i: usize, verdict: Verdict<T>, now: Instant) {
        match verdict {
            Verdict::Done(result) => {
                if self.slots[i].take().is_none() {
                    return;
                }
                if result.is_ok() {
                    self.progress.succeeded += 1;
                } else {
                    self.progress.failed += 1;
                }
                self.remaining -= 1;
                self.out.push_back((i, result));
            }
            Verdict::Retry(delay) => match now.checked_add(delay) {
                Some(at) => self.waiting.push(Reverse((at, i))),
                None => self.ready.push_back(i),
            },
            Verdict::Finished => {}
        }
    }

    /// What an item's answer inside a batch means for it.
    fn judge(
        &mut self,
        i: usize,
        raw: Option<&RawItem>,
        client_request_id: &str,
        now: Instant,
    ) -> Verdict<T> {
        let runtime = self.bulk.runtime.clone();
        let max_attempts = self.bulk.max_attempts;
        let Some(slot) = self.slots[i].as_mut() else {
            return Verdict::Finished;
        };
        let op = slot.item.request.op;
        let hold_unknown = !self.bulk.resend_unknown && is_write(op.method);
        let Some(raw) = raw else {
            // No answer for this item: it may have run.
            slot.maybe_applied = true;
            if hold_unknown {
                return Verdict::Done(Err(outcome_unknown(slot, missing_answer(op.id))));
            }
            if op.idempotency == Idempotency::NonIdempotent {
                return Verdict::Done(Err(missing_answer(op.id)));
            }
            return match retry_delay(&runtime, slot, max_attempts, None, now) {
                Some(delay) => Verdict::Retry(delay),
                None => Verdict::Done(Err(missing_answer(op.id))),
            };
        };
        if op.method == "DELETE" && slot.maybe_applied && raw.status == 404 {
            // Gone, most likely by this item's earlier send: the delete's own success.
            return Verdict::Done(
                slot.item
                    .decode(b"null")
                    .map_err(|e| Error::invalid_json(op.id, 204, &e)),
            );
        }
        if !matches!(raw.status, 429 | 503 | 504) {
            return Verdict::Done(runtime.decode_item(&slot.item, raw, client_request_id, None));
        }
        let retry_after = raw.retry_after();
        slot.last_retry_after = retry_after;
        let not_processed = raw.status == 429 || (raw.status == 503 && retry_after.is_some());
        slot.maybe_applied |= !not_processed;
        if hold_unknown && !not_processed {
            let answer = runtime.decode_item(&slot.item, raw, client_request_id, None);
            return Verdict::Done(answer.map_err(|e| outcome_unknown(slot, e)));
        }
        if op.idempotency == Idempotency::NonIdempotent && !not_processed {
            return Verdict::Done(runtime.decode_item(&slot.item, raw, client_request_id, None));
        }
        match retry_delay(&runtime, slot, max_attempts, retry_after, now) {
            Some(delay) => Verdict::Retry(delay),
            None => Verdict::Done(runtime.decode_item(
                &slot.item,
                raw,
                client_request_id,
                Some((slot.sends, slot.last_retry_after)),
            )),
        }
    }

    /// What the failure of a whole batch (after the runtime's own retries of it) means for
    /// one of its items.
    fn judge_batch_failure(&mut self, i: usize, error: &Error, now: Instant) -> Verdict<T> {
        let runtime = self.bulk.runtime.clone();
        let max_attempts = self.bulk.max_attempts;
        let Some(slot) = self.slots[i].as_mut() else {
            return Verdict::Finished;
        };
        let op = slot.item.request.op;
        // Whether the batch may have run without its answer reaching us.
        let unknown = match error {
            Error::Graph(g) => matches!(g.status, 503 | 504),
            Error::ThrottledOutOfRetries { last, .. } => last.status == 504,
            Error::Timeout { .. } | Error::InvalidResponse { .. } => true,
            Error::Transport { .. } => !is_connect(error),
            _ => false,
        };
        if unknown && !self.bulk.resend_unknown && is_write(op.method) {
            slot.maybe_applied = true;
            return Verdict::Done(Err(outcome_unknown(slot, for_item(error, op.id))));
        }
        // After an unknown outcome the runtime did not send the batch again: its
        // idempotent items go again here, each knowing its send may have been applied;
        // its creates end with the batch's error.
        if unknown && op.idempotency == Idempotency::Idempotent {
            slot.maybe_applied = true;
            if let Some(delay) = retry_delay(&runtime, slot, max_attempts, None, now) {
                return Verdict::Retry(delay);
            }
        }
        Verdict::Done(Err(for_item(error, op.id)))
    }
}

/// The wait before an item's next send, or `None` when its retries are over (attempts,
/// a `Retry-After` longer than the policy accepts, or its overall time limit).
fn retry_delay<T>(
    runtime: &GraphRuntime,
    slot: &Slot<T>,
    max_attempts: u32,
    retry_after: Option<Duration>,
    now: Instant,
) -> Option<Duration> {
    let policy = runtime.retry_policy();
    if slot.sends >= max_attempts {
        return None;
    }
    let delay = match retry_after {
        Some(d) if d > policy.max_retry_after => return None,
        Some(d) => d,
        None => policy.backoff(slot.sends),
    };
    let deadline = slot
        .first_sent
        .and_then(|t| t.checked_add(runtime.timeouts().overall));
    match (deadline, now.checked_add(delay)) {
        (Some(deadline), Some(at)) if at >= deadline => None,
        (Some(_), None) => None,
        _ => Some(delay),
    }
}

/// Whether a request of `method` changes something (everything but GET and HEAD).
fn is_write(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD")
}

/// The [`Error::OutcomeUnknown`] of a write not sent again after `last`.
fn outcome_unknown<T>(slot: &Slot<T>, last: Error) -> Error {
    Error::OutcomeUnknown {
        operation: slot.item.request.op.id.to_owned(),
        attempts: slot.sends,
        source: Box::new(last),
    }
}

fn copy_invalid(e: &Error) -> Error {
    match e {
        Error::InvalidInput { field, reason } => Error::InvalidInput {
            field,
            reason: reason.clone(),
        },
        other => Error::InvalidInput {
            field: "bulk",
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pacer_learns_the_admitted_rate_at_a_429_and_creeps_up_after() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut pacer = Pacer::default();
        pacer.sent(20, t0);
        // No pace before the first 429: nothing waits.
        assert_eq!(pacer.wait(t0), None);
        for k in 1..=5 {
            pacer.answered(20, false, at(k * 100));
        }
        assert_eq!(pacer.pace, None);
        // A 429 at 0.5 s: 110 items went through in 0.5 s, 220 per second; pace 0.9 of it.
        pacer.answered(10, true, at(500));
        let pace = pacer.pace.unwrap();
        assert!((pace - 198.0).abs() < 1e-9, "{pace}");
        // Batches now go one per items/pace: 20 items wait 20/198 s after the last slot.
        pacer.sent(20, at(500));
        let next = pacer.wait(at(500)).unwrap();
        let interval = Duration::from_secs_f64(20.0 / 198.0);
        assert_eq!(next.duration_since(at(500)), interval);
        // A batch that goes a millisecond late keeps to the schedule (the rate is not
        // lost to the timer); one later than a whole interval starts afresh.
        pacer.sent(20, next + Duration::from_millis(1));
        assert_eq!(pacer.wait(next).unwrap(), next + interval);
        let late = next + interval * 3;
        pacer.sent(20, late);
        assert_eq!(pacer.wait(late).unwrap(), late + interval);
        // An unthrottled batch raises it by 0.05 per item.
        pacer.answered(20, false, at(600));
        let close = |want: f64, pacer: &Pacer| {
            let pace = pacer.pace.unwrap();
            assert!((pace - want).abs() < 1e-9, "pace {pace}, want {want}");
        };
        close(199.0, &pacer);
        // The first pace (burst included) is measured again 0.2 s after it was set, not
        // before, over what went through since: 20 items in 0.2 s, 0.9 x 100 = 90, below
        // half the pace: the pace halves.
        pacer.answered(0, true, at(650));
        close(199.0, &pacer);
        pacer.answered(0, true, at(700));
        close(99.5, &pacer);
        // From then on at most once a second, over the second since the last cut: 70 items,
        // 0.9 x 70 = 63 per second, above half the pace (102.5 after 60 items went through).
        pacer.answered(0, true, at(1_000));
        close(99.5, &pacer);
        pacer.answered(60, false, at(1_200));
        close(102.5, &pacer);
        pacer.answered(10, true, at(1_700));
        close(63.0, &pacer);
    }
}
