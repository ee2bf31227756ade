//! Per-cloud availability changes: which operations each national cloud's trimmed spec has,
//! before and after.

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::Document;
use crate::diff::{Change, ChangeKind, Class, ElementKind, lower_available};
use crate::error::Error;
use crate::ir::Model;
use crate::permissions::{OperationKey, operation_key_navigations, operation_keys};
use crate::trim::Slice;

const AVAILABLE: &str = "available";
const NOT_AVAILABLE: &str = "not available";

/// Lowers a cloud's trimmed spec with the slice's paths it has and narrows it to what the
/// slice offers ([`Slice::restrict`]), as code generation does: the operations of the result
/// ([`operation_keys`]) are those available in that cloud.
pub fn lower_offered(doc: &Document, slice: &Slice) -> Result<Model, Error> {
    let (mut model, _missing) = lower_available(doc, &slice.path_requests())?;
    slice.restrict(&mut model);
    Ok(model)
}

/// The availability changes between two versions of the national clouds' models, keyed by
/// cloud name (`usgov`, `china`: the slice's `[[cloud]]` names). A cloud on one side only
/// counts as having no operation on the other. Each change is grouped under the cloud's
/// trimmed spec in `slice`'s layout ([`Slice::cloud_spec`]: `spec/clouds/china.csdl` for
/// the project, `<output_dir>/clouds/china.csdl` for any slice).
///
/// An operation lost in a cloud is [`Class::Breaking`]: the generated client refuses it
/// there before sending. One gained is [`Class::Additive`].
pub fn availability(
    slice: &Slice,
    old: &BTreeMap<String, Model>,
    new: &BTreeMap<String, Model>,
) -> Vec<Change> {
    let clouds: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for cloud in clouds {
        let (old_model, new_model) = (old.get(cloud), new.get(cloud));
        let keys = |m: Option<&Model>| -> BTreeSet<OperationKey> {
            m.map(|m| operation_keys(m).into_iter().collect())
                .unwrap_or_default()
        };
        let (before, after) = (keys(old_model), keys(new_model));
        for key in before.symmetric_difference(&after) {
            let gained = after.contains(key);
            let (class, old_value, new_value, reason, model) = if gained {
                (
                    Class::Additive,
                    NOT_AVAILABLE,
                    AVAILABLE,
                    format!(
                        "the {cloud} cloud's metadata now has it: the client sends it there \
                         instead of refusing it"
                    ),
                    new_model,
                )
            } else {
                (
                    Class::Breaking,
                    AVAILABLE,
                    NOT_AVAILABLE,
                    format!(
                        "the {cloud} cloud's metadata no longer has it: the client refuses it \
                         there before sending"
                    ),
                    old_model,
                )
            };
            out.push(Change {
                class,
                clouds: Vec::new(),
                group: slice.cloud_spec(cloud),
                element: ElementKind::Endpoint,
                name: key.to_string(),
                change: ChangeKind::AvailabilityChanged,
                aspect: Some(cloud.clone()),
                old: Some(old_value.into()),
                new: Some(new_value.into()),
                reason,
                rust_items: Vec::new(),
                paths: model.map(|m| endpoint_paths(m, key)).unwrap_or_default(),
            });
        }
    }
    out
}

/// The request paths of an operation key: its navigation path's (one per root; the key's
/// navigation as [`operation_key_navigations`] names it), with the action
/// for a bound operation (`.../phoneMethods/{id}/enableSmsSignIn`), sorted.
pub(super) fn endpoint_paths(model: &Model, key: &OperationKey) -> Vec<String> {
    let names = operation_key_navigations(model);
    let mut paths: Vec<String> = model
        .paths
        .values()
        .filter(|p| names.get(&p.segments) == Some(&key.navigation))
        .map(
            |p| match p.operations.iter().find(|o| o.name == key.operation) {
                Some(op) if p.collection && !op.binding_collection => {
                    format!("{}/{{id}}/{}", p.template, op.name)
                }
                Some(op) => format!("{}/{}", p.template, op.name),
                None => p.template.clone(),
            },
        )
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
