//! Arbitrary descriptions through the Rust model emitter: a type, one of its properties and
//! an enum member carry the fuzzed text (as `Core.Description`, and on the type also as
//! `Core.LongDescription`). The file as written (newlines normalised as `cargo xtask
//! codegen` writes it) must parse and declare exactly the items of a plain description:
//! description text never becomes code.
#![no_main]

use std::sync::OnceLock;

use graph_codegen::csdl;
use graph_codegen::emit::Overlay;
use graph_codegen::emit::rust::emit_types_source;
use graph_codegen::ir;
use graph_codegen::written::{check_rust_file, normalize_newlines, skeleton_of};
use libfuzzer_sys::fuzz_target;

/// The description as an XML attribute value: characters XML 1.0 cannot carry are dropped,
/// the rest escaped (line breaks and tabs as character references, which attribute-value
/// normalisation keeps).
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn csdl(description: &str) -> String {
    let d = attribute(description);
    // The document the emitter tests use (crates/graph-codegen/tests/emit_rust.rs).
    include_str!("../../crates/graph-codegen/tests/described.csdl").replace("{d}", &d)
}

/// The emitted module for `description`, and the text the reader kept for it.
fn emit(description: &str) -> Option<(String, String)> {
    let doc = csdl::read("doc_text.xml", &csdl(description)).ok()?;
    let model = ir::lower(&doc, &[]).expect("a described type lowers");
    let kept = model.types["microsoft.graph.thing"]
        .doc
        .description
        .clone()
        .unwrap_or_default();
    let source = emit_types_source(&model, &Overlay::default()).expect("a described type emits");
    Some((source, kept))
}

fn plain_items() -> &'static Vec<String> {
    static PLAIN: OnceLock<Vec<String>> = OnceLock::new();
    PLAIN.get_or_init(|| {
        let (source, _) = emit("Plain.").expect("the plain document reads");
        skeleton_of("plain", &normalize_newlines(&source)).expect("the plain module parses")
    })
}

fuzz_target!(|description: &str| {
    let Some((source, kept)) = emit(description) else {
        return;
    };
    let written = normalize_newlines(&source);
    if let Err(e) = check_rust_file("doc_text.rs", &source, &written) {
        panic!("{e}\n--- description {description:?} (kept as {kept:?})");
    }
    let items = skeleton_of("doc_text.rs", &written).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        &items,
        plain_items(),
        "the description {description:?} changed the items"
    );
});
