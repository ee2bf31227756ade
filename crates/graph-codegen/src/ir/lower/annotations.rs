//! Annotations read into typed fields: descriptions and deprecations (`Core.Description`,
//! `Core.LongDescription`, `Core.Revisions`), Core flags (`Computed`, `Immutable`) and
//! capability restrictions. An element's inline annotations come first, then the out-of-line
//! ones aimed at it (which win); blocks and annotations with a qualifier are skipped: they
//! apply only under that qualifier.

use std::collections::HashSet;

use crate::csdl::{Annotation, Document, Operation, ScalarKind, Value};
use crate::doc_text::normalize_line_breaks;
use crate::error::Error;
use crate::ir::model::{Capabilities, Deprecation, Doc};

use super::names::{FastMap, Names};

const CORE: &str = "Org.OData.Core.V1.";
const CAPABILITIES: &str = "Org.OData.Capabilities.V1.";

/// The annotations of one document: its names (for terms and errors) and its out-of-line
/// annotations by canonical target head (a type, an operation overload `ns.op(p1,p2)`, a
/// container) and member (`""` for the head itself).
pub(super) struct Annotations<'a, 'd> {
    names: &'a Names<'d>,
    out_of_line: FastMap<String, FastMap<String, Vec<&'d Annotation>>>,
    /// Qualified names of the operations some out-of-line block is aimed at: only those need
    /// their overload's target built.
    annotated_operations: HashSet<String>,
}

impl<'a, 'd> Annotations<'a, 'd> {
    /// Index the out-of-line annotations of `doc` by canonical target.
    pub(super) fn index(names: &'a Names<'d>, doc: &'d Document) -> Annotations<'a, 'd> {
        let mut out_of_line: FastMap<String, FastMap<String, Vec<&'d Annotation>>> =
            FastMap::default();
        for s in &doc.schemas {
            for b in &s.annotations {
                if b.qualifier.is_some() {
                    continue;
                }
                let t = names.target(&b.target);
                let split = match t.find('(') {
                    Some(_) => t.rfind(')').map_or(t.len(), |c| c + 1),
                    None => t.find('/').unwrap_or(t.len()),
                };
                let (head, member) = t.split_at(split);
                out_of_line
                    .entry(head.to_string())
                    .or_default()
                    .entry(member.trim_start_matches('/').to_string())
                    .or_default()
                    .extend(b.annotations.iter());
            }
        }
        let annotated_operations = out_of_line
            .keys()
            .filter_map(|k| k.split_once('(').map(|(name, _)| name.to_string()))
            .collect();
        Annotations {
            names,
            out_of_line,
            annotated_operations,
        }
    }

