//! Permissions and documented availability as data (`spec/permissions.toml`): per operation
//! of the slice, the Microsoft Graph permissions the documentation lists (delegated acting on
//! the signed-in user, delegated acting on another user, application), the directory roles a
//! delegated caller needs to act on another user, and the national clouds the documentation
//! marks the operation as available in.
//!
//! The file is hand-maintained from the documentation pages (each entry names its `source`);
//! the format is described by the comments at the top of `spec/permissions.toml`.
//! [`Permissions::parse`] reads it, [`Permissions::validate`] checks it against the IR: every
//! operation the slice allows has exactly one entry, and no entry names an operation that does
//! not exist. [`operation_keys`] derives the operation list from the IR with the same rules as
//! the OpenAPI emitter, so the client, the rustdoc and this file agree on what an operation is.
//!
//! # Operation keys
//!
//! `<navigation>.<operation>`: `navigation` is the last navigation property of the slice's
//! path (`phoneMethods`), or its whole path after the root where two paths of the slice end
//! in the same navigation property (`settings` under `groups` and `sharepoint/settings` under
//! `admin`; see [`key_navigations`]), `operation` one of `list`, `get`, `create`, `update`, `delete` or the name
//! of a bound action or function (`enableSmsSignIn`). One key covers both `/me/...` and
//! `/users/{id}/...`; the principal kinds tell self-service from acting on others.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use crate::error::Error;
use crate::ir::Model;
use crate::ir::names::{close_matches, suggestion};

/// The national clouds a `documented_clouds` list may name, in the documentation's order:
/// the global service, US Government L4 (GCC High), US Government L5 (DOD), China operated
/// by 21Vianet.
pub const CLOUDS: [&str; 4] = ["global", "usgov-l4", "usgov-l5-dod", "china"];

/// An operation of the slice: `phoneMethods.get`, `phoneMethods.enableSmsSignIn`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OperationKey {
    /// The navigation property of the slice, for example `phoneMethods`, or a path
    /// (`sharepoint/settings`) where the last navigation property is not unique.
    pub navigation: String,
    /// `list`, `get`, `create`, `update`, `delete`, or a bound action or function name.
    pub operation: String,
}

impl OperationKey {
    /// The key `<navigation>.<operation>`.
    pub fn new(navigation: &str, operation: &str) -> OperationKey {
        OperationKey {
            navigation: navigation.to_string(),
            operation: operation.to_string(),
        }
    }

    /// Parses `<navigation>.<operation>`; `None` unless both parts are non-empty and there
    /// is exactly one dot.
    pub fn parse(text: &str) -> Option<OperationKey> {
        let (navigation, operation) = text.split_once('.')?;
        if navigation.is_empty() || operation.is_empty() || operation.contains('.') {
            return None;
        }
        Some(OperationKey::new(navigation, operation))
    }
}

impl fmt::Display for OperationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.navigation, self.operation)
    }
}

/// Who calls, as the documentation's permission tables distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// A delegated (work or school) token acting on the signed-in user (`/me/...`, or
    /// `/users/{id}/...` with the user's own id).
    DelegatedSelf,
    /// A delegated token acting on another user; also needs one of the
    /// [`OperationPermissions::roles_for_others`].
    DelegatedOthers,
    /// An application token (`/users/{id}/...` only; `/me` needs a signed-in user).
    Application,
}

impl PrincipalKind {
    /// All kinds, in file order.
    pub const ALL: [PrincipalKind; 3] = [
        PrincipalKind::DelegatedSelf,
        PrincipalKind::DelegatedOthers,
        PrincipalKind::Application,
    ];

    /// The field name used in `spec/permissions.toml`: `delegated_self`,
    /// `delegated_others`, `application`.
    pub fn field(self) -> &'static str {
        match self {
            PrincipalKind::DelegatedSelf => "delegated_self",
            PrincipalKind::DelegatedOthers => "delegated_others",
            PrincipalKind::Application => "application",
        }
    }

    fn from_field(name: &str) -> Option<PrincipalKind> {
        PrincipalKind::ALL.into_iter().find(|k| k.field() == name)
    }
}

