//! The whole-spec diff: every input of `cargo xtask codegen` of two versions, compared on
//! what the generator makes of each ([`crate::pipeline::build`]).
//!
//! Each side is run through code generation; the diff then compares
//!
//! - the restricted models (after [`crate::Slice::restrict`]) with the IR comparison of
//!   [`crate::diff::diff_with`] (types, properties, enums, bound operations, paths);
//! - the client's operation tables (method, request path, clouds, `$expand`), keyed by the
//!   permission key (`emailMethods.delete`): an operation added or withdrawn, whatever input
//!   caused it (the slice offering it, a navigation or action listed, the metadata allowing
//!   it), and per-cloud availability of the operations both sides have;
//! - the overlays, on the properties of the model: read-only, sensitive and create-required
//!   flags, and path containers;
//! - the permission data ([`crate::diff::permissions`]) and the slice's recorded decisions.
//!
//! Every generated Rust item a change names is looked up in the generated files of the side
//! it belongs to (parsed with syn, [`Items`]): the new side for something added, the old
//! side for something removed, either for something changed. An item that does not exist
//! there is never named.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;

use crate::GeneratedFile;
use crate::diff::{Change, ChangeKind, Class, ElementKind, SpecDiff, compare, permissions};
use crate::emit::openapi::{CLOUDS, Operation, OperationKind};
use crate::error::Error;
use crate::ir::TypeDef;
use crate::naming;
use crate::pipeline::{Generated, SpecInputs, build};
use crate::trim::{PathEntry, Slice};

/// The generated files whose items a diff may name, with the path users write them by:
/// the types crate (re-exported at the client's root), the client's ergonomic API and its
/// progenitor client.
const NAMED_FILES: [(&str, &str); 3] = [
    ("crates/graph-phone-types/src/generated/mod.rs", ""),
    ("crates/graph-phone-client/src/generated/api.rs", "api::"),
    (
        "crates/graph-phone-client/src/generated/progenitor.rs",
        "progenitor::",
    ),
];

/// The items declared by one side's generated Rust files, read with syn.
#[derive(Debug, Clone, Default)]
pub struct Items {
    /// Every named item: `PhoneAuthenticationMethod`, `PhoneAuthenticationMethod::phone_number`,
    /// `AuthenticationMethod::Phone`, `PhoneAuthenticationMethodCreate::new`,
    /// `api::PhoneMethods::create`, `progenitor::Client::me_phone_methods_create`.
    pub items: BTreeSet<String>,
    /// Struct fields by `(struct, wire name)` from their `#[serde(rename = "...")]`.
    wire_fields: BTreeMap<(String, String), String>,
    /// For each method of the ergonomic API: the string literals of its body (the
    /// operationIds it calls) and the types-crate items its parameters take.
    api_methods: Vec<ApiMethod>,
}

#[derive(Debug, Clone)]
struct ApiMethod {
    /// `api::PhoneMethods::create`.
    item: String,
    /// `api::PhoneMethods`.
    owner: String,
    /// The string literals of its body (the operationIds it names).
    literals: BTreeSet<String>,
    /// Its body, as tokens (`self . get_with (id , ...)`), to find the methods it calls.
    body: String,
    /// The types-crate items its `body` parameter (the request body) takes.
    inputs: BTreeSet<String>,
}

impl Items {
    /// Parses the generated Rust files of one side. A file that does not parse is an error
    /// naming it (the pipeline already checked that every file parses).
    pub fn read(files: &[GeneratedFile]) -> Result<Items, Error> {
        let mut out = Items::default();
        for (path, prefix) in NAMED_FILES {
            let Some(file) = files.iter().find(|f| f.path == path) else {
                continue;
            };
            let parsed = syn::parse_file(&file.contents).map_err(|e| Error::Emit {
                element: path.to_string(),
                message: format!("the generated file does not parse: {e}"),
            })?;
            out.collect(&parsed.items, prefix);
        }
        Ok(out)
    }

