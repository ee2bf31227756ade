//! The spec overlay (`spec/overlay.toml`): what the Rust model emitter needs to know that
//! CSDL does not say.
//!
//! - `path_containers`: entity types that only serve as navigation hops (`user`,
//!   `authentication`): no struct is emitted for them.
//! - `read_only`: properties that the service sets, for metadata that lacks
//!   `Core.Computed` / `Core.Immutable` / `Core.Permissions` (`Read`); they are left out of
//!   create and update payloads. An entry the metadata already makes read-only is
//!   redundant: [`Overlay::warnings`] reports it.
//! - `writable`: properties that look server-set ([`looks_server_set`]) but that the
//!   service lets a client write, as decided from the documentation; without a decision
//!   either way such a property is a warning ([`Overlay::warnings`]), never silence.
//! - `sensitive`: personal data and secrets, redacted in `Debug` (CSDL has no such term).
//! - `create_required`: writable properties a create body must carry, from the
//!   documentation's create pages (the metadata cannot say it), with that page
//!   (`properties = [...]`, `page = "https://learn.microsoft.com/..."`); they are required
//!   and not nullable in the OpenAPI create payload, not nullable in the update payload,
//!   and required fields of the Rust create payload, whose generated constructor's
//!   documentation cites the page.
//!
//! Types are named by full name (`microsoft.graph.phoneAuthenticationMethod`). An entry under
//! a type applies to that type and every type deriving from it. Every entry must name a type
//! (and a property of it) that exists in the model: an overlay must not go stale silently.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::Error;
use crate::ir::{Model, QName, TypeDef};

/// The parsed overlay. [`Overlay::default`] is the empty overlay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Entity types emitted as nothing: pure navigation hops.
    #[serde(default)]
    pub path_containers: BTreeSet<QName>,
    /// Read-only property wire names by type.
    #[serde(default)]
    pub read_only: BTreeMap<QName, BTreeSet<String>>,
    /// Property wire names by type that look server-set but are writable (a decision).
    #[serde(default)]
    pub writable: BTreeMap<QName, BTreeSet<String>>,
    /// Sensitive property wire names by type.
    #[serde(default)]
    pub sensitive: BTreeMap<QName, BTreeSet<String>>,
    /// Writable property wire names a create body of the type must carry, and the page
    /// that says so.
    #[serde(default)]
    pub create_required: BTreeMap<QName, CreateRequired>,
}

/// One `[create_required."type"]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequired {
    /// Wire names of the writable properties a create body must carry.
    pub properties: BTreeSet<String>,
    /// The documentation's create page that requires them (`https://learn.microsoft.com/...`),
    /// cited in the generated documentation.
    pub page: String,
}

/// The prefix every `create_required` page must have: users read the citation.
const PAGE_PREFIX: &str = "https://learn.microsoft.com/";

