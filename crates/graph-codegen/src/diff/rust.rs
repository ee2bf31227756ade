//! The generated Rust items an element of a model maps to, named as the emitters name them
//! (through [`crate::naming`]).
//!
//! With the spec overlay, path containers and read-only properties are the emitters' own,
//! and client operations are named by their operationId (progenitor's method name) from
//! [`crate::emit::openapi::operations`]. Without it, what the IR cannot say is approximated:
//! the types navigation paths start at or pass through have no items, payload fields are
//! listed for every property that is not read-only in the IR, and no client operation is
//! named. Name collisions resolved by a [`crate::naming::Scope`] (`_2` suffixes) are not
//! reproduced.

use std::collections::BTreeSet;

use crate::emit::openapi::{self, Operation, OperationKind};
use crate::emit::overlay::Overlay;
use crate::ir::{Model, OperationDef, PropertyDef, TypeKind, TypeTarget};
use crate::naming;

/// Which generated items exist for the types of one model.
pub(super) struct RustView<'m> {
    model: &'m Model,
    overlay: Option<&'m Overlay>,
    /// The client's HTTP operations (empty without an overlay, or if the model has none).
    operations: Vec<Operation>,
    /// Abstract types emitted as polymorphic enums.
    polymorphic: BTreeSet<&'m str>,
    /// Types a navigation path starts at or passes through: no items are emitted for them.
    hops: BTreeSet<&'m str>,
}

