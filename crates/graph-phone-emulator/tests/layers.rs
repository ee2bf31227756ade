//! The emulator's domain modules depend on each other in one direction only:
//! `number` (text rules) <- `tenant` (state, tenant file) <- `phone` (rules on the state)
//! <- `reset` (password reset and its operations, on the state) <- `wire` (JSON bodies). A module naming one above it (`crate::wire` in `tenant.rs`) is a
//! cycle in the making; this test reads the sources and names the offending line.

use std::path::Path;

const LAYERS: [&str; 5] = ["number", "tenant", "phone", "reset", "wire"];

#[test]
fn domain_modules_depend_downwards_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    for (level, module) in LAYERS.iter().enumerate() {
        let path = src.join(format!("{module}.rs"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for above in &LAYERS[level + 1..] {
                if names(code, above) {
                    offences.push(format!(
                        "src/{module}.rs:{}: `{module}` uses `{above}`, a layer above it",
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// Whether `code` names module `module` as a path (`crate::wire`, `wire::check`, or inside a
/// `use crate::{tenant, wire}` group), not as part of a longer identifier (`wire_format`).
fn names(code: &str, module: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(module).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + module.len()..].chars().next();
        before.is_none_or(|c| !ident(c))
            && after.is_none_or(|c| !ident(c))
            && (code[at + module.len()..].starts_with("::")
                || code[..at].trim_end().ends_with("crate::")
                || code.contains("crate::{") && matches!(after, Some(',' | '}')))
    })
}
