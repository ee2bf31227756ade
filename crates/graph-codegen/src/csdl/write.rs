//! The canonical CSDL writer: a [`Document`] out as deterministic EDMX text.
//!
//! Canonical form, chosen to match upstream Graph files so that a trimmed document diffs
//! cleanly against its source:
//!
//! - the declaration `<?xml version="1.0" encoding="utf-8"?>`, two-space indentation, `\n`
//!   line endings and a final newline;
//! - children in the model's order, never sorted; where the model keeps element kinds in
//!   separate lists, the kinds follow the order of upstream Graph documents (for a schema:
//!   enum types, type definitions, complex types, entity types, actions, functions, terms, the
//!   entity container, `Annotations` blocks, then inline annotations; inline annotations always
//!   come last in their parent);
//! - a fixed attribute order per element; boolean flags the model keeps as `bool` are written
//!   only when true; optional attributes only when present;
//! - elements without children self-closed as `<X ... />`;
//! - `&`, `<`, `>` escaped everywhere, `"` in attribute values, tab, line feed and carriage
//!   return as character references in attribute values (so that reading does not normalise
//!   them to spaces), carriage return as a character reference in text; all other characters,
//!   non-ASCII included, written as UTF-8.
//!
//! For every document read by [`read`](fn@super::read), reading the written text gives the same
//! document (positions aside), and writing is idempotent.

use super::model::*;

/// The EDMX namespace, bound to the `edmx` prefix on the root element.
const EDMX_NS: &str = "http://docs.oasis-open.org/odata/ns/edmx";
/// The EDM namespace, the default namespace of every `Schema`.
const EDM_NS: &str = "http://docs.oasis-open.org/odata/ns/edm";

/// Write `doc` as canonical CSDL text (see the module documentation for the form).
///
/// Values the model can hold but XML cannot express the same way are written as close as
/// possible: a constant inside a `Collection` is always written as an element, and an absent
/// value inside a `Collection` is left out.
pub fn write(doc: &Document) -> String {
    let mut w = Writer {
        out: String::with_capacity(64 * 1024),
    };
    w.document(doc);
    w.out
}

struct Writer {
    out: String,
}

