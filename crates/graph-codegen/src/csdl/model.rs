//! The CSDL document model: a faithful, lossless picture of an EDMX/CSDL 4.0 document.
//!
//! It knows nothing of Rust, OpenAPI or of this project's slice. Names are kept exactly as
//! written in the source (a type reference may say `graph.user` or `microsoft.graph.user`;
//! resolving aliases is the lowering's job). Every element keeps its position in the source so
//! that later stages can report errors as `file:line:column`.
//!
//! Element order inside a parent is document order. Attribute values are kept as text where
//! CSDL allows several spellings, so that writing a document back loses nothing.

/// A position in a source document, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub column: u32,
}

/// A whole EDMX document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The name the document was read from (a file name), used in error messages.
    pub source: String,
    /// The `Version` attribute of `edmx:Edmx`.
    pub version: String,
    /// `edmx:Reference` elements, in document order.
    pub references: Vec<Reference>,
    /// The schemas of `edmx:DataServices`, in document order.
    pub schemas: Vec<Schema>,
}

/// An `edmx:Reference` with its includes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reference {
    /// The `Uri` attribute.
    pub uri: String,
    /// `edmx:Include` children: (namespace, alias).
    pub includes: Vec<(String, Option<String>)>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `Schema` element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// `Namespace`, for example `microsoft.graph`.
    pub namespace: String,
    /// `Alias`, for example `graph`.
    pub alias: Option<String>,
    /// `EnumType` children, in document order.
    pub enum_types: Vec<EnumType>,
    /// `TypeDefinition` children, in document order.
    pub type_definitions: Vec<TypeDefinition>,
    /// `ComplexType` children, in document order.
    pub complex_types: Vec<StructuredType>,
    /// `EntityType` children, in document order.
    pub entity_types: Vec<StructuredType>,
    /// `Action` children, in document order.
    pub actions: Vec<Operation>,
    /// `Function` children, in document order.
    pub functions: Vec<Operation>,
    /// `Term` children, in document order.
    pub terms: Vec<Term>,
    /// The `EntityContainer`, if this schema has one.
    pub entity_container: Option<EntityContainer>,
    /// Out-of-line `Annotations` blocks, in document order.
    pub annotations: Vec<AnnotationsBlock>,
    /// Annotations directly on the schema element.
    pub inline_annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A reference to a type, as written: `Edm.String`, `graph.user`, `Collection(graph.x)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TypeRef {
    /// True for `Collection(...)`.
    pub collection: bool,
    /// The (possibly alias-qualified) name inside `Collection(...)`, or the whole name.
    pub name: String,
}

/// An `EnumType`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnumType {
    /// `Name`.
    pub name: String,
    /// `UnderlyingType`, if given.
    pub underlying_type: Option<String>,
    /// `IsFlags="true"`.
    pub is_flags: bool,
    /// Members in document order.
    pub members: Vec<EnumMember>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `Member` of an `EnumType`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnumMember {
    /// `Name`.
    pub name: String,
    /// `Value`, if given (parsed; a non-integer value is a read error).
    pub value: Option<i64>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `TypeDefinition`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeDefinition {
    /// `Name`.
    pub name: String,
    /// `UnderlyingType`.
    pub underlying_type: String,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// Whether a structured type is an `EntityType` or a `ComplexType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum StructuredKind {
    /// `EntityType`.
    #[default]
    Entity,
    /// `ComplexType`.
    Complex,
}

