//! Types: type definitions and enums lowered as declared; structured types lowered with
//! their own members first ([`Declared`]), then [`inherit`] flattens inheritance once every
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

    /// Flatten inheritance into `model.types`: ancestors (nearest first; a repeated name is
    /// a cycle), derived types, inherited members (furthest ancestor first), inherited key
    /// and open-ness; own members and docs are moved, not copied.
    pub(super) fn inherit(mut self, names: &Names, model: &mut Model) -> Result<(), Error> {
        let own = &self.own;
        let mut ancestors: FastMap<&str, Vec<String>> = FastMap::default();
        let mut derived: FastMap<&str, Vec<String>> = FastMap::default();
        for name in &self.order {
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
        for name in &self.order {
            for a in &ancestors[name.as_str()] {
                derived.entry(a.as_str()).or_default().push(name.clone());
            }
        }

        let mut built: Vec<TypeDef> = Vec::with_capacity(self.order.len());
        for name in &self.order {
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
            if let Some(o) = self.own.remove(&t.name) {
                t.own_properties = o.properties;
                t.doc = o.doc;
            }
            model.types.insert(t.name.clone(), t);
        }
        Ok(())
    }
}
