//! The one place where Rust identifiers are made from CSDL names.
//!
//! - Type names ([`type_name`]): the last segment of a qualified name in PascalCase
//!   (`microsoft.graph.phoneAuthenticationMethod` -> `PhoneAuthenticationMethod`); in a
//!   module holding several namespaces ([`type_name_in`]) a type outside the home namespace
//!   is prefixed with its own (`microsoft.graph.security.alert` -> `SecurityAlert`).
//! - Field names ([`field_name`]): snake_case (`createdDateTime` -> `created_date_time`,
//!   `aaGuid` -> `aa_guid`, `deviceID` -> `device_id`, `fido2Methods` -> `fido2_methods`).
//!   Rust keywords become raw identifiers (`type` -> `r#type`), except the four that cannot
//!   be raw (`self`, `Self`, `crate`, `super`), which get a trailing `_`.
//! - Enum variant names ([`variant_name`]): PascalCase (`unknownFutureValue` ->
//!   `UnknownFutureValue`). Every word is capitalised and the rest lower-cased, so acronyms
//!   come out as `Es256`, `IOs` (no `clippy::upper_case_acronyms`).
//!
//! Words are split at a lower-case letter or digit followed by an upper-case letter, before
//! the last capital of a run of capitals followed by a lower-case letter (`HTTPServer` ->
//! `HTTP`, `Server`), and at every character that is not ASCII alphanumeric (dropped). Digits
//! stay with the word before them. A name that would start with a digit gets a leading `_`
//! (fields) or `N` (types and variants).
//!
//! Names read from CSDL never need that rewriting: the reader refuses any `Name` that is not
//! an ASCII OData SimpleIdentifier ([`crate::csdl::check_simple_identifier`]) with its
//! `file:line:column`, so only `_` is dropped from them. The other rules serve the wire names
//! the emitters add themselves (`@odata.type`).
//!
//! Two wire names that map to one identifier within one scope (the fields of a struct, the
//! variants of an enum, the types of a module) are told apart by a [`Scope`]: the first
//! claimant keeps the identifier, later ones get `_2`, `_3`... (snake case) or `2`, `3`...
//! (PascalCase), in the order they are claimed. Emitters claim in a deterministic order
//! (document order for members, sorted names for types), so output is stable.

use std::collections::BTreeSet;

/// Strict and reserved keywords of Rust 2024 (including `gen`, reserved since 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be used as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "crate", "super", "_"];

/// Names of prelude items the generated code uses unqualified. A generated type must not
/// shadow them, so type scopes start with these claimed (see [`Scope::for_types`]).
pub const PRELUDE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "PartialOrd",
    "Ord",
    "From",
    "Into",
    "Iterator",
    "ToString",
    "AsRef",
];

/// Splits a CSDL name into words (see the module docs).
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        out.push_str("Unnamed");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'N');
    }
    out
}

