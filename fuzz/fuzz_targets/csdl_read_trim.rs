//! The CSDL reader on arbitrary UTF-8; when a document parses, the trimmer with the real
//! slice (`allow_missing`), then the canonical writer and a re-read, which must give the
//! same document modulo positions.
#![no_main]

use std::sync::LazyLock;

use graph_codegen::csdl;
use graph_codegen::trim::{Slice, TrimOptions, trim_with};
use libfuzzer_sys::fuzz_target;

static SLICE: LazyLock<Slice> = LazyLock::new(|| {
    Slice::parse("spec/slice.toml", include_str!("../../spec/slice.toml"))
        .expect("the project's slice parses")
});

fuzz_target!(|text: &str| {
    let slice = &*SLICE;
    let Ok(doc) = csdl::read("fuzz.csdl", text) else {
        return;
    };
    let options = TrimOptions {
        allow_missing: true,
    };
    let Ok(trimmed) = trim_with(&doc, None, slice, &options) else {
        return;
    };
    let written = csdl::write(&trimmed.document);
    let mut reread = csdl::read("fuzz.trimmed.csdl", &written)
        .unwrap_or_else(|e| panic!("the writer's output does not re-read: {e}\n{written}"));
    let mut expected = trimmed.document;
    expected.clear_positions();
    reread.clear_positions();
    assert!(
        expected == reread,
        "write + read changed the trimmed document\n{written}"
    );
});
