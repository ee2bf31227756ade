//! Types: type definitions and enums lowered as declared; structured types lowered with
//! their own members first ([`Declared`]), then [`Declared::inherit`] flattens inheritance once every
//! type is known (ancestors, derived types, inherited members and keys).

use crate::csdl::{EnumType, StructuredKind, StructuredType, TypeDefinition};
use crate::error::Error;
use crate::ir::model::*;

use super::annotations::Annotations;
use super::names::{FastMap, Names};

/// Type definition `t` of namespace `ns`: its Edm primitive.
pub(super) fn type_definition(
    names: &Names,
    ns: &str,
    t: &TypeDefinition,
    model: &mut Model,
) -> Result<(), Error> {
    let full = format!("{ns}.{}", t.name);
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
    Ok(())
}

/// Enum type `e` of namespace `ns`: members (values default to their position) and docs.
pub(super) fn enum_type(
    anns: &Annotations,
    ns: &str,
    e: &EnumType,
    model: &mut Model,
) -> Result<(), Error> {
    let full = format!("{ns}.{}", e.name);
    let members = e
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(EnumMemberDef {
                name: m.name.clone(),
                value: m.value.unwrap_or(i as i64),
                doc: anns.doc(&m.annotations, &full, &m.name)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let doc = anns.doc(&e.annotations, &full, "")?;
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
    Ok(())
}

/// The structured types of a document with their own members only, in document order.
#[derive(Default)]
pub(super) struct Declared<'d> {
    order: Vec<String>,
    own: FastMap<String, Own<'d>>,
}

/// One structured type as declared: base resolved, own members lowered.
struct Own<'d> {
    ty: &'d StructuredType,
    base: Option<String>,
    properties: Vec<PropertyDef>,
    navigation: Vec<NavigationDef>,
    doc: Doc,
}

impl<'d> Declared<'d> {
    /// Lower structured type `t` of namespace `ns` with its own members.
    pub(super) fn add(
        &mut self,
        names: &Names,
        anns: &Annotations,
        ns: &str,
        t: &'d StructuredType,
    ) -> Result<(), Error> {
        let full = format!("{ns}.{}", t.name);
        let base = match &t.base_type {
            None => None,
            Some(b) => Some(names.base_type(&full, t, b)?),
        };
        let key_names = &t.key;
        let mut properties = Vec::with_capacity(t.properties.len());
        for p in &t.properties {
            let ty = names.type_use(&p.type_ref).ok_or_else(|| {
                names.error(
                    p.pos,
                    format!(
                        "property {} of {full} refers to unknown type {}",
                        p.name, p.type_ref.name
                    ),
                )
            })?;
            let read_only = key_names.contains(&p.name)
                || anns.flag(&p.annotations, &full, &p.name, "Computed")?
                || anns.flag(&p.annotations, &full, &p.name, "Immutable")?;
            properties.push(PropertyDef {
                name: p.name.clone(),
                ty,
                nullable: p.nullable.unwrap_or(true),
                read_only,
                declared_in: full.clone(),
                max_length: p.max_length.clone(),
                doc: anns.doc(&p.annotations, &full, &p.name)?,
                pos: p.pos,
            });
        }
        let mut navigation = Vec::with_capacity(t.navigation_properties.len());
        for n in &t.navigation_properties {
            let Some(target) = names.entity_type(&n.type_ref.name) else {
                let refers_to = match names.get(&n.type_ref.name) {
                    Some(_) => format!("{}, which is not an entity type", n.type_ref.name),
                    None => format!("unknown type {}", n.type_ref.name),
                };
                return Err(names.error(
                    n.pos,
                    format!(
                        "navigation property {} of {full} refers to {refers_to}",
                        n.name
                    ),
                ));
            };
            navigation.push(NavigationDef {
                name: n.name.clone(),
                target,
                collection: n.type_ref.collection,
                contains_target: n.contains_target,
                nullable: n.nullable.unwrap_or(true),
                declared_in: full.clone(),
                capabilities: anns.capabilities(&n.annotations, &full, &n.name)?,
                doc: anns.doc(&n.annotations, &full, &n.name)?,
                pos: n.pos,
            });
        }
        let doc = anns.doc(&t.annotations, &full, "")?;
        self.order.push(full.clone());
        self.own.insert(
            full,
            Own {
                ty: t,
                base,
                properties,
                navigation,
                doc,
            },
        );
        Ok(())
    }

