//! Ties each soak operation to the `client-request-id`s the runtime gave its calls.
//!
//! The runtime opens one `graph.request` span per logical call with the call's
//! `client-request-id`; the soak wraps every operation in a `soak.op` span with the
//! operation's number. This layer notes, for each `graph.request` span, the `soak.op` it
//! runs under. The emulator's request log holds the same `client-request-id`, so an
//! operation's attempts, and whether any of them applied a change, can be read from the log
//! even when the client only saw a dropped connection.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Operation number -> the `client-request-id`s of its calls, in order.
pub type CallIds = Arc<Mutex<HashMap<u64, Vec<String>>>>;

/// Operation number -> the (batch `client-request-id`, item id) of each send of its batch
/// item, in order (the batch mode).
pub type ItemIds = Arc<Mutex<HashMap<u64, Vec<(String, String)>>>>;

const OP_SPAN: &str = "soak.op";
const CALL_SPAN: &str = "graph.request";
/// The runtime's event for each item of a batch, in the span the item was built in.
const ITEM_EVENT: &str = "graph batch item";

/// Installs the layer as the global subscriber (once per process) and returns its tables.
pub fn install() -> (CallIds, ItemIds) {
    static IDS: OnceLock<(CallIds, ItemIds)> = OnceLock::new();
    IDS.get_or_init(|| {
        let ids = CallIds::default();
        let items = ItemIds::default();
        let subscriber = tracing_subscriber::registry().with(Correlate {
            ids: ids.clone(),
            items: items.clone(),
        });
        tracing::subscriber::set_global_default(subscriber)
            .expect("the soak test binary installs the only global subscriber");
        (ids, items)
    })
    .clone()
}

/// The span an operation runs in.
pub fn op_span(op_id: u64) -> tracing::Span {
    tracing::info_span!("soak.op", op_id)
}

struct Correlate {
    ids: CallIds,
    items: ItemIds,
}

struct OpId(u64);

#[derive(Default)]
struct Fields {
    op_id: Option<u64>,
    client_request_id: Option<String>,
    batch_item: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "op_id" => self.op_id = Some(value),
            "batch_item" => self.batch_item = Some(value),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "client_request_id" {
            self.client_request_id = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "client_request_id" {
            self.client_request_id = Some(format!("{value:?}"));
        }
    }
}

fn wanted(meta: &Metadata<'_>) -> bool {
    (meta.is_span() && (meta.name() == OP_SPAN || meta.name() == CALL_SPAN))
        || (meta.is_event() && meta.name() == ITEM_EVENT)
}

impl<S> Layer<S> for Correlate
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        wanted(meta)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let Some(span) = ctx.span(id) else { return };
        match attrs.metadata().name() {
            OP_SPAN => {
                if let Some(op) = fields.op_id {
                    span.extensions_mut().insert(OpId(op));
                }
            }
            CALL_SPAN => {
                let Some(crid) = fields.client_request_id else {
                    return;
                };
                let op = span
                    .scope()
                    .skip(1)
                    .find_map(|s| s.extensions().get::<OpId>().map(|o| o.0));
                if let Some(op) = op {
                    self.ids.lock().unwrap().entry(op).or_default().push(crid);
                }
            }
            _ => {}
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().name() != ITEM_EVENT {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(crid), Some(item)) = (fields.client_request_id, fields.batch_item) else {
            return;
        };
        let op = ctx
            .event_scope(event)
            .and_then(|mut scope| scope.find_map(|s| s.extensions().get::<OpId>().map(|o| o.0)));
        if let Some(op) = op {
            self.items
                .lock()
                .unwrap()
                .entry(op)
                .or_default()
                .push((crid, item.to_string()));
        }
    }
}