impl<'m> RustView<'m> {
    pub(super) fn new(model: &'m Model, overlay: Option<&'m Overlay>) -> RustView<'m> {
        let mut hops = BTreeSet::new();
        if let Some(o) = overlay {
            hops.extend(o.path_containers.iter().map(String::as_str));
        }
        for path in model.paths.values().filter(|_| overlay.is_none()) {
            let prefix = format!("{}/", path.template);
            if model.paths.keys().any(|k| k.starts_with(&prefix)) {
                hops.insert(path.target.as_str());
            }
            if let Some(root) = model.roots.get(&path.root) {
                hops.insert(root.entity_type.as_str());
            }
        }
        let mut referenced: BTreeSet<&str> = BTreeSet::new();
        for def in model.types.values() {
            for prop in &def.properties {
                if let TypeTarget::Complex(q) | TypeTarget::Entity(q) = &prop.ty.target {
                    referenced.insert(q);
                }
            }
            for nav in &def.navigation {
                referenced.insert(&nav.target);
            }
        }
        for path in model.paths.values() {
            referenced.insert(&path.target);
        }
        let polymorphic = model
            .types
            .values()
            .filter(|t| {
                t.is_abstract
                    && referenced.contains(t.name.as_str())
                    && t.derived
                        .iter()
                        .any(|d| model.types.get(d).is_some_and(|d| !d.is_abstract))
            })
            .map(|t| t.name.as_str())
            .collect();
        let operations = overlay
            .and_then(|o| openapi::operations(model, o, &[]).ok())
            .unwrap_or_default();
        RustView {
            model,
            overlay,
            operations,
            polymorphic,
            hops,
        }
    }

    /// True if no item is emitted for `ty` (a path hop such as `authentication`).
    pub(super) fn is_hop(&self, ty: &str) -> bool {
        self.hops.contains(ty)
    }

    /// The struct or enum of a type, and the variants of polymorphic ancestors holding it.
    pub(super) fn type_items(&self, ty: &str) -> Vec<String> {
        if self.is_hop(ty) {
            return Vec::new();
        }
        let mut items = vec![naming::type_name(ty)];
        if let Some(def) = self.model.types.get(ty).filter(|d| !d.is_abstract) {
            for a in &def.ancestors {
                if self.polymorphic.contains(a.as_str()) {
                    items.push(format!("{}::{}", naming::type_name(a), variant(a, ty)));
                }
            }
        }
        items
    }

    /// The generated payload structs of an entity type: (`XCreate`, `XUpdate`) exist.
    pub(super) fn payloads(&self, ty: &str) -> (bool, bool) {
        let Some(def) = self.model.types.get(ty) else {
            return (false, false);
        };
        if def.is_abstract || def.kind != TypeKind::Entity || self.is_hop(ty) {
            return (false, false);
        }
        let mut create = false;
        let mut update = false;
        for path in self.model.paths.values().filter(|p| p.target == ty) {
            create |= path.collection && path.capabilities.insertable;
            update |= path.capabilities.updatable;
        }
        (create, update)
    }

    /// The payload structs named for a capability: `XCreate` for `insertable`, `XUpdate` for
    /// `updatable`, if they exist in this model.
    pub(super) fn payload_items(&self, ty: &str, capability: &str) -> Vec<String> {
        let (create, update) = self.payloads(ty);
        match capability {
            "insertable" if create => vec![format!("{}Create", naming::type_name(ty))],
            "updatable" if update => vec![format!("{}Update", naming::type_name(ty))],
            _ => Vec::new(),
        }
    }

    /// True if `property` of `ty` is in the generated payloads: not read-only in the IR nor in
    /// the overlay.
    pub(super) fn writable(&self, ty: &str, property: &PropertyDef) -> bool {
        let listed = match (self.overlay, self.model.types.get(ty)) {
            (Some(o), Some(def)) => o.is_read_only(def, &property.name),
            _ => false,
        };
        !property.read_only && !listed
    }

    /// The client operations on these navigation paths (all of them, or those of `kinds`).
    pub(super) fn path_operations(&self, paths: &[String], kinds: &[OperationKind]) -> Vec<String> {
        self.operations
            .iter()
            .filter(|op| paths.contains(&op.nav))
            .filter(|op| kinds.is_empty() || kinds.contains(&op.kind))
            .map(client_item)
            .collect()
    }

    /// The client operations calling a bound action or function.
    pub(super) fn bound_operations(&self, bound: &OperationDef) -> Vec<String> {
        self.operations
            .iter()
            .filter(|op| {
                op.bound.as_ref().is_some_and(|b| {
                    b.binding == bound.binding
                        && b.binding_collection == bound.binding_collection
                        && b.name == bound.name
                })
            })
            .map(client_item)
            .collect()
    }

    /// The fields of a property on `ty`: the read struct's field, and the payloads' fields if
    /// the property is `writable`.
    pub(super) fn field_items(&self, ty: &str, property: &str, writable: bool) -> Vec<String> {
        if self.is_hop(ty) || self.polymorphic.contains(ty) || !self.model.types.contains_key(ty) {
            return Vec::new();
        }
        let t = naming::type_name(ty);
        let f = naming::field_name(property);
        let mut items = vec![format!("{t}::{f}")];
        if writable {
            let (create, update) = self.payloads(ty);
            if create {
                items.push(format!("{t}Create::{f}"));
            }
            if update {
                items.push(format!("{t}Update::{f}"));
            }
        }
        items
    }

    /// The enum of an enum type (for flags, the member enum `XFlag` is what has variants).
    pub(super) fn enum_item(&self, ty: &str) -> String {
        naming::type_name(ty)
    }

    /// The variant of an enum member.
    pub(super) fn member_item(&self, ty: &str, member: &str) -> String {
        let flags = self.model.enums.get(ty).is_some_and(|e| e.is_flags);
        let suffix = if flags { "Flag" } else { "" };
        format!(
            "{}{suffix}::{}",
            naming::type_name(ty),
            naming::variant_name(member)
        )
    }
}

/// A client operation: progenitor's method, named by the operationId.
fn client_item(op: &Operation) -> String {
    format!("progenitor::Client::{}", op.id)
}

/// The operations a capability governs.
pub(super) fn capability_kinds(capability: &str) -> &'static [OperationKind] {
    match capability {
        "readable" => &[
            OperationKind::List,
            OperationKind::Get,
            OperationKind::GetContent,
        ],
        "insertable" => &[OperationKind::Create],
        "updatable" => &[OperationKind::Update],
        "deletable" => &[OperationKind::Delete],
        _ => &[],
    }
}

/// The variant of a subtype in its polymorphic base's enum: the subtype's Rust name without the
/// base's (`PhoneAuthenticationMethod` in `AuthenticationMethod` -> `Phone`).
fn variant(base: &str, sub: &str) -> String {
    let base = naming::type_name(base);
    let sub = naming::type_name(sub);
    match sub.strip_suffix(base.as_str()) {
        Some(short) if !short.is_empty() && !short.starts_with(|c: char| c.is_ascii_digit()) => {
            short.to_string()
        }
        _ => sub,
    }
}