/// Makes a keyword usable: `r#type`, or `self_` for keywords that cannot be raw.
fn unkeyword(ident: String) -> String {
    if NOT_RAW.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// The Rust type name for a CSDL type, given its simple or qualified name.
pub fn type_name(csdl_name: &str) -> String {
    let simple = csdl_name.rsplit('.').next().unwrap_or(csdl_name);
    unkeyword(pascal(simple))
}

/// The Rust type name for a CSDL type in a module whose home namespace is `home` (see
/// [`home_namespace`]): a type of `home` itself (or of no namespace) gets [`type_name`]; a
/// type of another namespace gets that namespace's part after `home` (all of it, if `home`
/// is not a prefix) in PascalCase in front, so `microsoft.graph.callRecords.session` is
/// `CallRecordsSession` next to `microsoft.graph.session`'s `Session`. With the home fixed,
/// a type's name depends on its own qualified name only, so a type added to a
/// sub-namespace cannot take a home type's name (it could when both were claimed in sorted
/// order: `microsoft.graph.callRecords.endpoint` sorts before `microsoft.graph.endpoint`).
/// A prefixed name that still collides (`microsoft.graph.securityAlert` next to
/// `microsoft.graph.security.alert`) is told apart by the [`Scope`].
pub fn type_name_in(qualified: &str, home: &str) -> String {
    let Some((namespace, simple)) = qualified.rsplit_once('.') else {
        return type_name(qualified);
    };
    if namespace == home {
        return type_name(simple);
    }
    let rest = namespace
        .strip_prefix(home)
        .and_then(|r| r.strip_prefix('.'))
        .filter(|_| !home.is_empty())
        .unwrap_or(namespace);
    unkeyword(pascal(&format!("{rest}.{simple}")))
}

/// The home namespace of a set of qualified type names: the longest namespace (whole
/// dot-separated segments) that holds or encloses every one of them. One namespace: that
/// namespace; Graph's `microsoft.graph` and its `microsoft.graph.security`,
/// `microsoft.graph.callRecords`...: `microsoft.graph`; nothing in common: empty.
pub fn home_namespace<'a>(qualified: impl IntoIterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for name in qualified {
        let namespace: Vec<&str> = match name.rsplit_once('.') {
            Some((namespace, _)) => namespace.split('.').collect(),
            None => Vec::new(),
        };
        common = Some(match common {
            None => namespace,
            Some(mut c) => {
                let same = c.iter().zip(&namespace).take_while(|(a, b)| a == b).count();
                c.truncate(same);
                c
            }
        });
    }
    common.unwrap_or_default().join(".")
}