impl Overlay {
    /// Parses overlay TOML; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Overlay, Error> {
        toml::from_str(text).map_err(|e| Error::Emit {
            element: file.to_owned(),
            message: format!("invalid overlay: {}", e.to_string().trim_end()),
        })
    }

    /// Checks that every entry names a type, and a property of it, that `model` has.
    pub fn validate(&self, model: &Model) -> Result<(), Error> {
        for name in &self.path_containers {
            match model.types.get(name) {
                Some(_) => {}
                None => return Err(stale("path_containers", name, None)),
            }
        }
        for (ty, entry) in &self.create_required {
            check_page(ty, entry)?;
        }
        let create_required: BTreeMap<&QName, &BTreeSet<String>> = self
            .create_required
            .iter()
            .map(|(ty, entry)| (ty, &entry.properties))
            .collect();
        let tables = [
            ("read_only", self.read_only.iter().collect()),
            ("writable", self.writable.iter().collect()),
            ("sensitive", self.sensitive.iter().collect()),
            ("create_required", create_required),
        ];
        for (table, entries) in tables {
            for (ty, props) in entries {
                let Some(def) = model.types.get(ty) else {
                    return Err(stale(table, ty, None));
                };
                for prop in props {
                    let Some(p) = def.properties.iter().find(|p| &p.name == prop) else {
                        return Err(stale(table, ty, Some(prop)));
                    };
                    if table == "writable" && (p.read_only || self.is_read_only(def, prop)) {
                        return Err(Error::Emit {
                            element: format!("{ty}/{prop}"),
                            message: "overlay entry in `writable` names a property that is \
                                      read-only (by the metadata or the overlay's `read_only`); \
                                      keep it in one list only"
                                .into(),
                        });
                    }
                    if table == "create_required" && (p.read_only || self.is_read_only(def, prop)) {
                        return Err(Error::Emit {
                            element: format!("{ty}/{prop}"),
                            message: "overlay entry in `create_required` names a read-only \
                                      property, which no create body carries; remove it from \
                                      `create_required` or `read_only` in spec/overlay.toml"
                                .into(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// True if the overlay lists `ty` as a path container.
    pub fn is_path_container(&self, ty: &str) -> bool {
        self.path_containers.contains(ty)
    }

    /// True if `property` of `ty` is listed as read-only on `ty` or an ancestor.
    pub fn is_read_only(&self, ty: &TypeDef, property: &str) -> bool {
        listed(&self.read_only, ty, property)
    }

    /// True if `property` of `ty` is listed as writable on `ty` or an ancestor.
    pub fn is_writable(&self, ty: &TypeDef, property: &str) -> bool {
        listed(&self.writable, ty, property)
    }

    /// What code generation should tell the slice's author, without failing (`file` names
    /// the overlay): `read_only` entries the metadata already makes read-only (redundant),
    /// and properties of payload types (a path's target that it may create or update, and
    /// its subtypes, where [`super::can_have_payloads`]) that look server-set
    /// ([`looks_server_set`]) but are writable in the metadata and decided in neither
    /// `read_only` nor `writable`. Each names the file, the type and the property, and what
    /// to do. Sorted, each once.
    pub fn warnings(&self, model: &Model, file: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        for (ty, props) in &self.read_only {
            let Some(def) = model.types.get(ty) else {
                continue;
            };
            for prop in props {
                if def
                    .properties
                    .iter()
                    .any(|p| &p.name == prop && p.read_only)
                {
                    out.insert(format!(
                        "{file}: `read_only` entry {ty}/{prop} is redundant: the metadata makes \
                         it read-only (Core.Computed, Core.Immutable or Core.Permissions Read, or \
                         a key); remove it from the overlay"
                    ));
                }
            }
        }
        // The types some path creates or updates, and their subtypes: those have payloads.
        let written: BTreeSet<&QName> = model
            .paths
            .values()
            .filter(|p| (p.collection && p.capabilities.insertable) || p.capabilities.updatable)
            .map(|p| &p.target)
            .collect();
        for def in model.types.values() {
            let has_payload =
                written.contains(&def.name) || def.ancestors.iter().any(|a| written.contains(a));
            if !has_payload || !super::can_have_payloads(self, def) {
                continue;
            }
            for p in &def.properties {
                if p.read_only
                    || !looks_server_set(&p.name)
                    || self.is_read_only(def, &p.name)
                    || self.is_writable(def, &p.name)
                {
                    continue;
                }
                out.insert(format!(
                    "{file}: {}/{} looks server-set but is writable in the metadata, so it is \
                     in the create and update payloads of {}; decide from the type's \
                     documentation page and list it under `[read_only]` or `[writable]` of the \
                     overlay",
                    p.declared_in, p.name, def.name
                ));
            }
        }
        out.into_iter().collect()
    }

    /// True if a create body of `ty` must carry `property` (listed on `ty` or an ancestor).
    pub fn is_create_required(&self, ty: &TypeDef, property: &str) -> bool {
        self.create_required_entries(ty)
            .iter()
            .any(|entry| entry.properties.contains(property))
    }

    /// The create pages of the `create_required` entries that apply to `ty` (its own, then
    /// its ancestors'), each once.
    pub fn create_pages(&self, ty: &TypeDef) -> Vec<&str> {
        let mut pages: Vec<&str> = Vec::new();
        for entry in self.create_required_entries(ty) {
            if !pages.contains(&entry.page.as_str()) {
                pages.push(&entry.page);
            }
        }
        pages
    }

    fn create_required_entries(&self, ty: &TypeDef) -> Vec<&CreateRequired> {
        std::iter::once(&ty.name)
            .chain(&ty.ancestors)
            .filter_map(|name| self.create_required.get(name))
            .collect()
    }

    /// True if `property` of `ty` is listed as sensitive on `ty` or an ancestor.
    pub fn is_sensitive(&self, ty: &TypeDef, property: &str) -> bool {
        listed(&self.sensitive, ty, property)
    }
}

fn listed(table: &BTreeMap<QName, BTreeSet<String>>, ty: &TypeDef, property: &str) -> bool {
    std::iter::once(&ty.name).chain(&ty.ancestors).any(|name| {
        table
            .get(name)
            .is_some_and(|props| props.contains(property))
    })
}

/// A `create_required` entry names at least one property and a public documentation page
/// that can be written as a rustdoc link (`<...>`) as is.
fn check_page(ty: &str, entry: &CreateRequired) -> Result<(), Error> {
    let problem = if entry.properties.is_empty() {
        Some("lists no properties".to_owned())
    } else if !entry.page.starts_with(PAGE_PREFIX) || entry.page.len() == PAGE_PREFIX.len() {
        Some(format!(
            "has page {:?}, which is not a documentation page under {PAGE_PREFIX}",
            entry.page
        ))
    } else if entry
        .page
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\"`\\".contains(c))
    {
        Some(format!(
            "has page {:?}, which holds a character a link cannot (whitespace, quotes, brackets)",
            entry.page
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::Emit {
            element: ty.to_owned(),
            message: format!(
                "overlay entry in `create_required` {problem}; give `properties = [...]` and \
                 `page = \"{PAGE_PREFIX}graph/api/...\"` (the create page that requires them) \
                 in spec/overlay.toml"
            ),
        }),
    }
}

/// True if a property's name says the service sets it: `id`, `eTag`, `changeKey`, and
/// the audit properties Graph names by a `created`, `lastModified`, `modified` or `deleted`
/// prefix (`createdDateTime`, `createdBy`, `lastModifiedDateTime`, `lastModifiedBy`,
/// `deletedDateTime`). The rule only raises a warning ([`Overlay::warnings`]); the metadata
/// and the overlay decide.
pub fn looks_server_set(name: &str) -> bool {
    let audit = ["created", "lastModified", "modified", "deleted"]
        .iter()
        .any(|prefix| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        });
    audit || matches!(name, "id" | "eTag" | "changeKey")
}

/// The properties the metadata's `Org.OData.Core.V1.Permissions` annotation makes
/// read-only (`Permission/Read` without `Write` or `ReadWrite`), as `(type, property)` by
/// full type name: inline on the property, or in an `Annotations` block targeting
/// `Type/property` (aliases resolved). Graph's v1.0 metadata has such annotations on
/// properties without `Core.Computed` (`community/groupId`).
pub fn permissions_read_only(doc: &crate::csdl::Document) -> BTreeSet<(QName, String)> {
    let mut aliases: BTreeMap<&str, &str> = BTreeMap::new();
    for s in &doc.schemas {
        if let Some(a) = &s.alias {
            aliases.insert(a, &s.namespace);
        }
    }
    for r in &doc.references {
        for (ns, alias) in &r.includes {
            if let Some(a) = alias {
                aliases.insert(a, ns);
            }
        }
    }
    let full = |name: &str| -> String {
        match name.rsplit_once('.') {
            Some((ns, local)) => match aliases.get(ns) {
                Some(real) => format!("{real}.{local}"),
                None => name.to_string(),
            },
            None => name.to_string(),
        }
    };
    let read_only = |a: &crate::csdl::Annotation| -> bool {
        if a.qualifier.is_some() || full(&a.term) != "Org.OData.Core.V1.Permissions" {
            return false;
        }
        let mut members: Vec<String> = Vec::new();
        let mut collect = |v: &crate::csdl::Value| {
            if let crate::csdl::Value::Scalar { text, .. } = v {
                members.extend(text.split_whitespace().map(|m| {
                    m.rsplit_once('/')
                        .map_or(m, |(_, member)| member)
                        .to_string()
                }));
            }
        };
        match &a.value {
            crate::csdl::Value::Collection(items) => items.iter().for_each(&mut collect),
            v => collect(v),
        }
        members.iter().any(|m| m == "Read")
            && !members.iter().any(|m| m == "Write" || m == "ReadWrite")
    };
    let mut out = BTreeSet::new();
    for s in &doc.schemas {
        for t in s.entity_types.iter().chain(&s.complex_types) {
            let ty = format!("{}.{}", s.namespace, t.name);
            for p in &t.properties {
                if p.annotations.iter().any(read_only) {
                    out.insert((ty.clone(), p.name.clone()));
                }
            }
        }
        for block in &s.annotations {
            if block.qualifier.is_some() {
                continue;
            }
            let Some((ty, prop)) = block.target.split_once('/') else {
                continue;
            };
            if block.annotations.iter().any(read_only) {
                out.insert((full(ty), prop.to_string()));
            }
        }
    }
    out
}

fn stale(table: &str, ty: &str, prop: Option<&str>) -> Error {
    let (element, what) = match prop {
        Some(p) => (
            format!("{ty}/{p}"),
            format!("type `{ty}` has no property `{p}`"),
        ),
        None => (
            ty.to_owned(),
            format!("the model has no entity or complex type `{ty}`"),
        ),
    };
    Error::Emit {
        element,
        message: format!(
            "overlay entry in `{table}` is stale: {what}; fix or remove it in spec/overlay.toml"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{PropertyDef, TypeDef};

    fn model() -> Model {
        let mut model = Model::default();
        let base = TypeDef {
            name: "ns.base".into(),
            properties: vec![PropertyDef {
                name: "secret".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let derived = TypeDef {
            name: "ns.derived".into(),
            ancestors: vec!["ns.base".into()],
            properties: base.properties.clone(),
            ..Default::default()
        };
        model.types.insert(base.name.clone(), base);
        model.types.insert(derived.name.clone(), derived);
        model
    }

    #[test]
    fn entries_apply_to_derived_types() {
        let overlay = Overlay::parse(
            "path_containers = []\n[sensitive]\n\"ns.base\" = [\"secret\"]\n",
            "overlay.toml",
        )
        .unwrap();
        let model = model();
        overlay.validate(&model).unwrap();
        assert!(overlay.is_sensitive(&model.types["ns.derived"], "secret"));
        assert!(!overlay.is_read_only(&model.types["ns.derived"], "secret"));
    }

    #[test]
    fn stale_entries_are_errors_naming_the_entry() {
        let model = model();
        let overlay = Overlay::parse("[read_only]\n\"ns.base\" = [\"gone\"]\n", "o").unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.starts_with("ns.base/gone: "), "{err}");
        assert!(err.contains("read_only"), "{err}");
        let overlay = Overlay::parse("path_containers = [\"ns.user\"]\n", "o").unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.starts_with("ns.user: "), "{err}");
    }

    const PAGE: &str = "https://learn.microsoft.com/graph/api/x-post";

    fn create_required(props: &str, page: &str) -> String {
        format!("[create_required.\"ns.base\"]\nproperties = [{props}]\npage = \"{page}\"\n")
    }

    #[test]
    fn create_required_must_name_a_writable_property() {
        let model = model();
        let overlay = Overlay::parse(&create_required("\"secret\"", PAGE), "o").unwrap();
        overlay.validate(&model).unwrap();
        assert!(overlay.is_create_required(&model.types["ns.derived"], "secret"));
        assert_eq!(overlay.create_pages(&model.types["ns.derived"]), [PAGE]);
        let overlay = Overlay::parse(
            &format!(
                "[read_only]\n\"ns.base\" = [\"secret\"]\n{}",
                create_required("\"secret\"", PAGE)
            ),
            "o",
        )
        .unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.starts_with("ns.base/secret: "), "{err}");
        assert!(err.contains("read-only"), "{err}");
        let overlay = Overlay::parse(&create_required("\"gone\"", PAGE), "o").unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.contains("create_required"), "{err}");
    }

    #[test]
    fn create_required_cites_a_public_create_page() {
        let model = model();
        for (props, page, problem) in [
            (
                "\"secret\"",
                "https://example.com/graph/api/x-post",
                "not a documentation page",
            ),
            (
                "\"secret\"",
                "notes/behaviour.md",
                "not a documentation page",
            ),
            (
                "\"secret\"",
                "https://learn.microsoft.com/",
                "not a documentation page",
            ),
            (
                "\"secret\"",
                "https://learn.microsoft.com/a b",
                "a link cannot",
            ),
            (
                "\"secret\"",
                "https://learn.microsoft.com/a>b",
                "a link cannot",
            ),
            ("", PAGE, "lists no properties"),
        ] {
            let overlay = Overlay::parse(&create_required(props, page), "o").unwrap();
            let err = overlay.validate(&model).unwrap_err().to_string();
            assert!(err.starts_with("ns.base: "), "{err}");
            assert!(
                err.contains(problem) && err.contains("spec/overlay.toml"),
                "{err}"
            );
        }
        // The old list form names no page: refused when parsing, naming the table.
        let err = Overlay::parse("[create_required]\n\"ns.base\" = [\"secret\"]\n", "o")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("o: invalid overlay"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Overlay::parse("sensitiv = {}\n", "spec/overlay.toml").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("spec/overlay.toml: invalid overlay")
        );
    }
}