/// Permission names for each principal kind, least privileged first. An empty list means
/// the kind is not supported (see [`OperationPermissions::not_supported`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermissionLists {
    /// Delegated, acting on the signed-in user.
    pub delegated_self: Vec<String>,
    /// Delegated, acting on another user.
    pub delegated_others: Vec<String>,
    /// Application.
    pub application: Vec<String>,
}

impl PermissionLists {
    /// The list for `kind`.
    pub fn get(&self, kind: PrincipalKind) -> &[String] {
        match kind {
            PrincipalKind::DelegatedSelf => &self.delegated_self,
            PrincipalKind::DelegatedOthers => &self.delegated_others,
            PrincipalKind::Application => &self.application,
        }
    }
}

/// The documented permissions and availability of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationPermissions {
    /// The broad `UserAuthenticationMethod.*` permissions, least privileged first.
    pub permissions: PermissionLists,
    /// The newer per-method-kind permissions (`UserAuthMethod-Phone.ReadWrite`, ...), least
    /// privileged first; empty where the documentation lists none.
    pub fine_grained: PermissionLists,
    /// Principal kinds the documentation marks "Not supported" (their lists are empty).
    pub not_supported: BTreeSet<PrincipalKind>,
    /// Directory roles, any one of which a delegated caller acting on another user needs.
    pub roles_for_others: Vec<String>,
    /// Whether personal Microsoft accounts are supported.
    pub personal_accounts: bool,
    /// The national clouds the documentation page marks as available (a subset of
    /// [`CLOUDS`], in that order); `None` when the page has no availability row.
    pub documented_clouds: Option<Vec<String>>,
    /// The documentation page: title and URL, or where the data came from instead.
    pub source: String,
    /// Remarks from the documentation (masking, MFA freshness, self-service limits).
    pub notes: Vec<String>,
}

impl OperationPermissions {
    /// The least privileged broad permission for `kind`, or `None` if not supported.
    pub fn least_privileged(&self, kind: PrincipalKind) -> Option<&str> {
        self.permissions.get(kind).first().map(String::as_str)
    }

    /// The least privileged fine-grained permission for `kind`, if the documentation lists
    /// one.
    pub fn least_privileged_fine_grained(&self, kind: PrincipalKind) -> Option<&str> {
        self.fine_grained.get(kind).first().map(String::as_str)
    }

    /// Every permission the documentation accepts for `kind`: the broad ones, then the
    /// fine-grained ones.
    pub fn accepted(&self, kind: PrincipalKind) -> impl Iterator<Item = &str> {
        self.permissions
            .get(kind)
            .iter()
            .chain(self.fine_grained.get(kind))
            .map(String::as_str)
    }

    /// True if one of `granted` (scopes or app roles of a token) is accepted for `kind`.
    /// Permission names compare case-insensitively. Directory roles are not checked.
    pub fn allows<S: AsRef<str>>(&self, kind: PrincipalKind, granted: &[S]) -> bool {
        self.accepted(kind)
            .any(|a| granted.iter().any(|g| g.as_ref().eq_ignore_ascii_case(a)))
    }

