//! The generator's scale test, the cheap half: the types of the whole Graph v1.0 metadata
//! (`spec/upstream/v1.0-Prod.csdl`: every namespace, no trim, an empty overlay, a navigation
//! path for every entity set and singleton) are emitted, parse as written, and hold every
//! type of the document exactly once. Compiling them takes minutes:
//! `cargo xtask full-types --check` (see BENCHMARKS.md).

use std::collections::{BTreeMap, BTreeSet};

use graph_codegen::csdl::{self, Document};
use graph_codegen::emit::Overlay;
use graph_codegen::emit::rust::emit_types_source;
use graph_codegen::ir::{self, PathRequest};
use graph_codegen::written::{check_rust_file, normalize_newlines};

const METADATA: &str = "spec/upstream/v1.0-Prod.csdl";

/// The emitted module as written, with the document it came from and the request body types
/// the generator adds for the kept actions with parameters (`emit::bodies`: they document a
/// type the document does not declare).
fn full_types() -> (Document, String, BTreeSet<String>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/upstream/v1.0-Prod.csdl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc = csdl::read(METADATA, &text).unwrap_or_else(|e| panic!("{e}"));
    let roots = ir::lower(&doc, &[]).unwrap_or_else(|e| panic!("{e}"));
    let requests: Vec<PathRequest> = roots
        .roots
        .keys()
        .map(|root| PathRequest::new(root.as_str(), &[]))
        .collect();
    assert!(
        requests.len() > 10,
        "entity sets and singletons: {requests:?}"
    );
    let model = ir::lower(&doc, &requests).unwrap_or_else(|e| panic!("{e}"));
    let emitted = emit_types_source(&model, &Overlay::default()).unwrap_or_else(|e| panic!("{e}"));
    let written = normalize_newlines(&emitted);
    // What `cargo xtask codegen` checks of every file: it parses as emitted and as written,
    // with the same items.
    check_rust_file("full-v1/generated.rs", &emitted, &written).unwrap_or_else(|e| panic!("{e}"));
    let bodies = graph_codegen::emit::bodies::with_request_bodies(&model)
        .unwrap_or_else(|e| panic!("{e}"))
        .types
        .keys()
        .filter(|name| !model.types.contains_key(*name))
        .cloned()
        .collect();
    (doc, written, bodies)
}

/// The qualified name a model type or enum documents itself with: the last backticked text
/// of the last doc line that names it (`Graph entity type `microsoft.graph.user`.`, `Graph
/// enum type; ... (`microsoft.graph.x`).`, a flags member enum's `One flag of ... (`...`):
/// ...`). Payloads (`The body that creates ...`) name none.
fn documented_type(attrs: &[syn::Attribute]) -> Option<String> {
    let mut doc = String::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            doc.push_str(&s.value());
            doc.push('\n');
        }
    }
    let last = doc
        .lines()
        .map(str::trim_start)
        .rfind(|l| l.starts_with("Graph ") || l.starts_with("One flag of "))?;
    let mut parts = last.rsplit('`');
    parts.next()?;
    parts.next().map(str::to_owned)
}

/// Full names (namespace, not alias) of the document's types, each with whether an item
/// must exist for it: every enum and concrete type, and each abstract type some property or
/// navigation property refers to. An abstract type nothing refers to is left out by the
/// emitter (no value can have it as its type; its concrete subtypes are emitted).
fn document_types(doc: &Document) -> BTreeMap<String, bool> {
    let aliases: BTreeMap<&str, &str> = doc
        .schemas
        .iter()
        .filter_map(|s| s.alias.as_deref().map(|a| (a, s.namespace.as_str())))
        .collect();
    let full = |name: &str| -> String {
        match name.rsplit_once('.') {
            Some((ns, simple)) => match aliases.get(ns) {
                Some(real) => format!("{real}.{simple}"),
                None => name.to_owned(),
            },
            None => name.to_owned(),
        }
    };
    let mut referenced = BTreeSet::new();
    for schema in &doc.schemas {
        for t in schema.entity_types.iter().chain(&schema.complex_types) {
            for p in &t.properties {
                referenced.insert(full(&p.type_ref.name));
            }
            for n in &t.navigation_properties {
                referenced.insert(full(&n.type_ref.name));
            }
        }
    }
    let mut out = BTreeMap::new();
    for schema in &doc.schemas {
        for e in &schema.enum_types {
            out.insert(format!("{}.{}", schema.namespace, e.name), true);
        }
        for t in schema.entity_types.iter().chain(&schema.complex_types) {
            let name = format!("{}.{}", schema.namespace, t.name);
            let required = !t.is_abstract || referenced.contains(&name);
            out.insert(name, required);
        }
    }
    out
}

