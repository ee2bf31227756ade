//! The trimmer: a full metadata document and a [`Slice`] in, the canonical trimmed document and
//! a report out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use crate::csdl::{
    Annotation, Document, EntityContainer, NavigationProperty, Operation, ScalarKind, Schema,
    StructuredKind, StructuredType, TypeRef, Value,
};
use crate::error::Error;
use crate::ir::names::{Item, Names, close_matches, suggestion};
use crate::trim::Slice;

const DESCRIPTION: &str = "Org.OData.Core.V1.Description";

/// How strict the trimmer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrimOptions {
    /// Treat a slice entry the document lacks (a navigation property, a bound action) as "missing
    /// in this document": skip it and list it in [`Report::missing`] instead of failing. For
    /// trimming older documents or national clouds with the same slice.
    pub allow_missing: bool,
}

/// The result of [`trim`]: the trimmed document and what the maintainer should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Trimmed {
    /// The trimmed document, in canonical order.
    pub document: Document,
    /// Notes on what was left out and why.
    pub report: Report,
}

/// What a trim left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Notes, in the order they were found.
    pub notes: Vec<Note>,
    /// Slice entries this document lacks, skipped because [`TrimOptions::allow_missing`] was
    /// set (`navigation` or `navigation/action`).
    pub missing: Vec<String>,
    /// How many descriptions were copied from the descriptions document.
    pub descriptions_merged: usize,
}

/// One note of a [`Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What kind of note.
    pub kind: NoteKind,
    /// The message, naming the element.
    pub message: String,
}

/// The kinds of [`Note`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A slice entry left out by a recorded decision.
    Decision,
    /// A slice entry this document lacks (with `allow_missing`).
    Missing,
    /// A navigation property of a kept type that is not on the slice's path.
    DroppedNavigation,
    /// A path type reduced to its key and the path's navigation properties.
    ReducedType,
    /// A bound operation on a kept type that the slice does not include.
    UnselectedOperation,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            NoteKind::Decision => "decision",
            NoteKind::Missing => "missing",
            NoteKind::DroppedNavigation => "dropped navigation",
            NoteKind::ReducedType => "reduced type",
            NoteKind::UnselectedOperation => "not selected",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        write!(f, "descriptions merged: {}", self.descriptions_merged)
    }
}

impl Report {
    fn note(&mut self, kind: NoteKind, message: String) {
        self.notes.push(Note { kind, message });
    }
}

/// Trim `full` to `slice`, taking missing descriptions from `descriptions`. A slice entry the
/// document lacks is an error (with close matches) unless the slice records a decision for it.
pub fn trim(
    full: &Document,
    descriptions: Option<&Document>,
    slice: &Slice,
) -> Result<Trimmed, Error> {
    trim_with(full, descriptions, slice, &TrimOptions::default())
}

/// A bound operation of the full document.
#[derive(Clone, Copy)]
struct Bound<'d> {
    ns: &'d str,
    op: &'d Operation,
    binding: &'d TypeRef,
}

