//! The generator at the scale of the whole Graph v1.0 metadata: the stages of
//! `cargo xtask full-types` (read, lower with a path for every entity set and singleton,
//! emit the types with an empty overlay; no trim) against a bare quick-xml event scan of the
//! same file, measured in the same run.
//!
//! Run with `cargo bench -p graph-codegen --bench full_types` (about a minute); `cargo xtask
//! bench full-types` runs it and then compiles the generated crate. It prints a table of
//! medians and ratios and the generated size, then one `BENCH {json}` line per row; it
//! asserts nothing about time.

// As in xtask/src/main.rs: the figures are those of the `cargo xtask` binary's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::{Duration, Instant};

use graph_codegen::emit::Overlay;
use graph_codegen::emit::rust::emit_types_source;
use graph_codegen::ir::{Model, PathRequest};
use graph_codegen::{csdl, lower};
use quick_xml::events::Event;

const METADATA: &str = "spec/upstream/v1.0-Prod.csdl";
const BASELINE: &str = "bare quick-xml event scan";

/// Median wall time of `runs` calls after one warm-up call.
fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn bare_scan(text: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(_) => events += 1,
            Err(e) => panic!("scan failed: {e}"),
        }
    }
}

/// The model `cargo xtask full-types` emits: every entity set and singleton as a path.
fn full_model(doc: &csdl::Document) -> Model {
    let roots = lower(doc, &[]).expect("the metadata lowers");
    let requests: Vec<PathRequest> = roots
        .roots
        .keys()
        .map(|root| PathRequest::new(root.as_str(), &[]))
        .collect();
    lower(doc, &requests).expect("the metadata lowers with its roots")
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/upstream/v1.0-Prod.csdl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc = csdl::read(METADATA, &text).expect("the metadata reads");
    let model = full_model(&doc);
    let overlay = Overlay::default();
    let source = emit_types_source(&model, &overlay).expect("the whole metadata emits");

    let runs = 5;
    let scan = measure(runs, || bare_scan(&text));
    let read = measure(runs, || csdl::read(METADATA, &text).unwrap());
    let lowered = measure(runs, || full_model(&doc));
    let emit = measure(runs, || emit_types_source(&model, &overlay).unwrap());
    let whole = measure(runs, || {
        let doc = csdl::read(METADATA, &text).unwrap();
        emit_types_source(&full_model(&doc), &overlay).unwrap()
    });
    let rows = [
        ("full v1.0 types: csdl::read", read),
        (
            "full v1.0 types: lower (every entity set and singleton)",
            lowered,
        ),
        (
            "full v1.0 types: emit types (quote, syn, prettyplease)",
            emit,
        ),
        ("full v1.0 types: read + lower + emit", whole),
    ];

    let items = source
        .lines()
        .filter(|l| {
            ["pub struct ", "pub enum ", "pub type "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .count();
    let document_types = model.types.len() + model.enums.len() + model.type_definitions.len();
    println!(
        "full v1.0 types from {METADATA} ({} bytes, {document_types} types), median of {runs} runs",
        text.len()
    );
    println!(
        "generated: {} bytes, {} lines, {items} items (structs, enums, type aliases)",
        source.len(),
        source.lines().count()
    );
    println!("| stage | median ms | x bare scan |");
    println!("|---|---:|---:|");
    println!("| {BASELINE} (baseline) | {:.2} | 1.00 |", ms(scan));
    for (name, t) in rows {
        println!(
            "| {name} | {:.2} | {:.2} |",
            ms(t),
            t.as_secs_f64() / scan.as_secs_f64()
        );
    }
    for (name, t) in rows {
        println!(
            r#"BENCH {{"bench":"full-types","name":{},"unit":"ms","value":{},"baseline":{},"baseline_value":{}}}"#,
            json(&name),
            json(&round(ms(t))),
            json(&BASELINE),
            json(&round(ms(scan)))
        );
    }
    for (name, unit, value) in [
        ("generated module size", "bytes", source.len()),
        ("generated module lines", "lines", source.lines().count()),
        (
            "generated items (structs, enums, type aliases)",
            "items",
            items,
        ),
        ("types in the metadata", "types", document_types),
    ] {
        println!(
            r#"BENCH {{"bench":"full-types","name":{},"unit":{},"value":{value}}}"#,
            json(&name),
            json(&unit)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("numbers and strings serialise")
}