/// Appends `s` escaped for a double-quoted attribute value.
fn escape_attr(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\t' => "&#x9;",
            b'\n' => "&#xA;",
            b'\r' => "&#xD;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Appends `s` escaped for element text.
fn escape_text(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\r' => "&#xD;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

impl Writer {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    /// Writes `<name` at `depth`; attributes and a close follow.
    fn start(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
    }

    fn attr(&mut self, key: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(key);
        self.out.push_str("=\"");
        escape_attr(&mut self.out, value);
        self.out.push('"');
    }

    fn attr_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.attr(key, v);
        }
    }

    fn attr_bool(&mut self, key: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.attr(key, bool_text(v));
        }
    }

    fn attr_flag(&mut self, key: &str, value: bool) {
        if value {
            self.attr(key, "true");
        }
    }

    fn attr_type(&mut self, key: &str, t: &TypeRef) {
        self.out.push(' ');
        self.out.push_str(key);
        self.out.push_str("=\"");
        if t.collection {
            self.out.push_str("Collection(");
            escape_attr(&mut self.out, &t.name);
            self.out.push(')');
        } else {
            escape_attr(&mut self.out, &t.name);
        }
        self.out.push('"');
    }

    /// Ends a start tag: `>` and a newline if the element has children, else ` />`.
    fn close(&mut self, has_children: bool) {
        self.out
            .push_str(if has_children { ">\n" } else { " />\n" });
    }

    fn end(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Closes the start tag of the element `name` at `depth`: self-closing without
    /// annotations, else the annotations one level deeper and the end tag.
    fn close_with_annotations(&mut self, depth: usize, name: &str, annotations: &[Annotation]) {
        self.close(!annotations.is_empty());
        if !annotations.is_empty() {
            self.annotations(depth + 1, annotations);
            self.end(depth, name);
        }
    }

    fn annotations(&mut self, depth: usize, annotations: &[Annotation]) {
        for a in annotations {
            self.annotation(depth, a);
        }
    }

    fn document(&mut self, doc: &Document) {
        self.out
            .push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        self.start(0, "edmx:Edmx");
        self.attr("Version", &doc.version);
        self.attr("xmlns:edmx", EDMX_NS);
        self.close(true);
        for r in &doc.references {
            self.start(1, "edmx:Reference");
            self.attr("Uri", &r.uri);
            self.close(!r.includes.is_empty());
            if !r.includes.is_empty() {
                for (namespace, alias) in &r.includes {
                    self.start(2, "edmx:Include");
                    self.attr("Namespace", namespace);
                    self.attr_opt("Alias", alias.as_deref());
                    self.close(false);
                }
                self.end(1, "edmx:Reference");
            }
        }
        self.start(1, "edmx:DataServices");
        self.close(!doc.schemas.is_empty());
        if !doc.schemas.is_empty() {
            for s in &doc.schemas {
                self.schema(2, s);
            }
            self.end(1, "edmx:DataServices");
        }
        self.end(0, "edmx:Edmx");
    }

    fn schema(&mut self, d: usize, s: &Schema) {
        self.start(d, "Schema");
        self.attr("Namespace", &s.namespace);
        self.attr_opt("Alias", s.alias.as_deref());
        self.attr("xmlns", EDM_NS);
        let has = !s.enum_types.is_empty()
            || !s.type_definitions.is_empty()
            || !s.complex_types.is_empty()
            || !s.entity_types.is_empty()
            || !s.actions.is_empty()
            || !s.functions.is_empty()
            || !s.terms.is_empty()
            || s.entity_container.is_some()
            || !s.annotations.is_empty()
            || !s.inline_annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        for t in &s.enum_types {
            self.enum_type(d + 1, t);
        }
        for t in &s.type_definitions {
            self.start(d + 1, "TypeDefinition");
            self.attr("Name", &t.name);
            self.attr("UnderlyingType", &t.underlying_type);
            self.close_with_annotations(d + 1, "TypeDefinition", &t.annotations);
        }
        for t in &s.complex_types {
            self.structured(d + 1, t, "ComplexType");
        }
        for t in &s.entity_types {
            self.structured(d + 1, t, "EntityType");
        }
        for op in s.actions.iter().chain(&s.functions) {
            self.operation(d + 1, op);
        }
        for t in &s.terms {
            self.term(d + 1, t);
        }
        if let Some(c) = &s.entity_container {
            self.entity_container(d + 1, c);
        }
        for b in &s.annotations {
            self.start(d + 1, "Annotations");
            self.attr("Target", &b.target);
            self.attr_opt("Qualifier", b.qualifier.as_deref());
            self.close_with_annotations(d + 1, "Annotations", &b.annotations);
        }
        self.annotations(d + 1, &s.inline_annotations);
        self.end(d, "Schema");
    }

    fn enum_type(&mut self, d: usize, t: &EnumType) {
        self.start(d, "EnumType");
        self.attr("Name", &t.name);
        self.attr_opt("UnderlyingType", t.underlying_type.as_deref());
        self.attr_flag("IsFlags", t.is_flags);
        let has = !t.members.is_empty() || !t.annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        for m in &t.members {
            self.start(d + 1, "Member");
            self.attr("Name", &m.name);
            if let Some(v) = m.value {
                self.attr("Value", &v.to_string());
            }
            self.close_with_annotations(d + 1, "Member", &m.annotations);
        }
        self.annotations(d + 1, &t.annotations);
        self.end(d, "EnumType");
    }

    fn structured(&mut self, d: usize, t: &StructuredType, name: &str) {
        self.start(d, name);
        self.attr("Name", &t.name);
        self.attr_opt("BaseType", t.base_type.as_deref());
        self.attr_flag("Abstract", t.is_abstract);
        self.attr_flag("OpenType", t.open_type);
        self.attr_flag("HasStream", t.has_stream);
        let has = !t.key.is_empty()
            || !t.properties.is_empty()
            || !t.navigation_properties.is_empty()
            || !t.annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        if !t.key.is_empty() {
            self.start(d + 1, "Key");
            self.close(true);
            for k in &t.key {
                self.start(d + 2, "PropertyRef");
                self.attr("Name", k);
                self.close(false);
            }
            self.end(d + 1, "Key");
        }
        for p in &t.properties {
            self.start(d + 1, "Property");
            self.attr("Name", &p.name);
            self.attr_type("Type", &p.type_ref);
            self.attr_bool("Nullable", p.nullable);
            self.attr_opt("MaxLength", p.max_length.as_deref());
            self.attr_bool("Unicode", p.unicode);
            if let Some(v) = p.precision {
                self.attr("Precision", &v.to_string());
            }
            self.attr_opt("Scale", p.scale.as_deref());
            self.attr_opt("DefaultValue", p.default_value.as_deref());
            self.close_with_annotations(d + 1, "Property", &p.annotations);
        }
        for p in &t.navigation_properties {
            self.start(d + 1, "NavigationProperty");
            self.attr("Name", &p.name);
            self.attr_type("Type", &p.type_ref);
            self.attr_flag("ContainsTarget", p.contains_target);
            self.attr_bool("Nullable", p.nullable);
            self.attr_opt("Partner", p.partner.as_deref());
            self.close_with_annotations(d + 1, "NavigationProperty", &p.annotations);
        }
        self.annotations(d + 1, &t.annotations);
        self.end(d, name);
    }

    fn operation(&mut self, d: usize, op: &Operation) {
        let name = match op.kind {
            OperationKind::Action => "Action",
            OperationKind::Function => "Function",
        };
        self.start(d, name);
        self.attr("Name", &op.name);
        self.attr_opt("EntitySetPath", op.entity_set_path.as_deref());
        self.attr_flag("IsBound", op.is_bound);
        self.attr_flag("IsComposable", op.is_composable);
        let has =
            !op.parameters.is_empty() || op.return_type.is_some() || !op.annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        for p in &op.parameters {
            self.start(d + 1, "Parameter");
            self.attr("Name", &p.name);
            self.attr_type("Type", &p.type_ref);
            self.attr_bool("Nullable", p.nullable);
            self.attr_bool("Unicode", p.unicode);
            self.close_with_annotations(d + 1, "Parameter", &p.annotations);
        }
        if let Some(r) = &op.return_type {
            self.start(d + 1, "ReturnType");
            self.attr_type("Type", &r.type_ref);
            self.attr_bool("Nullable", r.nullable);
            self.attr_bool("Unicode", r.unicode);
            self.close_with_annotations(d + 1, "ReturnType", &r.annotations);
        }
        self.annotations(d + 1, &op.annotations);
        self.end(d, name);
    }

    fn term(&mut self, d: usize, t: &Term) {
        self.start(d, "Term");
        self.attr("Name", &t.name);
        self.attr_type("Type", &t.type_ref);
        self.attr_opt("BaseTerm", t.base_term.as_deref());
        self.attr_bool("Nullable", t.nullable);
        self.attr_opt("DefaultValue", t.default_value.as_deref());
        self.attr_opt("AppliesTo", t.applies_to.as_deref());
        self.close_with_annotations(d, "Term", &t.annotations);
    }

    fn entity_container(&mut self, d: usize, c: &EntityContainer) {
        self.start(d, "EntityContainer");
        self.attr("Name", &c.name);
        let has = !c.entity_sets.is_empty()
            || !c.singletons.is_empty()
            || !c.operation_imports.is_empty()
            || !c.annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        for s in &c.entity_sets {
            self.start(d + 1, "EntitySet");
            self.attr("Name", &s.name);
            self.attr("EntityType", &s.entity_type);
            self.set_children(d + 1, "EntitySet", &s.bindings, &s.annotations);
        }
        for s in &c.singletons {
            self.start(d + 1, "Singleton");
            self.attr("Name", &s.name);
            self.attr("Type", &s.type_name);
            self.set_children(d + 1, "Singleton", &s.bindings, &s.annotations);
        }
        for i in &c.operation_imports {
            let (name, attr) = match i.kind {
                OperationKind::Action => ("ActionImport", "Action"),
                OperationKind::Function => ("FunctionImport", "Function"),
            };
            self.start(d + 1, name);
            self.attr("Name", &i.name);
            self.attr(attr, &i.operation);
            self.attr_opt("EntitySet", i.entity_set.as_deref());
            self.close(false);
        }
        self.annotations(d + 1, &c.annotations);
        self.end(d, "EntityContainer");
    }

    /// Closes the start tag of an `EntitySet` or `Singleton` and writes its children.
    fn set_children(
        &mut self,
        d: usize,
        name: &str,
        bindings: &[NavigationPropertyBinding],
        annotations: &[Annotation],
    ) {
        let has = !bindings.is_empty() || !annotations.is_empty();
        self.close(has);
        if !has {
            return;
        }
        for b in bindings {
            self.start(d + 1, "NavigationPropertyBinding");
            self.attr("Path", &b.path);
            self.attr("Target", &b.target);
            self.close(false);
        }
        self.annotations(d + 1, annotations);
        self.end(d, name);
    }

    fn annotation(&mut self, d: usize, a: &Annotation) {
        self.start(d, "Annotation");
        self.attr("Term", &a.term);
        self.attr_opt("Qualifier", a.qualifier.as_deref());
        self.value_and_close(d, "Annotation", &a.value);
    }

    /// Writes `value` as an attribute (constants read from attributes) or as a child
    /// expression, and closes the element `name` opened at depth `d`.
    fn value_and_close(&mut self, d: usize, name: &str, value: &Value) {
        match value {
            Value::Absent => self.close(false),
            Value::Scalar {
                kind,
                text,
                as_element: false,
            } => {
                self.attr(kind.xml_name(), text);
                self.close(false);
            }
            _ => {
                self.close(true);
                self.expression(d + 1, value);
                self.end(d, name);
            }
        }
    }

    fn expression(&mut self, d: usize, value: &Value) {
        match value {
            Value::Absent => {}
            Value::Scalar { kind, text, .. } => {
                let name = kind.xml_name();
                self.start(d, name);
                if text.is_empty() {
                    self.close(false);
                } else {
                    self.out.push('>');
                    escape_text(&mut self.out, text);
                    self.out.push_str("</");
                    self.out.push_str(name);
                    self.out.push_str(">\n");
                }
            }
            Value::Record(r) => {
                self.start(d, "Record");
                self.attr_opt("Type", r.type_name.as_deref());
                let has = !r.properties.is_empty() || !r.annotations.is_empty();
                self.close(has);
                if !has {
                    return;
                }
                for p in &r.properties {
                    self.start(d + 1, "PropertyValue");
                    self.attr("Property", &p.property);
                    self.value_and_close(d + 1, "PropertyValue", &p.value);
                }
                self.annotations(d + 1, &r.annotations);
                self.end(d, "Record");
            }
            Value::Collection(items) => {
                self.start(d, "Collection");
                let has = items.iter().any(|v| *v != Value::Absent);
                self.close(has);
                if !has {
                    return;
                }
                for v in items {
                    self.expression(d + 1, v);
                }
                self.end(d, "Collection");
            }
        }
    }
}
