//! Step 1 of the lowering, shared with the trimmer: the name table of a document (namespaces
//! and aliases, every named schema element by full name, canonical annotation targets), the
//! resolution of a written name or type reference against it, and close-match suggestions.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::csdl::{
    Annotation, Document, EntityContainer, EnumType, Operation, Pos, StructuredKind,
    StructuredType, TypeDefinition, TypeRef,
};
use crate::error::Error;
use crate::ir::model::{Primitive, TypeTarget, TypeUse};

/// The Fx hash (as in rustc): fast for short string keys, which is all the lowering hashes.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("chunks of 8"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak and hashbrown indexes by them: fold the high
        // bits in (the finaliser of MurmurHash3).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A named schema element.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item<'d> {
    /// An entity or complex type.
    Structured(&'d StructuredType),
    /// An enum type.
    Enum(&'d EnumType),
    /// A type definition.
    TypeDef(&'d TypeDefinition),
    /// An entity container.
    Container(&'d EntityContainer),
}

impl Item<'_> {
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Item::Structured(t) => t.pos,
            Item::Enum(t) => t.pos,
            Item::TypeDef(t) => t.pos,
            Item::Container(t) => t.pos,
        }
    }
}

/// The names of one document: alias map and index of named elements by full name.
pub(crate) struct Names<'d> {
    /// The document's source name, for errors.
    pub(crate) source: &'d str,
    /// Alias -> namespace (schema aliases and `edmx:Include` aliases).
    aliases: FastMap<&'d str, &'d str>,
    /// Full name -> element.
    pub(crate) items: FastMap<String, Item<'d>>,
    /// Alias-qualified name -> full name, so that lookups need no allocation.
    aliased: FastMap<String, String>,
    /// Namespace -> its schema alias.
    alias_of: FastMap<&'d str, &'d str>,
}

