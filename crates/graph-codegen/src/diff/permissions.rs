//! Permission changes: `spec/permissions.toml` before and after, per operation.

use std::collections::BTreeSet;

use crate::diff::{Change, ChangeKind, Class, ElementKind};
use crate::permissions::{CLOUDS, OperationKey, OperationPermissions, Permissions, PrincipalKind};

const NOT_SUPPORTED: &str = "not supported";
const NONE_LISTED: &str = "none listed";

/// The permission changes between two versions of `spec/permissions.toml`, reported under
/// `new.file`. See the module documentation of [`crate::diff`] for the classification.
pub fn permissions(old: &Permissions, new: &Permissions) -> Vec<Change> {
    let group = new.file.as_str();
    let mut out = Vec::new();
    let keys: BTreeSet<&OperationKey> =
        old.operations.keys().chain(new.operations.keys()).collect();
    for key in keys {
        let change =
            |class, change, aspect: Option<&str>, o: Option<String>, n, reason: String| Change {
                class,
                clouds: Vec::new(),
                group: group.to_string(),
                element: ElementKind::Endpoint,
                name: key.to_string(),
                change,
                aspect: aspect.map(str::to_string),
                old: o,
                new: n,
                reason,
                rust_items: Vec::new(),
                paths: Vec::new(),
            };
        match (old.operations.get(key), new.operations.get(key)) {
            (None, Some(n)) => out.push(change(
                Class::Additive,
                ChangeKind::Added,
                None,
                None,
                Some(summary(n)),
                "a new entry: the client exposes the operation's permissions".into(),
            )),
            (Some(o), None) => out.push(change(
                Class::Breaking,
                ChangeKind::Removed,
                None,
                Some(summary(o)),
                None,
                "the entry is gone: the client no longer exposes the operation's permissions, \
                 so a service checking its token's scopes before calling finds none"
                    .into(),
            )),
            (Some(o), Some(n)) => {
                for c in entry_changes(o, n) {
                    out.push(change(
                        c.class,
                        c.change,
                        Some(&c.aspect),
                        c.old,
                        c.new,
                        c.reason,
                    ));
                }
            }
            (None, None) => {}
        }
    }
    out
}

/// One change of an entry, before it is named.
struct EntryChange {
    class: Class,
    change: ChangeKind,
    aspect: String,
    old: Option<String>,
    new: Option<String>,
    reason: String,
}

fn entry_changes(o: &OperationPermissions, n: &OperationPermissions) -> Vec<EntryChange> {
    let mut out = Vec::new();
    for kind in PrincipalKind::ALL {
        let aspect = aspect(kind);
        out.extend(list_change(
            &aspect,
            o.permissions.get(kind),
            n.permissions.get(kind),
            NOT_SUPPORTED,
            "permission",
        ));
        out.extend(list_change(
            &format!("{aspect}, fine-grained"),
            o.fine_grained.get(kind),
            n.fine_grained.get(kind),
            NONE_LISTED,
            "permission",
        ));
    }
    out.extend(list_change(
        "roles for others",
        &o.roles_for_others,
        &n.roles_for_others,
        NONE_LISTED,
        "directory role",
    ));
    if o.personal_accounts != n.personal_accounts {
        let show = |b: bool| if b { "supported" } else { NOT_SUPPORTED }.to_string();
        let (class, reason) = if n.personal_accounts {
            (
                Class::Additive,
                "personal Microsoft accounts are accepted now",
            )
        } else {
            (
                Class::Breaking,
                "personal Microsoft accounts are refused now: their tokens stop working",
            )
        };
        out.push(EntryChange {
            class,
            change: ChangeKind::PermissionChanged,
            aspect: "personal accounts".into(),
            old: Some(show(o.personal_accounts)),
            new: Some(show(n.personal_accounts)),
            reason: reason.into(),
        });
    }
    out.extend(documented_clouds(o, n));
    if o.source != n.source {
        out.push(EntryChange {
            class: Class::Documentation,
            change: ChangeKind::DescriptionChanged,
            aspect: "source".into(),
            old: Some(o.source.clone()),
            new: Some(n.source.clone()),
            reason: "the documentation page it follows changed".into(),
        });
    }
    if o.notes != n.notes {
        let join = |notes: &[String]| (!notes.is_empty()).then(|| notes.join(" / "));
        out.push(EntryChange {
            class: Class::Documentation,
            change: ChangeKind::DescriptionChanged,
            aspect: "notes".into(),
            old: join(&o.notes),
            new: join(&n.notes),
            reason: "the remarks shown in the generated rustdoc changed".into(),
        });
    }
    out
}

