//! The Markdown report: short enough for a pull request comment, stable for snapshots.

use std::fmt::Write;

use crate::diff::{Change, ChangeKind, Class, SpecDiff};

/// Longest description or deprecation text shown in Markdown (the JSON has it whole).
const MAX_TEXT: usize = 160;

pub(super) fn markdown(diff: &SpecDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Spec diff\n");
    let _ = writeln!(out, "{} → {}\n", code(&diff.old), code(&diff.new));
    if diff.is_empty() {
        out.push_str("No changes to the slice.\n");
        return out;
    }
    out.push_str("| class | changes |\n|---|---:|\n");
    for class in Class::ALL {
        let _ = writeln!(out, "| {} | {} |", class.as_str(), diff.counts.get(class));
    }
    let _ = writeln!(out, "| **total** | {} |", diff.counts.total());
    for class in Class::ALL {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| c.class == class).collect();
        if changes.is_empty() {
            continue;
        }
        let title = match class {
            Class::Breaking => "Breaking",
            Class::Additive => "Additive",
            Class::Documentation => "Documentation",
        };
        let _ = write!(out, "\n### {title} ({})\n", changes.len());
        // Within a class, the changes of what the client sends where come under the clouds
        // they apply to, then by group; the others (the types, the same in every cloud) by
        // group alone.
        let mut clouds: Option<&Vec<String>> = None;
        let mut group = None;
        for c in changes {
            if clouds != Some(&c.clouds) {
                if !c.clouds.is_empty() {
                    let names: Vec<String> = c.clouds.iter().map(|n| code(n)).collect();
                    let _ = write!(out, "\n#### In {}\n", names.join(", "));
                }
                clouds = Some(&c.clouds);
                group = None;
            }
            if group != Some(&c.group) {
                let level = if c.clouds.is_empty() { "####" } else { "#####" };
                let _ = write!(out, "\n{level} {}\n\n", code(&c.group));
                group = Some(&c.group);
            }
            bullet(&mut out, c);
        }
    }
    out
}

fn bullet(out: &mut String, c: &Change) {
    let element = c.element.as_str();
    let head = if c.name == c.group {
        format!("**{element}**")
    } else {
        format!("**{element} {}**", code(&c.name))
    };
    let what = what_changed(c);
    let show = |v: &str| show_value(c, v);
    let values = match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!(": {} → {}", show(o), show(n)),
        (None, Some(n)) => format!(": {}", show(n)),
        (Some(o), None) => format!(": was {}", show(o)),
        (None, None) => String::new(),
    };
    let _ = writeln!(out, "- {head} {what}{values}. {}", sentence(&c.reason));
    if !c.rust_items.is_empty() {
        let items: Vec<String> = c.rust_items.iter().map(|i| code(i)).collect();
        let _ = writeln!(out, "  - Rust: {}", items.join(", "));
    }
    if !c.paths.is_empty() {
        let paths: Vec<String> = c.paths.iter().map(|p| code(p)).collect();
        let _ = writeln!(out, "  - Paths: {}", paths.join(", "));
    }
}

/// What changed, with its aspect: `type changed (nullability)`.
pub(super) fn what_changed(c: &Change) -> String {
    let mut what = c.change.as_str().to_string();
    if let Some(aspect) = &c.aspect {
        let _ = write!(what, " ({aspect})");
    }
    what
}

/// Whether a change's values are prose (descriptions, deprecation notes), shown as text.
pub(super) fn is_prose(c: &Change) -> bool {
    matches!(
        c.change,
        ChangeKind::DescriptionChanged
            | ChangeKind::DeprecationAdded
            | ChangeKind::DeprecationRemoved
            | ChangeKind::DeprecationChanged
    )
}

/// An old or new value of `c`: prose as text, anything else as code.
pub(super) fn show_value(c: &Change, v: &str) -> String {
    if is_prose(c) { text(v) } else { code(v) }
}

/// The reason with a capital letter and a full stop.
pub(super) fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// A code span that survives backticks inside.
pub(super) fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Prose on one line, shortened, with Markdown and HTML syntax escaped, in quotes.
pub(super) fn text(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = if one_line.chars().count() > MAX_TEXT {
        let cut: String = one_line.chars().take(MAX_TEXT).collect();
        format!("{}…", cut.trim_end())
    } else {
        one_line
    };
    let mut escaped = String::with_capacity(short.len());
    for ch in short.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    format!("“{escaped}”")
}