/// An `EntityType` or `ComplexType`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructuredType {
    /// Entity or complex.
    pub kind: StructuredKind,
    /// `Name`.
    pub name: String,
    /// `BaseType`, as written.
    pub base_type: Option<String>,
    /// `Abstract="true"`.
    pub is_abstract: bool,
    /// `OpenType="true"`.
    pub open_type: bool,
    /// `HasStream="true"` (entity types only).
    pub has_stream: bool,
    /// `Key/PropertyRef/@Name`, in order (entity types only).
    pub key: Vec<String>,
    /// `Property` children in document order.
    pub properties: Vec<Property>,
    /// `NavigationProperty` children in document order.
    pub navigation_properties: Vec<NavigationProperty>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A structural `Property`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Property {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub type_ref: TypeRef,
    /// `Nullable`, if given (CSDL default: true).
    pub nullable: Option<bool>,
    /// `MaxLength`, as written (an integer or `max`).
    pub max_length: Option<String>,
    /// `Precision`, if given.
    pub precision: Option<u32>,
    /// `Scale`, as written (an integer, `variable` or `floating`).
    pub scale: Option<String>,
    /// `DefaultValue`, as written.
    pub default_value: Option<String>,
    /// `Unicode`, if given.
    pub unicode: Option<bool>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `NavigationProperty`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NavigationProperty {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub type_ref: TypeRef,
    /// `Nullable`, if given.
    pub nullable: Option<bool>,
    /// `ContainsTarget="true"`.
    pub contains_target: bool,
    /// `Partner`, if given.
    pub partner: Option<String>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// Whether an operation is an `Action` or a `Function`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum OperationKind {
    /// `Action`: has side effects, invoked with POST.
    #[default]
    Action,
    /// `Function`: no side effects, invoked with GET.
    Function,
}

/// An `Action` or `Function`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Operation {
    /// Action or function.
    pub kind: OperationKind,
    /// `Name`.
    pub name: String,
    /// `IsBound="true"`: the first parameter is the binding parameter.
    pub is_bound: bool,
    /// `IsComposable="true"` (functions only).
    pub is_composable: bool,
    /// `EntitySetPath`, if given.
    pub entity_set_path: Option<String>,
    /// `Parameter` children in order; for a bound operation the first is the binding.
    pub parameters: Vec<Parameter>,
    /// `ReturnType`, if any.
    pub return_type: Option<ReturnType>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `Parameter` of an operation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parameter {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub type_ref: TypeRef,
    /// `Nullable`, if given.
    pub nullable: Option<bool>,
    /// `Unicode`, if given.
    pub unicode: Option<bool>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `ReturnType`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReturnType {
    /// `Type`.
    pub type_ref: TypeRef,
    /// `Nullable`, if given.
    pub nullable: Option<bool>,
    /// `Unicode`, if given.
    pub unicode: Option<bool>,
    /// Inline annotations (Graph puts `Org.OData.Core.V1.IsDelta` here).
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `Term` (a vocabulary term declared in the document).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Term {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub type_ref: TypeRef,
    /// `AppliesTo`, as written.
    pub applies_to: Option<String>,
    /// `BaseTerm`, if given.
    pub base_term: Option<String>,
    /// `Nullable`, if given.
    pub nullable: Option<bool>,
    /// `DefaultValue`, if given.
    pub default_value: Option<String>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// The `EntityContainer`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityContainer {
    /// `Name`.
    pub name: String,
    /// `EntitySet` children in document order.
    pub entity_sets: Vec<EntitySet>,
    /// `Singleton` children in document order.
    pub singletons: Vec<Singleton>,
    /// `ActionImport` and `FunctionImport` children in document order: (kind, name, operation).
    pub operation_imports: Vec<OperationImport>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// An `EntitySet`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntitySet {
    /// `Name`.
    pub name: String,
    /// `EntityType`, as written.
    pub entity_type: String,
    /// `NavigationPropertyBinding` children.
    pub bindings: Vec<NavigationPropertyBinding>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `Singleton`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Singleton {
    /// `Name`.
    pub name: String,
    /// `Type`, as written.
    pub type_name: String,
    /// `NavigationPropertyBinding` children.
    pub bindings: Vec<NavigationPropertyBinding>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// A `NavigationPropertyBinding`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NavigationPropertyBinding {
    /// `Path`.
    pub path: String,
    /// `Target`.
    pub target: String,
}

/// An `ActionImport` or `FunctionImport`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationImport {
    /// Which kind of operation it imports.
    pub kind: OperationKind,
    /// `Name`.
    pub name: String,
    /// `Action` or `Function` attribute: the qualified operation name.
    pub operation: String,
    /// `EntitySet`, if given.
    pub entity_set: Option<String>,
    /// Where the element starts.
    pub pos: Pos,
}

/// An out-of-line `<Annotations Target="...">` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnnotationsBlock {
    /// `Target`, as written, for example `microsoft.graph.authentication/phoneMethods`.
    pub target: String,
    /// `Qualifier`, if given.
    pub qualifier: Option<String>,
    /// The annotations in the block.
    pub annotations: Vec<Annotation>,
    /// Where the element starts.
    pub pos: Pos,
}

/// One `Annotation`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Annotation {
    /// `Term`, as written, for example `Org.OData.Core.V1.Description`.
    pub term: String,
    /// `Qualifier`, if given.
    pub qualifier: Option<String>,
    /// The value: from a constant attribute or from child elements.
    pub value: Value,
    /// Where the element starts.
    pub pos: Pos,
}

/// The kind of a constant or path expression, named as CSDL names the attribute/element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScalarKind {
    /// `String`.
    String,
    /// `Bool`.
    Bool,
    /// `Int`.
    Int,
    /// `Float`.
    Float,
    /// `Decimal`.
    Decimal,
    /// `Date`.
    Date,
    /// `DateTimeOffset`.
    DateTimeOffset,
    /// `TimeOfDay`.
    TimeOfDay,
    /// `Duration`.
    Duration,
    /// `Guid`.
    Guid,
    /// `Binary`.
    Binary,
    /// `EnumMember`.
    EnumMember,
    /// `Path`.
    Path,
    /// `PropertyPath`.
    PropertyPath,
    /// `NavigationPropertyPath`.
    NavigationPropertyPath,
    /// `AnnotationPath`.
    AnnotationPath,
}

