//! Generated files exactly as they are written to disk, and the check that what is written
//! means what the generator emitted.
//!
//! [`normalize_newlines`] is the one newline rule (xtask's write path applies it too, so the
//! text checked here is the text on disk). [`check_rust_file`] parses a Rust file as emitted
//! and as written and compares their [`skeleton`]s: the items, the items of every `impl`,
//! `trait` and `mod`, the fields of structs and the variants of enums. Text that changes
//! meaning when written (a lone carriage return in a doc comment becomes a line break, and
//! what follows it becomes code) fails naming the file and the item.

use quote::ToTokens;

use crate::Error;

/// `\r\n` and lone `\r` become `\n`; the file ends with exactly one newline.
pub fn normalize_newlines(text: &str) -> String {
    let mut s = text.replace("\r\n", "\n").replace('\r', "\n");
    while s.ends_with("\n\n") {
        s.pop();
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Checks the Rust file `path` as the emitter returned it (`emitted`) and as it is written
/// (`written`, [`normalize_newlines`] of it): both must parse and have the same
/// [`skeleton`] and the same tokens.
pub fn check_rust_file(path: &str, emitted: &str, written: &str) -> Result<(), Error> {
    let written_file = parse(path, written, "as written")?;
    let emitted_file = parse(path, emitted, "as emitted")?;
    let want = skeleton(&emitted_file);
    let got = skeleton(&written_file);
    if want != got {
        let (index, entry) = want
            .iter()
            .zip(&got)
            .enumerate()
            .find(|(_, (w, g))| w != g)
            .map(|(i, (_, g))| (i, g.clone()))
            .unwrap_or_else(|| {
                let i = want.len().min(got.len());
                (i, got.get(i).or(want.get(i)).cloned().unwrap_or_default())
            });
        let after = index
            .checked_sub(1)
            .and_then(|i| want.get(i))
            .map_or_else(String::new, |p| format!(" after `{p}`"));
        return Err(Error::Emit {
            element: path.to_owned(),
            message: format!(
                "the file as written has items the generator did not emit: `{entry}`{after} \
                 ({} items emitted, {} written); a description or note was written as code, \
                 a generator bug",
                want.len(),
                got.len()
            ),
        });
    }
    if emitted_file.to_token_stream().to_string() != written_file.to_token_stream().to_string() {
        return Err(Error::Emit {
            element: path.to_owned(),
            message: "the file means something else once its newlines are normalised \
                      (a carriage return in a literal or comment), a generator bug"
                .into(),
        });
    }
    Ok(())
}

fn parse(path: &str, text: &str, stage: &str) -> Result<syn::File, Error> {
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        let line = text
            .lines()
            .nth(start.line.saturating_sub(1))
            .unwrap_or_default();
        let shown: String = line.trim().chars().take(100).collect();
        Error::Emit {
            element: format!("{path}:{}:{}", start.line, start.column + 1),
            message: format!(
                "the generated file {stage} does not parse ({e}), at `{}`; a generator bug",
                shown.escape_debug()
            ),
        }
    })
}

/// The [`skeleton`] of the Rust source `text` of the file `path`.
pub fn skeleton_of(path: &str, text: &str) -> Result<Vec<String>, Error> {
    parse(path, text, "as written").map(|file| skeleton(&file))
}

/// The declared names of a file, in order: every item (`fn x`, `struct X`, `impl X`, ...),
/// and inside it its associated items, fields and variants (`impl X / fn y`,
/// `struct X / field a`, `enum E / variant V`).
pub fn skeleton(file: &syn::File) -> Vec<String> {
    let mut out = Vec::new();
    collect_items(&file.items, "", &mut out);
    out
}

fn collect_items(items: &[syn::Item], prefix: &str, out: &mut Vec<String>) {
    for item in items {
        let name = item_name(item);
        let path = format!("{prefix}{name}");
        out.push(path.clone());
        let inner = format!("{path} / ");
        match item {
            syn::Item::Struct(s) => fields(&s.fields, &inner, out),
            syn::Item::Union(u) => {
                for f in &u.fields.named {
                    out.push(format!("{inner}field {}", opt_ident(f.ident.as_ref())));
                }
            }
            syn::Item::Enum(e) => {
                for v in &e.variants {
                    out.push(format!("{inner}variant {}", v.ident));
                    fields(&v.fields, &format!("{inner}variant {} / ", v.ident), out);
                }
            }
            syn::Item::Impl(i) => {
                for it in &i.items {
                    out.push(format!("{inner}{}", impl_item_name(it)));
                }
            }
            syn::Item::Trait(t) => {
                for it in &t.items {
                    out.push(format!("{inner}{}", trait_item_name(it)));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, content)) = &m.content {
                    collect_items(content, &inner, out);
                }
            }
            _ => {}
        }
    }
}

fn fields(fields: &syn::Fields, prefix: &str, out: &mut Vec<String>) {
    for (i, f) in fields.iter().enumerate() {
        match &f.ident {
            Some(ident) => out.push(format!("{prefix}field {ident}")),
            None => out.push(format!("{prefix}field {i}")),
        }
    }
}