    /// Inline annotations, then out-of-line ones for `head/member` (which win).
    fn all<'s>(
        &'s self,
        inline: &'s [Annotation],
        head: &str,
        member: &str,
    ) -> impl Iterator<Item = &'s Annotation> {
        let out_of_line = if self.out_of_line.is_empty() {
            None
        } else {
            self.out_of_line.get(head).and_then(|m| m.get(member))
        };
        inline
            .iter()
            .chain(
                out_of_line
                    .map(|v| v.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .copied(),
            )
            .filter(|a| a.qualifier.is_none())
    }

    fn term_is(&self, a: &Annotation, vocabulary: &str, name: &str) -> bool {
        let t = self.names.term(a);
        t.strip_prefix(vocabulary) == Some(name)
    }

    /// A Core boolean term (`Computed`, `Immutable`): absent value means true.
    pub(super) fn flag(
        &self,
        inline: &[Annotation],
        head: &str,
        member: &str,
        name: &str,
    ) -> Result<bool, Error> {
        let mut on = false;
        for a in self.all(inline, head, member) {
            if self.term_is(a, CORE, name) {
                on = match &a.value {
                    Value::Absent => true,
                    v => v.as_bool().ok_or_else(|| {
                        self.names.error(
                            a.pos,
                            format!(
                                "annotation {} on {} must be a Bool",
                                a.term,
                                target_name(head, member)
                            ),
                        )
                    })?,
                };
            }
        }
        Ok(on)
    }

    /// Description, long description and deprecation of `head/member`.
    pub(super) fn doc(
        &self,
        inline: &[Annotation],
        head: &str,
        member: &str,
    ) -> Result<Doc, Error> {
        let mut doc = Doc::default();
        for a in self.all(inline, head, member) {
            if self.term_is(a, CORE, "Description") {
                doc.description = a.value.as_str().map(normalize_line_breaks);
            } else if self.term_is(a, CORE, "LongDescription") {
                doc.long_description = a.value.as_str().map(normalize_line_breaks);
            } else if self.term_is(a, CORE, "Revisions") {
                let Value::Collection(items) = &a.value else {
                    continue;
                };
                for r in items.iter().filter_map(Value::as_record) {
                    let kind = match r.get("Kind") {
                        Some(Value::Scalar { text, .. }) => text.as_str(),
                        _ => "",
                    };
                    if !kind.ends_with("/Deprecated") && kind != "Deprecated" {
                        continue;
                    }
                    let text = |n: &str| match r.get(n) {
                        Some(Value::Scalar { text, .. }) => Some(text.clone()),
                        _ => None,
                    };
                    doc.deprecation = Some(Deprecation {
                        description: text("Description")
                            .map(|t| normalize_line_breaks(&t))
                            .unwrap_or_default(),
                        date: text("Date"),
                        removal_date: text("RemovalDate"),
                        version: text("Version"),
                    });
                }
            }
        }
        Ok(doc)
    }

    /// The doc of operation `op` of namespace `ns`: its inline annotations with those aimed
    /// at its overload `ns.op(p1,p2)`, else those aimed at `ns.op` (all overloads).
    pub(super) fn operation_doc(&self, ns: &str, op: &Operation) -> Result<Doc, Error> {
        let qualified_name = format!("{ns}.{}", op.name);
        // Building an overload's target costs; only operations annotated out of line need it.
        let target = if self.annotated_operations.contains(&qualified_name) {
            self.names.operation_target(ns, op)
        } else {
            String::new()
        };
        let doc = self.doc(&op.annotations, &target, "")?;
        if doc == Doc::default() {
            self.doc(&[], &qualified_name, "")
        } else {
            Ok(doc)
        }
    }

    /// Read, insert, update and delete restrictions of `head/member`.
    pub(super) fn capabilities(
        &self,
        inline: &[Annotation],
        head: &str,
        member: &str,
    ) -> Result<Capabilities, Error> {
        let mut caps = Capabilities::default();
        for a in self.all(inline, head, member) {
            let t = self.names.term(a);
            let Some(term) = t.strip_prefix(CAPABILITIES) else {
                continue;
            };
            let (field, slot) = match term {
                "ReadRestrictions" => ("Readable", &mut caps.readable),
                "InsertRestrictions" => ("Insertable", &mut caps.insertable),
                "UpdateRestrictions" => ("Updatable", &mut caps.updatable),
                "DeleteRestrictions" => ("Deletable", &mut caps.deletable),
                _ => continue,
            };
            let bad = |what: &str| {
                self.names.error(
                    a.pos,
                    format!(
                        "annotation {} on {}: {what}",
                        a.term,
                        target_name(head, member)
                    ),
                )
            };
            let record = match &a.value {
                Value::Record(r) => r,
                Value::Absent => continue,
                _ => return Err(bad("expected a Record")),
            };
            let read_bool = |v: &Value, name: &str| -> Result<bool, Error> {
                match v {
                    Value::Scalar {
                        kind: ScalarKind::Bool,
                        ..
                    } => v
                        .as_bool()
                        .ok_or_else(|| bad(&format!("{name} must be true or false"))),
                    _ => Err(bad(&format!("{name} must be a Bool"))),
                }
            };
            if let Some(v) = record.get(field) {
                *slot = read_bool(v, field)?;
            }
            if let (true, Some(by_key)) = (
                term == "ReadRestrictions",
                record.get("ReadByKeyRestrictions"),
            ) {
                let Value::Record(r) = by_key else {
                    return Err(bad("ReadByKeyRestrictions must be a Record"));
                };
                if let Some(v) = r.get("Readable")
                    && !read_bool(v, "ReadByKeyRestrictions/Readable")?
                {
                    caps.readable = false;
                }
            }
        }
        Ok(caps)
    }
}

/// `head/member`, or `head` alone.
fn target_name(head: &str, member: &str) -> String {
    if member.is_empty() {
        head.to_string()
    } else {
        format!("{head}/{member}")
    }
}
