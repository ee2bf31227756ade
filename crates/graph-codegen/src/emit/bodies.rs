//! Request bodies of actions with parameters.
//!
//! An OData action takes its non-binding parameters as one JSON object in the request body
//! (`POST .../resetPassword` with `{"newPassword": "..."}`; OData 4.01 Protocol, 11.5.4.1
//! "Invoking an Action"). The metadata has no type for that object, so the emitters give
//! each action of the slice with parameters a complex type of its own, named
//! `{namespace}.{action}Request` (`microsoft.graph.resetPasswordRequest`, Rust
//! `ResetPasswordRequest`), with one property per parameter: a parameter declared
//! `Nullable="false"` is a required field, any other is optional and left out of the JSON
//! when unset. Both the types crate ([`crate::emit::rust`]) and the OpenAPI document
//! ([`crate::emit::openapi`]) see the same synthesized types, so the overlay can name them
//! (`[sensitive] "microsoft.graph.resetPasswordRequest" = ["newPassword"]`) like any other.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::error::Error;
use crate::ir::{
    Doc, Model, OperationDef, OperationKindDef, PropertyDef, QName, TypeDef, TypeKind,
};

/// The full name of the request body type of `op`, or `None` for a function or an action
/// without parameters: `{namespace}.{action}Request`, or, where `model` declares the action
/// more than once with different parameters (overloads bound to different types, such as
/// `validateProperties` on `directoryObject` and on `group`), `{namespace}.{binding}{Action}Request`
/// for each of them, so no overload takes another's body. The name depends on the metadata
/// the generator reads, not on which paths keep the action.
pub fn request_body_name(model: &Model, op: &OperationDef) -> Option<QName> {
    if op.kind != OperationKindDef::Action || op.parameters.is_empty() {
        return None;
    }
    let namespace = op.qualified_name.rsplit_once('.').map_or("", |(ns, _)| ns);
    let overloaded = model.bound_operations.values().flatten().any(|other| {
        other.qualified_name == op.qualified_name
            && other.kind == OperationKindDef::Action
            && other.parameters != op.parameters
    });
    if !overloaded {
        return Some(format!("{namespace}.{}Request", op.name));
    }
    let binding = op
        .binding
        .rsplit_once('.')
        .map_or(op.binding.as_str(), |(_, n)| n);
    let mut action = op.name.chars();
    let action = match action.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + action.as_str(),
        None => String::new(),
    };
    let collection = if op.binding_collection {
        "Collection"
    } else {
        ""
    };
    Some(format!("{namespace}.{binding}{collection}{action}Request"))
}