impl ScalarKind {
    /// Every kind, in declaration order.
    pub const ALL: [ScalarKind; 16] = [
        ScalarKind::String,
        ScalarKind::Bool,
        ScalarKind::Int,
        ScalarKind::Float,
        ScalarKind::Decimal,
        ScalarKind::Date,
        ScalarKind::DateTimeOffset,
        ScalarKind::TimeOfDay,
        ScalarKind::Duration,
        ScalarKind::Guid,
        ScalarKind::Binary,
        ScalarKind::EnumMember,
        ScalarKind::Path,
        ScalarKind::PropertyPath,
        ScalarKind::NavigationPropertyPath,
        ScalarKind::AnnotationPath,
    ];

    /// The attribute or element name CSDL uses for this kind.
    pub fn xml_name(self) -> &'static str {
        match self {
            ScalarKind::String => "String",
            ScalarKind::Bool => "Bool",
            ScalarKind::Int => "Int",
            ScalarKind::Float => "Float",
            ScalarKind::Decimal => "Decimal",
            ScalarKind::Date => "Date",
            ScalarKind::DateTimeOffset => "DateTimeOffset",
            ScalarKind::TimeOfDay => "TimeOfDay",
            ScalarKind::Duration => "Duration",
            ScalarKind::Guid => "Guid",
            ScalarKind::Binary => "Binary",
            ScalarKind::EnumMember => "EnumMember",
            ScalarKind::Path => "Path",
            ScalarKind::PropertyPath => "PropertyPath",
            ScalarKind::NavigationPropertyPath => "NavigationPropertyPath",
            ScalarKind::AnnotationPath => "AnnotationPath",
        }
    }

    /// The kind CSDL names `name`, if any.
    pub fn from_xml_name(name: &str) -> Option<ScalarKind> {
        ScalarKind::ALL.into_iter().find(|k| k.xml_name() == name)
    }
}

/// The value of an annotation or of a record's `PropertyValue`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value given (a term applied with its default).
    #[default]
    Absent,
    /// A constant or path, as written (`Bool` values are validated by the reader).
    Scalar {
        /// Which kind of constant or path.
        kind: ScalarKind,
        /// The text, unescaped.
        text: String,
        /// True if written as a child element (`<String>..</String>`), false if as an attribute.
        as_element: bool,
    },
    /// A `Record`.
    Record(Record),
    /// A `Collection` of values.
    Collection(Vec<Value>),
}

