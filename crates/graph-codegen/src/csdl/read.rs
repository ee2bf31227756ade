//! The streaming CSDL reader: quick-xml events in, a [`Document`] out.
//!
//! One recursive-descent function per CSDL element pulls the element's children from the
//! event stream; nothing is buffered beyond the element being built. Elements are matched by
//! their local name (`edmx:Edmx` and `Edmx` are the same element), as in every CSDL document
//! seen in practice.
//!
//! The reader is strict, because the model is lossless: an element or attribute the model has
//! no place for is an error, not silently dropped. Only XML namespace declarations (`xmlns`,
//! `xmlns:*`), comments and processing instructions are ignored. Every error names
//! `file:line:column` and what was expected; no input makes the reader panic.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::errors::IllFormedError;
use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::{BytesStart, Event};

use std::borrow::Cow;
use std::hash::BuildHasherDefault;

use super::model::*;
use crate::Error;
use crate::ir::names::FxHasher;

/// Read an EDMX/CSDL 4.0 document.
///
/// `source` is the document's name (a file name) used in the document and in error messages;
/// `text` is its content. Names are kept as written: resolving aliases and type references is
/// the lowering's job.
///
/// # Errors
///
/// [`Error::Read`] at the offending `file:line:column` when the text is not well-formed XML,
/// not CSDL as the model describes it (an unexpected element or attribute, a missing required
/// attribute, a bad attribute value), or declares a name twice in one scope.
pub fn read(source: &str, text: &str) -> Result<Document, Error> {
    // A byte order mark is not part of the document; positions count from after it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        file: source,
        reader: Reader::from_str(text),
        lines: Lines::new(text),
        depth: 0,
    };
    parser.document()
}

/// Child element names allowed in each parent, for "unexpected element" messages.
const EDMX_CHILDREN: &[&str] = &["edmx:Reference", "edmx:DataServices"];
const REFERENCE_CHILDREN: &[&str] = &["edmx:Include"];
const DATA_SERVICES_CHILDREN: &[&str] = &["Schema"];
const SCHEMA_CHILDREN: &[&str] = &[
    "EnumType",
    "TypeDefinition",
    "ComplexType",
    "EntityType",
    "Action",
    "Function",
    "Term",
    "EntityContainer",
    "Annotations",
    "Annotation",
];
const ENUM_CHILDREN: &[&str] = &["Member", "Annotation"];
const ANNOTATION_ONLY: &[&str] = &["Annotation"];
const ENTITY_CHILDREN: &[&str] = &["Key", "Property", "NavigationProperty", "Annotation"];
const COMPLEX_CHILDREN: &[&str] = &["Property", "NavigationProperty", "Annotation"];
const KEY_CHILDREN: &[&str] = &["PropertyRef"];
const OPERATION_CHILDREN: &[&str] = &["Parameter", "ReturnType", "Annotation"];
const CONTAINER_CHILDREN: &[&str] = &[
    "EntitySet",
    "Singleton",
    "ActionImport",
    "FunctionImport",
    "Annotation",
];
const SET_CHILDREN: &[&str] = &["NavigationPropertyBinding", "Annotation"];
const NO_CHILDREN: &[&str] = &[];
const EXPRESSIONS: &[&str] = &[
    "String",
    "Bool",
    "Int",
    "Float",
    "Decimal",
    "Date",
    "DateTimeOffset",
    "TimeOfDay",
    "Duration",
    "Guid",
    "Binary",
    "EnumMember",
    "Path",
    "PropertyPath",
    "NavigationPropertyPath",
    "AnnotationPath",
    "Record",
    "Collection",
];
const RECORD_CHILDREN: &[&str] = &["PropertyValue", "Annotation"];

/// Incremental byte offset -> line/column conversion.
///
/// Offsets asked for only grow while reading, so each call scans only the bytes since the
/// previous call; the whole document is scanned at most once.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn pos(&mut self, offset: usize) -> Pos {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            // Only error positions can go backwards; start again from the top.
            self.offset = 0;
            self.line = 1;
            self.column = 1;
        }
        let seg = &self.bytes[self.offset..offset];
        match seg.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                let newlines = count_newlines(&seg[..=last]);
                self.line = self.line.saturating_add(to_u32(newlines));
                self.column = 1u32.saturating_add(to_u32(chars(&seg[last + 1..])));
            }
            None => self.column = self.column.saturating_add(to_u32(chars(seg))),
        }
        self.offset = offset;
        Pos {
            line: self.line,
            column: self.column,
        }
    }
}

/// Number of `\n` in `bytes`, in fixed-size chunks that the compiler vectorises.
fn count_newlines(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(32);
    let mut n = 0;
    for chunk in &mut chunks {
        n += usize::from(chunk.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>());
    }
    n + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Number of UTF-8 characters in `bytes` (bytes that do not continue a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A start tag with where it begins.
struct Elem<'a> {
    start: BytesStart<'a>,
    /// `<x/>`: the element has no children and no end tag to read.
    empty: bool,
    pos: Pos,
}

impl Elem<'_> {
    /// The name as written, with its prefix.
    fn qname(&self) -> &str {
        self.start.name().into_inner()
    }

    /// The name without its prefix.
    fn local(&self) -> &str {
        self.start.local_name().into_inner()
    }
}

struct Parser<'a> {
    file: &'a str,
    reader: Reader<&'a [u8]>,
    lines: Lines<'a>,
    /// How many `Record`/`Collection` expressions enclose the current one.
    depth: usize,
}

/// The deepest nesting of `Record` and `Collection` expressions accepted. Everything else in
/// CSDL nests to a fixed depth; expressions could nest without end and exhaust the stack.
const MAX_EXPRESSION_DEPTH: usize = 64;

/// Returns true for `xmlns` and `xmlns:*`.
fn is_namespace_declaration(key: &str) -> bool {
    key == "xmlns" || key.starts_with("xmlns:")
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A short excerpt of `s` for messages.
fn excerpt(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn type_ref(text: &str) -> Option<TypeRef> {
    let (collection, name) = match text
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        Some(inner) => (true, inner),
        None => (false, text),
    };
    if name.is_empty() {
        return None;
    }
    Some(TypeRef {
        collection,
        name: name.to_owned(),
    })
}

/// The values of the attributes asked for, in the order asked, borrowed from the start tag
/// where no reference or whitespace had to be replaced.
type Attrs<'e, const N: usize> = [Option<Cow<'e, str>>; N];