    /// True if `item` is declared.
    pub fn contains(&self, item: &str) -> bool {
        self.items.contains(item)
    }

    fn collect(&mut self, items: &[syn::Item], prefix: &str) {
        for item in items {
            match item {
                syn::Item::Struct(s) => {
                    let name = format!("{prefix}{}", s.ident);
                    if let syn::Fields::Named(fields) = &s.fields {
                        for f in &fields.named {
                            let Some(ident) = &f.ident else { continue };
                            let field = format!("{name}::{ident}");
                            if let Some(wire) = serde_rename(&f.attrs) {
                                self.wire_fields.insert((name.clone(), wire), field.clone());
                            }
                            self.items.insert(field);
                        }
                    }
                    self.items.insert(name);
                }
                syn::Item::Enum(e) => {
                    let name = format!("{prefix}{}", e.ident);
                    for v in &e.variants {
                        self.items.insert(format!("{name}::{}", v.ident));
                    }
                    self.items.insert(name);
                }
                syn::Item::Type(t) => {
                    self.items.insert(format!("{prefix}{}", t.ident));
                }
                syn::Item::Const(c) => {
                    self.items.insert(format!("{prefix}{}", c.ident));
                }
                syn::Item::Static(s) => {
                    self.items.insert(format!("{prefix}{}", s.ident));
                }
                syn::Item::Fn(f) => {
                    self.items.insert(format!("{prefix}{}", f.sig.ident));
                }
                syn::Item::Trait(t) => {
                    self.items.insert(format!("{prefix}{}", t.ident));
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.collect(inner, &format!("{prefix}{}::", m.ident));
                    }
                }
                syn::Item::Impl(i) if i.trait_.is_none() => {
                    let syn::Type::Path(ty) = &*i.self_ty else {
                        continue;
                    };
                    let Some(last) = ty.path.segments.last() else {
                        continue;
                    };
                    let owner = format!("{prefix}{}", last.ident);
                    for member in &i.items {
                        if let syn::ImplItem::Fn(f) = member {
                            let item = format!("{owner}::{}", f.sig.ident);
                            if prefix == "api::" {
                                let body = f.block.to_token_stream();
                                self.api_methods.push(ApiMethod {
                                    item: item.clone(),
                                    owner: owner.clone(),
                                    literals: string_literals(body.clone()),
                                    body: body.to_string(),
                                    inputs: request_body_types(&f.sig.inputs),
                                });
                            }
                            self.items.insert(item);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The generated items of one client operation: the ergonomic API's methods calling it
    /// (those naming its operationId, and those of the same handle calling one of them, such
    /// as `get` calling `get_with`), the request bodies they take, and progenitor's method.
    fn operation_items(&self, id: &str) -> BTreeSet<String> {
        let mut calling: Vec<&ApiMethod> = self
            .api_methods
            .iter()
            .filter(|m| m.literals.contains(id))
            .collect();
        // Bounded: each round adds at least one method or stops.
        for _ in 0..self.api_methods.len() {
            let more: Vec<&ApiMethod> = self
                .api_methods
                .iter()
                .filter(|m| !calling.iter().any(|c| c.item == m.item))
                .filter(|m| {
                    calling.iter().any(|c| {
                        c.owner == m.owner && {
                            let short = c.item.rsplit("::").next().unwrap_or_default();
                            m.body.contains(&format!("self . {short} ("))
                        }
                    })
                })
                .collect();
            if more.is_empty() {
                break;
            }
            calling.extend(more);
        }
        let mut out = BTreeSet::new();
        for m in calling {
            out.insert(m.item.clone());
            out.extend(m.inputs.iter().filter(|i| self.contains(i)).cloned());
        }
        let progenitor = format!("progenitor::Client::{id}");
        if self.contains(&progenitor) {
            out.insert(progenitor);
        }
        out
    }

    /// The struct of an entity or complex type and its payloads that exist (`X`, `XCreate`,
    /// `XUpdate`).
    fn type_structs(&self, ty: &str) -> Vec<String> {
        let name = naming::type_name(ty);
        [
            name.clone(),
            format!("{name}Create"),
            format!("{name}Update"),
        ]
        .into_iter()
        .filter(|n| self.contains(n))
        .collect()
    }

    /// The fields holding wire property `property` in the structs `structs`.
    fn fields(&self, structs: &[String], property: &str) -> Vec<String> {
        structs
            .iter()
            .filter_map(|s| {
                self.wire_fields
                    .get(&(s.clone(), property.to_string()))
                    .cloned()
            })
            .collect()
    }
}

/// The `rename` of a `#[serde(rename = "...")]` attribute.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    out
}

/// Every string literal in a token stream.
fn string_literals(tokens: proc_macro2::TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Literal(lit) => {
                if let Ok(s) = syn::parse_str::<syn::LitStr>(&lit.to_string()) {
                    out.insert(s.value());
                }
            }
            proc_macro2::TokenTree::Group(g) => out.extend(string_literals(g.stream())),
            _ => {}
        }
    }
    out
}

/// The `graph_phone_types::X` paths of a method's `body` parameter, as `X`.
fn request_body_types(
    inputs: &syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]>,
) -> BTreeSet<String> {
    let Some(body) = inputs.iter().find_map(|arg| match arg {
        syn::FnArg::Typed(t) if t.pat.to_token_stream().to_string() == "body" => Some(&t.ty),
        _ => None,
    }) else {
        return BTreeSet::new();
    };
    let text = body.to_token_stream().to_string();
    text.split("graph_phone_types ::")
        .skip(1)
        .filter_map(|rest| {
            let ident: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!ident.is_empty()).then_some(ident)
        })
        .collect()
}

