//! The intermediate representation: plain data in ordered maps, produced by lowering a CSDL
//! [`Document`](crate::csdl::Document) and consumed by the emitters and the spec diff.
//!
//! Everything here is resolved: type references point at full names (`microsoft.graph.user`,
//! never the alias `graph.user`), inheritance is flattened, annotations have been read into
//! typed fields. No emitter needs to look at the CSDL model.

use std::collections::BTreeMap;

use crate::csdl::Pos;

/// A fully qualified, alias-free name such as `microsoft.graph.phoneAuthenticationMethod`.
pub type QName = String;

/// The lowered model of one document.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Model {
    /// The source the model was lowered from (a file name), for error messages.
    pub source: String,
    /// Entity and complex types by full name.
    pub types: BTreeMap<QName, TypeDef>,
    /// Enum types by full name.
    pub enums: BTreeMap<QName, EnumDef>,
    /// Type definitions (`TypeDefinition`) by full name: name -> underlying primitive.
    pub type_definitions: BTreeMap<QName, Primitive>,
    /// Bound actions and functions, by the full name of their binding type. A binding to a
    /// collection is keyed by the element type and marked in [`OperationDef::binding_collection`].
    pub bound_operations: BTreeMap<QName, Vec<OperationDef>>,
    /// Entry points of the entity container (entity sets and singletons) by name.
    pub roots: BTreeMap<String, Root>,
    /// Navigation paths from the container, keyed by their template, for example
    /// `users/{user-id}/authentication/phoneMethods`. Lowering computes these only for the
    /// paths it is asked for (see [`crate::ir::PathRequest`]); the full Graph model is cyclic.
    pub paths: BTreeMap<String, NavPath>,
    /// Bound actions the slice marks long-running (`202 Accepted` + `Location`; the
    /// metadata cannot say so), keyed `{path template}/{action name}`: the navigation
    /// segments after the root of the operations collection to poll
    /// (`["authentication", "operations"]`). Filled by the slice's `restrict`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub long_running: BTreeMap<String, Vec<String>>,
}

/// An entity or complex type, with its inheritance resolved.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct TypeDef {
    /// Full name.
    pub name: QName,
    /// Entity or complex.
    pub kind: TypeKind,
    /// `Abstract="true"`.
    pub is_abstract: bool,
    /// `OpenType="true"` (here or inherited).
    pub open_type: bool,
    /// `HasStream="true"` (here or inherited): a media entity, whose content is served at
    /// `.../$value` as bytes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_stream: bool,
    /// The direct base type.
    pub base: Option<QName>,
    /// All ancestors, nearest first (`phoneAuthenticationMethod` ->
    /// `[authenticationMethod, entity]`).
    pub ancestors: Vec<QName>,
    /// All types deriving from this one, directly or not, sorted by name.
    pub derived: Vec<QName>,
    /// The key property names (inherited if declared on an ancestor).
    pub key: Vec<String>,
    /// Properties declared on this type itself, in document order.
    pub own_properties: Vec<PropertyDef>,
    /// All properties, inherited first (furthest ancestor first), then own, in document order.
    pub properties: Vec<PropertyDef>,
    /// Navigation properties, inherited first, then own.
    pub navigation: Vec<NavigationDef>,
    /// Documentation and lifecycle.
    pub doc: Doc,
    /// Where it is declared.
    pub pos: Pos,
}

/// Entity or complex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub enum TypeKind {
    /// An entity type (has a key, addressable).
    #[default]
    Entity,
    /// A complex type (a structured value).
    Complex,
}

/// A structural property.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PropertyDef {
    /// Wire name, for example `phoneNumber`.
    pub name: String,
    /// Resolved type.
    pub ty: TypeUse,
    /// CSDL nullability (default true).
    pub nullable: bool,
    /// Read-only: `Core.Computed`, `Core.Immutable` on update, or a key property.
    pub read_only: bool,
    /// The full name of the type that declares it.
    pub declared_in: QName,
    /// `MaxLength`, if given.
    pub max_length: Option<String>,
    /// Documentation and lifecycle.
    pub doc: Doc,
    /// Where it is declared.
    pub pos: Pos,
}

/// A navigation property.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct NavigationDef {
    /// Wire name, for example `phoneMethods`.
    pub name: String,
    /// Target entity type (full name).
    pub target: QName,
    /// True for `Collection(...)`.
    pub collection: bool,
    /// `ContainsTarget="true"`.
    pub contains_target: bool,
    /// CSDL nullability (default true).
    pub nullable: bool,
    /// The full name of the type that declares it.
    pub declared_in: QName,
    /// Capability restrictions on this navigation property (from annotations targeting
    /// `Type/navigation`, inline or out of line).
    pub capabilities: Capabilities,
    /// Documentation and lifecycle.
    pub doc: Doc,
    /// Where it is declared.
    pub pos: Pos,
}

