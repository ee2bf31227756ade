//! The whole generator pipeline on the real global metadata, against a bare quick-xml event
//! scan of the same file measured in the same run.
//!
//! Run with `cargo bench -p graph-codegen --bench pipeline`. It prints a table of medians and
//! ratios, then one `BENCH {json}` line per row for `cargo xtask bench`; it asserts nothing
//! about time (a slow machine is not a failure). `GRAPH_CODEGEN_BENCH_PROFILE=<n>` runs the
//! whole pipeline n times and prints nothing, for profilers (callgrind, perf).
//!
//! It runs on the allocator the `cargo xtask` binary uses (mimalloc), so the figures are
//! those of `cargo xtask trim` / `cargo xtask codegen`; the bare scan barely allocates.

// As in xtask/src/main.rs: the generator allocates many small strings and nodes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::{Duration, Instant};

use graph_codegen::trim::{Input, TrimOptions, trim_files};
use graph_codegen::{SpecInputs, csdl, generate};
use quick_xml::events::Event;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Median wall time of `runs` calls after `warmup` calls.
fn measure<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> Duration {
    for _ in 0..warmup {
        black_box(f());
    }
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

/// The baseline: every event of the document, nothing built.
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

fn main() {
    let metadata_path = "spec/upstream/v1.0-Prod.csdl";
    let metadata = read(metadata_path);
    let descriptions_path = "spec/upstream/v1.0-described-2023-05.xml";
    let descriptions = read(descriptions_path);
    let slice = read("spec/slice.toml");
    let overlay = read("spec/overlay.toml");
    let options = TrimOptions::default();

    let trim = |with_descriptions: bool| {
        trim_files(
            Input {
                path: "spec/slice.toml",
                text: &slice,
            },
            Input {
                path: metadata_path,
                text: &metadata,
            },
            with_descriptions.then_some(Input {
                path: descriptions_path,
                text: &descriptions,
            }),
            &options,
        )
        .expect("the real slice trims")
    };
    let trimmed = trim(false).files[0].contents.clone();
    let inputs = SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: trimmed,
        slice_path: "spec/slice.toml".into(),
        slice: slice.clone(),
        overlay_path: "spec/overlay.toml".into(),
        overlay: overlay.clone(),
        permissions_path: "spec/permissions.toml".into(),
        permissions: read("spec/permissions.toml"),
        clouds: ["spec/clouds/china.csdl", "spec/clouds/usgov.csdl"]
            .into_iter()
            .map(|p| (p.to_string(), read(p)))
            .collect(),
    };
    let pipeline = || {
        let out = trim(false);
        let inputs = SpecInputs {
            csdl: out.files[0].contents.clone(),
            ..inputs.clone()
        };
        generate(&inputs).expect("generation succeeds")
    };

    // The codegen stages on their own (generate runs the types and the client in parallel).
    let (_, model) = graph_codegen::load_model(&inputs).expect("the trimmed spec loads");
    let overlay_parsed =
        graph_codegen::emit::overlay::Overlay::parse(&inputs.overlay, &inputs.overlay_path)
            .expect("the overlay parses");
    let permissions = graph_codegen::permissions::Permissions::parse(
        &inputs.permissions_path,
        &inputs.permissions,
    )
    .expect("the permissions parse");

    // For profilers: the whole pipeline n times, no table.
    if let Some(n) = std::env::var("GRAPH_CODEGEN_BENCH_PROFILE")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        for _ in 0..n {
            black_box(pipeline());
        }
        return;
    }
    let (warmup, runs) = (3, 15);
    let scan = measure(warmup, runs, || bare_scan(&metadata));
    let rows = [
        (BASELINE, scan),
        (
            "csdl::read",
            measure(warmup, runs, || {
                csdl::read(metadata_path, &metadata).unwrap()
            }),
        ),
        (
            "read + trim + write the slice",
            measure(warmup, runs, || trim(false)),
        ),
        (
            "codegen from the trimmed spec (read, lower, emit)",
            measure(warmup, runs, || generate(&inputs).unwrap()),
        ),
        (
            "  codegen stage: load the model (read, lower, restrict)",
            measure(warmup, runs, || graph_codegen::load_model(&inputs).unwrap()),
        ),
        (
            "  codegen stage: emit types (quote, syn, prettyplease)",
            measure(warmup, runs, || {
                graph_codegen::emit::rust::emit_types(&model, &overlay_parsed).unwrap()
            }),
        ),
        (
            "  codegen stage: emit client (OpenAPI, progenitor, api.rs; no clouds)",
            measure(warmup, runs, || {
                graph_codegen::emit::client::emit_client(&model, &overlay_parsed, &[], &permissions)
                    .unwrap()
            }),
        ),
        (WHOLE_PIPELINE, measure(warmup, runs, pipeline)),
        (
            "whole pipeline + descriptions from the 2023 document",
            measure(warmup, runs, || {
                let out = trim(true);
                generate(&SpecInputs {
                    csdl: out.files[0].contents.clone(),
                    ..inputs.clone()
                })
                .unwrap()
            }),
        ),
    ];

    println!(
        "pipeline on {metadata_path} ({} bytes), median of {runs} runs",
        metadata.len()
    );
    println!("| stage | median ms | x bare scan |");
    println!("|---|---:|---:|");
    for (name, t) in rows {
        let name = if name == BASELINE {
            format!("{name} (baseline)")
        } else {
            name.to_owned()
        };
        println!(
            "| {name} | {:.2} | {:.2} |",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / scan.as_secs_f64()
        );
    }
    for (name, t) in rows {
        println!("BENCH {}", bench_line(name.trim(), t, scan));
    }
}

/// The baseline row's name.
const BASELINE: &str = "bare quick-xml event scan";

/// The row the targets apply to: at most [`MAX_RATIO`] times the baseline and at most
/// [`MAX_MS`] milliseconds (release build).
const WHOLE_PIPELINE: &str = "whole pipeline (trim + codegen)";
const MAX_RATIO: f64 = 3.0;
const MAX_MS: f64 = 150.0;

/// One row for `cargo xtask bench`, which reads the lines starting with `BENCH `:
/// `{"bench":"codegen","name":...,"unit":"ms","value":...,"baseline":...,"baseline_value":...}`,
/// with `max_ratio` and `max_value` on the whole-pipeline row only.
fn bench_line(name: &str, time: Duration, baseline: Duration) -> String {
    // Fields in a fixed order, whatever serde_json's map type; values printed by serde_json.
    fn json(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).expect("numbers and strings serialise")
    }
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let limits = if name == WHOLE_PIPELINE {
        format!(
            r#","max_ratio":{},"max_value":{}"#,
            json(&MAX_RATIO),
            json(&MAX_MS)
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"bench":"codegen","name":{},"unit":"ms","value":{},"baseline":{},"baseline_value":{}{limits}}}"#,
        json(&name),
        json(&ms(time)),
        json(&BASELINE),
        json(&ms(baseline)),
    )
}