#[test]
fn the_whole_v1_metadata_emits_every_type_once() {
    let (doc, written, bodies) = full_types();
    let file = syn::parse_file(&written).unwrap_or_else(|e| panic!("{e}"));

    let mut items: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in &file.items {
        let (name, attrs) = match item {
            syn::Item::Struct(s) => {
                let mut fields = BTreeSet::new();
                for f in &s.fields {
                    let f = f.ident.as_ref().expect("named fields").to_string();
                    assert!(fields.insert(f.clone()), "{}: field {f} twice", s.ident);
                }
                (s.ident.to_string(), &s.attrs)
            }
            syn::Item::Enum(e) => {
                let mut variants = BTreeSet::new();
                for v in &e.variants {
                    let v = v.ident.to_string();
                    assert!(variants.insert(v.clone()), "{}: variant {v} twice", e.ident);
                }
                (e.ident.to_string(), &e.attrs)
            }
            syn::Item::Type(t) => (t.ident.to_string(), &t.attrs),
            syn::Item::Impl(_) => continue,
            other => panic!("unexpected item kind: {}", quote::quote!(#other)),
        };
        *items.entry(name.clone()).or_default() += 1;
        if let Some(qname) = documented_type(attrs) {
            by_type.entry(qname).or_default().push(name);
        }
    }
    let twice: Vec<_> = items.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "item names declared more than once: {twice:?}"
    );

    let types = document_types(&doc);
    assert!(types.len() > 3000, "{} types in {METADATA}", types.len());
    let missing: Vec<&String> = types
        .iter()
        .filter(|(name, required)| **required && !by_type.contains_key(*name))
        .map(|(name, _)| name)
        .collect();
    assert!(missing.is_empty(), "types without an item: {missing:?}");
    let unknown: Vec<&String> = by_type
        .keys()
        .filter(|q| !types.contains_key(*q) && !bodies.contains(*q))
        .collect();
    // Overloads of one action with different parameters (`validateProperties` on
    // directoryObject and on group) get a body each, named by their binding.
    assert!(
        bodies.contains("microsoft.graph.groupValidatePropertiesRequest")
            && bodies
                .contains("microsoft.graph.directoryObjectCollectionValidatePropertiesRequest"),
        "request bodies: {bodies:?}"
    );
    let bodies_missing: Vec<&String> = bodies
        .iter()
        .filter(|b| !by_type.contains_key(*b))
        .collect();
    assert!(
        bodies_missing.is_empty(),
        "request bodies without an item: {bodies_missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "items documenting a type the document does not have: {unknown:?}"
    );

    // Types of the other namespaces carry theirs, so none takes a microsoft.graph type's
    // name: both `endpoint`s, both `alert`s, both `user`s keep distinct, unnumbered names.
    for (qname, want) in [
        ("microsoft.graph.endpoint", "Endpoint"),
        (
            "microsoft.graph.callRecords.endpoint",
            "CallRecordsEndpoint",
        ),
        ("microsoft.graph.alert", "Alert"),
        ("microsoft.graph.security.alert", "SecurityAlert"),
        ("microsoft.graph.user", "User"),
        ("microsoft.graph.security.user", "SecurityUser"),
        (
            "microsoft.graph.identityGovernance.userSummary",
            "IdentityGovernanceUserSummary",
        ),
    ] {
        assert_eq!(by_type.get(qname), Some(&vec![want.to_owned()]), "{qname}");
    }
}