impl Value {
    /// The text of a `String` constant.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar {
                kind: ScalarKind::String,
                text,
                ..
            } => Some(text),
            _ => None,
        }
    }

    /// The value of a `Bool` constant.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Scalar {
                kind: ScalarKind::Bool,
                text,
                ..
            } => match text.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The record, if this is one.
    pub fn as_record(&self) -> Option<&Record> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }
}

/// A `Record` expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// `Type`, if given.
    pub type_name: Option<String>,
    /// `PropertyValue` children in order.
    pub properties: Vec<PropertyValue>,
    /// Annotations on the record itself.
    pub annotations: Vec<Annotation>,
}

impl Record {
    /// The value of the property named `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|p| p.property == name)
            .map(|p| &p.value)
    }
}

/// A `PropertyValue` inside a `Record`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PropertyValue {
    /// `Property`.
    pub property: String,
    /// Its value.
    pub value: Value,
}

impl Document {
    /// Iterate over `(schema, type)` for every entity and complex type.
    pub fn structured_types(&self) -> impl Iterator<Item = (&Schema, &StructuredType)> {
        self.schemas.iter().flat_map(|s| {
            s.entity_types
                .iter()
                .chain(s.complex_types.iter())
                .map(move |t| (s, t))
        })
    }
}

impl Document {
    /// Sets every `pos` to [`Pos::default()`] and clears `source`, so that documents read from
    /// different texts (say, a file and its canonical rewrite) compare equal when their
    /// content is equal.
    pub fn clear_positions(&mut self) {
        fn annotations(list: &mut [Annotation]) {
            for a in list {
                a.pos = Pos::default();
                value(&mut a.value);
            }
        }
        fn value(v: &mut Value) {
            match v {
                Value::Absent | Value::Scalar { .. } => {}
                Value::Record(r) => {
                    for p in &mut r.properties {
                        value(&mut p.value);
                    }
                    annotations(&mut r.annotations);
                }
                Value::Collection(items) => items.iter_mut().for_each(value),
            }
        }
        self.source.clear();
        for r in &mut self.references {
            r.pos = Pos::default();
        }
        for s in &mut self.schemas {
            s.pos = Pos::default();
            annotations(&mut s.inline_annotations);
            for t in &mut s.enum_types {
                t.pos = Pos::default();
                annotations(&mut t.annotations);
                for m in &mut t.members {
                    m.pos = Pos::default();
                    annotations(&mut m.annotations);
                }
            }
            for t in &mut s.type_definitions {
                t.pos = Pos::default();
                annotations(&mut t.annotations);
            }
            for t in s.complex_types.iter_mut().chain(&mut s.entity_types) {
                t.pos = Pos::default();
                annotations(&mut t.annotations);
                for p in &mut t.properties {
                    p.pos = Pos::default();
                    annotations(&mut p.annotations);
                }
                for p in &mut t.navigation_properties {
                    p.pos = Pos::default();
                    annotations(&mut p.annotations);
                }
            }
            for op in s.actions.iter_mut().chain(&mut s.functions) {
                op.pos = Pos::default();
                annotations(&mut op.annotations);
                for p in &mut op.parameters {
                    p.pos = Pos::default();
                    annotations(&mut p.annotations);
                }
                if let Some(r) = &mut op.return_type {
                    r.pos = Pos::default();
                    annotations(&mut r.annotations);
                }
            }
            for t in &mut s.terms {
                t.pos = Pos::default();
                annotations(&mut t.annotations);
            }
            if let Some(c) = &mut s.entity_container {
                c.pos = Pos::default();
                annotations(&mut c.annotations);
                for e in &mut c.entity_sets {
                    e.pos = Pos::default();
                    annotations(&mut e.annotations);
                }
                for e in &mut c.singletons {
                    e.pos = Pos::default();
                    annotations(&mut e.annotations);
                }
                for i in &mut c.operation_imports {
                    i.pos = Pos::default();
                }
            }
            for b in &mut s.annotations {
                b.pos = Pos::default();
                annotations(&mut b.annotations);
            }
        }
    }
}
