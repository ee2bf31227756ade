//! The comparison itself: walks both models and produces unsorted, possibly repeated changes,
//! then merges the repeats (an inherited property is seen once per type holding it).

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::rust::{RustView, capability_kinds};
use crate::diff::{Change, ChangeKind, Class, ElementKind};
use crate::emit::overlay::Overlay;
use crate::ir::{
    Capabilities, Deprecation, Doc, EnumDef, Model, NavigationDef, OperationDef, Primitive,
    PropertyDef, TypeDef, TypeKind, TypeTarget, TypeUse, key_placeholder,
};

/// Compares `old` with `new`; the result is merged but not sorted.
pub(super) fn compare(old: &Model, new: &Model, overlay: Option<&Overlay>) -> Vec<Change> {
    let mut cx = Cx {
        old: Side::new(old, overlay),
        new: Side::new(new, overlay),
        out: Vec::new(),
    };
    cx.types();
    cx.enums();
    cx.operations();
    cx.paths();
    merge(cx.out)
}

/// One model with what the comparison looks up in it.
struct Side<'m> {
    model: &'m Model,
    rust: RustView<'m>,
    /// Request paths by the (holder type, navigation property) of their last segment.
    nav_paths: BTreeMap<(String, String), Vec<String>>,
    /// Operation URLs by (binding type, bound to a collection, name).
    op_paths: BTreeMap<(String, bool, String), Vec<String>>,
}