/// `model` with a complex type per action with parameters that a navigation path keeps
/// (see the module docs); borrowed unchanged when there is none.
///
/// Errors: a synthesized name taken by a type of the metadata, or two kept actions of the
/// same name with different parameters (overloads bound to different types).
pub fn with_request_bodies(model: &Model) -> Result<Cow<'_, Model>, Error> {
    let mut bodies: BTreeMap<QName, &OperationDef> = BTreeMap::new();
    for op in model.paths.values().flat_map(|p| &p.operations) {
        let Some(name) = request_body_name(model, op) else {
            continue;
        };
        if model.types.contains_key(&name) || model.enums.contains_key(&name) {
            return Err(Error::Emit {
                element: op.qualified_name.clone(),
                message: format!(
                    "the request body type of this action would be named `{name}`, which the \
                     metadata already declares; leave the action out of the slice"
                ),
            });
        }
        if let Some(other) = bodies.insert(name.clone(), op)
            && other.parameters != op.parameters
        {
            return Err(Error::Emit {
                element: op.qualified_name.clone(),
                message: format!(
                    "two overloads (bound to {} and {}) take different parameters and \
                     would share the request body `{name}`; keep one of them in the slice",
                    other.binding, op.binding
                ),
            });
        }
    }
    if bodies.is_empty() {
        return Ok(Cow::Borrowed(model));
    }
    let mut out = model.clone();
    for (name, op) in bodies {
        let properties: Vec<PropertyDef> = op
            .parameters
            .iter()
            .map(|p| PropertyDef {
                name: p.name.clone(),
                ty: p.ty.clone(),
                nullable: p.nullable,
                read_only: false,
                declared_in: name.clone(),
                max_length: None,
                doc: Doc {
                    description: Some(format!(
                        "The `{}` parameter of the `{}` action{}.",
                        p.name,
                        op.name,
                        if p.nullable { " (optional)" } else { "" }
                    )),
                    ..Doc::default()
                },
                pos: op.pos,
            })
            .collect();
        let mut description = format!(
            "The request body of the `{}` action (bound to `{}`): its parameters.",
            op.name, op.binding
        );
        if let Some(d) = &op.doc.description {
            description.push_str("\n\n");
            description.push_str(d);
        }
        out.types.insert(
            name.clone(),
            TypeDef {
                name,
                kind: TypeKind::Complex,
                own_properties: properties.clone(),
                properties,
                doc: Doc {
                    description: Some(description),
                    ..Doc::default()
                },
                pos: op.pos,
                ..TypeDef::default()
            },
        );
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{NavPath, ParameterDef, Primitive, TypeTarget, TypeUse};

    fn action(params: &[(&str, bool)]) -> OperationDef {
        OperationDef {
            name: "resetPassword".into(),
            qualified_name: "ns.resetPassword".into(),
            kind: OperationKindDef::Action,
            binding: "ns.method".into(),
            parameters: params
                .iter()
                .map(|(n, nullable)| ParameterDef {
                    name: (*n).into(),
                    ty: TypeUse {
                        collection: false,
                        target: TypeTarget::Primitive(Primitive::String),
                    },
                    nullable: *nullable,
                })
                .collect(),
            ..OperationDef::default()
        }
    }

    fn model(ops: Vec<OperationDef>) -> Model {
        let mut m = Model::default();
        m.paths.insert(
            "me/methods".into(),
            NavPath {
                operations: ops,
                ..NavPath::default()
            },
        );
        m
    }

    #[test]
    fn an_action_with_parameters_gets_a_body_type() {
        let m = model(vec![action(&[("newPassword", true), ("mode", false)])]);
        let out = with_request_bodies(&m).unwrap();
        let body = &out.types["ns.resetPasswordRequest"];
        assert_eq!(body.kind, TypeKind::Complex);
        let props: Vec<(&str, bool)> = body
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.nullable))
            .collect();
        assert_eq!(props, [("newPassword", true), ("mode", false)]);
    }

    #[test]
    fn no_parameters_no_body() {
        let m = model(vec![action(&[])]);
        assert!(matches!(with_request_bodies(&m).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn a_taken_name_is_an_error() {
        let mut m = model(vec![action(&[("newPassword", true)])]);
        m.types
            .insert("ns.resetPasswordRequest".into(), TypeDef::default());
        let err = with_request_bodies(&m).unwrap_err().to_string();
        assert!(err.contains("ns.resetPasswordRequest"), "{err}");
    }

    #[test]
    fn overloads_with_different_parameters_get_a_body_each() {
        // As `validateProperties` in v1.0: bound to directoryObject and to group, with
        // different parameters; both kept (a slice of every root keeps both).
        let mut on_method = action(&[("newPassword", true)]);
        let mut on_group = action(&[("newPassword", true), ("onBehalfOfUserId", true)]);
        on_method.binding = "ns.method".into();
        on_group.binding = "ns.group".into();
        let mut m = model(vec![on_method.clone(), on_group.clone()]);
        m.bound_operations
            .insert("ns.method".into(), vec![on_method]);
        m.bound_operations.insert("ns.group".into(), vec![on_group]);
        let out = with_request_bodies(&m).unwrap();
        assert_eq!(
            out.types["ns.methodResetPasswordRequest"].properties.len(),
            1
        );
        assert_eq!(
            out.types["ns.groupResetPasswordRequest"].properties.len(),
            2
        );
        assert!(!out.types.contains_key("ns.resetPasswordRequest"));
    }
}