/// A resolved type use: what a property, parameter or return value holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct TypeUse {
    /// True for `Collection(...)`.
    pub collection: bool,
    /// What each element is.
    pub target: TypeTarget,
}

impl Default for TypeUse {
    fn default() -> Self {
        TypeUse {
            collection: false,
            target: TypeTarget::Primitive(Primitive::String),
        }
    }
}

/// What a type use points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum TypeTarget {
    /// An `Edm.*` primitive (or a `TypeDefinition`, resolved to its underlying primitive).
    Primitive(Primitive),
    /// An enum type, by full name.
    Enum(QName),
    /// A complex type, by full name.
    Complex(QName),
    /// An entity type, by full name.
    Entity(QName),
}

/// The `Edm` primitive types this project maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Primitive {
    /// `Edm.String`.
    String,
    /// `Edm.Boolean`.
    Boolean,
    /// `Edm.Byte`.
    Byte,
    /// `Edm.SByte`.
    SByte,
    /// `Edm.Int16`.
    Int16,
    /// `Edm.Int32`.
    Int32,
    /// `Edm.Int64`.
    Int64,
    /// `Edm.Single`.
    Single,
    /// `Edm.Double`.
    Double,
    /// `Edm.Decimal`.
    Decimal,
    /// `Edm.Guid`.
    Guid,
    /// `Edm.DateTimeOffset`.
    DateTimeOffset,
    /// `Edm.Date`.
    Date,
    /// `Edm.TimeOfDay`.
    TimeOfDay,
    /// `Edm.Duration`.
    Duration,
    /// `Edm.Binary`.
    Binary,
    /// `Edm.Stream`.
    Stream,
    /// `Edm.Untyped`, `Edm.PrimitiveType` and the geography/geometry types: any JSON value.
    Untyped,
}

impl Primitive {
    /// The primitive named `Edm.<name>`, given the part after `Edm.`.
    pub fn from_edm_name(name: &str) -> Option<Primitive> {
        Some(match name {
            "String" => Primitive::String,
            "Boolean" => Primitive::Boolean,
            "Byte" => Primitive::Byte,
            "SByte" => Primitive::SByte,
            "Int16" => Primitive::Int16,
            "Int32" => Primitive::Int32,
            "Int64" => Primitive::Int64,
            "Single" => Primitive::Single,
            "Double" => Primitive::Double,
            "Decimal" => Primitive::Decimal,
            "Guid" => Primitive::Guid,
            "DateTimeOffset" => Primitive::DateTimeOffset,
            "Date" => Primitive::Date,
            "TimeOfDay" => Primitive::TimeOfDay,
            "Duration" => Primitive::Duration,
            "Binary" => Primitive::Binary,
            "Stream" => Primitive::Stream,
            "Untyped" | "PrimitiveType" => Primitive::Untyped,
            n if n.starts_with("Geography") || n.starts_with("Geometry") => Primitive::Untyped,
            _ => return None,
        })
    }
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct EnumDef {
    /// Full name.
    pub name: QName,
    /// `IsFlags="true"`: the wire value is a comma-separated list of member names.
    pub is_flags: bool,
    /// Members in document order.
    pub members: Vec<EnumMemberDef>,
    /// Documentation and lifecycle.
    pub doc: Doc,
    /// Where it is declared.
    pub pos: Pos,
}

/// One enum member.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct EnumMemberDef {
    /// Wire name.
    pub name: String,
    /// Numeric value (explicit, or the implicit position).
    pub value: i64,
    /// Documentation and lifecycle.
    pub doc: Doc,
}

/// A bound action or function.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct OperationDef {
    /// Simple name, for example `enableSmsSignIn`.
    pub name: String,
    /// Full name, for example `microsoft.graph.enableSmsSignIn`.
    pub qualified_name: QName,
    /// Action (POST) or function (GET).
    pub kind: OperationKindDef,
    /// Full name of the binding type.
    pub binding: QName,
    /// True if bound to a collection of the binding type.
    pub binding_collection: bool,
    /// Parameters after the binding parameter.
    pub parameters: Vec<ParameterDef>,
    /// Return type, if any.
    pub returns: Option<TypeUse>,
    /// Documentation and lifecycle.
    pub doc: Doc,
    /// Where it is declared.
    pub pos: Pos,
}

