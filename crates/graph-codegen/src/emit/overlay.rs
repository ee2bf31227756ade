//! The spec overlay (`spec/overlay.toml`): what the Rust model emitter needs to know that
//! CSDL does not say.
//!
//! - `path_containers`: entity types that only serve as navigation hops (`user`,
//!   `authentication`): no struct is emitted for them.
//! - `read_only`: properties that the service sets, for metadata that lacks
//!   `Core.Computed`; they are left out of create and update payloads.
//! - `sensitive`: personal data and secrets, redacted in `Debug` (CSDL has no such term).
//! - `create_required`: writable properties a create body must carry, from the
//!   documentation's create pages (the metadata cannot say it); they are required and not
//!   nullable in the OpenAPI create payload, and not nullable in the update payload.
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
    /// Sensitive property wire names by type.
    #[serde(default)]
    pub sensitive: BTreeMap<QName, BTreeSet<String>>,
    /// Writable property wire names a create body of the type must carry.
    #[serde(default)]
    pub create_required: BTreeMap<QName, BTreeSet<String>>,
}

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
        for (table, entries) in [
            ("read_only", &self.read_only),
            ("sensitive", &self.sensitive),
            ("create_required", &self.create_required),
        ] {
            for (ty, props) in entries {
                let Some(def) = model.types.get(ty) else {
                    return Err(stale(table, ty, None));
                };
                for prop in props {
                    let Some(p) = def.properties.iter().find(|p| &p.name == prop) else {
                        return Err(stale(table, ty, Some(prop)));
                    };
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

    /// True if a create body of `ty` must carry `property` (listed on `ty` or an ancestor).
    pub fn is_create_required(&self, ty: &TypeDef, property: &str) -> bool {
        listed(&self.create_required, ty, property)
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

    #[test]
    fn create_required_must_name_a_writable_property() {
        let model = model();
        let overlay =
            Overlay::parse("[create_required]\n\"ns.base\" = [\"secret\"]\n", "o").unwrap();
        overlay.validate(&model).unwrap();
        assert!(overlay.is_create_required(&model.types["ns.derived"], "secret"));
        let overlay = Overlay::parse(
            "[read_only]\n\"ns.base\" = [\"secret\"]\n[create_required]\n\"ns.base\" = [\"secret\"]\n",
            "o",
        )
        .unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.starts_with("ns.base/secret: "), "{err}");
        assert!(err.contains("read-only"), "{err}");
        let overlay = Overlay::parse("[create_required]\n\"ns.base\" = [\"gone\"]\n", "o").unwrap();
        let err = overlay.validate(&model).unwrap_err().to_string();
        assert!(err.contains("create_required"), "{err}");
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