/// An optional attribute's value, to keep in the model.
fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.map(Cow::into_owned)
}

/// Lists longer than this are checked for duplicates by hashing before sorting.
const LONG_LIST: usize = 64;

/// Two declarations of one name: (name, later position, later kind, first position, first
/// kind).
type Duplicate<'n> = (&'n str, Pos, &'static str, Pos, &'static str);

/// Checks that `items` (name, position, element kind) have distinct names. Of several
/// duplicates, the one whose second declaration comes first in the document is reported.
fn check_unique<'n>(mut items: Vec<(&'n str, Pos, &'static str)>) -> Result<(), Duplicate<'n>> {
    // Long lists (a schema's thousands of types) are checked by hashing first; only a list
    // with a duplicate goes on to the sort, which picks the one to report.
    if items.len() > LONG_LIST {
        let mut seen: std::collections::HashSet<&str, BuildHasherDefault<FxHasher>> =
            std::collections::HashSet::with_capacity_and_hasher(items.len(), Default::default());
        if items.iter().all(|item| seen.insert(item.0)) {
            return Ok(());
        }
    }
    // Sorting beats hashing here: most lists are short, and no hasher runs per name.
    items.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let mut found: Option<Duplicate<'n>> = None;
    for w in items.windows(2) {
        let (first, second) = (w[0], w[1]);
        if first.0 == second.0 && found.is_none_or(|f| second.1 < f.1) {
            found = Some((second.0, second.1, second.2, first.1, first.2));
        }
    }
    found.map_or(Ok(()), Err)
}

impl<'a> Parser<'a> {
    fn error(&self, pos: Pos, message: impl Into<String>) -> Error {
        Error::Read {
            file: self.file.to_owned(),
            pos,
            message: message.into(),
        }
    }