/// One side of a whole-spec diff: what code generation made of its inputs, and the items of
/// its generated files.
#[derive(Debug, Clone)]
pub struct GeneratedSide {
    /// Where it came from (`spec/`, `origin/main:spec/`), for the report.
    pub label: String,
    /// Code generation's result.
    pub generated: Generated,
    /// The items its generated files declare.
    pub items: Items,
}

impl GeneratedSide {
    /// Runs code generation on `inputs` ([`build`]) and reads the generated items.
    pub fn build(label: impl Into<String>, inputs: &SpecInputs) -> Result<GeneratedSide, Error> {
        let generated = build(inputs)?;
        let items = Items::read(&generated.files)?;
        Ok(GeneratedSide {
            label: label.into(),
            generated,
            items,
        })
    }
}

/// Compares two versions of every input of code generation (see the module docs).
pub fn diff_specs(old: &SpecInputs, new: &SpecInputs) -> Result<SpecDiff, Error> {
    Ok(diff_generated(
        &GeneratedSide::build("old", old)?,
        &GeneratedSide::build("new", new)?,
    ))
}

/// Compares two generated sides (see the module docs).
pub fn diff_generated(old: &GeneratedSide, new: &GeneratedSide) -> SpecDiff {
    let (og, ng) = (&old.generated, &new.generated);
    let operations = operation_changes(old, new);
    let mut changes = compare::compare(&og.model, &ng.model, Some(&ng.overlay));
    // What the client offers is the operation table's to say; a capability the metadata
    // gains or loses that changes no operation is documentation.
    changes.retain_mut(|c| {
        if c.change != ChangeKind::CapabilityChanged {
            return true;
        }
        let aspect = c.aspect.as_deref().unwrap_or_default();
        let kinds = super::rust::capability_kinds(aspect);
        let covered = operations.iter().any(|(op_navs, kind, _)| {
            kinds.contains(kind) && op_navs.iter().any(|n| c.paths.contains(n))
        });
        if covered {
            return false;
        }
        let now = c.new.as_deref() == Some("allowed");
        c.class = Class::Documentation;
        c.reason = format!(
            "the metadata {} it on these paths, and spec/slice.toml does not offer it: the \
             generated code does not change",
            if now {
                "now allows"
            } else {
                "no longer allows"
            }
        );
        c.rust_items.clear();
        true
    });
    for c in &mut changes {
        keep_existing(c, old, new);
        add_fields(c, old, new);
    }
    let added_or_removed: BTreeSet<String> = operations
        .iter()
        .filter(|(_, _, c)| matches!(c.change, ChangeKind::Added | ChangeKind::Removed))
        .map(|(_, _, c)| c.name.clone())
        .collect();
    changes.extend(operations.into_iter().map(|(_, _, c)| c));
    changes.extend(
        permissions(&og.permissions, &ng.permissions)
            .into_iter()
            .filter(|c| {
                !(matches!(c.change, ChangeKind::Added | ChangeKind::Removed)
                    && added_or_removed.contains(&c.name))
            }),
    );
    changes.extend(overlay_changes(old, new));
    changes.extend(decision_changes(&og.slice, &ng.slice));
    SpecDiff::new(&old.label, &new.label, changes)
}