/// The Rust field name for a property's wire name.
pub fn field_name(wire_name: &str) -> String {
    let mut out = words(wire_name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out.push_str("unnamed");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    unkeyword(out)
}

/// The Rust variant name for an enum member's wire name.
pub fn variant_name(member: &str) -> String {
    unkeyword(pascal(member))
}

/// The identifiers already used in one scope: the fields of a struct, the variants of an
/// enum, or the items of a module.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A scope for the items of a generated module, with the prelude names it uses claimed.
    pub fn for_types() -> Scope {
        let mut scope = Scope::new();
        for name in PRELUDE_NAMES {
            scope.used.insert((*name).to_owned());
        }
        scope
    }

    /// True if `ident` is already taken.
    pub fn contains(&self, ident: &str) -> bool {
        self.used.contains(ident)
    }

    /// Claims `ident`, or, if taken, the first free `ident_2`, `ident_3`... (snake case,
    /// raw identifiers lose their `r#`) or `Ident2`, `Ident3`... (anything else; a trailing
    /// `_` is dropped first).
    pub fn claim(&mut self, ident: &str) -> String {
        if self.used.insert(ident.to_owned()) {
            return ident.to_owned();
        }
        let bare = ident.strip_prefix("r#").unwrap_or(ident);
        let snake = bare.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
        let mut n = 2;
        loop {
            let candidate = if snake {
                format!("{}_{n}", bare.trim_end_matches('_'))
            } else {
                format!("{}{n}", bare.trim_end_matches('_'))
            };
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_pascal_case() {
        assert_eq!(
            type_name("microsoft.graph.phoneAuthenticationMethod"),
            "PhoneAuthenticationMethod"
        );
        assert_eq!(
            type_name("authenticationPhoneType"),
            "AuthenticationPhoneType"
        );
        assert_eq!(
            type_name("fido2AuthenticationMethod"),
            "Fido2AuthenticationMethod"
        );
        assert_eq!(type_name("graph.self"), "Self_");
        assert_eq!(type_name("x509Certificate"), "X509Certificate");
        assert_eq!(type_name("3dThing"), "N3dThing");
    }

    #[test]
    fn types_of_other_namespaces_carry_their_namespace() {
        let home = "microsoft.graph";
        assert_eq!(type_name_in("microsoft.graph.session", home), "Session");
        assert_eq!(
            type_name_in("microsoft.graph.callRecords.session", home),
            "CallRecordsSession"
        );
        assert_eq!(
            type_name_in("microsoft.graph.partners.billing.operation", home),
            "PartnersBillingOperation"
        );
        // A namespace that merely starts with the same letters is not inside `home`.
        assert_eq!(
            type_name_in("microsoft.graphx.thing", home),
            "MicrosoftGraphxThing"
        );
        assert_eq!(type_name_in("other.thing", home), "OtherThing");
        assert_eq!(type_name_in("thing", home), "Thing");
        assert_eq!(type_name_in("a.b.thing", ""), "ABThing");
        assert_eq!(type_name_in("microsoft.graph.self", home), "Self_");

        assert_eq!(
            home_namespace([
                "microsoft.graph.user",
                "microsoft.graph.security.alert",
                "microsoft.graph.callRecords.session",
            ]),
            home
        );
        assert_eq!(
            home_namespace(["microsoft.graph.security.alert"]),
            "microsoft.graph.security"
        );
        assert_eq!(home_namespace(["a.x", "b.y"]), "");
        assert_eq!(
            home_namespace(["microsoft.graph.a", "microsoft.graphx.b"]),
            "microsoft"
        );
        assert_eq!(home_namespace(std::iter::empty()), "");
    }

    #[test]
    fn field_names_are_snake_case() {
        assert_eq!(field_name("createdDateTime"), "created_date_time");
        assert_eq!(field_name("aaGuid"), "aa_guid");
        assert_eq!(field_name("phoneNumber"), "phone_number");
        assert_eq!(field_name("deviceID"), "device_id");
        assert_eq!(field_name("HTTPServerName"), "http_server_name");
        assert_eq!(field_name("fido2Methods"), "fido2_methods");
        assert_eq!(field_name("isUsableOnce"), "is_usable_once");
        assert_eq!(field_name("@odata.type"), "odata_type");
        assert_eq!(field_name("3des"), "_3des");
    }

    #[test]
    fn keywords_become_raw_or_get_an_underscore() {
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("match"), "r#match");
        assert_eq!(field_name("gen"), "r#gen");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("crate"), "crate_");
        assert_eq!(field_name("super"), "super_");
        assert_eq!(variant_name("self"), "Self_");
        assert_eq!(field_name("typeName"), "type_name");
    }

    #[test]
    fn variant_names_are_pascal_case_without_shouting() {
        assert_eq!(variant_name("unknownFutureValue"), "UnknownFutureValue");
        assert_eq!(variant_name("notSupported"), "NotSupported");
        assert_eq!(variant_name("macOS"), "MacOs");
        assert_eq!(variant_name("iOS"), "IOs");
        assert_eq!(variant_name("ES256"), "Es256");
        assert_eq!(variant_name("PIN"), "Pin");
    }

    #[test]
    fn collisions_in_one_scope_get_deterministic_suffixes() {
        let mut fields = Scope::new();
        assert_eq!(fields.claim(&field_name("displayName")), "display_name");
        assert_eq!(fields.claim(&field_name("display_name")), "display_name_2");
        assert_eq!(fields.claim(&field_name("DisplayName")), "display_name_3");
        assert_eq!(fields.claim(&field_name("type")), "r#type");
        assert_eq!(fields.claim(&field_name("Type")), "type_2");
        assert_eq!(fields.claim(&field_name("self")), "self_");
        assert_eq!(fields.claim(&field_name("Self")), "self_2");

        let mut variants = Scope::new();
        assert_eq!(variants.claim(&variant_name("macOS")), "MacOs");
        assert_eq!(variants.claim(&variant_name("MacOS")), "MacOs2");
        assert_eq!(variants.claim(&variant_name("self")), "Self_");
        assert_eq!(variants.claim(&variant_name("Self")), "Self2");

        let mut types = Scope::for_types();
        assert_eq!(types.claim(&type_name("microsoft.graph.result")), "Result2");
        assert_eq!(types.claim(&type_name("microsoft.graph.user")), "User");
        assert_eq!(
            types.claim(&type_name("microsoft.graph.callRecords.user")),
            "User2"
        );
        assert!(types.contains("User2"));
    }

    #[test]
    fn words_split_sensibly() {
        assert_eq!(words("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(words("fido2Methods"), ["fido2", "Methods"]);
        assert_eq!(words("@odata.nextLink"), ["odata", "next", "Link"]);
        assert!(words("").is_empty());
    }
}
