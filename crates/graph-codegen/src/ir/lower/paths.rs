//! Paths: the container's roots (entity sets and singletons), then the requested navigation
//! paths from them, every prefix included, each with its steps, capabilities and the
//! operations bound to its target.

use std::fmt;

use crate::csdl::{EntityContainer, Pos};
use crate::error::Error;
use crate::ir::model::*;

use super::annotations::Annotations;
use super::names::{FastMap, Names, close_matches, suggestion};

/// A navigation path to compute: a container root and the navigation properties after it.
///
/// `PathRequest::parse("users/authentication/phoneMethods")` asks for the entity set `users`,
/// then `authentication`, then `phoneMethods`; lowering adds every prefix of it too
/// (`users/{user-id}/authentication`). Keys are never written in a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PathRequest {
    /// The entity set or singleton it starts from, for example `users` or `me`.
    pub root: String,
    /// Navigation property names after the root, for example `["authentication",
    /// "phoneMethods"]`.
    pub segments: Vec<String>,
}

impl PathRequest {
    /// A request from a root and its navigation segments.
    pub fn new(root: impl Into<String>, segments: &[&str]) -> PathRequest {
        PathRequest {
            root: root.into(),
            segments: segments.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A request from `root/segment/segment`, empty segments ignored.
    pub fn parse(path: &str) -> PathRequest {
        let mut parts = path.split('/').filter(|p| !p.is_empty());
        PathRequest {
            root: parts.next().unwrap_or_default().to_string(),
            segments: parts.map(str::to_string).collect(),
        }
    }
}

/// `users/authentication/phoneMethods`.
impl fmt::Display for PathRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for seg in &self.segments {
            write!(f, "/{seg}")?;
        }
        Ok(())
    }
}

/// The key placeholder of an entity type: `microsoft.graph.user` -> `{user-id}`.
pub fn key_placeholder(entity_type: &str) -> String {
    let simple = entity_type.rsplit('.').next().unwrap_or(entity_type);
    format!("{{{simple}-id}}")
}

/// The capabilities of each root, by name: read from the container, kept for the root's own
/// path.
pub(super) type RootCapabilities = FastMap<String, Capabilities>;

/// Lower the entity sets and singletons of container `c` of namespace `ns` into
/// `model.roots`.
pub(super) fn roots(
    names: &Names,
    anns: &Annotations,
    ns: &str,
    c: &EntityContainer,
    model: &mut Model,
    root_caps: &mut RootCapabilities,
) -> Result<(), Error> {
    let cname = format!("{ns}.{}", c.name);
    let roots = c
        .entity_sets
        .iter()
        .map(|e| (&e.name, &e.entity_type, true, &e.annotations, e.pos))
        .chain(
            c.singletons
                .iter()
                .map(|e| (&e.name, &e.type_name, false, &e.annotations, e.pos)),
        );
    for (name, ty, is_set, inline, pos) in roots {
        let Some(entity_type) = names.entity_type(ty) else {
            return Err(names.error(
                pos,
                format!(
                    "{} {name} of {cname} refers to unknown entity type {ty}",
                    if is_set { "entity set" } else { "singleton" }
                ),
            ));
        };
        root_caps.insert(name.clone(), anns.capabilities(inline, &cname, name)?);
        model.roots.insert(
            name.clone(),
            Root {
                name: name.clone(),
                entity_type,
                is_set,
            },
        );
    }
    Ok(())
}

/// Add the path `req` asks for and its prefixes to `model.paths`; a root or navigation
/// property that does not exist is an error with close matches.
pub(super) fn add_paths(
    model: &mut Model,
    names: &Names,
    root_caps: &RootCapabilities,
    req: &PathRequest,
) -> Result<(), Error> {
    let Some(root) = model.roots.get(&req.root) else {
        let m = close_matches(&req.root, model.roots.keys().map(String::as_str));
        return Err(names.error(
            Pos::default(),
            format!(
                "requested path {} starts at {}, which is no entity set or singleton; {}",
                req,
                req.root,
                suggestion(&m)
            ),
        ));
    };
    let key = |ty: &str, collection: bool| {
        collection.then(|| key_placeholder(ty).trim_matches(['{', '}']).to_string())
    };
    let mut steps = vec![PathStep {
        name: root.name.clone(),
        root: true,
        target: root.entity_type.clone(),
        collection: root.is_set,
        contains_target: false,
        key: key(&root.entity_type, root.is_set),
    }];
    let mut new_paths: Vec<NavPath> = Vec::new();
    let path = |steps: &[PathStep], caps: Capabilities, doc: Doc| {
        let last = steps.last().expect("starts with the root");
        let mut p = NavPath {
            template: String::new(),
            root: root.name.clone(),
            segments: steps[1..].iter().map(|s| s.name.clone()).collect(),
            steps: steps.to_vec(),
            target: last.target.clone(),
            collection: last.collection,
            capabilities: caps,
            operations: operations_for(model, &last.target, last.collection),
            doc,
        };
        p.template = p.template_from_steps();
        p
    };
    if req.segments.is_empty() {
        let caps = root_caps.get(&root.name).copied().unwrap_or_default();
        new_paths.push(path(&steps, caps, Doc::default()));
    }
    for seg in &req.segments {
        let ty = &steps.last().expect("starts with the root").target;
        let t = &model.types[ty];
        let Some(nav) = t.navigation.iter().find(|n| &n.name == seg) else {
            let m = close_matches(seg, t.navigation.iter().map(|n| n.name.as_str()));
            return Err(names.error(
                t.pos,
                format!(
                    "requested path {} does not exist: {ty} has no navigation property {seg}; {}",
                    req,
                    suggestion(&m)
                ),
            ));
        };
        steps.push(PathStep {
            name: seg.clone(),
            root: false,
            target: nav.target.clone(),
            collection: nav.collection,
            contains_target: nav.contains_target,
            key: key(&nav.target, nav.collection),
        });
        new_paths.push(path(&steps, nav.capabilities, nav.doc.clone()));
    }
    for p in new_paths {
        model.paths.insert(p.template.clone(), p);
    }
    Ok(())
}

/// Operations bound to `ty` or one of its ancestors: item-bound ones always, collection-bound
/// ones when the path reaches a collection.
fn operations_for(model: &Model, ty: &str, collection: bool) -> Vec<OperationDef> {
    let mut out = Vec::new();
    let chain = std::iter::once(ty).chain(
        model
            .types
            .get(ty)
            .map(|t| t.ancestors.as_slice())
            .unwrap_or_default()
            .iter()
            .map(String::as_str),
    );
    for t in chain {
        if let Some(ops) = model.bound_operations.get(t) {
            out.extend(
                ops.iter()
                    .filter(|o| !o.binding_collection || collection)
                    .cloned(),
            );
        }
    }
    out
}
