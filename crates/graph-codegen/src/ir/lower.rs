//! Lowering: resolve a CSDL [`Document`] into the plain-data [`Model`].
//!
//! Names are resolved through namespaces and aliases, inheritance is flattened, annotations
//! (inline and out of line) are read into typed fields, and navigation paths are computed for
//! the requested [`PathRequest`]s only (Graph's navigation graph is cyclic). All work is
//! linear in the size of the document, give or take the (short) inheritance chains.

use crate::csdl::{
    Annotation, Document, OperationKind, Pos, ScalarKind, StructuredKind, StructuredType, TypeRef,
    Value,
};
use crate::doc_text::normalize_line_breaks;
use crate::error::Error;
use crate::ir::model::*;
use crate::ir::resolve::{FastMap, Item, Names, OutOfLine, close_matches, suggestion};

const CORE: &str = "Org.OData.Core.V1.";
const CAPABILITIES: &str = "Org.OData.Capabilities.V1.";

/// A navigation path to compute: a container root and the navigation properties after it.
///
/// `PathRequest::parse("users/authentication/phoneMethods")` asks for the entity set `users`,
/// then `authentication`, then `phoneMethods`; lowering adds every prefix of it too
/// (`users/{user-id}/authentication`). Keys are never written in a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PathRequest {
    /// The entity set or singleton it starts from, for example `users` or `me`.
    pub root: String,
    /// Navigation property names after the root, for example `["authentication",
    /// "phoneMethods"]`.
    pub segments: Vec<String>,
}