/// How a principal kind is written as an `aspect`: `delegated, self`.
fn aspect(kind: PrincipalKind) -> String {
    match kind {
        PrincipalKind::DelegatedSelf => "delegated, self",
        PrincipalKind::DelegatedOthers => "delegated, others",
        PrincipalKind::Application => "application",
    }
    .to_string()
}

/// A change of an ordered list of accepted names (least privileged first): breaking when a
/// name accepted before is not any more, additive when one more is accepted, documentation
/// when only the order changed. Values: the first name, or `empty` for an empty list. `what`
/// is `permission` (ordered by privilege) or `directory role` (any one suffices).
fn list_change(
    aspect: &str,
    old: &[String],
    new: &[String],
    empty: &str,
    what: &str,
) -> Option<EntryChange> {
    if old == new {
        return None;
    }
    let first = |l: &[String]| Some(l.first().map_or(empty.to_string(), Clone::clone));
    let removed: Vec<&String> = old.iter().filter(|p| !new.contains(p)).collect();
    let added: Vec<&String> = new.iter().filter(|p| !old.contains(p)).collect();
    let list = |l: &[&String]| {
        l.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (class, reason) = if !removed.is_empty() {
        let mut reason = if new.is_empty() && empty == NOT_SUPPORTED {
            "the documentation marks it not supported: every token of this kind is refused"
                .to_string()
        } else {
            format!(
                "a caller holding only {} (accepted before) is refused now",
                list(&removed)
            )
        };
        if what == "permission"
            && !new.is_empty()
            && old.first() != new.first()
            && removed.contains(&&old[0])
        {
            reason.push_str("; the least privileged permission asks for more");
        }
        (Class::Breaking, reason)
    } else if !added.is_empty() {
        (Class::Additive, format!("{} accepted too", list(&added)))
    } else {
        (
            Class::Documentation,
            "the same names in another order (least privileged first)".to_string(),
        )
    };
    Some(EntryChange {
        class,
        change: ChangeKind::PermissionChanged,
        aspect: aspect.to_string(),
        old: first(old),
        new: first(new),
        reason,
    })
}

/// Per cloud, what the documentation's availability row says, when either side has one.
fn documented_clouds(o: &OperationPermissions, n: &OperationPermissions) -> Vec<EntryChange> {
    let mut out = Vec::new();
    if o.documented_clouds == n.documented_clouds {
        return out;
    }
    let show = |v: Option<bool>| match v {
        Some(true) => "available",
        Some(false) => "not available",
        None => "no availability row",
    };
    for cloud in CLOUDS {
        let (before, after) = (o.documented_in(cloud), n.documented_in(cloud));
        if before == after {
            continue;
        }
        let (class, reason) = match (before, after) {
            (Some(true), Some(false)) => (
                Class::Breaking,
                format!(
                    "the documentation no longer marks it available in {cloud} (the cloud's \
                     metadata is compared separately)"
                ),
            ),
            (Some(false), Some(true)) => (
                Class::Additive,
                format!("the documentation marks it available in {cloud} now"),
            ),
            _ => (
                Class::Documentation,
                "the documentation's availability row appeared or went away".to_string(),
            ),
        };
        out.push(EntryChange {
            class,
            change: ChangeKind::DocumentedAvailabilityChanged,
            aspect: cloud.to_string(),
            old: Some(show(before).into()),
            new: Some(show(after).into()),
            reason,
        });
    }
    out
}

/// An entry in one line: the least privileged permission per principal kind.
pub(super) fn summary(p: &OperationPermissions) -> String {
    PrincipalKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{}: {}",
                aspect(*k),
                p.least_privileged(*k).unwrap_or(NOT_SUPPORTED)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