impl<'d> Names<'d> {
    /// Index `doc`; a name declared twice (in one schema or across schemas of the same
    /// namespace) is an error.
    pub(crate) fn new(doc: &'d Document) -> Result<Names<'d>, Error> {
        let mut aliases = FastMap::default();
        for r in &doc.references {
            for (ns, alias) in &r.includes {
                if let Some(a) = alias {
                    aliases.insert(a.as_str(), ns.as_str());
                }
            }
        }
        let mut alias_of = FastMap::default();
        for s in &doc.schemas {
            if let Some(a) = &s.alias {
                aliases.insert(a.as_str(), s.namespace.as_str());
                alias_of.insert(s.namespace.as_str(), a.as_str());
            }
        }
        let mut names = Names {
            source: &doc.source,
            aliases,
            items: FastMap::default(),
            aliased: FastMap::default(),
            alias_of,
        };
        for s in &doc.schemas {
            let ns = &s.namespace;
            for t in s.entity_types.iter().chain(&s.complex_types) {
                names.insert(ns, &t.name, Item::Structured(t))?;
            }
            for t in &s.enum_types {
                names.insert(ns, &t.name, Item::Enum(t))?;
            }
            for t in &s.type_definitions {
                names.insert(ns, &t.name, Item::TypeDef(t))?;
            }
            if let Some(c) = &s.entity_container {
                names.insert(ns, &c.name, Item::Container(c))?;
            }
        }
        Ok(names)
    }

    fn insert(&mut self, ns: &str, name: &str, item: Item<'d>) -> Result<(), Error> {
        let full = format!("{ns}.{name}");
        match self.items.entry(full) {
            std::collections::hash_map::Entry::Occupied(prev) => {
                let p = prev.get().pos();
                let full = prev.key().clone();
                Err(self.error(
                    item.pos(),
                    format!(
                        "duplicate name {full} (first declared at {}:{})",
                        p.line, p.column
                    ),
                ))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                let full = v.key().clone();
                v.insert(item);
                if let Some(alias) = self.alias_of.get(ns) {
                    self.aliased.insert(format!("{alias}.{name}"), full);
                }
                Ok(())
            }
        }
    }

    /// An [`Error::Model`] at `pos` of this document.
    pub(crate) fn error(&self, pos: Pos, message: String) -> Error {
        Error::Model {
            file: self.source.to_string(),
            pos,
            message,
        }
    }

    /// Replace an alias qualifier by its namespace: `graph.user` -> `microsoft.graph.user`.
    pub(crate) fn qualify<'a>(&self, name: &'a str) -> Cow<'a, str> {
        match name.rsplit_once('.') {
            Some((ns, simple)) => match self.aliases.get(ns) {
                Some(full) => Cow::Owned(format!("{full}.{simple}")),
                None => Cow::Borrowed(name),
            },
            None => Cow::Borrowed(name),
        }
    }

    /// The element a (possibly aliased) name refers to.
    pub(crate) fn get(&self, name: &str) -> Option<(String, Item<'d>)> {
        if let Some(i) = self.items.get(name) {
            return Some((name.to_string(), *i));
        }
        let full = self.aliased.get(name)?;
        self.items.get(full).map(|i| (full.clone(), *i))
    }

    /// The full name of the entity type `name` refers to, or `None` if it names nothing or
    /// something else.
    pub(crate) fn entity_type(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            (q, Item::Structured(st)) if st.kind == StructuredKind::Entity => Some(q),
            _ => None,
        }
    }

    /// What a property, parameter or return type refers to; `None` if it names no Edm
    /// primitive, enum, type definition or structured type.
    pub(crate) fn type_use(&self, t: &TypeRef) -> Option<TypeUse> {
        let target = if let Some(p) = t.name.strip_prefix("Edm.") {
            TypeTarget::Primitive(Primitive::from_edm_name(p)?)
        } else {
            match self.get(&t.name)? {
                (q, Item::Enum(_)) => TypeTarget::Enum(q),
                (_, Item::TypeDef(td)) => TypeTarget::Primitive(Primitive::from_edm_name(
                    td.underlying_type.strip_prefix("Edm.")?,
                )?),
                (q, Item::Structured(st)) => match st.kind {
                    StructuredKind::Entity => TypeTarget::Entity(q),
                    StructuredKind::Complex => TypeTarget::Complex(q),
                },
                (_, Item::Container(_)) => return None,
            }
        };
        Some(TypeUse {
            collection: t.collection,
            target,
        })
    }

    /// The full name of the base type `base` of the structured type `full` (`t`), which
    /// must be a structured type of the same kind.
    pub(crate) fn base_type(
        &self,
        full: &str,
        t: &StructuredType,
        base: &str,
    ) -> Result<String, Error> {
        let kind = |k: StructuredKind| match k {
            StructuredKind::Entity => "entity type",
            StructuredKind::Complex => "complex type",
        };
        match self.get(base) {
            Some((q, Item::Structured(b))) if b.kind == t.kind => Ok(q),
            Some((q, other)) => {
                let what = match other {
                    Item::Structured(b) => match b.kind {
                        StructuredKind::Entity => "an entity type",
                        StructuredKind::Complex => "a complex type",
                    },
                    Item::Enum(_) => "an enum type",
                    Item::TypeDef(_) => "a type definition",
                    Item::Container(_) => "an entity container",
                };
                let expected = match t.kind {
                    StructuredKind::Entity => "an entity type",
                    StructuredKind::Complex => "a complex type",
                };
                Err(self.error(
                    t.pos,
                    format!(
                        "{} {full} has base type {q}, which is {what}; expected {expected}",
                        kind(t.kind)
                    ),
                ))
            }
            None => Err(self.error(
                t.pos,
                format!("{} {full} refers to unknown base type {base}", kind(t.kind)),
            )),
        }
    }

    /// A type reference written in canonical form: aliases resolved, `Collection(...)` kept.
    pub(crate) fn type_ref_name(&self, t: &TypeRef) -> String {
        let q = self.qualify(&t.name);
        if t.collection {
            format!("Collection({q})")
        } else {
            q.into_owned()
        }
    }

    /// An annotation target in canonical form: aliases resolved in the head and in an
    /// operation's parameter list, no spaces.
    pub(crate) fn target(&self, target: &str) -> String {
        let target = target.trim();
        if let Some(open) = target.find('(') {
            let close = target.rfind(')').unwrap_or(target.len());
            let head = self.qualify(&target[..open]);
            let inner = target.get(open + 1..close).unwrap_or("");
            let rest = target.get(close + 1..).unwrap_or("");
            let params: Vec<String> = inner
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| match p.strip_prefix("Collection(") {
                    Some(i) => format!("Collection({})", self.qualify(i.trim_end_matches(')'))),
                    None => self.qualify(p).into_owned(),
                })
                .collect();
            format!("{head}({}){rest}", params.join(","))
        } else if let Some((head, rest)) = target.split_once('/') {
            format!("{}/{rest}", self.qualify(head))
        } else {
            self.qualify(target).into_owned()
        }
    }

    /// The canonical annotation target of an operation overload: `ns.name(p1,p2)`.
    pub(crate) fn operation_target(&self, ns: &str, op: &Operation) -> String {
        let params: Vec<String> = op
            .parameters
            .iter()
            .map(|p| self.type_ref_name(&p.type_ref))
            .collect();
        format!("{ns}.{}({})", op.name, params.join(","))
    }

    /// The term of an annotation, alias resolved.
    pub(crate) fn term<'a>(&self, a: &'a Annotation) -> Cow<'a, str> {
        if a.term.starts_with("Org.OData.") {
            return Cow::Borrowed(&a.term);
        }
        self.qualify(&a.term)
    }
}

/// Levenshtein distance, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to five candidates close to `wanted` (by edit distance, ignoring case), closest first.
pub(crate) fn close_matches<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let w = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lc = c.to_lowercase();
            let d = edit_distance(&w, &lc);
            let prefix = lc.starts_with(&w) || w.starts_with(&lc);
            (d <= limit || (prefix && !lc.is_empty())).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(5)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// `close matches: a, b` or `no close matches`.
pub(crate) fn suggestion(matches: &[String]) -> String {
    if matches.is_empty() {
        "no close matches".to_string()
    } else {
        format!("close matches: {}", matches.join(", "))
    }
}