impl PathRequest {
    /// A request from a root and its navigation segments.
    pub fn new(root: impl Into<String>, segments: &[&str]) -> PathRequest {
        PathRequest {
            root: root.into(),
            segments: segments.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A request from `root/segment/segment`, empty segments ignored.
    pub fn parse(path: &str) -> PathRequest {
        let mut parts = path.split('/').filter(|p| !p.is_empty());
        PathRequest {
            root: parts.next().unwrap_or_default().to_string(),
            segments: parts.map(str::to_string).collect(),
        }
    }
}

/// Lower `doc` into a [`Model`], computing the navigation paths of `requests` (and their
/// prefixes).
///
/// Errors ([`Error::Model`], with the position of the offending element): an unknown type
/// reference, a base type of the wrong kind, an inheritance cycle, a name declared twice, a
/// capability annotation whose record does not hold booleans, and a requested path that does
/// not exist (with close matches).
pub fn lower(doc: &Document, requests: &[PathRequest]) -> Result<Model, Error> {
    let names = Names::new(doc)?;
    let annotations = names.out_of_line(doc);
    let cx = Cx {
        names: &names,
        annotations: &annotations,
    };
    let mut model = Model {
        source: doc.source.clone(),
        ..Model::default()
    };

    // Type definitions and enums.
    for s in &doc.schemas {
        for t in &s.type_definitions {
            let full = format!("{}.{}", s.namespace, t.name);
            let prim = t
                .underlying_type
                .strip_prefix("Edm.")
                .and_then(Primitive::from_edm_name)
                .ok_or_else(|| {
                    names.error(
                        t.pos,
                        format!(
                            "type definition {full} has underlying type {}, which is not an Edm primitive",
                            t.underlying_type
                        ),
                    )
                })?;
            model.type_definitions.insert(full, prim);
        }
        for e in &s.enum_types {
            let full = format!("{}.{}", s.namespace, e.name);
            let members = e
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    Ok(EnumMemberDef {
                        name: m.name.clone(),
                        value: m.value.unwrap_or(i as i64),
                        doc: cx.doc(&m.annotations, &full, &m.name)?,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            let doc = cx.doc(&e.annotations, &full, "")?;
            model.enums.insert(
                full.clone(),
                EnumDef {
                    name: full,
                    is_flags: e.is_flags,
                    members,
                    doc,
                    pos: e.pos,
                },
            );
        }
    }

    // Structured types: own members first, then inheritance.
    struct Own<'d> {
        ty: &'d StructuredType,
        base: Option<String>,
        properties: Vec<PropertyDef>,
        navigation: Vec<NavigationDef>,
        doc: Doc,
    }
    let mut own: FastMap<String, Own> = FastMap::default();
    let mut order: Vec<String> = Vec::new();
    for s in &doc.schemas {
        for t in s.entity_types.iter().chain(&s.complex_types) {
            let full = format!("{}.{}", s.namespace, t.name);
            let base = match &t.base_type {
                None => None,
                Some(b) => Some(cx.base_type(&full, t, b)?),
            };
            let key_names = &t.key;
            let mut properties = Vec::with_capacity(t.properties.len());
            for p in &t.properties {
                let ty = cx.type_use(&p.type_ref).ok_or_else(|| {
                    names.error(
                        p.pos,
                        format!(
                            "property {} of {full} refers to unknown type {}",
                            p.name, p.type_ref.name
                        ),
                    )
                })?;
                let read_only = key_names.contains(&p.name)
                    || cx.flag(&p.annotations, &full, &p.name, "Computed")?
                    || cx.flag(&p.annotations, &full, &p.name, "Immutable")?;
                properties.push(PropertyDef {
                    name: p.name.clone(),
                    ty,
                    nullable: p.nullable.unwrap_or(true),
                    read_only,
                    declared_in: full.clone(),
                    max_length: p.max_length.clone(),
                    doc: cx.doc(&p.annotations, &full, &p.name)?,
                    pos: p.pos,
                });
            }
            let mut navigation = Vec::with_capacity(t.navigation_properties.len());
            for n in &t.navigation_properties {
                let target_name = match names.get(&n.type_ref.name) {
                    Some((q, Item::Structured(st))) if st.kind == StructuredKind::Entity => q,
                    Some(_) => {
                        return Err(names.error(
                            n.pos,
                            format!(
                                "navigation property {} of {full} refers to {}, which is not an entity type",
                                n.name, n.type_ref.name
                            ),
                        ));
                    }
                    None => {
                        return Err(names.error(
                            n.pos,
                            format!(
                                "navigation property {} of {full} refers to unknown type {}",
                                n.name, n.type_ref.name
                            ),
                        ));
                    }
                };
                navigation.push(NavigationDef {
                    name: n.name.clone(),
                    target: target_name,
                    collection: n.type_ref.collection,
                    contains_target: n.contains_target,
                    nullable: n.nullable.unwrap_or(true),
                    declared_in: full.clone(),
                    capabilities: cx.capabilities(&n.annotations, &full, &n.name)?,
                    doc: cx.doc(&n.annotations, &full, &n.name)?,
                    pos: n.pos,
                });
            }
            let doc = cx.doc(&t.annotations, &full, "")?;
            order.push(full.clone());
            own.insert(
                full,
                Own {
                    ty: t,
                    base,
                    properties,
                    navigation,
                    doc,
                },
            );
        }
    }

    // Ancestors, nearest first; a repeated name is a cycle.
    let mut ancestors: FastMap<&str, Vec<String>> = FastMap::default();
    for name in &order {
        let mut chain: Vec<String> = Vec::new();
        let mut cur = own[name].base.as_deref();
        while let Some(b) = cur {
            if b == name || chain.iter().any(|c| c == b) {
                let mut cycle = vec![name.clone()];
                cycle.extend(chain.iter().cloned());
                cycle.push(b.to_string());
                return Err(names.error(
                    own[name].ty.pos,
                    format!("inheritance cycle: {}", cycle.join(" -> ")),
                ));
            }
            chain.push(b.to_string());
            cur = own.get(b).and_then(|o| o.base.as_deref());
        }
        ancestors.insert(name, chain);
    }

    let mut derived: FastMap<&str, Vec<String>> = FastMap::default();
    for name in &order {
        for a in &ancestors[name.as_str()] {
            derived.entry(a.as_str()).or_default().push(name.clone());
        }
    }

    let mut built: Vec<TypeDef> = Vec::with_capacity(order.len());
    for name in &order {
        let o = &own[name];
        let chain = &ancestors[name.as_str()];
        let mut properties = Vec::new();
        let mut navigation = Vec::new();
        let mut key = o.ty.key.clone();
        let mut open_type = o.ty.open_type;
        for a in chain.iter().rev() {
            let ao = &own[a];
            properties.extend(ao.properties.iter().cloned());
            navigation.extend(ao.navigation.iter().cloned());
            open_type |= ao.ty.open_type;
        }
        if key.is_empty() {
            key = chain
                .iter()
                .map(|a| &own[a].ty.key)
                .find(|k| !k.is_empty())
                .cloned()
                .unwrap_or_default();
        }
        properties.extend(o.properties.iter().cloned());
        navigation.extend(o.navigation.iter().cloned());
        for p in &mut properties {
            if key.contains(&p.name) {
                p.read_only = true;
            }
        }
        let mut der = derived.remove(name.as_str()).unwrap_or_default();
        der.sort();
        built.push(TypeDef {
            name: name.clone(),
            kind: match o.ty.kind {
                StructuredKind::Entity => TypeKind::Entity,
                StructuredKind::Complex => TypeKind::Complex,
            },
            is_abstract: o.ty.is_abstract,
            open_type,
            base: o.base.clone(),
            ancestors: chain.clone(),
            derived: der,
            key,
            own_properties: Vec::new(),
            properties,
            navigation,
            doc: Doc::default(),
            pos: o.ty.pos,
        });
    }
    // Own members and docs are no longer needed by descendants: move them.
    for mut t in built {
        if let Some(o) = own.remove(&t.name) {
            t.own_properties = o.properties;
            t.doc = o.doc;
        }
        model.types.insert(t.name.clone(), t);
    }

    // Bound operations.
    let annotated_ops: std::collections::HashSet<&str> = annotations
        .keys()
        .filter_map(|k| k.split_once('(').map(|(name, _)| name))
        .collect();
    for s in &doc.schemas {
        for op in s.actions.iter().chain(&s.functions) {
            if !op.is_bound {
                continue;
            }
            let Some(binding) = op.parameters.first() else {
                return Err(names.error(
                    op.pos,
                    format!(
                        "bound operation {}.{} has no binding parameter",
                        s.namespace, op.name
                    ),
                ));
            };
            let what = |p: &str| format!("{}.{}", s.namespace, op.name) + p;
            let unknown = |pos: Pos, role: String, t: &TypeRef| {
                names.error(
                    pos,
                    format!("{role} of {} refers to unknown type {}", what(""), t.name),
                )
            };
            let binding_ty = cx.type_use(&binding.type_ref).ok_or_else(|| {
                unknown(
                    binding.pos,
                    format!("binding parameter {}", binding.name),
                    &binding.type_ref,
                )
            })?;
            let binding_name = match &binding_ty.target {
                TypeTarget::Primitive(_) => binding.type_ref.name.clone(),
                TypeTarget::Enum(q) | TypeTarget::Complex(q) | TypeTarget::Entity(q) => q.clone(),
            };
            let mut parameters = Vec::new();
            for p in &op.parameters[1..] {
                let ty = cx
                    .type_use(&p.type_ref)
                    .ok_or_else(|| unknown(p.pos, format!("parameter {}", p.name), &p.type_ref))?;
                parameters.push(ParameterDef {
                    name: p.name.clone(),
                    ty,
                    nullable: p.nullable.unwrap_or(true),
                });
            }
            let returns = match &op.return_type {
                None => None,
                Some(r) => Some(
                    cx.type_use(&r.type_ref)
                        .ok_or_else(|| unknown(r.pos, "return type".into(), &r.type_ref))?,
                ),
            };
            let qualified_name = format!("{}.{}", s.namespace, op.name);
            // Building an overload's target costs; only operations annotated out of line
            // need it.
            let target = if annotated_ops.contains(qualified_name.as_str()) {
                names.operation_target(&s.namespace, op)
            } else {
                String::new()
            };
            let mut doc = cx.doc(&op.annotations, &target, "")?;
            if doc == Doc::default() {
                doc = cx.doc(&[], &qualified_name, "")?;
            }
            model
                .bound_operations
                .entry(binding_name.clone())
                .or_default()
                .push(OperationDef {
                    name: op.name.clone(),
                    qualified_name,
                    kind: match op.kind {
                        OperationKind::Action => OperationKindDef::Action,
                        OperationKind::Function => OperationKindDef::Function,
                    },
                    binding: binding_name,
                    binding_collection: binding.type_ref.collection,
                    parameters,
                    returns,
                    doc,
                    pos: op.pos,
                });
        }
    }
    for ops in model.bound_operations.values_mut() {
        ops.sort_by(|a, b| {
            (a.binding_collection, &a.name, a.kind).cmp(&(b.binding_collection, &b.name, b.kind))
        });
    }

    // Roots.
    let mut root_caps: FastMap<String, Capabilities> = FastMap::default();
    for s in &doc.schemas {
        let Some(c) = &s.entity_container else {
            continue;
        };
        let cname = format!("{}.{}", s.namespace, c.name);
        let roots = c
            .entity_sets
            .iter()
            .map(|e| (&e.name, &e.entity_type, true, &e.annotations, e.pos))
            .chain(
                c.singletons
                    .iter()
                    .map(|e| (&e.name, &e.type_name, false, &e.annotations, e.pos)),
            );
        for (name, ty, is_set, anns, pos) in roots {
            let entity_type = match names.get(ty) {
                Some((q, Item::Structured(st))) if st.kind == StructuredKind::Entity => q,
                _ => {
                    return Err(names.error(
                        pos,
                        format!(
                            "{} {name} of {cname} refers to unknown entity type {ty}",
                            if is_set { "entity set" } else { "singleton" }
                        ),
                    ));
                }
            };
            root_caps.insert(name.clone(), cx.capabilities(anns, &cname, name)?);
            model.roots.insert(
                name.clone(),
                Root {
                    name: name.clone(),
                    entity_type,
                    is_set,
                },
            );
        }
    }

    // Paths.
    for req in requests {
        add_paths(&mut model, &names, &root_caps, req)?;
    }
    Ok(model)
}

/// The key placeholder of an entity type: `microsoft.graph.user` -> `{user-id}`.
pub fn key_placeholder(entity_type: &str) -> String {
    let simple = entity_type.rsplit('.').next().unwrap_or(entity_type);
    format!("{{{simple}-id}}")
}

fn add_paths(
    model: &mut Model,
    names: &Names,
    root_caps: &FastMap<String, Capabilities>,
    req: &PathRequest,
) -> Result<(), Error> {
    let Some(root) = model.roots.get(&req.root) else {
        let m = close_matches(&req.root, model.roots.keys().map(String::as_str));
        return Err(names.error(
            Pos::default(),
            format!(
                "requested path {} starts at {}, which is no entity set or singleton; {}",
                display_request(req),
                req.root,
                suggestion(&m)
            ),
        ));
    };
    let key = |ty: &str, collection: bool| {
        collection.then(|| key_placeholder(ty).trim_matches(['{', '}']).to_string())
    };
    let mut steps = vec![PathStep {
        name: root.name.clone(),
        root: true,
        target: root.entity_type.clone(),
        collection: root.is_set,
        contains_target: false,
        key: key(&root.entity_type, root.is_set),
    }];
    let mut new_paths: Vec<NavPath> = Vec::new();
    let path = |steps: &[PathStep], caps: Capabilities, doc: Doc| {
        let last = steps.last().expect("starts with the root");
        let mut p = NavPath {
            template: String::new(),
            root: root.name.clone(),
            segments: steps[1..].iter().map(|s| s.name.clone()).collect(),
            steps: steps.to_vec(),
            target: last.target.clone(),
            collection: last.collection,
            capabilities: caps,
            operations: operations_for(model, &last.target, last.collection),
            doc,
        };
        p.template = p.template_from_steps();
        p
    };
    if req.segments.is_empty() {
        let caps = root_caps.get(&root.name).copied().unwrap_or_default();
        new_paths.push(path(&steps, caps, Doc::default()));
    }
    for seg in &req.segments {
        let ty = &steps.last().expect("starts with the root").target;
        let t = &model.types[ty];
        let Some(nav) = t.navigation.iter().find(|n| &n.name == seg) else {
            let m = close_matches(seg, t.navigation.iter().map(|n| n.name.as_str()));
            return Err(names.error(
                t.pos,
                format!(
                    "requested path {} does not exist: {ty} has no navigation property {seg}; {}",
                    display_request(req),
                    suggestion(&m)
                ),
            ));
        };
        steps.push(PathStep {
            name: seg.clone(),
            root: false,
            target: nav.target.clone(),
            collection: nav.collection,
            contains_target: nav.contains_target,
            key: key(&nav.target, nav.collection),
        });
        new_paths.push(path(&steps, nav.capabilities, nav.doc.clone()));
    }
    for p in new_paths {
        model.paths.insert(p.template.clone(), p);
    }
    Ok(())
}

fn display_request(req: &PathRequest) -> String {
    let mut s = req.root.clone();
    for seg in &req.segments {
        s.push('/');
        s.push_str(seg);
    }
    s
}

/// Operations bound to `ty` or one of its ancestors: item-bound ones always, collection-bound
/// ones when the path reaches a collection.
fn operations_for(model: &Model, ty: &str, collection: bool) -> Vec<OperationDef> {
    let mut out = Vec::new();
    let chain = std::iter::once(ty).chain(
        model
            .types
            .get(ty)
            .map(|t| t.ancestors.as_slice())
            .unwrap_or_default()
            .iter()
            .map(String::as_str),
    );
    for t in chain {
        if let Some(ops) = model.bound_operations.get(t) {
            out.extend(
                ops.iter()
                    .filter(|o| !o.binding_collection || collection)
                    .cloned(),
            );
        }
    }
    out
}

/// `head/member`, or `head` alone.
fn target_name(head: &str, member: &str) -> String {
    if member.is_empty() {
        head.to_string()
    } else {
        format!("{head}/{member}")
    }
}

/// The lowering context: names and out-of-line annotations.
struct Cx<'a, 'd> {
    names: &'a Names<'d>,
    annotations: &'a OutOfLine<'d>,
}

impl Cx<'_, '_> {
    fn type_use(&self, t: &TypeRef) -> Option<TypeUse> {
        let target = if let Some(p) = t.name.strip_prefix("Edm.") {
            TypeTarget::Primitive(Primitive::from_edm_name(p)?)
        } else {
            match self.names.get(&t.name)? {
                (q, Item::Enum(_)) => TypeTarget::Enum(q),
                (_, Item::TypeDef(td)) => TypeTarget::Primitive(Primitive::from_edm_name(
                    td.underlying_type.strip_prefix("Edm.")?,
                )?),
                (q, Item::Structured(st)) => match st.kind {
                    StructuredKind::Entity => TypeTarget::Entity(q),
                    StructuredKind::Complex => TypeTarget::Complex(q),
                },
                (_, Item::Container(_)) => return None,
            }
        };
        Some(TypeUse {
            collection: t.collection,
            target,
        })
    }

    fn base_type(&self, full: &str, t: &StructuredType, base: &str) -> Result<String, Error> {
        let kind = |k: StructuredKind| match k {
            StructuredKind::Entity => "entity type",
            StructuredKind::Complex => "complex type",
        };
        match self.names.get(base) {
            Some((q, Item::Structured(b))) if b.kind == t.kind => Ok(q),
            Some((q, other)) => {
                let what = match other {
                    Item::Structured(b) => match b.kind {
                        StructuredKind::Entity => "an entity type",
                        StructuredKind::Complex => "a complex type",
                    },
                    Item::Enum(_) => "an enum type",
                    Item::TypeDef(_) => "a type definition",
                    Item::Container(_) => "an entity container",
                };
                let expected = match t.kind {
                    StructuredKind::Entity => "an entity type",
                    StructuredKind::Complex => "a complex type",
                };
                Err(self.names.error(
                    t.pos,
                    format!(
                        "{} {full} has base type {q}, which is {what}; expected {expected}",
                        kind(t.kind)
                    ),
                ))
            }
            None => Err(self.names.error(
                t.pos,
                format!("{} {full} refers to unknown base type {base}", kind(t.kind)),
            )),
        }
    }

    /// Inline annotations, then out-of-line ones for `head/member` (which win).
    fn all<'s>(
        &'s self,
        inline: &'s [Annotation],
        head: &str,
        member: &str,
    ) -> impl Iterator<Item = &'s Annotation> {
        let out_of_line = if self.annotations.is_empty() {
            None
        } else {
            self.annotations.get(head).and_then(|m| m.get(member))
        };
        inline
            .iter()
            .chain(
                out_of_line
                    .map(|v| v.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .copied(),
            )
            .filter(|a| a.qualifier.is_none())
    }

    fn term_is(&self, a: &Annotation, vocabulary: &str, name: &str) -> bool {
        let t = self.names.term(a);
        t.strip_prefix(vocabulary) == Some(name)
    }

    /// A Core boolean term (`Computed`, `Immutable`): absent value means true.
    fn flag(
        &self,
        inline: &[Annotation],
        head: &str,
        member: &str,
        name: &str,
    ) -> Result<bool, Error> {
        let mut on = false;
        for a in self.all(inline, head, member) {
            if self.term_is(a, CORE, name) {
                on = match &a.value {
                    Value::Absent => true,
                    v => v.as_bool().ok_or_else(|| {
                        self.names.error(
                            a.pos,
                            format!(
                                "annotation {} on {} must be a Bool",
                                a.term,
                                target_name(head, member)
                            ),
                        )
                    })?,
                };
            }
        }
        Ok(on)
    }

    fn doc(&self, inline: &[Annotation], head: &str, member: &str) -> Result<Doc, Error> {
        let mut doc = Doc::default();
        for a in self.all(inline, head, member) {
            if self.term_is(a, CORE, "Description") {
                doc.description = a.value.as_str().map(normalize_line_breaks);
            } else if self.term_is(a, CORE, "LongDescription") {
                doc.long_description = a.value.as_str().map(normalize_line_breaks);
            } else if self.term_is(a, CORE, "Revisions") {
                let Value::Collection(items) = &a.value else {
                    continue;
                };
                for r in items.iter().filter_map(Value::as_record) {
                    let kind = match r.get("Kind") {
                        Some(Value::Scalar { text, .. }) => text.as_str(),
                        _ => "",
                    };
                    if !kind.ends_with("/Deprecated") && kind != "Deprecated" {
                        continue;
                    }
                    let text = |n: &str| match r.get(n) {
                        Some(Value::Scalar { text, .. }) => Some(text.clone()),
                        _ => None,
                    };
                    doc.deprecation = Some(Deprecation {
                        description: text("Description")
                            .map(|t| normalize_line_breaks(&t))
                            .unwrap_or_default(),
                        date: text("Date"),
                        removal_date: text("RemovalDate"),
                        version: text("Version"),
                    });
                }
            }
        }
        Ok(doc)
    }

    fn capabilities(
        &self,
        inline: &[Annotation],
        head: &str,
        member: &str,
    ) -> Result<Capabilities, Error> {
        let mut caps = Capabilities::default();
        for a in self.all(inline, head, member) {
            let t = self.names.term(a);
            let Some(term) = t.strip_prefix(CAPABILITIES) else {
                continue;
            };
            let (field, slot) = match term {
                "ReadRestrictions" => ("Readable", &mut caps.readable),
                "InsertRestrictions" => ("Insertable", &mut caps.insertable),
                "UpdateRestrictions" => ("Updatable", &mut caps.updatable),
                "DeleteRestrictions" => ("Deletable", &mut caps.deletable),
                _ => continue,
            };
            let bad = |what: &str| {
                self.names.error(
                    a.pos,
                    format!(
                        "annotation {} on {}: {what}",
                        a.term,
                        target_name(head, member)
                    ),
                )
            };
            let record = match &a.value {
                Value::Record(r) => r,
                Value::Absent => continue,
                _ => return Err(bad("expected a Record")),
            };
            let read_bool = |v: &Value, name: &str| -> Result<bool, Error> {
                match v {
                    Value::Scalar {
                        kind: ScalarKind::Bool,
                        ..
                    } => v
                        .as_bool()
                        .ok_or_else(|| bad(&format!("{name} must be true or false"))),
                    _ => Err(bad(&format!("{name} must be a Bool"))),
                }
            };
            if let Some(v) = record.get(field) {
                *slot = read_bool(v, field)?;
            }
            if let (true, Some(by_key)) = (
                term == "ReadRestrictions",
                record.get("ReadByKeyRestrictions"),
            ) {
                let Value::Record(r) = by_key else {
                    return Err(bad("ReadByKeyRestrictions must be a Record"));
                };
                if let Some(v) = r.get("Readable")
                    && !read_bool(v, "ReadByKeyRestrictions/Readable")?
                {
                    caps.readable = false;
                }
            }
        }
        Ok(caps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csdl::*;

    fn prop(name: &str, ty: &str) -> Property {
        Property {
            name: name.into(),
            type_ref: TypeRef {
                collection: false,
                name: ty.into(),
            },
            pos: Pos { line: 9, column: 3 },
            ..Property::default()
        }
    }

    fn doc() -> Document {
        let entity = StructuredType {
            name: "entity".into(),
            is_abstract: true,
            key: vec!["id".into()],
            properties: vec![prop("id", "Edm.String")],
            ..StructuredType::default()
        };
        let method = StructuredType {
            name: "authenticationMethod".into(),
            base_type: Some("graph.entity".into()),
            is_abstract: true,
            properties: vec![prop("createdDateTime", "Edm.DateTimeOffset")],
            ..StructuredType::default()
        };
        let phone = StructuredType {
            name: "phoneAuthenticationMethod".into(),
            base_type: Some("graph.authenticationMethod".into()),
            properties: vec![
                prop("phoneNumber", "Edm.String"),
                prop("phoneType", "graph.authenticationPhoneType"),
            ],
            ..StructuredType::default()
        };
        Document {
            source: "t.xml".into(),
            schemas: vec![Schema {
                namespace: "microsoft.graph".into(),
                alias: Some("graph".into()),
                enum_types: vec![EnumType {
                    name: "authenticationPhoneType".into(),
                    members: vec![EnumMember {
                        name: "mobile".into(),
                        ..EnumMember::default()
                    }],
                    ..EnumType::default()
                }],
                entity_types: vec![entity, method, phone],
                ..Schema::default()
            }],
            ..Document::default()
        }
    }

    #[test]
    fn flattens_inheritance_through_the_alias() {
        let m = lower(&doc(), &[]).unwrap();
        let phone = &m.types["microsoft.graph.phoneAuthenticationMethod"];
        let names: Vec<_> = phone.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "createdDateTime", "phoneNumber", "phoneType"]);
        assert_eq!(
            phone.ancestors,
            [
                "microsoft.graph.authenticationMethod",
                "microsoft.graph.entity"
            ]
        );
        assert!(phone.properties[0].read_only);
        assert_eq!(
            m.types["microsoft.graph.entity"].derived,
            [
                "microsoft.graph.authenticationMethod",
                "microsoft.graph.phoneAuthenticationMethod"
            ]
        );
    }

    #[test]
    fn unknown_type_names_the_property() {
        let mut d = doc();
        d.schemas[0].entity_types[2].properties[1].type_ref.name = "graph.authPhoneType".into();
        let e = lower(&d, &[]).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.xml:9:3: property phoneType of microsoft.graph.phoneAuthenticationMethod refers to unknown type graph.authPhoneType"
        );
    }

    #[test]
    fn inheritance_cycle_is_an_error() {
        let mut d = doc();
        d.schemas[0].entity_types[0].base_type = Some("graph.phoneAuthenticationMethod".into());
        let e = lower(&d, &[]).unwrap_err().to_string();
        assert!(
            e.contains("inheritance cycle: microsoft.graph.entity -> "),
            "{e}"
        );
    }

    fn at(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    /// `doc()` with a navigation property `methods` on `entity` aimed at `target`, and a
    /// container holding the entity set `things` of `set_type`.
    fn doc_with(target: &str, set_type: &str) -> Document {
        let mut d = doc();
        d.schemas[0].entity_types[0]
            .navigation_properties
            .push(NavigationProperty {
                name: "methods".into(),
                type_ref: TypeRef {
                    collection: true,
                    name: target.into(),
                },
                pos: at(12, 5),
                ..NavigationProperty::default()
            });
        d.schemas[0].entity_container = Some(EntityContainer {
            name: "GraphService".into(),
            entity_sets: vec![EntitySet {
                name: "things".into(),
                entity_type: set_type.into(),
                pos: at(20, 5),
                ..EntitySet::default()
            }],
            ..EntityContainer::default()
        });
        d
    }

    #[test]
    fn navigation_to_a_complex_or_unknown_type_names_the_property() {
        let mut d = doc_with("graph.authenticationPhoneType", "graph.entity");
        assert_eq!(
            lower(&d, &[]).unwrap_err().to_string(),
            "t.xml:12:5: navigation property methods of microsoft.graph.entity refers to graph.authenticationPhoneType, which is not an entity type"
        );
        d.schemas[0].entity_types[0].navigation_properties[0]
            .type_ref
            .name = "graph.nothing".into();
        assert_eq!(
            lower(&d, &[]).unwrap_err().to_string(),
            "t.xml:12:5: navigation property methods of microsoft.graph.entity refers to unknown type graph.nothing"
        );
    }

    #[test]
    fn root_of_an_unknown_entity_type_names_the_set() {
        let d = doc_with(
            "graph.authenticationMethod",
            "graph.authenticationPhoneType",
        );
        assert_eq!(
            lower(&d, &[]).unwrap_err().to_string(),
            "t.xml:20:5: entity set things of microsoft.graph.GraphService refers to unknown entity type graph.authenticationPhoneType"
        );
    }

    #[test]
    fn requested_paths_walk_navigation_and_name_what_is_missing() {
        let d = doc_with("graph.authenticationMethod", "graph.entity");
        // `methods` leads to a type deriving from `entity`, which has `methods` again.
        let m = lower(&d, &[PathRequest::parse("things/methods/methods")]).unwrap();
        let templates: Vec<_> = m.paths.keys().map(String::as_str).collect();
        assert_eq!(
            templates,
            [
                "things/{entity-id}/methods",
                "things/{entity-id}/methods/{authenticationMethod-id}/methods"
            ],
            "every navigation prefix of the request"
        );
        let e = lower(&d, &[PathRequest::parse("thingz/methods")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.xml:0:0: requested path thingz/methods starts at thingz, which is no entity set or singleton; close matches: things"
        );
    }

    #[test]
    fn bound_operation_errors_name_the_operation() {
        let op = |parameters: Vec<Parameter>| Operation {
            kind: OperationKind::Action,
            name: "resetPassword".into(),
            is_bound: true,
            parameters,
            pos: at(30, 3),
            ..Operation::default()
        };
        let param = |name: &str, ty: &str| Parameter {
            name: name.into(),
            type_ref: TypeRef {
                collection: false,
                name: ty.into(),
            },
            pos: at(31, 5),
            ..Parameter::default()
        };
        let mut d = doc();
        d.schemas[0].actions = vec![op(vec![])];
        assert_eq!(
            lower(&d, &[]).unwrap_err().to_string(),
            "t.xml:30:3: bound operation microsoft.graph.resetPassword has no binding parameter"
        );
        d.schemas[0].actions = vec![op(vec![
            param("bindingParameter", "graph.authenticationMethod"),
            param("newPassword", "Edm.Strin"),
        ])];
        assert_eq!(
            lower(&d, &[]).unwrap_err().to_string(),
            "t.xml:31:5: parameter newPassword of microsoft.graph.resetPassword refers to unknown type Edm.Strin"
        );
        d.schemas[0].actions[0].parameters.pop();
        let m = lower(&d, &[]).unwrap();
        let ops = &m.bound_operations["microsoft.graph.authenticationMethod"];
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].qualified_name, "microsoft.graph.resetPassword");
    }
}