/// Keeps the Rust items of a change that exist on the side they belong to.
fn keep_existing(c: &mut Change, old: &GeneratedSide, new: &GeneratedSide) {
    c.rust_items.retain(|i| match c.change {
        ChangeKind::Added => new.items.contains(i),
        ChangeKind::Removed => old.items.contains(i),
        _ => new.items.contains(i) || old.items.contains(i),
    });
}

/// For a property or navigation property change: the fields that hold it in the generated
/// structs of its type and the types deriving from it, found by their wire name, on the
/// side it belongs to.
fn add_fields(c: &mut Change, old: &GeneratedSide, new: &GeneratedSide) {
    if !matches!(
        c.element,
        ElementKind::Property | ElementKind::NavigationProperty
    ) {
        return;
    }
    let sides: &[&GeneratedSide] = match c.change {
        ChangeKind::Added => &[new],
        ChangeKind::Removed => &[old],
        _ => &[old, new],
    };
    let mut items: BTreeSet<String> = c.rust_items.drain(..).collect();
    for side in sides {
        let model = &side.generated.model;
        let Some(def) = model.types.get(&c.group) else {
            continue;
        };
        for ty in std::iter::once(&def.name).chain(&def.derived) {
            let structs = side.items.type_structs(ty);
            items.extend(side.items.fields(&structs, &c.name));
        }
    }
    c.rust_items = items.into_iter().collect();
}

/// The permission key of an operation (`phoneMethods.create`).
fn key(op: &Operation) -> String {
    crate::emit::client::permission_key(op)
}

fn ordered_clouds(clouds: &BTreeSet<&str>) -> Vec<String> {
    CLOUDS
        .iter()
        .filter(|c| clouds.contains(*c))
        .map(|c| c.to_string())
        .collect()
}

fn request(op: &Operation) -> String {
    format!("{} {}", op.kind.method(), op.path)
}

/// The verb of an entity-set operation as `spec/slice.toml` names it, `None` for an action
/// or function.
fn verb(kind: OperationKind) -> Option<&'static str> {
    match kind {
        OperationKind::List => Some("list"),
        OperationKind::Get | OperationKind::GetContent => Some("get"),
        OperationKind::Create => Some("create"),
        OperationKind::Update => Some("update"),
        OperationKind::Delete => Some("delete"),
        OperationKind::Action | OperationKind::Function => None,
    }
}

/// True if a slice entry lists the operation (an entity-set verb it offers, or the action).
fn listed(entry: Option<&PathEntry>, op: &Operation) -> bool {
    let Some(entry) = entry else { return false };
    match (verb(op.kind), &op.bound) {
        (Some(v), _) => entry
            .operations
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == v)),
        (None, Some(b)) => entry.actions.contains(&b.name),
        (None, None) => false,
    }
}