    /// A Markdown section for the rustdoc of the operation's generated method: a table of the
    /// permissions per caller, the roles, personal accounts, the documented clouds, the notes
    /// and the source. Lines end with `\n`; no line starts with `#`.
    pub fn to_markdown(&self) -> String {
        let code = |l: &[String]| {
            l.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::from(
            "**Permissions** (least privileged first)\n\n\
             | caller | permissions | fine-grained |\n|---|---|---|\n",
        );
        for (kind, caller) in [
            (
                PrincipalKind::DelegatedSelf,
                "delegated, acting on the signed-in user",
            ),
            (
                PrincipalKind::DelegatedOthers,
                "delegated, acting on another user",
            ),
            (PrincipalKind::Application, "application"),
        ] {
            if self.not_supported.contains(&kind) {
                out.push_str(&format!("| {caller} | not supported |  |\n"));
            } else {
                out.push_str(&format!(
                    "| {caller} | {} | {} |\n",
                    code(self.permissions.get(kind)),
                    code(self.fine_grained.get(kind))
                ));
            }
        }
        out.push('\n');
        if !self.roles_for_others.is_empty() {
            out.push_str(&format!(
                "Acting on another user with a delegated token also needs one of these directory \
                 roles: {}.\n",
                self.roles_for_others.join(", ")
            ));
        }
        if !self.personal_accounts {
            out.push_str("Personal Microsoft accounts are not supported.\n");
        }
        match &self.documented_clouds {
            Some(clouds) => {
                let missing: Vec<&str> = CLOUDS
                    .into_iter()
                    .filter(|c| !clouds.iter().any(|x| x == c))
                    .collect();
                out.push_str(&format!(
                    "Documented national clouds: {}",
                    if clouds.is_empty() {
                        "none".to_string()
                    } else {
                        clouds.join(", ")
                    }
                ));
                if missing.is_empty() {
                    out.push_str(".\n");
                } else {
                    out.push_str(&format!(" (not {}).\n", missing.join(", ")));
                }
            }
            None => out.push_str("The documentation gives no national cloud availability.\n"),
        }
        for note in &self.notes {
            out.push_str(&format!("\nNote: {note}.\n"));
        }
        // "<title>, <URL>" becomes a link: rustdoc warns on bare URLs.
        match self.source.rsplit_once(", ") {
            Some((title, url))
                if url.starts_with("https://") && !url.contains(char::is_whitespace) =>
            {
                out.push_str(&format!("\nSource: [{title}]({url}).\n"));
            }
            _ => out.push_str(&format!("\nSource: {}.\n", self.source)),
        }
        out
    }

    /// Whether the documentation marks the operation as available in `cloud` (one of
    /// [`CLOUDS`]); `None` when the page has no availability row.
    pub fn documented_in(&self, cloud: &str) -> Option<bool> {
        Some(self.documented_clouds.as_ref()?.iter().any(|c| c == cloud))
    }
}

/// The parsed `spec/permissions.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// The file it was read from, for error messages.
    pub file: String,
    /// One entry per operation, by key.
    pub operations: BTreeMap<OperationKey, OperationPermissions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    operations: BTreeMap<String, RawEntry>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLists {
    #[serde(default)]
    delegated_self: Vec<String>,
    #[serde(default)]
    delegated_others: Vec<String>,
    #[serde(default)]
    application: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    delegated_self: Vec<String>,
    #[serde(default)]
    delegated_others: Vec<String>,
    #[serde(default)]
    application: Vec<String>,
    #[serde(default)]
    not_supported: Vec<String>,
    #[serde(default)]
    fine_grained: RawLists,
    #[serde(default)]
    roles_for_others: Vec<String>,
    personal_accounts: bool,
    documented_clouds: Option<Vec<String>>,
    source: String,
    #[serde(default)]
    notes: Vec<String>,
}

impl Permissions {
    /// Parses the text of `file` and checks each entry on its own (key syntax, principal
    /// kinds, clouds, empty lists); [`Permissions::validate`] checks it against the model.
    pub fn parse(file: &str, text: &str) -> Result<Permissions, Error> {
        let err = |message: String| Error::Slice {
            file: file.to_string(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim_end_matches('.').to_string();
            let (at, key) = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    (format!("{line}:{col}: "), enclosing_operation(before))
                }
                None => (String::new(), None),
            };
            let key = key.map_or(String::new(), |k| format!("operation `{k}`: "));
            err(format!(
                "{at}{key}{msg}; see the comments at the top of {file} for the expected fields"
            ))
        })?;
        let mut operations = BTreeMap::new();
        for (name, entry) in raw.operations {
            let Some(key) = OperationKey::parse(&name) else {
                return Err(err(format!(
                    "operation `{name}`: the key must be `<navigation>.<operation>`, for example \
                     `phoneMethods.get`"
                )));
            };
            let at = |field: &str, message: String| {
                err(format!("operation `{key}`, field `{field}`: {message}"))
            };
            let mut not_supported = BTreeSet::new();
            for n in &entry.not_supported {
                let Some(kind) = PrincipalKind::from_field(n) else {
                    return Err(at(
                        "not_supported",
                        format!(
                            "unknown principal kind `{n}`; use delegated_self, delegated_others \
                             or application"
                        ),
                    ));
                };
                if !not_supported.insert(kind) {
                    return Err(at("not_supported", format!("`{n}` is listed twice")));
                }
            }
            let permissions = PermissionLists {
                delegated_self: entry.delegated_self,
                delegated_others: entry.delegated_others,
                application: entry.application,
            };
            let fine_grained = PermissionLists {
                delegated_self: entry.fine_grained.delegated_self,
                delegated_others: entry.fine_grained.delegated_others,
                application: entry.fine_grained.application,
            };
            for kind in PrincipalKind::ALL {
                let field = kind.field();
                let list = permissions.get(kind);
                let fine = fine_grained.get(kind);
                let unsupported = not_supported.contains(&kind);
                if unsupported && !(list.is_empty() && fine.is_empty()) {
                    return Err(at(
                        field,
                        format!(
                            "the entry marks {field} as not supported but lists permissions for \
                             it; empty the list or remove `{field}` from not_supported"
                        ),
                    ));
                }
                if !unsupported && list.is_empty() {
                    return Err(at(
                        field,
                        format!(
                            "no permissions listed; list them least privileged first, or add \
                             `{field}` to not_supported if the documentation says \"Not supported\""
                        ),
                    ));
                }
                for (what, l) in [
                    (field.to_string(), list),
                    (format!("fine_grained.{field}"), fine),
                ] {
                    check_names(l).map_err(|m| at(&what, m))?;
                }
            }
            if !not_supported.contains(&PrincipalKind::DelegatedOthers)
                && entry.roles_for_others.is_empty()
            {
                return Err(at(
                    "roles_for_others",
                    "delegated callers acting on other users need a directory role; list the \
                     roles the documentation names"
                        .to_string(),
                ));
            }
            check_names(&entry.roles_for_others).map_err(|m| at("roles_for_others", m))?;
            let clouds = match &entry.documented_clouds {
                None => None,
                Some(listed) => Some(check_clouds(listed).map_err(|m| at("documented_clouds", m))?),
            };
            if entry.source.trim().is_empty() {
                return Err(at(
                    "source",
                    "name the documentation page (title and URL) the entry comes from".to_string(),
                ));
            }
            operations.insert(
                key,
                OperationPermissions {
                    permissions,
                    fine_grained,
                    not_supported,
                    roles_for_others: entry.roles_for_others,
                    personal_accounts: entry.personal_accounts,
                    documented_clouds: clouds,
                    source: entry.source,
                    notes: entry.notes,
                },
            );
        }
        Ok(Permissions {
            file: file.to_string(),
            operations,
        })
    }

    /// No permissions recorded: what a slice without a permission file has (`file` empty).
    pub fn none() -> Permissions {
        Permissions {
            file: String::new(),
            operations: BTreeMap::new(),
        }
    }

    /// Checks the file against the operations `model` allows (see [`operation_keys`]): every
    /// operation has an entry and every entry names an operation. Reports all problems at
    /// once, missing entries first. [`Permissions::validate_entries`] with `required`.
    pub fn validate(&self, model: &Model) -> Result<(), Error> {
        self.validate_entries(model, true)
    }

    /// Checks the file against the operations `model` allows (see [`operation_keys`]):
    /// every entry names an operation and, when `required` (the slice's
    /// `permissions = { file = "...", required = true }`), every operation has an entry. A
    /// missing entry of an optional file is not an error: the generated docs say the
    /// operation's permissions are not recorded. Reports all problems at once, missing
    /// entries first.
    pub fn validate_entries(&self, model: &Model, required: bool) -> Result<(), Error> {
        let keys: BTreeSet<OperationKey> = operation_keys(model).into_iter().collect();
        let mut problems = Vec::new();
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| !self.operations.contains_key(k))
            .map(ToString::to_string)
            .collect();
        if required && !missing.is_empty() {
            problems.push(format!(
                "no entry for operation{} {} of the slice; add `[operations.\"<key>\"]` tables \
                 with the permissions from the operation's documentation page (the slice \
                 declares this file `required`)",
                if missing.len() == 1 { "" } else { "s" },
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for key in self.operations.keys().filter(|k| !keys.contains(k)) {
            let ops: Vec<&str> = keys
                .iter()
                .filter(|k| k.navigation == key.navigation)
                .map(|k| k.operation.as_str())
                .collect();
            let (why, m) = if ops.is_empty() {
                let navigations: BTreeSet<&str> =
                    keys.iter().map(|k| k.navigation.as_str()).collect();
                let m = close_matches(&key.navigation, navigations)
                    .into_iter()
                    .map(|n| {
                        let candidate = OperationKey::new(&n, &key.operation);
                        if keys.contains(&candidate) {
                            candidate.to_string()
                        } else {
                            n
                        }
                    })
                    .collect::<Vec<_>>();
                (format!("the slice has no navigation {}", key.navigation), m)
            } else {
                let m = close_matches(&key.operation, ops)
                    .into_iter()
                    .map(|op| format!("{}.{op}", key.navigation))
                    .collect::<Vec<_>>();
                (
                    format!(
                        "the slice's {} has no operation {}",
                        key.navigation, key.operation
                    ),
                    m,
                )
            };
            problems.push(format!(
                "operation `{key}` does not exist ({why}); remove or rename the entry; {}",
                suggestion(&m)
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Slice {
                file: self.file.clone(),
                message: problems.join("; "),
            })
        }
    }

    /// The entry of `key` (`phoneMethods.get`).
    pub fn get(&self, key: &str) -> Option<&OperationPermissions> {
        self.operations.get(&OperationKey::parse(key)?)
    }

    /// The least privileged broad permission for `key` and `kind`; `None` if the operation
    /// is unknown or `kind` is not supported for it.
    pub fn least_privileged(&self, key: &str, kind: PrincipalKind) -> Option<&str> {
        self.get(key)?.least_privileged(kind)
    }
}

/// The navigation part of the permission keys of the slice's navigation paths, by the
/// paths' segments (`["authentication", "phoneMethods"]`): the last navigation property
/// (`phoneMethods`) when no other path of `paths` ends in the same one, otherwise the whole
/// path after the root (`settings` under `groups`, `sharepoint/settings` under `admin`).
/// Keys are therefore unique for any slice, and short wherever the last navigation says
/// enough. One key covers every root that has the same path (`/me/...` and
/// `/users/{id}/...`).
///
/// Two distinct paths never get one name: a short name is used only when it is unique
/// among the last navigations, and two whole paths differ.
pub fn key_navigations<'a>(
    paths: impl IntoIterator<Item = &'a [String]>,
) -> BTreeMap<Vec<String>, String> {
    let distinct: BTreeSet<&[String]> = paths.into_iter().filter(|p| !p.is_empty()).collect();
    let mut last_count: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &distinct {
        if let Some(last) = p.last() {
            *last_count.entry(last.as_str()).or_default() += 1;
        }
    }
    distinct
        .into_iter()
        .map(|p| {
            let last = p.last().map(String::as_str).unwrap_or_default();
            let name = if last_count.get(last) == Some(&1) {
                last.to_string()
            } else {
                p.join("/")
            };
            (p.to_vec(), name)
        })
        .collect()
}

/// The operations `model`'s navigation paths allow, sorted and without duplicates (the
/// `users` and `me` roots share keys). The rules are those of the OpenAPI emitter
/// (`emit::openapi`):
///
/// - `model` is restricted ([`crate::Slice::restrict`]): a hop the slice does not list
///   (`.../authentication`) offers nothing and has no key; the navigation name is the last
///   segment of a path, or the whole path where two paths end alike ([`key_navigations`]);
/// - `list` for a readable collection, `get` for a readable path;
/// - `create` for an insertable collection, `update` for an updatable path, both only when
///   the target is a concrete (non-abstract) entity type, which has a payload;
/// - `delete` for a deletable path;
/// - one key per bound action or function of the path.
pub fn operation_keys(model: &Model) -> Vec<OperationKey> {
    let offered = offered_operations(model);
    let names = key_navigations(offered.iter().map(|(p, _)| *p));
    let mut out = BTreeSet::new();
    for (path, ops) in &offered {
        let navigation = &names[*path];
        for op in ops {
            out.insert(OperationKey::new(navigation, op));
        }
    }
    out.into_iter().collect()
}

/// The navigation part of the keys of `model`'s paths that offer an operation, by the
/// paths' segments ([`key_navigations`] over the paths [`operation_keys`] counts).
pub fn operation_key_navigations(model: &Model) -> BTreeMap<Vec<String>, String> {
    key_navigations(offered_operations(model).iter().map(|(p, _)| *p))
}

/// The paths of `model` that offer operations (by the rules of [`operation_keys`]), with
/// their operations.
fn offered_operations(model: &Model) -> Vec<(&[String], Vec<&str>)> {
    let mut offered: Vec<(&[String], Vec<&str>)> = Vec::new();
    for path in model.paths.values() {
        // A hop of a restricted model (`authentication`, `todo`) offers nothing
        // ([`crate::Slice::restrict`]), so it adds no key; a listed path that is also the
        // prefix of another (`todo/lists` under `todo/lists/tasks`) keeps its own.
        if path.segments.is_empty() {
            continue;
        }
        let caps = path.capabilities;
        let payload = model
            .types
            .get(&path.target)
            .is_some_and(|t| !t.is_abstract && t.kind == crate::ir::TypeKind::Entity);
        let mut ops = Vec::new();
        if path.collection && caps.readable {
            ops.push("list");
        }
        if caps.readable {
            ops.push("get");
        }
        if path.collection && caps.insertable && payload {
            ops.push("create");
        }
        if caps.updatable && payload {
            ops.push("update");
        }
        if caps.deletable {
            ops.push("delete");
        }
        ops.extend(path.operations.iter().map(|op| op.name.as_str()));
        if !ops.is_empty() {
            offered.push((path.segments.as_slice(), ops));
        }
    }
    offered
}

/// The operation whose `[operations."..."]` table encloses the end of `before`, if any.
fn enclosing_operation(before: &str) -> Option<String> {
    before.lines().rev().find_map(|line| {
        let rest = line.trim().strip_prefix("[operations.\"")?;
        Some(rest.split('"').next()?.to_string())
    })
}

/// The listed clouds in [`CLOUDS`] order; an unknown or repeated name is an error.
fn check_clouds(listed: &[String]) -> Result<Vec<String>, String> {
    for c in listed {
        if !CLOUDS.contains(&c.as_str()) {
            let m = close_matches(c, CLOUDS);
            return Err(format!(
                "unknown cloud `{c}`; the known clouds are {}; {}",
                CLOUDS.join(", "),
                suggestion(&m)
            ));
        }
    }
    let mut out = Vec::new();
    for c in CLOUDS {
        match listed.iter().filter(|x| *x == c).count() {
            0 => {}
            1 => out.push(c.to_string()),
            _ => return Err(format!("`{c}` is listed twice")),
        }
    }
    Ok(out)
}

fn check_names(list: &[String]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for name in list {
        if name.trim().is_empty() || name.trim() != name {
            return Err(format!(
                "`{name}` is not a name (empty or with surrounding spaces)"
            ));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(format!("`{name}` is listed twice"));
        }
    }
    Ok(())
}
