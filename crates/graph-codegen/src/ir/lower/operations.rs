//! Bound actions and functions, by the type they are bound to. Unbound operations (and
//! imports) are not lowered: the paths the emitters walk reach bound ones only.

use crate::csdl::{Operation, OperationKind, Pos, TypeRef};
use crate::error::Error;
use crate::ir::model::*;

use super::annotations::Annotations;
use super::names::Names;

/// Lower `op` of namespace `ns` into `model.bound_operations` if it is bound: binding,
/// parameters and return type resolved, docs read.
pub(super) fn bound_operation(
    names: &Names,
    anns: &Annotations,
    ns: &str,
    op: &Operation,
    model: &mut Model,
) -> Result<(), Error> {
    if !op.is_bound {
        return Ok(());
    }
    let qualified_name = format!("{ns}.{}", op.name);
    let Some(binding) = op.parameters.first() else {
        return Err(names.error(
            op.pos,
            format!("bound operation {qualified_name} has no binding parameter"),
        ));
    };
    let unknown = |pos: Pos, role: String, t: &TypeRef| {
        names.error(
            pos,
            format!(
                "{role} of {qualified_name} refers to unknown type {}",
                t.name
            ),
        )
    };
    let binding_ty = names.type_use(&binding.type_ref).ok_or_else(|| {
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
        let ty = names
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
            names
                .type_use(&r.type_ref)
                .ok_or_else(|| unknown(r.pos, "return type".into(), &r.type_ref))?,
        ),
    };
    let doc = anns.operation_doc(ns, op)?;
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
    Ok(())
}

/// Each binding type's operations in a stable order: item-bound first, then by name and
/// kind.
pub(super) fn sort(model: &mut Model) {
    for ops in model.bound_operations.values_mut() {
        ops.sort_by(|a, b| {
            (a.binding_collection, &a.name, a.kind).cmp(&(b.binding_collection, &b.name, b.kind))
        });
    }
}