/// Why an operation is on one side only: the input that changed, from the slices of both
/// sides.
fn cause(op: &Operation, old: &Slice, new: &Slice, gained: bool) -> String {
    let nav = op.segments.join("/");
    let entry = |s: &Slice| s.entry(&op.root, &op.segments).cloned();
    let (before, after) = (entry(old), entry(new));
    let (was, is) = (listed(before.as_ref(), op), listed(after.as_ref(), op));
    let what = if op.bound.is_some() {
        "action"
    } else {
        "operation"
    };
    if gained {
        let why = if before.is_none() && after.is_some() {
            format!("path `{nav}` added to spec/slice.toml")
        } else if !was && is {
            if op.bound.is_some() {
                "listed in spec/slice.toml".to_string()
            } else {
                "offered in spec/slice.toml".to_string()
            }
        } else {
            "the metadata, spec/graph-phone.csdl, now allows it".to_string()
        };
        format!("{what} added ({why}): the client now sends it")
    } else {
        let why = if before.is_some() && after.is_none() {
            format!("path `{nav}` removed from spec/slice.toml")
        } else if was && !is {
            "withdrawn from spec/slice.toml".to_string()
        } else {
            "the metadata, spec/graph-phone.csdl, no longer allows it".to_string()
        };
        format!("{what} removed ({why}): its client methods and payload go away")
    }
}

/// The same operation before and after.
type OperationPair = (Operation, Operation);