    /// Flatten inheritance into `model.types`, every type after its base: ancestors
    /// (nearest first), the base's members then its own, the base's key unless it declares
    /// one, open if the base is; then every type's derived types, sorted. A base that leads
    /// back to the type is an inheritance cycle.
    pub(super) fn inherit(mut self, names: &Names, model: &mut Model) -> Result<(), Error> {
        for name in std::mem::take(&mut self.order) {
            // `name` and its ancestors not lowered yet, nearest first.
            let Some(own) = self.own.get(&name) else {
                continue; // lowered as the ancestor of an earlier type
            };
            let mut base = own.base.clone();
            let mut pending = vec![name];
            while let Some(b) = base {
                if model.types.contains_key(&b) {
                    break;
                }
                if pending.contains(&b) {
                    pending.push(b);
                    return Err(names.error(
                        self.own[&pending[0]].ty.pos,
                        format!("inheritance cycle: {}", pending.join(" -> ")),
                    ));
                }
                base = self.own.get(&b).and_then(|o| o.base.clone());
                pending.push(b);
            }
            for n in pending.into_iter().rev() {
                if let Some(o) = self.own.remove(&n) {
                    let t = flatten(n.clone(), o, model);
                    model.types.insert(n, t);
                }
            }
        }
        let mut derived: FastMap<String, Vec<String>> = FastMap::default();
        for t in model.types.values() {
            for a in &t.ancestors {
                derived.entry(a.clone()).or_default().push(t.name.clone());
            }
        }
        for (a, mut d) in derived {
            d.sort();
            if let Some(t) = model.types.get_mut(&a) {
                t.derived = d;
            }
        }
        Ok(())
    }
}

/// The type `name` as `o` declares it, on top of its base's flattened one (already in
/// `model`).
fn flatten(name: String, o: Own, model: &Model) -> TypeDef {
    // Every base is a declared structured type (`Names::base_type`), lowered before `o`.
    let base = o.base.as_ref().and_then(|b| model.types.get(b));
    let mut ancestors = Vec::new();
    let mut properties = Vec::new();
    let mut navigation = Vec::new();
    let mut key = o.ty.key.clone();
    let mut open_type = o.ty.open_type;
    let mut has_stream = o.ty.has_stream;
    if let Some(b) = base {
        ancestors.push(b.name.clone());
        ancestors.extend(b.ancestors.iter().cloned());
        properties.extend(b.properties.iter().cloned());
        navigation.extend(b.navigation.iter().cloned());
        open_type |= b.open_type;
        // A media entity's subtypes are media entities too (OData CSDL 4.01, 8.1.3 "Media
        // Entity Type": HasStream is inherited).
        has_stream |= b.has_stream;
        if key.is_empty() {
            key.clone_from(&b.key);
        }
    }
    properties.extend(o.properties.iter().cloned());
    navigation.extend(o.navigation);
    for p in &mut properties {
        if key.contains(&p.name) {
            p.read_only = true;
        }
    }
    TypeDef {
        name,
        kind: match o.ty.kind {
            StructuredKind::Entity => TypeKind::Entity,
            StructuredKind::Complex => TypeKind::Complex,
        },
        is_abstract: o.ty.is_abstract,
        open_type,
        has_stream,
        base: o.base,
        ancestors,
        derived: Vec::new(),
        key,
        own_properties: o.properties,
        properties,
        navigation,
        doc: o.doc,
        pos: o.ty.pos,
    }
}