fn opt_ident(ident: Option<&syn::Ident>) -> String {
    ident.map_or_else(|| "_".to_owned(), ToString::to_string)
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

fn item_name(item: &syn::Item) -> String {
    match item {
        syn::Item::Const(i) => format!("const {}", i.ident),
        syn::Item::Enum(i) => format!("enum {}", i.ident),
        syn::Item::ExternCrate(i) => format!("extern crate {}", i.ident),
        syn::Item::Fn(i) => format!("fn {}", i.sig.ident),
        syn::Item::ForeignMod(_) => "extern block".to_owned(),
        syn::Item::Impl(i) => match &i.trait_ {
            Some((path, _)) => format!("impl {} for {}", tokens(path), tokens(&i.self_ty)),
            None => format!("impl {}", tokens(&i.self_ty)),
        },
        syn::Item::Macro(i) => format!(
            "macro {}{}",
            tokens(&i.mac.path),
            i.ident
                .as_ref()
                .map_or_else(String::new, |id| format!(" {id}"))
        ),
        syn::Item::Mod(i) => format!("mod {}", i.ident),
        syn::Item::Static(i) => format!("static {}", i.ident),
        syn::Item::Struct(i) => format!("struct {}", i.ident),
        syn::Item::Trait(i) => format!("trait {}", i.ident),
        syn::Item::TraitAlias(i) => format!("trait alias {}", i.ident),
        syn::Item::Type(i) => format!("type {}", i.ident),
        syn::Item::Union(i) => format!("union {}", i.ident),
        syn::Item::Use(i) => format!("use {}", tokens(&i.tree)),
        other => format!("item {}", tokens(other)),
    }
}

fn impl_item_name(item: &syn::ImplItem) -> String {
    match item {
        syn::ImplItem::Const(i) => format!("const {}", i.ident),
        syn::ImplItem::Fn(i) => format!("fn {}", i.sig.ident),
        syn::ImplItem::Type(i) => format!("type {}", i.ident),
        syn::ImplItem::Macro(i) => format!("macro {}", tokens(&i.mac.path)),
        other => format!("item {}", tokens(other)),
    }
}

fn trait_item_name(item: &syn::TraitItem) -> String {
    match item {
        syn::TraitItem::Const(i) => format!("const {}", i.ident),
        syn::TraitItem::Fn(i) => format!("fn {}", i.sig.ident),
        syn::TraitItem::Type(i) => format!("type {}", i.ident),
        syn::TraitItem::Macro(i) => format!("macro {}", tokens(&i.mac.path)),
        other => format!("item {}", tokens(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMITTED: &str = "/// A phone.\n/// Its number.\npub struct Phone {\n    /// The number.\n    pub number: String,\n}\nimpl Phone {\n    /// New.\n    pub fn new() -> Phone { todo() }\n}\n";

    #[test]
    fn a_faithful_file_passes() {
        check_rust_file("x.rs", EMITTED, &normalize_newlines(EMITTED)).unwrap();
    }

    #[test]
    fn an_item_added_when_written_is_named() {
        let written = EMITTED.replace("/// Its number.\n", "/// Its\npub fn injected() {}\n");
        let err = check_rust_file("x.rs", EMITTED, &written)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`fn injected`"), "{err}");
        assert!(err.starts_with("x.rs: "), "{err}");
    }

    #[test]
    fn an_impl_item_or_field_added_when_written_is_named() {
        let written = EMITTED.replace("    /// New.\n", "    /// New\n    pub fn extra() {}\n");
        let err = check_rust_file("x.rs", EMITTED, &written)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`impl Phone / fn extra`"), "{err}");
        let written = EMITTED.replace("    /// The number.\n", "    /// The\n    pub extra: u8,\n");
        let err = check_rust_file("x.rs", EMITTED, &written)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`struct Phone / field extra`"), "{err}");
    }

    #[test]
    fn a_lone_carriage_return_in_a_doc_comment_is_refused_as_emitted() {
        let emitted = EMITTED.replace("/// Its number.\n", "/// Its\rpub fn injected() {}\n");
        let written = normalize_newlines(&emitted);
        let err = check_rust_file("x.rs", &emitted, &written)
            .unwrap_err()
            .to_string();
        assert!(err.contains("as emitted does not parse"), "{err}");
        assert!(err.starts_with("x.rs:2:"), "{err}");
    }

    #[test]
    fn an_attribute_added_when_written_is_refused() {
        let written = EMITTED.replace("/// Its number.\n", "/// Its\n#[derive(Clone)]\n");
        let err = check_rust_file("x.rs", EMITTED, &written)
            .unwrap_err()
            .to_string();
        assert!(err.contains("means something else"), "{err}");
    }

    #[test]
    fn newlines_are_normalised() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n\n\n"), "a\nb\nc\n");
        assert_eq!(normalize_newlines("a"), "a\n");
    }
}