/// The operation-table changes, each with the navigation paths and kind of its operations
/// (to match the IR's capability changes).
fn operation_changes(
    old: &GeneratedSide,
    new: &GeneratedSide,
) -> Vec<(Vec<String>, OperationKind, Change)> {
    let table = |g: &Generated| -> BTreeMap<String, Vec<Operation>> {
        let mut m: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
        for op in &g.operations {
            m.entry(key(op)).or_default().push(op.clone());
        }
        m
    };
    let (olds, news) = (table(&old.generated), table(&new.generated));
    let keys: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (o, n) = (
            olds.get(k).map(Vec::as_slice).unwrap_or_default(),
            news.get(k).map(Vec::as_slice).unwrap_or_default(),
        );
        let find = |ops: &[Operation], op: &Operation| -> Option<Operation> {
            ops.iter()
                .find(|x| x.path == op.path && x.kind == op.kind)
                .cloned()
        };
        // Operations on one side only, grouped by the clouds that have them.
        let one_side = |ops: &[Operation], other: &[Operation]| {
            let mut by_clouds: BTreeMap<Vec<String>, Vec<Operation>> = BTreeMap::new();
            for op in ops.iter().filter(|op| find(other, op).is_none()) {
                let clouds: BTreeSet<&str> = op.clouds.iter().map(String::as_str).collect();
                by_clouds
                    .entry(ordered_clouds(&clouds))
                    .or_default()
                    .push(op.clone());
            }
            by_clouds
        };
        for (gained, side, ops, other, perms) in [
            (true, new, n, o, &new.generated.permissions),
            (false, old, o, n, &old.generated.permissions),
        ] {
            for (clouds, group) in one_side(ops, other) {
                let first = &group[0];
                let mut items = BTreeSet::new();
                for op in &group {
                    items.extend(side.items.operation_items(&op.id));
                }
                let value = match perms.get(k) {
                    Some(p) => format!("{}; {}", first.kind.method(), permissions::summary(p)),
                    None => first.kind.method().to_string(),
                };
                let (class, kind, old_v, new_v) = if gained {
                    (Class::Additive, ChangeKind::Added, None, Some(value))
                } else {
                    (Class::Breaking, ChangeKind::Removed, Some(value), None)
                };
                let mut paths: Vec<String> = group.iter().map(request).collect();
                paths.sort();
                out.push((
                    group.iter().map(|op| op.nav.clone()).collect(),
                    first.kind,
                    Change {
                        class,
                        clouds,
                        group: first.target.clone(),
                        element: ElementKind::Endpoint,
                        name: k.clone(),
                        change: kind,
                        aspect: None,
                        old: old_v,
                        new: new_v,
                        reason: cause(first, &old.generated.slice, &new.generated.slice, gained),
                        rust_items: items.into_iter().collect(),
                        paths,
                    },
                ));
            }
        }
        // Operations on both sides: the clouds that gained or lost them, and `$expand`.
        let mut moved: BTreeMap<(bool, Vec<String>), Vec<OperationPair>> = BTreeMap::new();
        let mut expand: Vec<(Operation, Operation)> = Vec::new();
        for op in n {
            let Some(before) = find(o, op) else { continue };
            let (was, is): (BTreeSet<&str>, BTreeSet<&str>) = (
                before.clouds.iter().map(String::as_str).collect(),
                op.clouds.iter().map(String::as_str).collect(),
            );
            let gained: BTreeSet<&str> = is.difference(&was).copied().collect();
            let lost: BTreeSet<&str> = was.difference(&is).copied().collect();
            for (g, set) in [(true, gained), (false, lost)] {
                if !set.is_empty() {
                    moved
                        .entry((g, ordered_clouds(&set)))
                        .or_default()
                        .push((before.clone(), op.clone()));
                }
            }
            if before.expand != op.expand {
                expand.push((before.clone(), op.clone()));
            }
        }
        for ((gained, clouds), pairs) in moved {
            let (before, after) = &pairs[0];
            let side = if gained { new } else { old };
            let mut items = BTreeSet::new();
            for (b, a) in &pairs {
                items.extend(
                    side.items
                        .operation_items(if gained { &a.id } else { &b.id }),
                );
            }
            let mut paths: Vec<String> = pairs.iter().map(|(_, a)| request(a)).collect();
            paths.sort();
            let specs = |side: &GeneratedSide| -> String {
                side.generated
                    .slice
                    .clouds
                    .iter()
                    .filter(|c| c.serves.iter().any(|s| clouds.contains(s)))
                    .map(|c| side.generated.slice.cloud_spec(&c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let (class, old_v, new_v, reason) = if gained {
                (
                    Class::Additive,
                    "not available",
                    "available",
                    format!(
                        "now available in {}: {} has it, so the client sends it there instead \
                         of refusing it",
                        clouds.join(", "),
                        specs(new)
                    ),
                )
            } else {
                (
                    Class::Breaking,
                    "available",
                    "not available",
                    format!(
                        "no longer available in {}: {} lacks it, so the client refuses it \
                         there before sending",
                        clouds.join(", "),
                        specs(old)
                    ),
                )
            };
            out.push((
                pairs.iter().map(|(_, a)| a.nav.clone()).collect(),
                after.kind,
                Change {
                    class,
                    clouds: clouds.clone(),
                    group: before.target.clone(),
                    element: ElementKind::Endpoint,
                    name: k.clone(),
                    change: ChangeKind::AvailabilityChanged,
                    aspect: Some(clouds.join(", ")),
                    old: Some(old_v.into()),
                    new: Some(new_v.into()),
                    reason,
                    rust_items: items.into_iter().collect(),
                    paths,
                },
            ));
        }
        if let Some((before, after)) = expand.first() {
            let was: BTreeSet<&String> = before.expand.iter().collect();
            let is: BTreeSet<&String> = after.expand.iter().collect();
            let lost = was.difference(&is).count() > 0;
            let mut items = BTreeSet::new();
            for (_, a) in &expand {
                items.extend(new.items.operation_items(&a.id));
            }
            let mut paths: Vec<String> = expand.iter().map(|(_, a)| request(a)).collect();
            paths.sort();
            let is_clouds: BTreeSet<&str> = after.clouds.iter().map(String::as_str).collect();
            out.push((
                expand.iter().map(|(_, a)| a.nav.clone()).collect(),
                after.kind,
                Change {
                    class: if lost {
                        Class::Breaking
                    } else {
                        Class::Additive
                    },
                    clouds: ordered_clouds(&is_clouds),
                    group: after.target.clone(),
                    element: ElementKind::Endpoint,
                    name: k.clone(),
                    change: ChangeKind::ExpandChanged,
                    aspect: None,
                    old: Some(before.expand.join(", ")),
                    new: Some(after.expand.join(", ")),
                    reason: if lost {
                        "spec/slice.toml no longer offers some `$expand` of it: reads asking for it fail".into()
                    } else {
                        "spec/slice.toml offers more `$expand` on it".into()
                    },
                    rust_items: items.into_iter().collect(),
                    paths,
                },
            ));
        }
    }
    out
}

/// Overlay changes on the properties both models have, reported per type whose generated
/// structs they change (or under the declaring type when they change none).
fn overlay_changes(old: &GeneratedSide, new: &GeneratedSide) -> Vec<Change> {
    let (og, ng) = (&old.generated, &new.generated);
    let mut out = Vec::new();
    let change = |class, group: &str, name: &str, kind, aspect: &str, was: bool, is: bool| Change {
        class,
        clouds: Vec::new(),
        group: group.to_string(),
        element: ElementKind::Property,
        name: name.to_string(),
        change: kind,
        aspect: Some(aspect.to_string()),
        old: Some(yes_no(was)),
        new: Some(yes_no(is)),
        reason: String::new(),
        rust_items: Vec::new(),
        paths: Vec::new(),
    };
    for (name, nt) in &ng.model.types {
        let Some(ot) = og.model.types.get(name) else {
            continue;
        };
        // Path containers: the type's structs appear or go away.
        let (was_hop, is_hop) = (
            og.overlay.is_path_container(name),
            ng.overlay.is_path_container(name),
        );
        if was_hop != is_hop {
            let (class, side, reason) = if is_hop {
                (
                    Class::Breaking,
                    old,
                    "now a path container in spec/overlay.toml: its structs are no longer generated",
                )
            } else {
                (
                    Class::Additive,
                    new,
                    "no longer a path container in spec/overlay.toml: its structs are generated",
                )
            };
            let mut c = change(
                class,
                name,
                name,
                ChangeKind::OverlayChanged,
                "path container",
                was_hop,
                is_hop,
            );
            c.element = ElementKind::Type;
            c.reason = reason.into();
            c.rust_items = side.items.type_structs(name);
            out.push(c);
        }
        for np in &nt.properties {
            let Some(op) = ot.properties.iter().find(|p| p.name == np.name) else {
                continue;
            };
            out.extend(property_overlay(
                old,
                new,
                ot,
                nt,
                &np.name,
                op.read_only || np.read_only,
                &change,
            ));
        }
    }
    out
}

type ChangeFn<'f> = dyn Fn(Class, &str, &str, ChangeKind, &str, bool, bool) -> Change + 'f;

/// The overlay changes of one property of one type.
fn property_overlay(
    old: &GeneratedSide,
    new: &GeneratedSide,
    ot: &TypeDef,
    nt: &TypeDef,
    property: &str,
    ir_read_only: bool,
    change: &ChangeFn<'_>,
) -> Vec<Change> {
    let (oo, no) = (&old.generated.overlay, &new.generated.overlay);
    let ty = nt.name.as_str();
    let declared = nt
        .properties
        .iter()
        .find(|p| p.name == property)
        .map(|p| p.declared_in == nt.name)
        .unwrap_or(false);
    let payloads = |side: &GeneratedSide| -> Vec<String> {
        let structs: Vec<String> = side
            .items
            .type_structs(ty)
            .into_iter()
            .filter(|s| s.ends_with("Create") || s.ends_with("Update"))
            .collect();
        side.items.fields(&structs, property)
    };
    let reads = |side: &GeneratedSide| -> Vec<String> {
        let structs: Vec<String> = side.items.type_structs(ty);
        side.items.fields(&structs, property)
    };
    let mut out = Vec::new();
    // Read-only: the property leaves (or joins) the create and update payloads.
    let (was, is) = (oo.is_read_only(ot, property), no.is_read_only(nt, property));
    if was != is && !ir_read_only {
        let (class, items, reason) = if is {
            (
                Class::Breaking,
                payloads(old),
                "marked read-only in spec/overlay.toml: the field leaves the create and update \
                 payloads, so code setting it no longer compiles",
            )
        } else {
            (
                Class::Additive,
                payloads(new),
                "no longer read-only in spec/overlay.toml: the create and update payloads gain \
                 the field, optional (as a new property is classified)",
            )
        };
        if !items.is_empty() || declared {
            let mut c = change(
                class,
                ty,
                property,
                ChangeKind::OverlayChanged,
                "read-only",
                was,
                is,
            );
            if items.is_empty() {
                c.class = Class::Documentation;
                c.reason = "read-only in spec/overlay.toml changed, but no generated payload has the property".into();
            } else {
                c.reason = reason.into();
            }
            c.rust_items = items;
            out.push(c);
        }
    }
    // Sensitive: Debug output only. Documentation: `Debug` output is no stability promise
    // (std's documentation says so) and no code stops compiling or behaving; the reason says
    // what a reviewer must weigh (a value reaching logs).
    let (was, is) = (oo.is_sensitive(ot, property), no.is_sensitive(nt, property));
    if was != is {
        let items = reads(new);
        if !items.is_empty() || declared {
            let mut c = change(
                Class::Documentation,
                ty,
                property,
                ChangeKind::OverlayChanged,
                "sensitive",
                was,
                is,
            );
            c.reason = if is {
                "marked sensitive in spec/overlay.toml: Debug prints `<redacted>` instead of the value; the API is unchanged".into()
            } else {
                "no longer sensitive in spec/overlay.toml: Debug prints the value, which may then reach logs; the API is unchanged".into()
            };
            c.rust_items = items;
            out.push(c);
        }
    }
    // Create-required: the create payload's constructor takes the field, or no longer does.
    let (was, is) = (
        oo.is_create_required(ot, property),
        no.is_create_required(nt, property),
    );
    if was != is {
        let ctor = format!("{}Create::new", naming::type_name(ty));
        let items: Vec<String> = [&ctor]
            .into_iter()
            .filter(|i| old.items.contains(i) || new.items.contains(i))
            .cloned()
            .collect();
        if !items.is_empty() || declared {
            let mut c = change(
                if items.is_empty() {
                    Class::Documentation
                } else {
                    Class::Breaking
                },
                ty,
                property,
                ChangeKind::OverlayChanged,
                "create required",
                was,
                is,
            );
            c.reason = if items.is_empty() {
                "create-required in spec/overlay.toml changed, but no create payload is generated"
                    .into()
            } else {
                "create-required in spec/overlay.toml changed: the create payload's constructor takes different arguments".into()
            };
            c.rust_items = items;
            out.push(c);
        }
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The slice's recorded decisions: documentation (they generate nothing).
fn decision_changes(old: &Slice, new: &Slice) -> Vec<Change> {
    let entries: BTreeSet<&String> = old
        .decisions
        .iter()
        .chain(&new.decisions)
        .map(|d| &d.entry)
        .collect();
    let mut out = Vec::new();
    for entry in entries {
        let (o, n) = (old.decision(entry), new.decision(entry));
        let (kind, was, is) = match (o, n) {
            (None, Some(n)) => (ChangeKind::Added, None, Some(n.reason.clone())),
            (Some(o), None) => (ChangeKind::Removed, Some(o.reason.clone()), None),
            (Some(o), Some(n)) if o.reason != n.reason => (
                ChangeKind::DescriptionChanged,
                Some(o.reason.clone()),
                Some(n.reason.clone()),
            ),
            _ => continue,
        };
        out.push(Change {
            class: Class::Documentation,
            clouds: Vec::new(),
            group: new.file.clone(),
            element: ElementKind::Decision,
            name: entry.clone(),
            change: kind,
            aspect: None,
            old: was,
            new: is,
            reason: "a recorded decision of spec/slice.toml: it generates nothing".into(),
            rust_items: Vec::new(),
            paths: Vec::new(),
        });
    }
    out
}