/// Action or function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub enum OperationKindDef {
    /// An action.
    #[default]
    Action,
    /// A function.
    Function,
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ParameterDef {
    /// Name.
    pub name: String,
    /// Resolved type.
    pub ty: TypeUse,
    /// Nullability (default true).
    pub nullable: bool,
}

/// An entity set or singleton.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Root {
    /// Name, for example `users` or `me`.
    pub name: String,
    /// The entity type it holds.
    pub entity_type: QName,
    /// True for an entity set (a collection addressed by key), false for a singleton.
    pub is_set: bool,
}

/// What a navigation path allows, from `Org.OData.Capabilities.V1` restrictions. A missing
/// annotation leaves the OData default (allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// `ReadRestrictions/Readable` (and reading by key).
    pub readable: bool,
    /// `InsertRestrictions/Insertable`.
    pub insertable: bool,
    /// `UpdateRestrictions/Updatable`.
    pub updatable: bool,
    /// `DeleteRestrictions/Deletable`.
    pub deletable: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            readable: true,
            insertable: true,
            updatable: true,
            deletable: true,
        }
    }
}

/// A navigation path from a container root, for example
/// `users/{user-id}/authentication/phoneMethods`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct NavPath {
    /// The template, as keyed in [`Model::paths`].
    pub template: String,
    /// The root it starts from (`users` or `me`).
    pub root: String,
    /// The navigation property names after the root, for example `["authentication",
    /// "phoneMethods"]`.
    pub segments: Vec<String>,
    /// The path as data, root first, then one step per navigation property: what each step
    /// reaches and the key parameter that addresses an item of it. The emitters walk these
    /// for URL templates, path parameters and names (see [`NavPath::path_parameters`]).
    pub steps: Vec<PathStep>,
    /// The entity type it reaches.
    pub target: QName,
    /// True if it reaches a collection (items addressed by key below it).
    pub collection: bool,
    /// What it allows.
    pub capabilities: Capabilities,
    /// Operations bound to the target type (and, for collections, to the collection).
    pub operations: Vec<OperationDef>,
    /// Documentation of the last navigation property.
    pub doc: Doc,
}

/// One step of a [`NavPath`]: its root or one navigation property.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct PathStep {
    /// The entity set or singleton (first step), or the navigation property.
    pub name: String,
    /// True for the first step (a container root).
    pub root: bool,
    /// The entity type it reaches.
    pub target: QName,
    /// True if it reaches a collection: an entity set, or a collection-valued navigation.
    pub collection: bool,
    /// `ContainsTarget="true"` (false for a root).
    pub contains_target: bool,
    /// For a collection, the path parameter addressing one item: `user-id`, from the simple
    /// name of the type the metadata declares (see [`crate::ir::key_placeholder`]).
    pub key: Option<String>,
}

impl NavPath {
    /// The path parameters of the template, in order: the key of every collection step
    /// before the last (`users/{user-id}/todo/lists/{todoTaskList-id}/tasks` ->
    /// `["user-id", "todoTaskList-id"]`). An operation on one item adds the last step's
    /// key ([`NavPath::item_key`]).
    pub fn path_parameters(&self) -> Vec<&PathStep> {
        let n = self.steps.len().saturating_sub(1);
        self.steps[..n].iter().filter(|s| s.key.is_some()).collect()
    }

    /// The key parameter of one item of the path's target, for a collection.
    pub fn item_key(&self) -> Option<&str> {
        self.steps.last().and_then(|s| s.key.as_deref())
    }

    /// The template rebuilt from the steps: names joined with `/`, each collection step
    /// before the last followed by `{key}`.
    pub fn template_from_steps(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(&step.name);
            if let Some(key) = step.key.as_deref().filter(|_| i + 1 < self.steps.len()) {
                out.push_str("/{");
                out.push_str(key);
                out.push('}');
            }
        }
        out
    }
}

/// Documentation and lifecycle of an element, from annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Doc {
    /// `Org.OData.Core.V1.Description`.
    pub description: Option<String>,
    /// `Org.OData.Core.V1.LongDescription`.
    pub long_description: Option<String>,
    /// From `Org.OData.Core.V1.Revisions` with `Kind` `Deprecated`.
    pub deprecation: Option<Deprecation>,
}

/// A deprecation notice from `Core.Revisions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Deprecation {
    /// `Description` of the revision.
    pub description: String,
    /// `Date` of the revision, if given.
    pub date: Option<String>,
    /// `RemovalDate`, if given.
    pub removal_date: Option<String>,
    /// `Version`, if given.
    pub version: Option<String>,
}