impl<'m> Side<'m> {
    fn new(model: &'m Model, overlay: Option<&'m Overlay>) -> Side<'m> {
        let mut nav_paths: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        let mut op_paths: BTreeMap<(String, bool, String), Vec<String>> = BTreeMap::new();
        for path in model.paths.values() {
            if let Some(holder) = holder(model, &path.root, &path.segments) {
                let last = path.segments.last().cloned().unwrap_or_default();
                nav_paths
                    .entry((holder, last))
                    .or_default()
                    .push(path.template.clone());
            }
            for op in &path.operations {
                let url = if path.collection && !op.binding_collection {
                    format!(
                        "{}/{}/{}",
                        path.template,
                        key_placeholder(&path.target),
                        op.name
                    )
                } else {
                    format!("{}/{}", path.template, op.name)
                };
                op_paths
                    .entry((op.binding.clone(), op.binding_collection, op.name.clone()))
                    .or_default()
                    .push(url);
            }
        }
        Side {
            model,
            rust: RustView::new(model, overlay),
            nav_paths,
            op_paths,
        }
    }

    fn nav_paths(&self, holder: &str, nav: &str) -> Vec<String> {
        self.nav_paths
            .get(&(holder.to_string(), nav.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    fn op_paths(&self, op: &OperationDef) -> Vec<String> {
        self.op_paths
            .get(&(op.binding.clone(), op.binding_collection, op.name.clone()))
            .cloned()
            .unwrap_or_default()
    }
}

/// The type holding the last navigation property of a path (`None` for a root-only path).
fn holder(model: &Model, root: &str, segments: &[String]) -> Option<String> {
    let (_, before) = segments.split_last()?;
    let mut ty = model.roots.get(root)?.entity_type.clone();
    for seg in before {
        ty = model
            .types
            .get(&ty)?
            .navigation
            .iter()
            .find(|n| &n.name == seg)?
            .target
            .clone();
    }
    Some(ty)
}

struct Cx<'m> {
    old: Side<'m>,
    new: Side<'m>,
    out: Vec<Change>,
}

/// A change with the identifying fields set and the rest empty.
fn change(class: Class, group: &str, element: ElementKind, name: &str, kind: ChangeKind) -> Change {
    Change {
        class,
        clouds: Vec::new(),
        group: group.to_string(),
        element,
        name: name.to_string(),
        change: kind,
        aspect: None,
        old: None,
        new: None,
        reason: String::new(),
        rust_items: Vec::new(),
        paths: Vec::new(),
    }
}

impl Change {
    fn values(mut self, old: Option<String>, new: Option<String>) -> Change {
        self.old = old;
        self.new = new;
        self
    }

    fn aspect(mut self, aspect: &str) -> Change {
        self.aspect = Some(aspect.to_string());
        self
    }

    fn reason(mut self, reason: impl Into<String>) -> Change {
        self.reason = reason.into();
        self
    }

    fn items(mut self, items: Vec<String>) -> Change {
        self.rust_items = items;
        self
    }

    fn paths(mut self, paths: Vec<String>) -> Change {
        self.paths = paths;
        self
    }
}

/// `Edm.String`, `microsoft.graph.x`, `Collection(...)`.
pub(super) fn type_text(t: &TypeUse) -> String {
    let inner = match &t.target {
        TypeTarget::Primitive(p) => primitive_text(*p),
        TypeTarget::Enum(q) | TypeTarget::Complex(q) | TypeTarget::Entity(q) => q.clone(),
    };
    if t.collection {
        format!("Collection({inner})")
    } else {
        inner
    }
}

fn primitive_text(p: Primitive) -> String {
    format!("Edm.{p:?}")
}

fn nullability(nullable: bool) -> String {
    if nullable { "nullable" } else { "non-nullable" }.to_string()
}

fn yes_no(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

fn kind_text(k: TypeKind) -> String {
    match k {
        TypeKind::Entity => "entity",
        TypeKind::Complex => "complex",
    }
    .to_string()
}

fn deprecation_text(d: &Deprecation) -> String {
    let mut s = d.description.clone();
    let mut extra = Vec::new();
    if let Some(date) = &d.date {
        extra.push(format!("since {date}"));
    }
    if let Some(date) = &d.removal_date {
        extra.push(format!("removal {date}"));
    }
    if let Some(v) = &d.version {
        extra.push(format!("version {v}"));
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    s
}

fn type_summary(def: &TypeDef) -> String {
    let mut s = kind_text(def.kind);
    if def.is_abstract {
        s.insert_str(0, "abstract ");
    }
    if let Some(b) = &def.base {
        s.push_str(&format!(", base {b}"));
    }
    if !def.own_properties.is_empty() {
        let names: Vec<&str> = def.own_properties.iter().map(|p| p.name.as_str()).collect();
        s.push_str(&format!("; properties {}", names.join(", ")));
    }
    s
}

fn signature(op: &OperationDef) -> String {
    let kind = match op.kind {
        crate::ir::OperationKindDef::Action => "action",
        crate::ir::OperationKindDef::Function => "function",
    };
    let params: Vec<String> = op
        .parameters
        .iter()
        .map(|p| {
            let q = if p.nullable { "?" } else { "" };
            format!("{}: {}{q}", p.name, type_text(&p.ty))
        })
        .collect();
    let mut s = format!("{kind} {}({})", op.name, params.join(", "));
    if let Some(r) = &op.returns {
        s.push_str(&format!(" -> {}", type_text(r)));
    }
    s
}

impl Cx<'_> {
    fn push(&mut self, c: Change) {
        self.out.push(c);
    }

    /// Description and deprecation changes of any element.
    fn docs(
        &mut self,
        (group, element, name): (&str, ElementKind, &str),
        old: &Doc,
        new: &Doc,
        items: &[String],
    ) {
        let descriptions = [
            (None, &old.description, &new.description),
            (
                Some("long description"),
                &old.long_description,
                &new.long_description,
            ),
        ];
        for (aspect, o, n) in descriptions {
            if o != n {
                let mut c = change(
                    Class::Documentation,
                    group,
                    element,
                    name,
                    ChangeKind::DescriptionChanged,
                )
                .values(o.clone(), n.clone())
                .reason("rustdoc of the generated item changes; no code change")
                .items(items.to_vec());
                if let Some(a) = aspect {
                    c = c.aspect(a);
                }
                self.push(c);
            }
        }
        let (kind, reason) = match (&old.deprecation, &new.deprecation) {
            (None, Some(_)) => (
                ChangeKind::DeprecationAdded,
                "the generated item gains `#[deprecated]`: builds warn, nothing breaks yet; plan the move before the removal date",
            ),
            (Some(_), None) => (
                ChangeKind::DeprecationRemoved,
                "the generated item loses `#[deprecated]`",
            ),
            (Some(o), Some(n)) if o != n => (
                ChangeKind::DeprecationChanged,
                "the `#[deprecated]` note of the generated item changes",
            ),
            _ => return,
        };
        self.push(
            change(Class::Documentation, group, element, name, kind)
                .values(
                    old.deprecation.as_ref().map(deprecation_text),
                    new.deprecation.as_ref().map(deprecation_text),
                )
                .reason(reason)
                .items(items.to_vec()),
        );
    }

    fn types(&mut self) {
        let (old, new) = (self.old.model, self.new.model);
        let names: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
        for name in names {
            match (old.types.get(name), new.types.get(name)) {
                (None, Some(n)) => {
                    let poly = self
                        .new
                        .rust
                        .type_items(name)
                        .into_iter()
                        .skip(1)
                        .collect::<Vec<_>>();
                    let reason = if poly.is_empty() {
                        "new type".to_string()
                    } else {
                        format!(
                            "new derived type: read into {} where older crates keep it in the base enum's `Unknown` variant",
                            poly.iter()
                                .map(|p| format!("`{p}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    self.push(
                        change(
                            Class::Additive,
                            name,
                            ElementKind::Type,
                            name,
                            ChangeKind::Added,
                        )
                        .values(None, Some(type_summary(n)))
                        .reason(reason)
                        .items(self.new.rust.type_items(name)),
                    );
                }
                (Some(o), None) => self.push(
                    change(
                        Class::Breaking,
                        name,
                        ElementKind::Type,
                        name,
                        ChangeKind::Removed,
                    )
                    .values(Some(type_summary(o)), None)
                    .reason("the generated type goes away; code naming it no longer compiles")
                    .items(self.old.rust.type_items(name)),
                ),
                (Some(o), Some(n)) => self.type_pair(o, n),
                (None, None) => {}
            }
        }
    }

    fn type_pair(&mut self, o: &TypeDef, n: &TypeDef) {
        let name = n.name.as_str();
        let items = self.new.rust.type_items(name);
        let at = |kind| change(Class::Breaking, name, ElementKind::Type, name, kind);
        if o.base != n.base {
            self.push(
                at(ChangeKind::BaseTypeChanged)
                    .values(o.base.clone(), n.base.clone())
                    .reason("inherited fields and the polymorphic enums holding the type change")
                    .items(items.clone()),
            );
        }
        if o.is_abstract != n.is_abstract {
            self.push(
                at(ChangeKind::AbstractChanged)
                    .values(Some(yes_no(o.is_abstract)), Some(yes_no(n.is_abstract)))
                    .reason("the generated item changes shape (struct or polymorphic enum) and its payloads appear or go away")
                    .items(items.clone()),
            );
        }
        if o.kind != n.kind {
            self.push(
                at(ChangeKind::KindChanged)
                    .values(Some(kind_text(o.kind)), Some(kind_text(n.kind)))
                    .reason(
                        "an entity is addressable by key and has payloads, a complex type is not",
                    )
                    .items(items.clone()),
            );
        }
        if o.open_type != n.open_type {
            self.push(
                change(
                    Class::Documentation,
                    name,
                    ElementKind::Type,
                    name,
                    ChangeKind::OpenTypeChanged,
                )
                .values(Some(yes_no(o.open_type)), Some(yes_no(n.open_type)))
                .reason("generated structs keep unknown properties either way; no code change")
                .items(items.clone()),
            );
        }
        self.docs((name, ElementKind::Type, name), &o.doc, &n.doc, &items);
        self.properties(o, n);
        self.navigation(o, n);
    }

    /// Properties, compared on the flattened lists of a type present in both models and
    /// reported under the declaring type.
    fn properties(&mut self, ot: &TypeDef, nt: &TypeDef) {
        let ty = nt.name.as_str();
        let names: BTreeSet<&str> = ot
            .properties
            .iter()
            .chain(&nt.properties)
            .map(|p| p.name.as_str())
            .collect();
        for pname in names {
            let o = ot.properties.iter().find(|p| p.name == pname);
            let n = nt.properties.iter().find(|p| p.name == pname);
            match (o, n) {
                (Some(o), None) => self.push(
                    change(
                        Class::Breaking,
                        &o.declared_in,
                        ElementKind::Property,
                        pname,
                        ChangeKind::Removed,
                    )
                    .values(Some(property_summary(o)), None)
                    .reason("the field goes away; code using it no longer compiles")
                    .items(self.old.rust.field_items(
                        ty,
                        pname,
                        self.old.rust.writable(ty, o),
                    )),
                ),
                (None, Some(n)) => {
                    let (create, _) = self.new.rust.payloads(ty);
                    let writable = self.new.rust.writable(ty, n);
                    let required = !n.nullable && writable && create;
                    let (class, reason) = if required {
                        (
                            Class::Breaking,
                            format!(
                                "new non-nullable writable property: a required field of `{}Create`, which code building the payload must now set",
                                crate::naming::type_name(ty)
                            ),
                        )
                    } else {
                        (Class::Additive, "new field".to_string())
                    };
                    self.push(
                        change(
                            class,
                            &n.declared_in,
                            ElementKind::Property,
                            pname,
                            ChangeKind::Added,
                        )
                        .values(None, Some(property_summary(n)))
                        .reason(reason)
                        .items(self.new.rust.field_items(ty, pname, writable)),
                    );
                }
                (Some(o), Some(n)) => self.property_pair(ty, o, n),
                (None, None) => {}
            }
        }
    }

    fn property_pair(&mut self, ty: &str, o: &PropertyDef, n: &PropertyDef) {
        let group = n.declared_in.as_str();
        let name = n.name.as_str();
        let was_writable = self.old.rust.writable(ty, o);
        let is_writable = self.new.rust.writable(ty, n);
        let items = self
            .new
            .rust
            .field_items(ty, name, was_writable || is_writable);
        let at = |class, kind| change(class, group, ElementKind::Property, name, kind);
        if o.ty != n.ty {
            self.push(
                at(Class::Breaking, ChangeKind::TypeChanged)
                    .values(Some(type_text(&o.ty)), Some(type_text(&n.ty)))
                    .reason("the field's Rust type changes; code reading or setting it must change")
                    .items(items.clone()),
            );
        }
        if o.nullable != n.nullable {
            let reason = if n.nullable {
                "`T` becomes `Option<T>`: additive on the wire (the service may now omit it or send null), but code using the field as `T` no longer compiles"
            } else {
                "`Option<T>` becomes `T`: code reading or setting it as an `Option` no longer compiles, and responses without it fail to read"
            };
            self.push(
                at(Class::Breaking, ChangeKind::NullabilityChanged)
                    .values(Some(nullability(o.nullable)), Some(nullability(n.nullable)))
                    .reason(reason)
                    .items(items.clone()),
            );
        }
        if o.read_only != n.read_only {
            let (old_create, old_update) = self.old.rust.payloads(ty);
            let (new_create, new_update) = self.new.rust.payloads(ty);
            let (class, reason) = if was_writable == is_writable {
                (
                    Class::Documentation,
                    "spec/overlay.toml decides the payloads either way",
                )
            } else if n.read_only {
                if old_create || old_update {
                    (
                        Class::Breaking,
                        "the field leaves the create/update payloads; code setting it no longer compiles",
                    )
                } else {
                    (Class::Documentation, "no generated payload has the field")
                }
            } else if new_create && !n.nullable {
                (
                    Class::Breaking,
                    "the non-nullable field joins the create payload as a required field",
                )
            } else if new_create || new_update {
                (
                    Class::Additive,
                    "the field joins the create/update payloads",
                )
            } else {
                (Class::Documentation, "no generated payload has the field")
            };
            self.push(
                at(class, ChangeKind::ReadOnlyChanged)
                    .values(Some(yes_no(o.read_only)), Some(yes_no(n.read_only)))
                    .reason(reason)
                    .items(items.clone()),
            );
        }
        self.docs((group, ElementKind::Property, name), &o.doc, &n.doc, &items);
    }

    /// Navigation properties, flattened like properties, with the request paths through them.
    fn navigation(&mut self, ot: &TypeDef, nt: &TypeDef) {
        let ty = nt.name.as_str();
        let names: BTreeSet<&str> = ot
            .navigation
            .iter()
            .chain(&nt.navigation)
            .map(|n| n.name.as_str())
            .collect();
        for name in names {
            let o = ot.navigation.iter().find(|n| n.name == name);
            let n = nt.navigation.iter().find(|n| n.name == name);
            match (o, n) {
                (Some(o), None) => self.push(
                    change(
                        Class::Breaking,
                        &o.declared_in,
                        ElementKind::NavigationProperty,
                        name,
                        ChangeKind::Removed,
                    )
                    .values(Some(nav_summary(o)), None)
                    .reason("the request paths through it go away, with their client operations")
                    .items(
                        self.old
                            .rust
                            .path_operations(&self.old.nav_paths(ty, name), &[]),
                    )
                    .paths(self.old.nav_paths(ty, name)),
                ),
                (None, Some(n)) => self.push(
                    change(
                        Class::Additive,
                        &n.declared_in,
                        ElementKind::NavigationProperty,
                        name,
                        ChangeKind::Added,
                    )
                    .values(None, Some(nav_summary(n)))
                    .reason("new request paths")
                    .items(
                        [
                            self.new.rust.type_items(&n.target),
                            self.new
                                .rust
                                .path_operations(&self.new.nav_paths(ty, name), &[]),
                        ]
                        .concat(),
                    )
                    .paths(self.new.nav_paths(ty, name)),
                ),
                (Some(o), Some(n)) => self.navigation_pair(ty, o, n),
                (None, None) => {}
            }
        }
    }

    fn navigation_pair(&mut self, ty: &str, o: &NavigationDef, n: &NavigationDef) {
        let group = n.declared_in.as_str();
        let name = n.name.as_str();
        let mut paths: BTreeSet<String> = self.old.nav_paths(ty, name).into_iter().collect();
        paths.extend(self.new.nav_paths(ty, name));
        let paths: Vec<String> = paths.into_iter().collect();
        let at = |class, kind| {
            change(class, group, ElementKind::NavigationProperty, name, kind).paths(paths.clone())
        };
        if o.target != n.target || o.collection != n.collection {
            self.push(
                at(Class::Breaking, ChangeKind::TargetChanged)
                    .values(Some(nav_target(o)), Some(nav_target(n)))
                    .reason("the paths through it return another type")
                    .items(self.new.rust.type_items(&n.target)),
            );
        }
        if o.contains_target != n.contains_target {
            self.push(
                at(Class::Breaking, ChangeKind::ContainmentChanged)
                    .values(
                        Some(yes_no(o.contains_target)),
                        Some(yes_no(n.contains_target)),
                    )
                    .reason(
                        "contained entities are addressed below the path, referenced ones are not",
                    ),
            );
        }
        for (aspect, was, is) in capability_pairs(o.capabilities, n.capabilities) {
            let kinds = capability_kinds(aspect);
            let (class, reason, items) = if is {
                (
                    Class::Additive,
                    "the operation is now allowed on these paths",
                    [
                        self.new.rust.payload_items(&n.target, aspect),
                        self.new.rust.path_operations(&paths, kinds),
                    ]
                    .concat(),
                )
            } else {
                (
                    Class::Breaking,
                    "the operation is no longer allowed on these paths: the service rejects it and its client operation (and payload) go away",
                    [
                        self.old.rust.payload_items(&o.target, aspect),
                        self.old.rust.path_operations(&paths, kinds),
                    ]
                    .concat(),
                )
            };
            self.push(
                at(class, ChangeKind::CapabilityChanged)
                    .aspect(aspect)
                    .values(Some(allowed(was)), Some(allowed(is)))
                    .reason(reason)
                    .items(items),
            );
        }
        let before = self.out.len();
        self.docs(
            (group, ElementKind::NavigationProperty, name),
            &o.doc,
            &n.doc,
            &[],
        );
        for c in &mut self.out[before..] {
            c.paths = paths.clone();
        }
    }

    fn enums(&mut self) {
        let (old, new) = (self.old.model, self.new.model);
        let names: BTreeSet<&String> = old.enums.keys().chain(new.enums.keys()).collect();
        for name in names {
            match (old.enums.get(name), new.enums.get(name)) {
                (None, Some(n)) => self.push(
                    change(
                        Class::Additive,
                        name,
                        ElementKind::EnumType,
                        name,
                        ChangeKind::Added,
                    )
                    .values(None, Some(members_text(n)))
                    .reason("new enum")
                    .items(vec![self.new.rust.enum_item(name)]),
                ),
                (Some(o), None) => self.push(
                    change(
                        Class::Breaking,
                        name,
                        ElementKind::EnumType,
                        name,
                        ChangeKind::Removed,
                    )
                    .values(Some(members_text(o)), None)
                    .reason("the generated enum goes away; code naming it no longer compiles")
                    .items(vec![self.old.rust.enum_item(name)]),
                ),
                (Some(o), Some(n)) => self.enum_pair(o, n),
                (None, None) => {}
            }
        }
    }

    fn enum_pair(&mut self, o: &EnumDef, n: &EnumDef) {
        let name = n.name.as_str();
        let item = vec![self.new.rust.enum_item(name)];
        if o.is_flags != n.is_flags {
            self.push(
                change(
                    Class::Breaking,
                    name,
                    ElementKind::EnumType,
                    name,
                    ChangeKind::FlagsChanged,
                )
                .values(Some(yes_no(o.is_flags)), Some(yes_no(n.is_flags)))
                .reason("a flags enum is generated as a set of members; a plain enum as one member")
                .items(item.clone()),
            );
        }
        self.docs((name, ElementKind::EnumType, name), &o.doc, &n.doc, &item);
        let members: BTreeSet<&str> = o
            .members
            .iter()
            .chain(&n.members)
            .map(|m| m.name.as_str())
            .collect();
        for m in members {
            let om = o.members.iter().find(|x| x.name == m);
            let nm = n.members.iter().find(|x| x.name == m);
            let at = |class, kind| change(class, name, ElementKind::EnumMember, m, kind);
            match (om, nm) {
                (None, Some(_)) => {
                    let variant = self.new.rust.member_item(name, m);
                    let unknown =
                        format!("{}::Unrecognized(\"{m}\")", self.new.rust.enum_item(name));
                    self.push(
                        at(Class::Additive, ChangeKind::Added)
                            .reason(format!(
                                "the enum is evolvable: older crates read the value as `{unknown}`, this one as `{variant}`; code matching the former should match the variant"
                            ))
                            .items(vec![variant]),
                    );
                }
                (Some(_), None) => self.push(
                    at(Class::Breaking, ChangeKind::Removed)
                        .reason("the variant goes away; code naming it no longer compiles")
                        .items(vec![self.old.rust.member_item(name, m)]),
                ),
                (Some(om), Some(nm)) => {
                    let items = vec![self.new.rust.member_item(name, m)];
                    if om.value != nm.value {
                        self.push(
                            at(Class::Documentation, ChangeKind::ValueChanged)
                                .values(Some(om.value.to_string()), Some(nm.value.to_string()))
                                .reason(
                                    "members travel by name; the numeric value is not on the wire",
                                )
                                .items(items.clone()),
                        );
                    }
                    self.docs((name, ElementKind::EnumMember, m), &om.doc, &nm.doc, &items);
                }
                (None, None) => {}
            }
        }
    }

    fn operations(&mut self) {
        let (old, new) = (self.old.model, self.new.model);
        let key = |op: &OperationDef| (op.binding.clone(), op.binding_collection, op.name.clone());
        let olds: BTreeMap<_, &OperationDef> = old
            .bound_operations
            .values()
            .flatten()
            .map(|op| (key(op), op))
            .collect();
        let news: BTreeMap<_, &OperationDef> = new
            .bound_operations
            .values()
            .flatten()
            .map(|op| (key(op), op))
            .collect();
        let keys: BTreeSet<_> = olds.keys().chain(news.keys()).cloned().collect();
        // An operation gone from a type but bound to one of its ancestors now.
        let moved_to = |k: &(String, bool, String)| -> Option<&OperationDef> {
            new.types
                .get(&k.0)?
                .ancestors
                .iter()
                .find_map(|a| news.get(&(a.clone(), k.1, k.2.clone())).copied())
        };
        for k in keys {
            let name = if k.1 {
                format!("{} (collection)", k.2)
            } else {
                k.2.clone()
            };
            let group = k.0.as_str();
            match (olds.get(&k), news.get(&k)) {
                (None, Some(n)) => self.push(
                    change(Class::Additive, group, ElementKind::Operation, &name, ChangeKind::Added)
                        .values(None, Some(signature(n)))
                        .reason("new operation")
                        .items(self.new.rust.bound_operations(n))
                        .paths(self.new.op_paths(n)),
                ),
                (Some(o), None) if moved_to(&k).is_some() => {
                    let m = moved_to(&k).expect("checked");
                    self.push(
                        change(
                            Class::Documentation,
                            group,
                            ElementKind::Operation,
                            &name,
                            ChangeKind::BindingChanged,
                        )
                        .values(Some(o.binding.clone()), Some(m.binding.clone()))
                        .reason("now bound to a base type: the same paths still offer it")
                        .paths(self.old.op_paths(o)),
                    );
                    self.operation_pair(group, &name, o, m);
                }
                (Some(o), None) => self.push(
                    change(Class::Breaking, group, ElementKind::Operation, &name, ChangeKind::Removed)
                        .values(Some(signature(o)), None)
                        .reason("the operation goes away; calls to it fail and its client operation is no longer generated")
                        .items(self.old.rust.bound_operations(o))
                        .paths(self.old.op_paths(o)),
                ),
                (Some(o), Some(n)) => self.operation_pair(group, &name, o, n),
                (None, None) => {}
            }
        }
    }

    fn operation_pair(&mut self, group: &str, name: &str, o: &OperationDef, n: &OperationDef) {
        let paths = self.new.op_paths(n);
        let items = self.new.rust.bound_operations(n);
        let at = |class, element, name: &str, kind| {
            change(class, group, element, name, kind)
                .items(items.clone())
                .paths(paths.clone())
        };
        if o.kind != n.kind {
            self.push(
                at(
                    Class::Breaking,
                    ElementKind::Operation,
                    name,
                    ChangeKind::OperationKindChanged,
                )
                .values(Some(signature(o)), Some(signature(n)))
                .reason("actions are POSTed, functions are GET: calls must change"),
            );
        }
        if o.returns != n.returns {
            self.push(
                at(
                    Class::Breaking,
                    ElementKind::Operation,
                    name,
                    ChangeKind::ReturnTypeChanged,
                )
                .values(
                    o.returns.as_ref().map(type_text),
                    n.returns.as_ref().map(type_text),
                )
                .reason("the client operation returns another type"),
            );
        }
        let params: BTreeSet<&str> = o
            .parameters
            .iter()
            .chain(&n.parameters)
            .map(|p| p.name.as_str())
            .collect();
        for p in params {
            let pname = format!("{name}({p})");
            let op = o.parameters.iter().find(|x| x.name == p);
            let np = n.parameters.iter().find(|x| x.name == p);
            match (op, np) {
                (None, Some(np)) => {
                    let (class, reason) = if np.nullable {
                        (
                            Class::Additive,
                            "new optional parameter; callers may leave it out",
                        )
                    } else {
                        (
                            Class::Breaking,
                            "new required parameter: every caller must now pass it",
                        )
                    };
                    self.push(
                        at(class, ElementKind::Parameter, &pname, ChangeKind::Added)
                            .values(
                                None,
                                Some(format!(
                                    "{} ({})",
                                    type_text(&np.ty),
                                    nullability(np.nullable)
                                )),
                            )
                            .reason(reason),
                    );
                }
                (Some(op), None) => self.push(
                    at(
                        Class::Breaking,
                        ElementKind::Parameter,
                        &pname,
                        ChangeKind::Removed,
                    )
                    .values(
                        Some(format!(
                            "{} ({})",
                            type_text(&op.ty),
                            nullability(op.nullable)
                        )),
                        None,
                    )
                    .reason("callers passing it no longer compile, and the service rejects it"),
                ),
                (Some(op), Some(np)) => {
                    if op.ty != np.ty {
                        self.push(
                            at(
                                Class::Breaking,
                                ElementKind::Parameter,
                                &pname,
                                ChangeKind::TypeChanged,
                            )
                            .values(Some(type_text(&op.ty)), Some(type_text(&np.ty)))
                            .reason("callers must pass another type"),
                        );
                    }
                    if op.nullable != np.nullable {
                        let reason = if np.nullable {
                            "`T` becomes `Option<T>` in the generated call: callers must change, though the service accepts what it did"
                        } else {
                            "the parameter becomes required: callers leaving it out no longer work"
                        };
                        self.push(
                            at(
                                Class::Breaking,
                                ElementKind::Parameter,
                                &pname,
                                ChangeKind::NullabilityChanged,
                            )
                            .values(
                                Some(nullability(op.nullable)),
                                Some(nullability(np.nullable)),
                            )
                            .reason(reason),
                        );
                    }
                }
                (None, None) => {}
            }
        }
        let before = self.out.len();
        self.docs(
            (group, ElementKind::Operation, name),
            &o.doc,
            &n.doc,
            &items,
        );
        for c in &mut self.out[before..] {
            c.paths = paths.clone();
        }
    }

    /// Paths added or removed that no navigation property change explains (their holder type
    /// had the navigation property on both sides, or they are roots), and root paths whose
    /// target or capabilities changed.
    fn paths(&mut self) {
        let (old, new) = (self.old.model, self.new.model);
        let templates: BTreeSet<&String> = old.paths.keys().chain(new.paths.keys()).collect();
        let has_nav = |m: &Model, holder: &Option<String>, nav: Option<&String>| match (holder, nav)
        {
            (Some(h), Some(n)) => m
                .types
                .get(h)
                .is_some_and(|t| t.navigation.iter().any(|x| &x.name == n)),
            _ => true,
        };
        for t in templates {
            match (old.paths.get(t), new.paths.get(t)) {
                (None, Some(p)) => {
                    let h = holder(new, &p.root, &p.segments);
                    if has_nav(old, &h, p.segments.last()) {
                        let group = h.unwrap_or_else(|| root_type(new, &p.root));
                        self.push(
                            change(
                                Class::Additive,
                                &group,
                                ElementKind::Path,
                                t,
                                ChangeKind::Added,
                            )
                            .values(None, Some(p.target.clone()))
                            .reason("new request path")
                            .items(self.new.rust.path_operations(std::slice::from_ref(t), &[]))
                            .paths(vec![t.clone()]),
                        );
                    }
                }
                (Some(p), None) => {
                    let h = holder(old, &p.root, &p.segments);
                    if has_nav(new, &h, p.segments.last()) {
                        let group = h.unwrap_or_else(|| root_type(old, &p.root));
                        self.push(
                            change(
                                Class::Breaking,
                                &group,
                                ElementKind::Path,
                                t,
                                ChangeKind::Removed,
                            )
                            .values(Some(p.target.clone()), None)
                            .reason("the request path goes away, with its client operations")
                            .items(self.old.rust.path_operations(std::slice::from_ref(t), &[]))
                            .paths(vec![t.clone()]),
                        );
                    }
                }
                (Some(o), Some(n)) if n.segments.is_empty() => {
                    let group = root_type(new, &n.root);
                    let at = |class, kind| {
                        change(class, &group, ElementKind::Path, t, kind).paths(vec![t.clone()])
                    };
                    if o.target != n.target || o.collection != n.collection {
                        self.push(
                            at(Class::Breaking, ChangeKind::TargetChanged)
                                .values(Some(o.target.clone()), Some(n.target.clone()))
                                .reason("the path returns another type"),
                        );
                    }
                    for (aspect, was, is) in capability_pairs(o.capabilities, n.capabilities) {
                        let (class, reason) = if is {
                            (Class::Additive, "the operation is now allowed on this path")
                        } else {
                            (
                                Class::Breaking,
                                "the operation is no longer allowed on this path",
                            )
                        };
                        self.push(
                            at(class, ChangeKind::CapabilityChanged)
                                .aspect(aspect)
                                .values(Some(allowed(was)), Some(allowed(is)))
                                .reason(reason),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

fn root_type(model: &Model, root: &str) -> String {
    model
        .roots
        .get(root)
        .map(|r| r.entity_type.clone())
        .unwrap_or_else(|| root.to_string())
}

fn property_summary(p: &PropertyDef) -> String {
    let mut s = format!("{} ({})", type_text(&p.ty), nullability(p.nullable));
    if p.read_only {
        s.push_str(", read-only");
    }
    s
}

fn nav_target(n: &NavigationDef) -> String {
    if n.collection {
        format!("Collection({})", n.target)
    } else {
        n.target.clone()
    }
}

fn nav_summary(n: &NavigationDef) -> String {
    let mut s = nav_target(n);
    if n.contains_target {
        s.push_str(", contained");
    }
    let not: Vec<&str> = capability_pairs(Capabilities::default(), n.capabilities)
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    if !not.is_empty() {
        s.push_str(&format!(", not {}", not.join(", not ")));
    }
    s
}

fn members_text(e: &EnumDef) -> String {
    let names: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).collect();
    names.join(", ")
}

fn allowed(b: bool) -> String {
    if b { "allowed" } else { "not allowed" }.to_string()
}

/// The capabilities that differ: (name, old, new).
fn capability_pairs(o: Capabilities, n: Capabilities) -> Vec<(&'static str, bool, bool)> {
    [
        ("readable", o.readable, n.readable),
        ("insertable", o.insertable, n.insertable),
        ("updatable", o.updatable, n.updatable),
        ("deletable", o.deletable, n.deletable),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .collect()
}

/// Merges changes that are the same change seen from several types (an inherited property):
/// the most severe class and its reason win, items and paths are united.
fn merge(changes: Vec<Change>) -> Vec<Change> {
    type Key = (
        String,
        ElementKind,
        String,
        ChangeKind,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut merged: BTreeMap<Key, Change> = BTreeMap::new();
    for c in changes {
        let key = (
            c.group.clone(),
            c.element,
            c.name.clone(),
            c.change,
            c.aspect.clone(),
            c.old.clone(),
            c.new.clone(),
        );
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, c);
            }
            Some(m) => {
                if c.class < m.class {
                    m.class = c.class;
                    m.reason = c.reason;
                }
                m.rust_items.extend(c.rust_items);
                m.paths.extend(c.paths);
            }
        }
    }
    merged
        .into_values()
        .map(|mut c| {
            c.rust_items.sort();
            c.rust_items.dedup();
            c.paths.sort();
            c.paths.dedup();
            c
        })
        .collect()
}