    /// Converts a quick-xml error met while reading the children of `open` (if any).
    fn xml_error(&mut self, err: quick_xml::Error, open: Option<&Elem<'_>>) -> Error {
        let pos = self.lines.pos(self.reader.error_position() as usize);
        let message = match (&err, open) {
            (
                quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }),
                Some(open),
            ) => format!(
                "mismatched end tag: expected `</{expected}>` to close the element opened at \
                 {}:{}, found `</{found}>`",
                open.pos.line, open.pos.column
            ),
            (quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(tag)), _) => {
                format!("unexpected end tag `</{tag}>`: no element is open")
            }
            _ => format!("malformed XML: {err}"),
        };
        self.error(pos, message)
    }

    fn document(&mut self) -> Result<Document, Error> {
        let root = loop {
            let offset = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Start(start)) => {
                    break Elem {
                        start,
                        empty: false,
                        pos: self.lines.pos(offset),
                    };
                }
                Ok(Event::Empty(start)) => {
                    break Elem {
                        start,
                        empty: true,
                        pos: self.lines.pos(offset),
                    };
                }
                Ok(Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
                Ok(Event::Text(t)) if is_xml_whitespace(&t) => {}
                Ok(Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(
                        pos,
                        "unexpected text before the root element; expected `<edmx:Edmx>`",
                    ));
                }
                Ok(Event::End(_)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(pos, "unexpected end tag; expected `<edmx:Edmx>`"));
                }
                Ok(Event::Eof) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(pos, "empty document; expected `<edmx:Edmx>`"));
                }
                Err(e) => return Err(self.xml_error(e, None)),
            }
        };
        if root.local() != "Edmx" {
            return Err(self.error(
                root.pos,
                format!(
                    "unexpected root element `<{}>`; expected `<edmx:Edmx>`",
                    root.qname()
                ),
            ));
        }
        let doc = self.edmx(root)?;
        loop {
            let offset = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Eof) => return Ok(doc),
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(Event::Text(t)) if is_xml_whitespace(&t) => {}
                Ok(Event::Start(s) | Event::Empty(s)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(
                        pos,
                        format!(
                            "unexpected element `<{}>` after the root element; expected the end \
                             of the document",
                            s.name().into_inner()
                        ),
                    ));
                }
                Ok(_) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(
                        pos,
                        "unexpected content after the root element; expected the end of the \
                         document",
                    ));
                }
                Err(e) => return Err(self.xml_error(e, None)),
            }
        }
    }

    /// The next child element of `parent`, or `None` at its end tag. Skips whitespace,
    /// comments and processing instructions. Must not be called again after `None`.
    fn next_child(&mut self, parent: &Elem<'_>) -> Result<Option<Elem<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            let offset = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Start(start)) => {
                    return Ok(Some(Elem {
                        start,
                        empty: false,
                        pos: self.lines.pos(offset),
                    }));
                }
                Ok(Event::Empty(start)) => {
                    return Ok(Some(Elem {
                        start,
                        empty: true,
                        pos: self.lines.pos(offset),
                    }));
                }
                Ok(Event::End(_)) => return Ok(None),
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(Event::Text(t)) if is_xml_whitespace(&t) => {}
                Ok(Event::CData(t)) if is_xml_whitespace(&t) => {}
                Ok(Event::Text(t)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.unexpected_text(pos, parent, &t));
                }
                Ok(Event::CData(t)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.unexpected_text(pos, parent, &t));
                }
                Ok(Event::GeneralRef(r)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.unexpected_text(pos, parent, &format!("&{};", &*r)));
                }
                Ok(Event::Decl(_) | Event::DocType(_)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(
                        pos,
                        format!(
                            "unexpected declaration in `<{}>`; expected elements only",
                            parent.qname()
                        ),
                    ));
                }
                Ok(Event::Eof) => return Err(self.unclosed(offset, parent)),
                Err(e) => return Err(self.xml_error(e, Some(parent))),
            }
        }
    }

    fn unclosed(&mut self, offset: usize, open: &Elem<'_>) -> Error {
        let pos = self.lines.pos(offset);
        self.error(
            pos,
            format!(
                "unexpected end of document: `<{}>` opened at {}:{} is not closed; expected \
                 `</{}>`",
                open.qname(),
                open.pos.line,
                open.pos.column,
                open.qname()
            ),
        )
    }

    fn unexpected_text(&self, pos: Pos, parent: &Elem<'_>, text: &str) -> Error {
        self.error(
            pos,
            format!(
                "unexpected text `{}` in `<{}>`; expected elements only",
                excerpt(text),
                parent.qname()
            ),
        )
    }

    fn unexpected_child(&self, parent: &Elem<'_>, child: &Elem<'_>, allowed: &[&str]) -> Error {
        let expected = if allowed.is_empty() {
            "expected no child elements".to_owned()
        } else {
            format!("expected one of: {}", allowed.join(", "))
        };
        self.error(
            child.pos,
            format!(
                "unexpected element `<{}>` in `<{}>`; {expected}",
                child.qname(),
                parent.qname()
            ),
        )
    }

    /// Rejects any child element: for elements the model gives no children.
    fn no_children(&mut self, el: &Elem<'_>) -> Result<(), Error> {
        match self.next_child(el)? {
            None => Ok(()),
            Some(child) => Err(self.unexpected_child(el, &child, NO_CHILDREN)),
        }
    }

    /// The text content of a leaf element (`<String>...</String>`), unescaped.
    fn text_content(&mut self, el: &Elem<'_>) -> Result<String, Error> {
        let mut text = String::new();
        if el.empty {
            return Ok(text);
        }
        loop {
            let offset = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
                Ok(Event::CData(t)) => text.push_str(&t.xml10_content()),
                Ok(Event::GeneralRef(r)) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &*r {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match c {
                        Some(c) => text.push(c),
                        None => {
                            let pos = self.lines.pos(offset);
                            return Err(self.error(
                                pos,
                                format!(
                                    "unknown entity or bad character reference `&{};` in `<{}>`",
                                    &*r,
                                    el.qname()
                                ),
                            ));
                        }
                    }
                }
                Ok(Event::End(_)) => return Ok(text),
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(Event::Start(start) | Event::Empty(start)) => {
                    let child = Elem {
                        start,
                        empty: true,
                        pos: self.lines.pos(offset),
                    };
                    return Err(self.error(
                        child.pos,
                        format!(
                            "unexpected element `<{}>` in `<{}>`; expected text only",
                            child.qname(),
                            el.qname()
                        ),
                    ));
                }
                Ok(Event::Decl(_) | Event::DocType(_)) => {
                    let pos = self.lines.pos(offset);
                    return Err(self.error(
                        pos,
                        format!(
                            "unexpected declaration in `<{}>`; expected text only",
                            el.qname()
                        ),
                    ));
                }
                Ok(Event::Eof) => return Err(self.unclosed(offset, el)),
                Err(e) => return Err(self.xml_error(e, Some(el))),
            }
        }
    }

    /// The values of the attributes `names` of `el`, in that order. Any other attribute,
    /// except namespace declarations, is an error.
    fn attrs<'e, const N: usize>(
        &mut self,
        el: &'e Elem<'_>,
        names: [&str; N],
    ) -> Result<Attrs<'e, N>, Error> {
        let mut values: Attrs<'e, N> = std::array::from_fn(|_| None);
        let mut attributes = el.start.attributes();
        // Duplicates are found below, more cheaply than quick-xml's check.
        attributes.with_checks(false);
        for attr in attributes {
            let attr = self.attribute(el, attr)?;
            let key = attr.key.into_inner();
            if is_namespace_declaration(key) {
                continue;
            }
            let Some(i) = names.iter().position(|n| *n == key) else {
                return Err(self.unknown_attribute(el, key, &names));
            };
            if values[i].is_some() {
                return Err(self.duplicate_attribute(el, key));
            }
            values[i] = Some(self.attribute_value(el, attr)?);
        }
        Ok(values)
    }

    fn attribute<'e>(
        &self,
        el: &Elem<'_>,
        attr: Result<Attribute<'e>, AttrError>,
    ) -> Result<Attribute<'e>, Error> {
        attr.map_err(|e| {
            self.error(
                el.pos,
                format!("malformed attribute in `<{}>`: {e}", el.qname()),
            )
        })
    }

    /// The value of `attr`, with references replaced and whitespace normalised as XML says.
    fn attribute_value<'e>(
        &self,
        el: &Elem<'_>,
        attr: Attribute<'e>,
    ) -> Result<Cow<'e, str>, Error> {
        // Most values need neither: skip quick-xml's slower general path. (A fold without an
        // early exit, which the compiler vectorises.)
        if !attr.value.bytes().fold(false, |found, b| {
            found | matches!(b, b'&' | b'\t' | b'\n' | b'\r')
        }) {
            return Ok(attr.value);
        }
        match attr.normalized_value(XmlVersion::Implicit1_0) {
            Ok(value) => Ok(value),
            Err(e) => Err(self.error(
                el.pos,
                format!(
                    "bad value of attribute `{}` on `<{}>`: {e}",
                    attr.key.into_inner(),
                    el.qname()
                ),
            )),
        }
    }

    fn duplicate_attribute(&self, el: &Elem<'_>, key: &str) -> Error {
        self.error(
            el.pos,
            format!("duplicate attribute `{key}` on `<{}>`", el.qname()),
        )
    }

    fn unknown_attribute(&self, el: &Elem<'_>, key: &str, allowed: &[&str]) -> Error {
        let expected = if allowed.is_empty() {
            "expected no attributes".to_owned()
        } else {
            format!("expected one of: {}", allowed.join(", "))
        };
        self.error(
            el.pos,
            format!(
                "unknown attribute `{key}` on `<{}>`; {expected}",
                el.qname()
            ),
        )
    }

    fn required(
        &self,
        el: &Elem<'_>,
        name: &str,
        value: Option<Cow<'_, str>>,
    ) -> Result<String, Error> {
        let value = value
            .map(Cow::into_owned)
            .ok_or_else(|| self.missing(el, name))?;
        if name == "Name"
            && let Err(problem) = check_simple_identifier(&value)
        {
            return Err(self.error(
                el.pos,
                format!(
                    "`Name` of `<{}>` is `{}`, not an OData SimpleIdentifier ({problem}); \
                     names become Rust identifiers and are never rewritten, so fix the document",
                    el.qname(),
                    value.escape_debug()
                ),
            ));
        }
        Ok(value)
    }

    fn missing(&self, el: &Elem<'_>, name: &str) -> Error {
        self.error(
            el.pos,
            format!(
                "`<{}>` is missing the required attribute `{name}`",
                el.qname()
            ),
        )
    }

    fn bad_value(&self, el: &Elem<'_>, name: &str, expected: &str, found: &str) -> Error {
        self.error(
            el.pos,
            format!(
                "attribute `{name}` on `<{}>`: expected {expected}, found `{found}`",
                el.qname()
            ),
        )
    }

    fn bool_attr(
        &self,
        el: &Elem<'_>,
        name: &str,
        value: Option<Cow<'_, str>>,
    ) -> Result<Option<bool>, Error> {
        match value {
            None => Ok(None),
            Some(v) => parse_bool(&v)
                .map(Some)
                .ok_or_else(|| self.bad_value(el, name, "`true` or `false`", &v)),
        }
    }

    fn type_attr(
        &self,
        el: &Elem<'_>,
        name: &str,
        value: Option<Cow<'_, str>>,
    ) -> Result<TypeRef, Error> {
        let Some(value) = value else {
            return Err(self.missing(el, name));
        };
        type_ref(&value).ok_or_else(|| {
            self.bad_value(el, name, "a type name or `Collection(type name)`", &value)
        })
    }

    fn duplicate(
        &self,
        (name, pos, kind, first, first_kind): (&str, Pos, &str, Pos, &str),
        scope: &str,
    ) -> Error {
        self.error(
            pos,
            format!(
                "duplicate name `{name}` in {scope}: `<{kind}>` here and `<{first_kind}>` at {}:{}",
                first.line, first.column
            ),
        )
    }

    fn edmx(&mut self, el: Elem<'a>) -> Result<Document, Error> {
        let [version] = self.attrs(&el, ["Version"])?;
        let version = self.required(&el, "Version", version)?;
        let mut doc = Document {
            source: self.file.to_owned(),
            version,
            ..Document::default()
        };
        let mut data_services: Option<Pos> = None;
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Reference" if data_services.is_none() => {
                    doc.references.push(self.reference(child)?);
                }
                "DataServices" if data_services.is_none() => {
                    data_services = Some(child.pos);
                    doc.schemas = self.data_services(child)?;
                }
                "DataServices" => {
                    return Err(self.error(
                        child.pos,
                        format!(
                            "unexpected second `<{}>` in `<{}>`; expected one only",
                            child.qname(),
                            el.qname()
                        ),
                    ));
                }
                _ => return Err(self.unexpected_child(&el, &child, EDMX_CHILDREN)),
            }
        }
        if data_services.is_none() {
            return Err(self.error(
                el.pos,
                format!(
                    "`<{}>` has no `<edmx:DataServices>`; expected exactly one",
                    el.qname()
                ),
            ));
        }
        Ok(doc)
    }

    fn reference(&mut self, el: Elem<'a>) -> Result<Reference, Error> {
        let [uri] = self.attrs(&el, ["Uri"])?;
        let uri = self.required(&el, "Uri", uri)?;
        let mut includes = Vec::new();
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Include" => {
                    let [namespace, alias] = self.attrs(&child, ["Namespace", "Alias"])?;
                    let namespace = self.required(&child, "Namespace", namespace)?;
                    self.no_children(&child)?;
                    includes.push((namespace, owned(alias)));
                }
                _ => return Err(self.unexpected_child(&el, &child, REFERENCE_CHILDREN)),
            }
        }
        Ok(Reference {
            uri,
            includes,
            pos: el.pos,
        })
    }

    fn data_services(&mut self, el: Elem<'a>) -> Result<Vec<Schema>, Error> {
        let [] = self.attrs(&el, [])?;
        let mut schemas = Vec::new();
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Schema" => schemas.push(self.schema(child)?),
                _ => return Err(self.unexpected_child(&el, &child, DATA_SERVICES_CHILDREN)),
            }
        }
        Ok(schemas)
    }

    fn schema(&mut self, el: Elem<'a>) -> Result<Schema, Error> {
        let [namespace, alias] = self.attrs(&el, ["Namespace", "Alias"])?;
        let namespace = self.required(&el, "Namespace", namespace)?;
        let mut s = Schema {
            namespace,
            alias: owned(alias),
            pos: el.pos,
            ..Schema::default()
        };
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "EnumType" => s.enum_types.push(self.enum_type(child)?),
                "TypeDefinition" => s.type_definitions.push(self.type_definition(child)?),
                "ComplexType" => s
                    .complex_types
                    .push(self.structured(child, StructuredKind::Complex)?),
                "EntityType" => s
                    .entity_types
                    .push(self.structured(child, StructuredKind::Entity)?),
                "Action" => s
                    .actions
                    .push(self.operation(child, OperationKind::Action)?),
                "Function" => s
                    .functions
                    .push(self.operation(child, OperationKind::Function)?),
                "Term" => s.terms.push(self.term(child)?),
                "EntityContainer" => {
                    if let Some(first) = &s.entity_container {
                        return Err(self.error(
                            child.pos,
                            format!(
                                "second `<{}>` in schema `{}`; expected at most one (the first \
                                 is at {}:{})",
                                child.qname(),
                                s.namespace,
                                first.pos.line,
                                first.pos.column
                            ),
                        ));
                    }
                    s.entity_container = Some(self.entity_container(child)?);
                }
                "Annotations" => s.annotations.push(self.annotations_block(child)?),
                "Annotation" => s.inline_annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(&el, &child, SCHEMA_CHILDREN)),
            }
        }
        // Types and the container share one namespace per schema. Actions and functions may
        // be overloaded, so they are not checked. Terms are not checked either: Graph's own
        // 2023-05 document declares the term `conflictBehavior` three times (once per
        // `AppliesTo`), and the model keeps all three.
        let names = s
            .enum_types
            .iter()
            .map(|t| (t.name.as_str(), t.pos, "EnumType"))
            .chain(
                s.type_definitions
                    .iter()
                    .map(|t| (t.name.as_str(), t.pos, "TypeDefinition")),
            )
            .chain(
                s.complex_types
                    .iter()
                    .map(|t| (t.name.as_str(), t.pos, "ComplexType")),
            )
            .chain(
                s.entity_types
                    .iter()
                    .map(|t| (t.name.as_str(), t.pos, "EntityType")),
            )
            .chain(
                s.entity_container
                    .iter()
                    .map(|c| (c.name.as_str(), c.pos, "EntityContainer")),
            );
        if let Err(dup) = check_unique(names.collect()) {
            return Err(self.duplicate(dup, &format!("schema `{}`", s.namespace)));
        }
        Ok(s)
    }

    fn enum_type(&mut self, el: Elem<'a>) -> Result<EnumType, Error> {
        let [name, underlying, flags] = self.attrs(&el, ["Name", "UnderlyingType", "IsFlags"])?;
        let name = self.required(&el, "Name", name)?;
        let is_flags = self.bool_attr(&el, "IsFlags", flags)?.unwrap_or(false);
        let mut t = EnumType {
            name,
            underlying_type: owned(underlying),
            is_flags,
            pos: el.pos,
            ..EnumType::default()
        };
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Member" => t.members.push(self.member(child)?),
                "Annotation" => t.annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(&el, &child, ENUM_CHILDREN)),
            }
        }
        let names = t.members.iter().map(|m| (m.name.as_str(), m.pos, "Member"));
        if let Err(dup) = check_unique(names.collect()) {
            return Err(self.duplicate(dup, &format!("enum type `{}`", t.name)));
        }
        Ok(t)
    }

    fn member(&mut self, el: Elem<'a>) -> Result<EnumMember, Error> {
        let [name, value] = self.attrs(&el, ["Name", "Value"])?;
        let name = self.required(&el, "Name", name)?;
        let value = match value {
            None => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .map_err(|_| self.bad_value(&el, "Value", "an integer", &v))?,
            ),
        };
        let annotations = self.annotations_only(&el)?;
        Ok(EnumMember {
            name,
            value,
            annotations,
            pos: el.pos,
        })
    }

    /// The children of an element that may hold only `Annotation`s.
    fn annotations_only(&mut self, el: &Elem<'a>) -> Result<Vec<Annotation>, Error> {
        let mut annotations = Vec::new();
        while let Some(child) = self.next_child(el)? {
            match child.local() {
                "Annotation" => annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(el, &child, ANNOTATION_ONLY)),
            }
        }
        Ok(annotations)
    }

    fn type_definition(&mut self, el: Elem<'a>) -> Result<TypeDefinition, Error> {
        let [name, underlying] = self.attrs(&el, ["Name", "UnderlyingType"])?;
        let name = self.required(&el, "Name", name)?;
        let underlying_type = self.required(&el, "UnderlyingType", underlying)?;
        let annotations = self.annotations_only(&el)?;
        Ok(TypeDefinition {
            name,
            underlying_type,
            annotations,
            pos: el.pos,
        })
    }

    fn structured(&mut self, el: Elem<'a>, kind: StructuredKind) -> Result<StructuredType, Error> {
        let (name, base_type, is_abstract, open_type, has_stream) = match kind {
            StructuredKind::Entity => {
                let [name, base, abs, open, stream] = self.attrs(
                    &el,
                    ["Name", "BaseType", "Abstract", "OpenType", "HasStream"],
                )?;
                (name, base, abs, open, stream)
            }
            StructuredKind::Complex => {
                let [name, base, abs, open] =
                    self.attrs(&el, ["Name", "BaseType", "Abstract", "OpenType"])?;
                (name, base, abs, open, None)
            }
        };
        let mut t = StructuredType {
            kind,
            name: self.required(&el, "Name", name)?,
            base_type: owned(base_type),
            is_abstract: self
                .bool_attr(&el, "Abstract", is_abstract)?
                .unwrap_or(false),
            open_type: self.bool_attr(&el, "OpenType", open_type)?.unwrap_or(false),
            has_stream: self
                .bool_attr(&el, "HasStream", has_stream)?
                .unwrap_or(false),
            pos: el.pos,
            ..StructuredType::default()
        };
        let allowed = match kind {
            StructuredKind::Entity => ENTITY_CHILDREN,
            StructuredKind::Complex => COMPLEX_CHILDREN,
        };
        let mut key: Option<Pos> = None;
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Key" if kind == StructuredKind::Entity => {
                    if let Some(first) = key {
                        return Err(self.error(
                            child.pos,
                            format!(
                                "second `<{}>` in `<{}>` `{}`; expected at most one (the first \
                                 is at {}:{})",
                                child.qname(),
                                el.qname(),
                                t.name,
                                first.line,
                                first.column
                            ),
                        ));
                    }
                    key = Some(child.pos);
                    t.key = self.key(child)?;
                }
                "Property" => t.properties.push(self.property(child)?),
                "NavigationProperty" => t
                    .navigation_properties
                    .push(self.navigation_property(child)?),
                "Annotation" => t.annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(&el, &child, allowed)),
            }
        }
        let names = t
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.pos, "Property"))
            .chain(
                t.navigation_properties
                    .iter()
                    .map(|p| (p.name.as_str(), p.pos, "NavigationProperty")),
            );
        if let Err(dup) = check_unique(names.collect()) {
            let kind = match kind {
                StructuredKind::Entity => "entity type",
                StructuredKind::Complex => "complex type",
            };
            return Err(self.duplicate(dup, &format!("{kind} `{}`", t.name)));
        }
        Ok(t)
    }

    fn key(&mut self, el: Elem<'a>) -> Result<Vec<String>, Error> {
        let [] = self.attrs(&el, [])?;
        let mut key = Vec::new();
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "PropertyRef" => {
                    let [name] = self.attrs(&child, ["Name"])?;
                    let name = self.required(&child, "Name", name)?;
                    self.no_children(&child)?;
                    key.push(name);
                }
                _ => return Err(self.unexpected_child(&el, &child, KEY_CHILDREN)),
            }
        }
        Ok(key)
    }

    fn property(&mut self, el: Elem<'a>) -> Result<Property, Error> {
        let [
            name,
            ty,
            nullable,
            max_length,
            precision,
            scale,
            default_value,
            unicode,
        ] = self.attrs(
            &el,
            [
                "Name",
                "Type",
                "Nullable",
                "MaxLength",
                "Precision",
                "Scale",
                "DefaultValue",
                "Unicode",
            ],
        )?;
        let name = self.required(&el, "Name", name)?;
        let type_ref = self.type_attr(&el, "Type", ty)?;
        let nullable = self.bool_attr(&el, "Nullable", nullable)?;
        // Kept as written; the keywords are compared without case because Graph writes
        // `Scale="Variable"` where CSDL says `variable`.
        if let Some(v) = &max_length
            && !v.eq_ignore_ascii_case("max")
            && v.parse::<u64>().is_err()
        {
            return Err(self.bad_value(&el, "MaxLength", "an integer or `max`", v));
        }
        let precision = match precision {
            None => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .map_err(|_| self.bad_value(&el, "Precision", "an integer", &v))?,
            ),
        };
        if let Some(v) = &scale
            && !v.eq_ignore_ascii_case("variable")
            && !v.eq_ignore_ascii_case("floating")
            && v.parse::<u32>().is_err()
        {
            return Err(self.bad_value(&el, "Scale", "an integer, `variable` or `floating`", v));
        }
        let unicode = self.bool_attr(&el, "Unicode", unicode)?;
        let annotations = self.annotations_only(&el)?;
        Ok(Property {
            name,
            type_ref,
            nullable,
            max_length: owned(max_length),
            precision,
            scale: owned(scale),
            default_value: owned(default_value),
            unicode,
            annotations,
            pos: el.pos,
        })
    }

    fn navigation_property(&mut self, el: Elem<'a>) -> Result<NavigationProperty, Error> {
        let [name, ty, nullable, contains, partner] = self.attrs(
            &el,
            ["Name", "Type", "Nullable", "ContainsTarget", "Partner"],
        )?;
        let name = self.required(&el, "Name", name)?;
        let type_ref = self.type_attr(&el, "Type", ty)?;
        let nullable = self.bool_attr(&el, "Nullable", nullable)?;
        let contains_target = self
            .bool_attr(&el, "ContainsTarget", contains)?
            .unwrap_or(false);
        let annotations = self.annotations_only(&el)?;
        Ok(NavigationProperty {
            name,
            type_ref,
            nullable,
            contains_target,
            partner: owned(partner),
            annotations,
            pos: el.pos,
        })
    }

    fn operation(&mut self, el: Elem<'a>, kind: OperationKind) -> Result<Operation, Error> {
        let (name, bound, composable, set_path) = match kind {
            OperationKind::Action => {
                let [name, bound, set_path] =
                    self.attrs(&el, ["Name", "IsBound", "EntitySetPath"])?;
                (name, bound, None, set_path)
            }
            OperationKind::Function => {
                let [name, bound, composable, set_path] =
                    self.attrs(&el, ["Name", "IsBound", "IsComposable", "EntitySetPath"])?;
                (name, bound, composable, set_path)
            }
        };
        let mut op = Operation {
            kind,
            name: self.required(&el, "Name", name)?,
            is_bound: self.bool_attr(&el, "IsBound", bound)?.unwrap_or(false),
            is_composable: self
                .bool_attr(&el, "IsComposable", composable)?
                .unwrap_or(false),
            entity_set_path: owned(set_path),
            pos: el.pos,
            ..Operation::default()
        };
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "Parameter" => op.parameters.push(self.parameter(child)?),
                "ReturnType" => {
                    if let Some(first) = &op.return_type {
                        return Err(self.error(
                            child.pos,
                            format!(
                                "second `<{}>` in `<{}>` `{}`; expected at most one (the first \
                                 is at {}:{})",
                                child.qname(),
                                el.qname(),
                                op.name,
                                first.pos.line,
                                first.pos.column
                            ),
                        ));
                    }
                    op.return_type = Some(self.return_type(child)?);
                }
                "Annotation" => op.annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(&el, &child, OPERATION_CHILDREN)),
            }
        }
        let names = op
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.pos, "Parameter"));
        if let Err(dup) = check_unique(names.collect()) {
            let what = match kind {
                OperationKind::Action => "action",
                OperationKind::Function => "function",
            };
            return Err(self.duplicate(dup, &format!("{what} `{}`", op.name)));
        }
        Ok(op)
    }

    fn parameter(&mut self, el: Elem<'a>) -> Result<Parameter, Error> {
        let [name, ty, nullable, unicode] =
            self.attrs(&el, ["Name", "Type", "Nullable", "Unicode"])?;
        let name = self.required(&el, "Name", name)?;
        let type_ref = self.type_attr(&el, "Type", ty)?;
        let nullable = self.bool_attr(&el, "Nullable", nullable)?;
        let unicode = self.bool_attr(&el, "Unicode", unicode)?;
        let annotations = self.annotations_only(&el)?;
        Ok(Parameter {
            name,
            type_ref,
            nullable,
            unicode,
            annotations,
            pos: el.pos,
        })
    }

    fn return_type(&mut self, el: Elem<'a>) -> Result<ReturnType, Error> {
        let [ty, nullable, unicode] = self.attrs(&el, ["Type", "Nullable", "Unicode"])?;
        let type_ref = self.type_attr(&el, "Type", ty)?;
        let nullable = self.bool_attr(&el, "Nullable", nullable)?;
        let unicode = self.bool_attr(&el, "Unicode", unicode)?;
        let annotations = self.annotations_only(&el)?;
        Ok(ReturnType {
            type_ref,
            nullable,
            unicode,
            annotations,
            pos: el.pos,
        })
    }

    fn term(&mut self, el: Elem<'a>) -> Result<Term, Error> {
        let [name, ty, applies_to, base_term, nullable, default_value] = self.attrs(
            &el,
            [
                "Name",
                "Type",
                "AppliesTo",
                "BaseTerm",
                "Nullable",
                "DefaultValue",
            ],
        )?;
        let name = self.required(&el, "Name", name)?;
        let type_ref = self.type_attr(&el, "Type", ty)?;
        let nullable = self.bool_attr(&el, "Nullable", nullable)?;
        let annotations = self.annotations_only(&el)?;
        Ok(Term {
            name,
            type_ref,
            applies_to: owned(applies_to),
            base_term: owned(base_term),
            nullable,
            default_value: owned(default_value),
            annotations,
            pos: el.pos,
        })
    }

    fn entity_container(&mut self, el: Elem<'a>) -> Result<EntityContainer, Error> {
        let [name] = self.attrs(&el, ["Name"])?;
        let mut c = EntityContainer {
            name: self.required(&el, "Name", name)?,
            pos: el.pos,
            ..EntityContainer::default()
        };
        while let Some(child) = self.next_child(&el)? {
            match child.local() {
                "EntitySet" => {
                    let [name, ty] = self.attrs(&child, ["Name", "EntityType"])?;
                    let name = self.required(&child, "Name", name)?;
                    let entity_type = self.required(&child, "EntityType", ty)?;
                    let (bindings, annotations) = self.set_children(&child)?;
                    c.entity_sets.push(EntitySet {
                        name,
                        entity_type,
                        bindings,
                        annotations,
                        pos: child.pos,
                    });
                }
                "Singleton" => {
                    let [name, ty] = self.attrs(&child, ["Name", "Type"])?;
                    let name = self.required(&child, "Name", name)?;
                    let type_name = self.required(&child, "Type", ty)?;
                    let (bindings, annotations) = self.set_children(&child)?;
                    c.singletons.push(Singleton {
                        name,
                        type_name,
                        bindings,
                        annotations,
                        pos: child.pos,
                    });
                }
                "ActionImport" | "FunctionImport" => {
                    let (kind, attr) = if child.local() == "ActionImport" {
                        (OperationKind::Action, "Action")
                    } else {
                        (OperationKind::Function, "Function")
                    };
                    let [name, operation, entity_set] =
                        self.attrs(&child, ["Name", attr, "EntitySet"])?;
                    let name = self.required(&child, "Name", name)?;
                    let operation = self.required(&child, attr, operation)?;
                    self.no_children(&child)?;
                    c.operation_imports.push(OperationImport {
                        kind,
                        name,
                        operation,
                        entity_set: owned(entity_set),
                        pos: child.pos,
                    });
                }
                "Annotation" => c.annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(&el, &child, CONTAINER_CHILDREN)),
            }
        }
        let names = c
            .entity_sets
            .iter()
            .map(|s| (s.name.as_str(), s.pos, "EntitySet"))
            .chain(
                c.singletons
                    .iter()
                    .map(|s| (s.name.as_str(), s.pos, "Singleton")),
            )
            .chain(c.operation_imports.iter().map(|i| {
                let kind = match i.kind {
                    OperationKind::Action => "ActionImport",
                    OperationKind::Function => "FunctionImport",
                };
                (i.name.as_str(), i.pos, kind)
            }));
        if let Err(dup) = check_unique(names.collect()) {
            return Err(self.duplicate(dup, &format!("entity container `{}`", c.name)));
        }
        Ok(c)
    }

    /// The children of an `EntitySet` or `Singleton`.
    fn set_children(
        &mut self,
        el: &Elem<'a>,
    ) -> Result<(Vec<NavigationPropertyBinding>, Vec<Annotation>), Error> {
        let mut bindings = Vec::new();
        let mut annotations = Vec::new();
        while let Some(child) = self.next_child(el)? {
            match child.local() {
                "NavigationPropertyBinding" => {
                    let [path, target] = self.attrs(&child, ["Path", "Target"])?;
                    let path = self.required(&child, "Path", path)?;
                    let target = self.required(&child, "Target", target)?;
                    self.no_children(&child)?;
                    bindings.push(NavigationPropertyBinding { path, target });
                }
                "Annotation" => annotations.push(self.annotation(child)?),
                _ => return Err(self.unexpected_child(el, &child, SET_CHILDREN)),
            }
        }
        Ok((bindings, annotations))
    }

    fn annotations_block(&mut self, el: Elem<'a>) -> Result<AnnotationsBlock, Error> {
        let [target, qualifier] = self.attrs(&el, ["Target", "Qualifier"])?;
        let target = self.required(&el, "Target", target)?;
        let annotations = self.annotations_only(&el)?;
        Ok(AnnotationsBlock {
            target,
            qualifier: owned(qualifier),
            annotations,
            pos: el.pos,
        })
    }

    /// The attributes of an `Annotation` or `PropertyValue`: the ones named in `names`, and at
    /// most one constant or path expression attribute (`String="..."`, `Bool="..."`, ...).
    fn value_attrs<'e, const N: usize>(
        &mut self,
        el: &'e Elem<'_>,
        names: [&str; N],
    ) -> Result<(Attrs<'e, N>, Value), Error> {
        let mut values: Attrs<'e, N> = std::array::from_fn(|_| None);
        let mut value = Value::Absent;
        let mut attributes = el.start.attributes();
        attributes.with_checks(false);
        for attr in attributes {
            let attr = self.attribute(el, attr)?;
            let key = attr.key.into_inner();
            if is_namespace_declaration(key) {
                continue;
            }
            if let Some(i) = names.iter().position(|n| *n == key) {
                if values[i].is_some() {
                    return Err(self.duplicate_attribute(el, key));
                }
                values[i] = Some(self.attribute_value(el, attr)?);
            } else if let Some(kind) = ScalarKind::from_xml_name(key) {
                if let Value::Scalar { kind: first, .. } = &value {
                    return Err(if *first == kind {
                        self.duplicate_attribute(el, key)
                    } else {
                        self.error(
                            el.pos,
                            format!(
                                "`<{}>` has two values, `{}` and `{key}`; expected at most one",
                                el.qname(),
                                first.xml_name()
                            ),
                        )
                    });
                }
                let text = self.attribute_value(el, attr)?;
                self.check_scalar(el, kind, &text)?;
                value = Value::Scalar {
                    kind,
                    text: text.into_owned(),
                    as_element: false,
                };
            } else {
                let mut allowed: Vec<&str> = names.to_vec();
                allowed.extend(ScalarKind::ALL.iter().map(|k| k.xml_name()));
                return Err(self.unknown_attribute(el, key, &allowed));
            }
        }
        Ok((values, value))
    }

    /// Validates the text of the constants the model interprets.
    fn check_scalar(&self, el: &Elem<'_>, kind: ScalarKind, text: &str) -> Result<(), Error> {
        let ok = match kind {
            ScalarKind::Bool => parse_bool(text).is_some(),
            ScalarKind::Int => text.parse::<i64>().is_ok(),
            _ => true,
        };
        if ok {
            return Ok(());
        }
        let expected = match kind {
            ScalarKind::Bool => "`true` or `false`",
            _ => "an integer",
        };
        Err(if el.local() == kind.xml_name() {
            self.error(
                el.pos,
                format!(
                    "text of `<{}>`: expected {expected}, found `{text}`",
                    el.qname()
                ),
            )
        } else {
            self.bad_value(el, kind.xml_name(), expected, text)
        })
    }

    fn annotation(&mut self, el: Elem<'a>) -> Result<Annotation, Error> {
        let ([term, qualifier], value) = self.value_attrs(&el, ["Term", "Qualifier"])?;
        let term = self.required(&el, "Term", term)?;
        let value = self.child_value(&el, value)?;
        Ok(Annotation {
            term,
            qualifier: owned(qualifier),
            value,
            pos: el.pos,
        })
    }

    /// The value of an `Annotation` or `PropertyValue`: `attr_value` (from an attribute) or at
    /// most one child expression.
    fn child_value(&mut self, el: &Elem<'a>, attr_value: Value) -> Result<Value, Error> {
        let mut value = attr_value;
        while let Some(child) = self.next_child(el)? {
            if !EXPRESSIONS.contains(&child.local()) {
                return Err(self.unexpected_child(el, &child, EXPRESSIONS));
            }
            if value != Value::Absent {
                return Err(self.error(
                    child.pos,
                    format!(
                        "second value `<{}>` in `<{}>`; expected at most one value",
                        child.qname(),
                        el.qname()
                    ),
                ));
            }
            value = self.expression(child)?;
        }
        Ok(value)
    }

    /// A constant, path, `Record` or `Collection` expression element.
    fn expression(&mut self, el: Elem<'a>) -> Result<Value, Error> {
        if self.depth >= MAX_EXPRESSION_DEPTH {
            return Err(self.error(
                el.pos,
                format!(
                    "`<{}>` is nested too deeply: expected at most {MAX_EXPRESSION_DEPTH} levels \
                     of `Record` and `Collection`",
                    el.qname()
                ),
            ));
        }
        self.depth += 1;
        let value = self.expression_inner(el);
        self.depth -= 1;
        value
    }

    fn expression_inner(&mut self, el: Elem<'a>) -> Result<Value, Error> {
        if let Some(kind) = ScalarKind::from_xml_name(el.local()) {
            let [] = self.attrs(&el, [])?;
            let text = self.text_content(&el)?;
            self.check_scalar(&el, kind, &text)?;
            return Ok(Value::Scalar {
                kind,
                text,
                as_element: true,
            });
        }
        match el.local() {
            "Record" => {
                let [type_name] = self.attrs(&el, ["Type"])?;
                let mut record = Record {
                    type_name: owned(type_name),
                    ..Record::default()
                };
                while let Some(child) = self.next_child(&el)? {
                    match child.local() {
                        "PropertyValue" => {
                            let ([property], value) = self.value_attrs(&child, ["Property"])?;
                            let property = self.required(&child, "Property", property)?;
                            let value = self.child_value(&child, value)?;
                            record.properties.push(PropertyValue { property, value });
                        }
                        "Annotation" => record.annotations.push(self.annotation(child)?),
                        _ => return Err(self.unexpected_child(&el, &child, RECORD_CHILDREN)),
                    }
                }
                Ok(Value::Record(record))
            }
            "Collection" => {
                let [] = self.attrs(&el, [])?;
                let mut items = Vec::new();
                while let Some(child) = self.next_child(&el)? {
                    if !EXPRESSIONS.contains(&child.local()) {
                        return Err(self.unexpected_child(&el, &child, EXPRESSIONS));
                    }
                    items.push(self.expression(child)?);
                }
                Ok(Value::Collection(items))
            }
            _ => Err(self.error(
                el.pos,
                format!(
                    "unexpected element `<{}>`; expected one of: {}",
                    el.qname(),
                    EXPRESSIONS.join(", ")
                ),
            )),
        }
    }
}