/// [`trim`] with options.
pub fn trim_with(
    full: &Document,
    descriptions: Option<&Document>,
    slice: &Slice,
    options: &TrimOptions,
) -> Result<Trimmed, Error> {
    let names = Names::new(full)?;
    let mut report = Report::default();
    let source = &full.source;
    let slice_err = |message: String| Error::Slice {
        file: slice.file.clone(),
        message,
    };

    // Indexes over the whole document, built once.
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    for s in &full.schemas {
        for t in s.entity_types.iter().chain(&s.complex_types) {
            if let Some(b) = &t.base_type {
                children
                    .entry(names.qualify(b).into_owned())
                    .or_default()
                    .push(format!("{}.{}", s.namespace, t.name));
            }
        }
    }
    let mut ops_by_binding: HashMap<String, Vec<Bound>> = HashMap::new();
    for s in &full.schemas {
        for op in s.actions.iter().chain(&s.functions) {
            if let (true, Some(b)) = (op.is_bound, op.parameters.first()) {
                ops_by_binding
                    .entry(names.qualify(&b.type_ref.name).into_owned())
                    .or_default()
                    .push(Bound {
                        ns: &s.namespace,
                        op,
                        binding: &b.type_ref,
                    });
            }
        }
    }

    let structured = |q: &str| -> Option<&StructuredType> {
        match names.items.get(q) {
            Some(Item::Structured(t)) => Some(t),
            _ => None,
        }
    };
    // The type and its ancestors, nearest first (bounded against cycles).
    let chain = |q: &str| -> Vec<String> {
        let mut out = vec![q.to_string()];
        let mut cur = structured(q).and_then(|t| t.base_type.as_deref());
        while let Some(b) = cur {
            let b = names.qualify(b).into_owned();
            if out.contains(&b) || out.len() > 64 {
                break;
            }
            cur = structured(&b).and_then(|t| t.base_type.as_deref());
            out.push(b);
        }
        out
    };
    // A navigation property of `q` (own or inherited): (declaring type, property).
    let find_nav = |q: &str, name: &str| -> Option<(String, &NavigationProperty)> {
        chain(q).into_iter().find_map(|t| {
            let n = structured(&t)?
                .navigation_properties
                .iter()
                .find(|n| n.name == name)?;
            Some((t, n))
        })
    };
    let nav_names = |q: &str| -> Vec<String> {
        chain(q)
            .iter()
            .filter_map(|t| structured(t))
            .flat_map(|t| t.navigation_properties.iter().map(|n| n.name.clone()))
            .collect()
    };

    // The container and the roots.
    let (container_ns, container) = full
        .schemas
        .iter()
        .find_map(|s| s.entity_container.as_ref().map(|c| (&s.namespace, c)))
        .ok_or_else(|| {
            slice_err(format!(
                "{source} has no EntityContainer to find the roots in"
            ))
        })?;
    let container_name = format!("{container_ns}.{}", container.name);
    let root_names: Vec<&str> = container
        .entity_sets
        .iter()
        .map(|e| e.name.as_str())
        .chain(container.singletons.iter().map(|e| e.name.as_str()))
        .collect();
    // The entity type of a root: an entity set's or a singleton's.
    let root_type = |root: &str| -> Result<String, Error> {
        let ty = container
            .entity_sets
            .iter()
            .find(|e| e.name == root)
            .map(|e| &e.entity_type)
            .or_else(|| {
                container
                    .singletons
                    .iter()
                    .find(|e| e.name == root)
                    .map(|e| &e.type_name)
            });
        let Some(ty) = ty else {
            let m = close_matches(root, root_names.iter().copied());
            return Err(slice_err(format!(
                "path roots: {source} has no entity set or singleton {root}; {}",
                suggestion(&m)
            )));
        };
        let q = names.qualify(ty).into_owned();
        match structured(&q) {
            Some(t) if t.kind == StructuredKind::Entity => Ok(q),
            _ => Err(slice_err(format!(
                "path roots: {root} holds {ty}, which is no entity type of {source}"
            ))),
        }
    };

    // Each path entry, walked from each of its roots' types: every navigation property on
    // the way is allowed on the type that declares it, every type before the target is a
    // path type (kept as a shell: key and allowed navigation properties, unless reached),
    // the target is reached with its listed actions and expanded navigation properties.
    let missing = |entry: String, what: String, matches: Vec<String>, report: &mut Report| {
        if let Some(d) = slice.decision(&entry) {
            report.note(
                NoteKind::Decision,
                format!(
                    "{entry}: {what}; left out as the slice records: {}",
                    d.reason
                ),
            );
            Ok(())
        } else if options.allow_missing {
            report.note(
                NoteKind::Missing,
                format!("{entry}: {what}; skipped ({})", suggestion(&matches)),
            );
            report.missing.push(entry);
            Ok(())
        } else {
            Err(slice_err(format!(
                "path entry {entry}: {what}; {}; fix the slice, record a [[decision]] for it, or allow missing entries (`cargo xtask trim --allow-missing`)",
                suggestion(&matches)
            )))
        }
    };
    // Walks `segments` from `start`: the types it passes, the (declaring type, name) of each
    // navigation property, and the target; or the segment that is missing, with the type
    // that lacks it.
    struct Walk {
        types: Vec<String>,
        navs: Vec<(String, String)>,
    }
    let walk =
        |start: &str, segments: &[String]| -> Result<Result<Walk, (String, String)>, Error> {
            let mut w = Walk {
                types: vec![start.to_string()],
                navs: Vec::new(),
            };
            for seg in segments {
                let holder = w.types.last().expect("starts with the root type").clone();
                let Some((decl, nav)) = find_nav(&holder, seg) else {
                    return Ok(Err((holder, seg.clone())));
                };
                let target = names.qualify(&nav.type_ref.name).into_owned();
                if structured(&target).is_none() {
                    return Err(names.error(
                        nav.pos,
                        format!(
                            "navigation property {seg} refers to unknown type {}",
                            nav.type_ref.name
                        ),
                    ));
                }
                w.navs.push((decl, seg.clone()));
                w.types.push(target);
            }
            Ok(Ok(w))
        };
    let mut allowed: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut path_types: Vec<String> = Vec::new();
    let mut reached: Vec<String> = Vec::new();
    let mut kept_ops: Vec<Bound> = Vec::new();
    let mut root_types: BTreeSet<String> = BTreeSet::new();
    // The roots from which some path entry was found: the container keeps only these (a
    // root whose every path is missing, as in a national cloud without them, would refer
    // to a type the trimmed document does not keep).
    let mut walked_roots: BTreeSet<String> = BTreeSet::new();
    for entry in &slice.paths {
        let path = entry.path();
        // (type, the entry's roots holding it)
        let mut starts: Vec<(String, Vec<&str>)> = Vec::new();
        for root in &entry.roots {
            let t = match root_type(root) {
                Ok(t) => t,
                // A document without the root (a national cloud without `groups`) lacks
                // the entry from it, like a missing navigation property.
                Err(_)
                    if container.entity_sets.iter().all(|e| &e.name != root)
                        && container.singletons.iter().all(|e| &e.name != root)
                        && (options.allow_missing || slice.decision(&path).is_some()) =>
                {
                    let m = close_matches(root, root_names.iter().copied());
                    missing(
                        path.clone(),
                        format!("{source} has no entity set or singleton {root}"),
                        m,
                        &mut report,
                    )?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            match starts.iter_mut().find(|(ty, _)| *ty == t) {
                Some((_, roots)) => roots.push(root),
                None => starts.push((t, vec![root])),
            }
        }
        root_types.extend(starts.iter().map(|(t, _)| t.clone()));
        for (start, roots) in &starts {
            let w = match walk(start, &entry.segments)? {
                Ok(w) => w,
                Err((holder, seg)) => {
                    let all = nav_names(&holder);
                    let m = close_matches(&seg, all.iter().map(String::as_str));
                    missing(
                        path.clone(),
                        format!("{holder} in {source} has no navigation property {seg}"),
                        m,
                        &mut report,
                    )?;
                    continue;
                }
            };
            walked_roots.extend(roots.iter().map(|r| r.to_string()));
            for (decl, name) in w.navs {
                allowed.entry(decl).or_default().insert(name);
            }
            let target = w.types.last().expect("starts with the root type").clone();
            path_types.extend(w.types[..w.types.len() - 1].iter().cloned());
            let target_chain = chain(&target);
            for action in &entry.actions {
                let candidates: Vec<Bound> = target_chain
                    .iter()
                    .filter_map(|t| ops_by_binding.get(t))
                    .flatten()
                    .copied()
                    .collect();
                let found: Vec<Bound> = candidates
                    .iter()
                    .filter(|b| &b.op.name == action)
                    .copied()
                    .collect();
                if found.is_empty() {
                    let m = close_matches(action, candidates.iter().map(|b| b.op.name.as_str()));
                    missing(
                        format!("{path}/{action}"),
                        format!(
                            "{source} binds no action or function {action} to {target} or its ancestors"
                        ),
                        m,
                        &mut report,
                    )?;
                }
                kept_ops.extend(found);
            }
            // Navigation properties offered with `$expand`: kept, with their target type
            // (kept whole, as a property type would be; its own navigation properties are
            // dropped).
            for x in &entry.expand {
                let Some((decl, expanded)) = find_nav(&target, x) else {
                    let all = nav_names(&target);
                    let m = close_matches(x, all.iter().map(String::as_str));
                    missing(
                        format!("{path}/{x}"),
                        format!("{target} in {source} has no navigation property {x} to expand"),
                        m,
                        &mut report,
                    )?;
                    continue;
                };
                let expanded_target = names.qualify(&expanded.type_ref.name).into_owned();
                if structured(&expanded_target).is_none() {
                    return Err(names.error(
                        expanded.pos,
                        format!(
                            "navigation property {x} refers to unknown type {}",
                            expanded.type_ref.name
                        ),
                    ));
                }
                allowed.entry(decl).or_default().insert(x.clone());
                reached.push(expanded_target);
            }
            reached.push(target);
        }
    }
    // A decision names a path (or `path/action`) relative to the roots: present if it
    // exists from one of the slice's root types.
    let present_from = |start: &str, entry: &str| -> Result<bool, Error> {
        let segments: Vec<String> = entry.split('/').map(str::to_string).collect();
        if walk(start, &segments)?.is_ok() {
            return Ok(true);
        }
        let Some((last, init)) = segments.split_last() else {
            return Ok(false);
        };
        Ok(match walk(start, init)? {
            Ok(w) => chain(w.types.last().expect("starts with the root type"))
                .iter()
                .filter_map(|t| ops_by_binding.get(t))
                .flatten()
                .any(|b| &b.op.name == last),
            Err(_) => false,
        })
    };
    for d in &slice.decisions {
        let mut present = false;
        for start in &root_types {
            present |= present_from(start, &d.entry)?;
        }
        if present {
            report.note(
                NoteKind::Decision,
                format!(
                    "{}: left out as the slice records: {} ({source} has it)",
                    d.entry, d.reason
                ),
            );
        } else if !report
            .notes
            .iter()
            .any(|n| n.message.starts_with(&format!("{}:", d.entry)))
        {
            report.note(
                NoteKind::Decision,
                format!(
                    "{}: not in {source}; left out as the slice records: {}",
                    d.entry, d.reason
                ),
            );
        }
    }

    // The closure of types.
    let mut closure = Closure {
        names: &names,
        children: &children,
        full: BTreeSet::new(),
        enums: BTreeSet::new(),
        type_definitions: BTreeSet::new(),
        queue: Vec::new(),
    };
    for t in &reached {
        closure.reach(t);
    }
    for b in &kept_ops {
        for p in &b.op.parameters[1..] {
            closure.use_type(
                &p.type_ref,
                || format!("parameter {} of {}", p.name, b.op.name),
                p.pos,
            )?;
        }
        if let Some(r) = &b.op.return_type {
            closure.use_type(
                &r.type_ref,
                || format!("return type of {}", b.op.name),
                r.pos,
            )?;
        }
    }
    closure.run()?;
    let mut shells: BTreeSet<String> = BTreeSet::new();
    for p in &path_types {
        for t in chain(p) {
            if !closure.full.contains(&t) {
                shells.insert(t);
            }
        }
    }
    for s in &shells {
        let Some(t) = structured(s) else {
            return Err(slice_err(format!(
                "path: {s}, an ancestor of a type on a slice path, is not an entity type of {source}"
            )));
        };
        for p in t.properties.iter().filter(|p| t.key.contains(&p.name)) {
            closure.use_type(&p.type_ref, || format!("property {} of {s}", p.name), p.pos)?;
        }
        let kept = allowed.get(s).map_or(0, BTreeSet::len);
        report.note(
            NoteKind::ReducedType,
            format!(
                "{s}: path type; kept its key and {kept} navigation properties, dropped {} properties and {} navigation properties",
                t.properties.iter().filter(|p| !t.key.contains(&p.name)).count(),
                t.navigation_properties.len() - kept
            ),
        );
    }
    closure.run()?;

    let kept_op_targets: HashSet<String> = kept_ops
        .iter()
        .map(|b| names.operation_target(b.ns, b.op))
        .collect();
    // Only an operation with the name of a kept one can have a kept target: checking the
    // name first spares building the target of every other operation of the document.
    let kept_op_simple_names: HashSet<&str> = kept_ops.iter().map(|b| b.op.name.as_str()).collect();
    let op_kept = |ns: &str, op: &Operation| {
        kept_op_simple_names.contains(op.name.as_str())
            && kept_op_targets.contains(&names.operation_target(ns, op))
    };
    let kept_op_names: HashSet<String> = kept_ops
        .iter()
        .map(|b| format!("{}.{}", b.ns, b.op.name))
        .collect();
    for t in &closure.full {
        let Some(st) = structured(t) else {
            continue;
        };
        for n in &st.navigation_properties {
            if !allowed.get(t).is_some_and(|a| a.contains(&n.name)) {
                report.note(
                    NoteKind::DroppedNavigation,
                    format!(
                        "{t}/{} (to {}): not on the slice's path",
                        n.name,
                        names.type_ref_name(&n.type_ref)
                    ),
                );
            }
        }
        for b in ops_by_binding.get(t).map(Vec::as_slice).unwrap_or_default() {
            if !op_kept(b.ns, b.op) {
                report.note(
                    NoteKind::UnselectedOperation,
                    format!(
                        "{}.{} bound to {}: not in the slice",
                        b.ns,
                        b.op.name,
                        names.type_ref_name(b.binding)
                    ),
                );
            }
        }
    }

    // Build the trimmed schemas.
    let kept_roots: HashSet<&str> = walked_roots.iter().map(String::as_str).collect();
    let mut out: BTreeMap<String, Schema> = BTreeMap::new();
    let mut members: HashMap<String, HashSet<String>> = HashMap::new();
    for s in &full.schemas {
        let ns = &s.namespace;
        let o = out.entry(ns.clone()).or_insert_with(|| Schema {
            namespace: ns.clone(),
            alias: s.alias.clone(),
            pos: s.pos,
            ..Schema::default()
        });
        o.inline_annotations
            .extend(s.inline_annotations.iter().cloned());
        for e in &s.enum_types {
            let q = format!("{ns}.{}", e.name);
            if closure.enums.contains(&q) {
                members.insert(q, e.members.iter().map(|m| m.name.clone()).collect());
                o.enum_types.push(e.clone());
            }
        }
        for t in &s.type_definitions {
            if closure
                .type_definitions
                .contains(&format!("{ns}.{}", t.name))
            {
                o.type_definitions.push(t.clone());
            }
        }
        for t in s.entity_types.iter().chain(&s.complex_types) {
            let q = format!("{ns}.{}", t.name);
            let is_full = closure.full.contains(&q);
            if !is_full && !shells.contains(&q) {
                continue;
            }
            let mut t = t.clone();
            if !is_full {
                t.properties.retain(|p| t.key.contains(&p.name));
            }
            let nav_ok = allowed.get(&q);
            t.navigation_properties
                .retain(|n| nav_ok.is_some_and(|a| a.contains(&n.name)));
            members.insert(
                q,
                t.properties
                    .iter()
                    .map(|p| p.name.clone())
                    .chain(t.navigation_properties.iter().map(|n| n.name.clone()))
                    .collect(),
            );
            match t.kind {
                StructuredKind::Entity => o.entity_types.push(t),
                StructuredKind::Complex => o.complex_types.push(t),
            }
        }
        for op in &s.actions {
            if op_kept(ns, op) {
                o.actions.push(op.clone());
            }
        }
        for op in &s.functions {
            if op_kept(ns, op) {
                o.functions.push(op.clone());
            }
        }
        if let Some(c) = &s.entity_container {
            o.entity_container = Some(trim_container(c, &kept_roots, &names, &container_name));
        }
    }
    let kept_type = |q: &str| {
        closure.full.contains(q)
            || shells.contains(q)
            || closure.enums.contains(q)
            || closure.type_definitions.contains(q)
    };
    let target_kept = |target: &str| -> bool {
        if target.contains('(') {
            let close = target.rfind(')').map_or(target.len(), |c| c + 1);
            return kept_op_targets.contains(&target[..close]);
        }
        match target.split_once('/') {
            Some((head, rest)) => {
                let member = rest.split('/').next().unwrap_or(rest);
                if head == container_name {
                    kept_roots.contains(member)
                } else {
                    members.get(head).is_some_and(|m| m.contains(member))
                }
            }
            None => kept_type(target) || kept_op_names.contains(target),
        }
    };
    for s in &full.schemas {
        let o = out
            .get_mut(&s.namespace)
            .expect("every namespace has an entry");
        for b in &s.annotations {
            if target_kept(&names.target(&b.target)) {
                o.annotations.push(b.clone());
            }
        }
    }

    // Terms used by kept annotations.
    let mut used_terms: HashSet<String> = HashSet::new();
    for s in out.values() {
        visit_annotations(s, &mut |a| {
            used_terms.insert(names.term(a).into_owned());
        });
    }
    for s in &full.schemas {
        let o = out
            .get_mut(&s.namespace)
            .expect("every namespace has an entry");
        for t in &s.terms {
            if used_terms.contains(&format!("{}.{}", s.namespace, t.name)) {
                o.terms.push(t.clone());
            }
        }
    }

    // Descriptions.
    if let Some(desc) = descriptions {
        let index = description_index(desc)?;
        for s in out.values_mut() {
            report.descriptions_merged += merge_descriptions(s, &names, &index);
        }
    }

    // Canonical order; drop empty schemas.
    let mut schemas = Vec::new();
    for (_, mut s) in out {
        s.enum_types.sort_by(|a, b| a.name.cmp(&b.name));
        s.type_definitions.sort_by(|a, b| a.name.cmp(&b.name));
        s.complex_types.sort_by(|a, b| a.name.cmp(&b.name));
        s.entity_types.sort_by(|a, b| a.name.cmp(&b.name));
        s.terms.sort_by(|a, b| a.name.cmp(&b.name));
        let op_key = |op: &Operation| (op.name.clone(), names.operation_target(&s.namespace, op));
        s.actions.sort_by_cached_key(op_key);
        s.functions.sort_by_cached_key(op_key);
        s.annotations.sort_by_cached_key(|b| {
            (
                names.target(&b.target),
                b.qualifier.clone(),
                b.target.clone(),
            )
        });
        let empty = s.enum_types.is_empty()
            && s.type_definitions.is_empty()
            && s.complex_types.is_empty()
            && s.entity_types.is_empty()
            && s.actions.is_empty()
            && s.functions.is_empty()
            && s.terms.is_empty()
            && s.entity_container.is_none()
            && s.annotations.is_empty();
        if !empty {
            schemas.push(s);
        }
    }
    Ok(Trimmed {
        document: Document {
            source: full.source.clone(),
            version: full.version.clone(),
            references: full.references.clone(),
            schemas,
        },
        report,
    })
}

/// The type closure: types kept whole, enums and type definitions.
struct Closure<'a, 'd> {
    names: &'a Names<'d>,
    children: &'a HashMap<String, Vec<String>>,
    full: BTreeSet<String>,
    enums: BTreeSet<String>,
    type_definitions: BTreeSet<String>,
    queue: Vec<String>,
}

impl Closure<'_, '_> {
    /// A type reached as the target of a navigation property or a property: kept whole, and
    /// if abstract, with every type deriving from it.
    fn reach(&mut self, q: &str) {
        self.add(q);
        let is_abstract =
            matches!(self.names.items.get(q), Some(Item::Structured(t)) if t.is_abstract);
        if is_abstract {
            let mut stack = vec![q.to_string()];
            while let Some(t) = stack.pop() {
                for c in self.children.get(&t).map(Vec::as_slice).unwrap_or_default() {
                    if self.add(c) {
                        stack.push(c.clone());
                    }
                }
            }
        }
    }

    fn add(&mut self, q: &str) -> bool {
        let new = self.full.insert(q.to_string());
        if new {
            self.queue.push(q.to_string());
        }
        new
    }

    fn use_type(
        &mut self,
        t: &TypeRef,
        what: impl Fn() -> String,
        pos: crate::csdl::Pos,
    ) -> Result<(), Error> {
        if t.name.starts_with("Edm.") {
            return Ok(());
        }
        match self.names.get(&t.name) {
            Some((q, Item::Enum(_))) => {
                self.enums.insert(q);
            }
            Some((q, Item::TypeDef(_))) => {
                self.type_definitions.insert(q);
            }
            Some((q, Item::Structured(_))) => self.reach(&q),
            _ => {
                return Err(self
                    .names
                    .error(pos, format!("{} refers to unknown type {}", what(), t.name)));
            }
        }
        Ok(())
    }

    /// Keep base types and property types of every type kept whole.
    fn run(&mut self) -> Result<(), Error> {
        while let Some(q) = self.queue.pop() {
            let Some(Item::Structured(t)) = self.names.items.get(&q).copied() else {
                continue;
            };
            if let Some(b) = &t.base_type {
                match self.names.get(b) {
                    Some((bq, Item::Structured(_))) => {
                        self.add(&bq);
                    }
                    _ => {
                        return Err(self
                            .names
                            .error(t.pos, format!("type {q} refers to unknown base type {b}")));
                    }
                }
            }
            for p in &t.properties {
                self.use_type(&p.type_ref, || format!("property {} of {q}", p.name), p.pos)?;
            }
        }
        Ok(())
    }
}

fn trim_container(
    c: &EntityContainer,
    roots: &HashSet<&str>,
    names: &Names,
    container_name: &str,
) -> EntityContainer {
    let binds_kept = |target: &str| {
        let t = names.target(target);
        let local = t
            .strip_prefix(container_name)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(&t);
        roots.contains(local.split('/').next().unwrap_or(local))
    };
    let mut out = EntityContainer {
        name: c.name.clone(),
        annotations: c.annotations.clone(),
        pos: c.pos,
        ..EntityContainer::default()
    };
    for e in c
        .entity_sets
        .iter()
        .filter(|e| roots.contains(e.name.as_str()))
    {
        let mut e = e.clone();
        e.bindings.retain(|b| binds_kept(&b.target));
        out.entity_sets.push(e);
    }
    for e in c
        .singletons
        .iter()
        .filter(|e| roots.contains(e.name.as_str()))
    {
        let mut e = e.clone();
        e.bindings.retain(|b| binds_kept(&b.target));
        out.singletons.push(e);
    }
    out
}

/// Call `f` on every annotation of a schema, nested ones included.
fn visit_annotations(s: &Schema, f: &mut dyn FnMut(&Annotation)) {
    fn value(v: &Value, f: &mut dyn FnMut(&Annotation)) {
        match v {
            Value::Record(r) => {
                list(&r.annotations, f);
                for p in &r.properties {
                    value(&p.value, f);
                }
            }
            Value::Collection(items) => items.iter().for_each(|i| value(i, f)),
            _ => {}
        }
    }
    fn list(anns: &[Annotation], f: &mut dyn FnMut(&Annotation)) {
        for a in anns {
            f(a);
            value(&a.value, f);
        }
    }
    list(&s.inline_annotations, f);
    for e in &s.enum_types {
        list(&e.annotations, f);
        e.members.iter().for_each(|m| list(&m.annotations, f));
    }
    s.type_definitions
        .iter()
        .for_each(|t| list(&t.annotations, f));
    for t in s.entity_types.iter().chain(&s.complex_types) {
        list(&t.annotations, f);
        t.properties.iter().for_each(|p| list(&p.annotations, f));
        t.navigation_properties
            .iter()
            .for_each(|p| list(&p.annotations, f));
    }
    for op in s.actions.iter().chain(&s.functions) {
        list(&op.annotations, f);
        op.parameters.iter().for_each(|p| list(&p.annotations, f));
    }
    if let Some(c) = &s.entity_container {
        list(&c.annotations, f);
        c.entity_sets.iter().for_each(|e| list(&e.annotations, f));
        c.singletons.iter().for_each(|e| list(&e.annotations, f));
    }
    s.annotations.iter().for_each(|b| list(&b.annotations, f));
}

/// Reduce a canonical operation target to `name(binding)`; other targets unchanged.
fn description_key(target: &str) -> String {
    match target.find('(') {
        Some(open) => {
            let inner_end = target.rfind(')').unwrap_or(target.len());
            let inner = &target[open + 1..inner_end];
            // The binding parameter is the first; Collection(...) holds no comma.
            let first = inner.split(',').next().unwrap_or("");
            format!("{}({first})", &target[..open])
        }
        None => target.to_string(),
    }
}

fn binding_key(names: &Names, ns: &str, op: &Operation) -> String {
    let first = op
        .parameters
        .first()
        .map(|p| names.type_ref_name(&p.type_ref))
        .unwrap_or_default();
    format!("{ns}.{}({first})", op.name)
}

fn description_of(names: &Names, anns: &[Annotation]) -> Option<String> {
    anns.iter()
        .filter(|a| a.qualifier.is_none() && names.term(a) == DESCRIPTION)
        .find_map(|a| a.value.as_str().map(str::to_string))
}

/// Every description of a document by canonical target (operations by `name(binding)`).
fn description_index(doc: &Document) -> Result<HashMap<String, String>, Error> {
    let names = Names::new(doc)?;
    let mut index = HashMap::new();
    let mut put = |k: String, anns: &[Annotation]| {
        if let Some(d) = description_of(&names, anns) {
            index.entry(k).or_insert(d);
        }
    };
    for s in &doc.schemas {
        let ns = &s.namespace;
        for e in &s.enum_types {
            put(format!("{ns}.{}", e.name), &e.annotations);
            for m in &e.members {
                put(format!("{ns}.{}/{}", e.name, m.name), &m.annotations);
            }
        }
        for t in &s.type_definitions {
            put(format!("{ns}.{}", t.name), &t.annotations);
        }
        for t in s.entity_types.iter().chain(&s.complex_types) {
            put(format!("{ns}.{}", t.name), &t.annotations);
            for p in &t.properties {
                put(format!("{ns}.{}/{}", t.name, p.name), &p.annotations);
            }
            for p in &t.navigation_properties {
                put(format!("{ns}.{}/{}", t.name, p.name), &p.annotations);
            }
        }
        for op in s.actions.iter().chain(&s.functions) {
            put(binding_key(&names, ns, op), &op.annotations);
        }
    }
    for s in &doc.schemas {
        for b in s.annotations.iter().filter(|b| b.qualifier.is_none()) {
            put(description_key(&names.target(&b.target)), &b.annotations);
        }
    }
    Ok(index)
}

/// Add descriptions from `index` to the elements of `s` that have none (inline or in one of
/// the schema's out-of-line blocks). Returns how many were added.
fn merge_descriptions(s: &mut Schema, names: &Names, index: &HashMap<String, String>) -> usize {
    let described: HashSet<String> = s
        .annotations
        .iter()
        .filter(|b| b.qualifier.is_none() && description_of(names, &b.annotations).is_some())
        .map(|b| description_key(&names.target(&b.target)))
        .collect();
    let mut merged = 0;
    let mut fill = |key: String, anns: &mut Vec<Annotation>| {
        if described.contains(&key) || description_of(names, anns).is_some() {
            return;
        }
        if let Some(d) = index.get(&key) {
            anns.push(Annotation {
                term: DESCRIPTION.to_string(),
                qualifier: None,
                value: Value::Scalar {
                    kind: ScalarKind::String,
                    text: d.clone(),
                    as_element: false,
                },
                pos: Default::default(),
            });
            merged += 1;
        }
    };
    let ns = s.namespace.clone();
    for e in &mut s.enum_types {
        fill(format!("{ns}.{}", e.name), &mut e.annotations);
        for m in &mut e.members {
            fill(format!("{ns}.{}/{}", e.name, m.name), &mut m.annotations);
        }
    }
    for t in &mut s.type_definitions {
        fill(format!("{ns}.{}", t.name), &mut t.annotations);
    }
    for t in s.entity_types.iter_mut().chain(s.complex_types.iter_mut()) {
        fill(format!("{ns}.{}", t.name), &mut t.annotations);
        for p in &mut t.properties {
            fill(format!("{ns}.{}/{}", t.name, p.name), &mut p.annotations);
        }
        for p in &mut t.navigation_properties {
            fill(format!("{ns}.{}/{}", t.name, p.name), &mut p.annotations);
        }
    }
    for op in s.actions.iter_mut().chain(s.functions.iter_mut()) {
        let key = binding_key(names, &ns, op);
        fill(key, &mut op.annotations);
    }
    merged
}
