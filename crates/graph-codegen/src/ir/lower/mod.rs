//! Lowering: a CSDL [`Document`] in, the plain-data [`Model`] out, in one direction.
//!
//! 1. **Names, once** ([`names`]): the document's name table (namespaces and aliases, every
//!    named element by full name) and its out-of-line annotations by canonical target
//!    ([`annotations`]).
//! 2. **Each element, once**, in one walk over the schemas, reading only that table: type
//!    definitions and enums, structured types with their own members ([`types`]), bound
//!    operations ([`operations`]), the container's roots ([`paths`]). The first error found
//!    stops the walk.
//! 3. **Inheritance** ([`types`]): ancestors, derived types, inherited members and keys,
//!    once every structured type is known.
//! 4. **Paths** ([`paths`]): the requested navigation paths and their prefixes only (Graph's
//!    navigation graph is cyclic), with the operations bound to each target.
//!
//! All work is linear in the size of the document, give or take the (short) inheritance
//! chains.

mod annotations;
pub(crate) mod names;
mod operations;
mod paths;
mod types;

pub use paths::{PathRequest, key_placeholder};

use crate::csdl::Document;
use crate::error::Error;
use crate::ir::model::Model;
use annotations::Annotations;
use names::Names;

/// Lower `doc` into a [`Model`], computing the navigation paths of `requests` (and their
/// prefixes).
///
/// Errors ([`Error::Model`], with the position of the offending element): an unknown type
/// reference, a base type of the wrong kind, an inheritance cycle, a name declared twice, a
/// capability annotation whose record does not hold booleans, and a requested path that does
/// not exist (with close matches).
pub fn lower(doc: &Document, requests: &[PathRequest]) -> Result<Model, Error> {
    let names = Names::new(doc)?;
    let anns = Annotations::index(&names, doc);

    let mut model = Model {
        source: doc.source.clone(),
        ..Model::default()
    };
    let mut declared = types::Declared::default();
    let mut root_caps = paths::RootCapabilities::default();
    for s in &doc.schemas {
        let ns = s.namespace.as_str();
        for t in &s.type_definitions {
            types::type_definition(&names, ns, t, &mut model)?;
        }
        for e in &s.enum_types {
            types::enum_type(&anns, ns, e, &mut model)?;
        }
        for t in s.entity_types.iter().chain(&s.complex_types) {
            declared.add(&names, &anns, ns, t)?;
        }
        for op in s.actions.iter().chain(&s.functions) {
            operations::bound_operation(&names, &anns, ns, op, &mut model)?;
        }
        if let Some(c) = &s.entity_container {
            paths::roots(&names, &anns, ns, c, &mut model, &mut root_caps)?;
        }
    }
    operations::sort(&mut model);
    declared.inherit(&names, &mut model)?;

    for req in requests {
        paths::add_paths(&mut model, &names, &root_caps, req)?;
    }
    Ok(model)
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