/// Checks a `Name` against the SimpleIdentifier rule of OData CSDL XML 4.01 (the
/// `SimpleIdentifier` type of its `edm.xsd`: 1 to 128 characters, the first `_` or a letter
/// (Unicode categories L, Nl), the others also digits (Nd), marks (Mn, Mc), connector
/// punctuation (Pc) or format characters (Cf)).
///
/// The generator turns names into Rust identifiers by splitting words on ASCII letters and
/// digits (see `naming`), so it accepts only the ASCII subset (every name in Graph's
/// metadata) rather than rewrite a name silently.
pub fn check_simple_identifier(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 {
        return Err("it is empty".into());
    }
    if count > 128 {
        return Err(format!(
            "it has {count} characters, at most 128 are allowed"
        ));
    }
    for (i, c) in name.chars().enumerate() {
        if c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()) {
            continue;
        }
        if !c.is_ascii() {
            return Err(format!(
                "it contains the non-ASCII character `{}`, which the generator does not map \
                 to a Rust identifier",
                c.escape_debug()
            ));
        }
        return Err(if i == 0 {
            format!("it starts with `{}`, not a letter or `_`", c.escape_debug())
        } else {
            format!(
                "it contains `{}`, not a letter, digit or `_`",
                c.escape_debug()
            )
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{LONG_LIST, Pos, check_unique};

    fn pos(line: u32) -> Pos {
        Pos { line, column: 1 }
    }

    /// A long list takes the hashing path; it must report what the sort reports.
    #[test]
    fn long_lists_report_the_first_second_declaration() {
        let names: Vec<String> = (0..LONG_LIST * 2).map(|i| format!("t{i}")).collect();
        let mut items: Vec<(&str, Pos, &'static str)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), pos(i as u32 + 1), "EntityType"))
            .collect();
        assert_eq!(check_unique(items.clone()), Ok(()));
        // Two duplicates; the one whose second declaration comes first is reported.
        items.push(("t7", pos(1000), "ComplexType"));
        items.push(("t3", pos(900), "EnumType"));
        assert_eq!(
            check_unique(items),
            Err(("t3", pos(900), "EnumType", pos(4), "EntityType"))
        );
    }
}
