//! The slice definition (`spec/slice.toml`): which part of the full Graph metadata this
//! project covers. See the comments in `spec/slice.toml` for the format.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

/// A parsed slice definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    /// The file it was read from, for error messages.
    pub file: String,
    /// The name of the trimmed spec: the output is `<output_dir>/<name>.csdl`.
    pub name: String,
    /// Where the trimmed spec and the lock are written, relative to the repository root.
    pub output_dir: String,
    /// The full metadata document, relative to the repository root.
    pub metadata: String,
    /// The document descriptions are taken from, relative to the repository root.
    pub descriptions: Option<String>,
    /// The namespace of the covered types, for example `microsoft.graph`.
    pub namespace: String,
    /// The navigation paths the slice covers, in file order.
    pub paths: Vec<PathEntry>,
    /// Entries deliberately left out, with the reason.
    pub decisions: Vec<Decision>,
    /// National clouds whose own metadata the same slice is cut from, for availability.
    pub clouds: Vec<CloudSource>,
    /// The generated crates of a slice other than the project's own (`[output]`); `None`
    /// for the project's slice, whose outputs are the project's crates.
    pub output: Option<SliceOutput>,
    /// The slice's permission file (`permissions = { file = "...", required = true }`);
    /// `None` when the slice records no permissions (every operation's are then "not
    /// recorded" in the generated docs).
    pub permissions: Option<PermissionsFile>,
}

/// `permissions = { file = "...", required = ... }` of a slice: where the documented
/// permissions of its operations are recorded (the format of `spec/permissions.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionsFile {
    /// The file, relative to the repository root.
    pub file: String,
    /// True when every operation of the slice must have an entry (code generation fails
    /// otherwise, naming the missing keys); false when a missing entry is documented as
    /// "permissions not recorded".
    pub required: bool,
}

/// `[output]` of a slice: the crates code generation writes for it, each whole (its
/// `Cargo.toml`, `src/lib.rs` and `src/generated/`), over the project's shared hand-written
/// crates. Its OpenAPI document is `<output_dir>/openapi.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceOutput {
    /// The directory of the types crate, relative to the repository root.
    pub types_dir: String,
    /// Its package name.
    pub types_package: String,
    /// The client crate (`client` and `client_package`, both or neither): its directory,
    /// relative to the repository root, and its package name. The crate depends on the
    /// types crate and on the shared runtime (`graph-phone-runtime`).
    pub client: Option<CrateOutput>,
}

/// One generated crate of a slice: where it is written and its package name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateOutput {
    /// The crate's directory, relative to the repository root.
    pub dir: String,
    /// Its package name.
    pub package: String,
}

/// A national cloud's metadata, trimmed with the same slice into `spec/clouds/<name>.csdl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSource {
    /// The file stem of its trimmed spec, for example `usgov`.
    pub name: String,
    /// The clouds (as the client names them: `usGovL4`, `usGovL5Dod`, `china`) served by it.
    pub serves: Vec<String>,
    /// Its full metadata document, relative to the repository root.
    pub metadata: String,
}

/// Where the trimmed spec of a national cloud of the project's slice (`output_dir =
/// "spec"`) is written; see [`Slice::cloud_spec`] for any slice.
pub fn cloud_spec_path(name: &str) -> String {
    format!("spec/clouds/{name}.csdl")
}

/// One `[[path]]` entry: a navigation path from some container roots, and what the slice
/// offers on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    /// Entity sets and singletons it starts from (`users`, `me`, `groups`).
    pub roots: Vec<String>,
    /// Navigation property names after the root, at any depth, for example
    /// `["authentication", "phoneMethods"]` (key segments are implied by the metadata: a
    /// collection-valued navigation in the middle is followed by its key).
    pub segments: Vec<String>,
    /// Bound actions and functions (bound to the target type or one of its ancestors) kept
    /// on this path only.
    pub actions: Vec<String>,
    /// The entity-set operations the project offers on it (`list`, `get`, `create`,
    /// `update`, `delete`), sorted; `None` offers all the metadata allows. See
    /// [`Slice::restrict`].
    pub operations: Option<Vec<String>>,
    /// Navigation properties of its target type kept for `$expand` (`device`): the trim
    /// keeps them with their target type, whose own navigation properties it drops.
    pub expand: Vec<String>,
    /// Actions of [`PathEntry::actions`] that start a long-running operation (`202
    /// Accepted` with a `Location`), which the metadata cannot say: action name -> the
    /// path, as `path` writes it, of the operations collection the `Location` points into
    /// (`resetPassword = "authentication/operations"`). That path must be listed too, with
    /// `get`, under the same roots.
    pub long_running: BTreeMap<String, String>,
}

impl PathEntry {
    /// The path as written in the slice: `authentication/phoneMethods`.
    pub fn path(&self) -> String {
        self.segments.join("/")
    }
}

/// The operations a `[[path]]` entry's `operations` list may name.
pub const OPERATIONS: [&str; 5] = ["list", "get", "create", "update", "delete"];

/// A recorded decision about an entry that is not included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// A navigation path (`authentication/passwordlessMicrosoftAuthenticatorMethods`) or
    /// `path/action`, relative to the roots, as a [`PathEntry`] would name it.
    pub entry: String,
    /// Why it is left out.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlice {
    name: Spanned<String>,
    output_dir: Option<Spanned<String>>,
    source: RawSource,
    scope: RawScope,
    #[serde(default)]
    path: Vec<RawPath>,
    #[serde(default)]
    decision: Vec<RawDecision>,
    #[serde(default)]
    cloud: Vec<RawCloud>,
    output: Option<RawOutput>,
    permissions: Option<RawPermissions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPermissions {
    file: Spanned<String>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    types: Spanned<String>,
    types_package: Spanned<String>,
    client: Option<Spanned<String>>,
    client_package: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCloud {
    name: Spanned<String>,
    serves: Vec<String>,
    metadata: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    metadata: Spanned<String>,
    descriptions: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    namespace: String,
    #[serde(default)]
    roots: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    roots: Option<Vec<String>>,
    path: Spanned<String>,
    #[serde(default)]
    actions: Vec<String>,
    operations: Option<Vec<String>>,
    #[serde(default)]
    expand: Vec<String>,
    #[serde(default)]
    long_running: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    entry: String,
    include: bool,
    reason: String,
}

/// `line:column: ` of the byte offset `at` of `text` (columns count characters).
fn position(text: &str, at: usize) -> String {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    format!("{line}:{col}: ")
}

/// A path read from a spec file must name something inside the repository: relative, `/`
/// separators, no `..` (nor `.`) component, no empty component, no NUL.
pub fn check_repository_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("is empty".into());
    }
    if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        return Err("is absolute".into());
    }
    if path.contains('\\') {
        return Err("contains `\\`".into());
    }
    if path.contains('\0') {
        return Err("contains a NUL character".into());
    }
    for part in path.trim_end_matches('/').split('/') {
        match part {
            ".." => return Err("leaves the repository (`..`)".into()),
            "." | "" => return Err("has an empty or `.` component".into()),
            _ => {}
        }
    }
    Ok(())
}

/// A file name the commands put in a directory: no separator, not `.` or `..`.
pub fn check_file_stem(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.contains(['/', '\\']) {
        return Err("contains a path separator".into());
    }
    if name == "." || name == ".." {
        return Err("is not a file name".into());
    }
    if name.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    Ok(())
}

impl Slice {
    /// Parse a slice definition; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Slice, Error> {
        let err = |message: String| Error::Slice {
            file: file.to_string(),
            message,
        };
        let raw: RawSlice = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim_end_matches('.').to_string();
            let at = e
                .span()
                .map_or_else(String::new, |span| position(text, span.start));
            err(format!(
                "{at}{msg}; see the comments at the top of the slice file for the expected fields"
            ))
        })?;
        // Every path and file name stays inside the repository: the commands write
        // `<output_dir>/<name>.csdl` and `spec/clouds/<cloud>.csdl`, and read the metadata.
        let checked_path = |field: &str, value: &Spanned<String>| {
            check_repository_path(value.get_ref()).map_err(|problem| {
                err(format!(
                    "{}{field} `{}` {problem}; use a relative path inside the repository, \
                     with `/` separators and no `..`",
                    position(text, value.span().start),
                    value.get_ref().escape_debug()
                ))
            })
        };
        if let Some(dir) = &raw.output_dir {
            checked_path("output_dir", dir)?;
        }
        checked_path("source.metadata", &raw.source.metadata)?;
        if let Some(descriptions) = &raw.source.descriptions {
            checked_path("source.descriptions", descriptions)?;
        }
        if let Err(problem) = check_file_stem(raw.name.get_ref()) {
            return Err(err(format!(
                "{}name `{}` {problem}; the trimmed spec is `<output_dir>/<name>.csdl`, so use \
                 a file name without a directory, for example `graph-phone`",
                position(text, raw.name.span().start),
                raw.name.get_ref().escape_debug()
            )));
        }
        for c in &raw.cloud {
            checked_path("cloud.metadata", &c.metadata)?;
        }
        if let Some(p) = &raw.permissions {
            checked_path("permissions.file", &p.file)?;
        }
        if let Some(o) = &raw.output {
            checked_path("output.types", &o.types)?;
            let check_package = |field: &str, package: &Spanned<String>, example: &str| {
                let name = package.get_ref();
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    return Err(err(format!(
                        "{}output.{field} `{}` must be a package name of lowercase letters, \
                         digits and `-`, for example `{example}`",
                        position(text, package.span().start),
                        name.escape_debug()
                    )));
                }
                Ok(())
            };
            check_package(
                "types_package",
                &o.types_package,
                "graph-example-todo-types",
            )?;
            match (&o.client, &o.client_package) {
                (Some(dir), Some(package)) => {
                    checked_path("output.client", dir)?;
                    check_package("client_package", package, "graph-example-todo-client")?;
                    if dir.get_ref().trim_end_matches('/')
                        == o.types.get_ref().trim_end_matches('/')
                        || package.get_ref() == o.types_package.get_ref()
                    {
                        return Err(err(format!(
                            "{}output.client must name another directory and package than \
                             output.types: the two crates are written side by side",
                            position(text, dir.span().start)
                        )));
                    }
                }
                (Some(one), None) | (None, Some(one)) => {
                    return Err(err(format!(
                        "{}output.client and output.client_package go together: name the \
                         client crate's directory and its package, or neither",
                        position(text, one.span().start)
                    )));
                }
                (None, None) => {}
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut paths = Vec::new();
        for p in raw.path {
            let at = position(text, p.path.span().start);
            let written = p.path.into_inner();
            let segments: Vec<String> = written.split('/').map(str::to_string).collect();
            if segments
                .iter()
                .any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(err(format!(
                    "{at}path `{}` must be navigation property names separated by `/`, \
                     without keys, for example `authentication/phoneMethods` or \
                     `todo/lists/tasks`",
                    written.escape_debug()
                )));
            }
            let roots = p.roots.unwrap_or_else(|| raw.scope.roots.clone());
            if roots.is_empty() || roots.iter().any(String::is_empty) {
                return Err(err(format!(
                    "{at}path `{written}` has no roots; give it `roots` (entity sets or \
                     singletons, for example `[\"users\", \"me\"]`) or set scope.roots"
                )));
            }
            for op in p.operations.iter().flatten() {
                if !OPERATIONS.contains(&op.as_str()) {
                    return Err(err(format!(
                        "{at}path `{written}` lists unknown operation `{op}`; use some of {}",
                        OPERATIONS.join(", ")
                    )));
                }
            }
            for x in &p.expand {
                if x.is_empty() || x.contains('/') || p.actions.contains(x) {
                    return Err(err(format!(
                        "{at}path `{written}` lists expand `{x}`; name one navigation property \
                         of its target type (not an action)"
                    )));
                }
            }
            for (action, poll) in &p.long_running {
                if !p.actions.contains(action) {
                    return Err(err(format!(
                        "{at}path `{written}` lists `{action}` under long_running but not under \
                         actions; add it to `actions` or remove it from `long_running`"
                    )));
                }
                if poll.is_empty() || poll.starts_with('/') || poll.ends_with('/') {
                    return Err(err(format!(
                        "{at}path `{written}`: long_running `{action}` names `{poll}`; name the \
                         operations collection as `path` writes it (`authentication/operations`)"
                    )));
                }
            }
            if !seen.insert(written.clone()) {
                return Err(err(format!(
                    "{at}path `{written}` is listed twice; keep one [[path]] entry per path \
                     (list all its roots in it)"
                )));
            }
            paths.push(PathEntry {
                roots,
                segments,
                actions: p.actions,
                expand: p.expand,
                long_running: p.long_running,
                operations: p.operations.map(|mut ops| {
                    ops.sort();
                    ops.dedup();
                    ops
                }),
            });
        }
        for entry in &paths {
            for (action, poll) in &entry.long_running {
                let listed = paths.iter().find(|q| q.path() == *poll);
                let ok = listed.is_some_and(|q| {
                    entry.roots.iter().all(|r| q.roots.contains(r))
                        && q.operations
                            .as_ref()
                            .is_none_or(|ops| ops.iter().any(|o| o == "get"))
                });
                if !ok {
                    return Err(err(format!(
                        "path `{}`: long_running `{action}` polls `{poll}`, which is not a \
                         [[path]] entry offering `get` under the roots {}; list it",
                        entry.path(),
                        entry.roots.join(", ")
                    )));
                }
            }
        }
        if paths.is_empty() {
            return Err(err(
                "the slice has no [[path]] entry; add one, for example `[[path]]` with \
                 `roots = [\"me\"]` and `path = \"authentication/phoneMethods\"`"
                    .into(),
            ));
        }
        let mut decisions = Vec::new();
        for d in raw.decision {
            if d.include {
                return Err(err(format!(
                    "decision `{}` has include = true; a decision records an entry left out, so list included entries under [[path]] instead",
                    d.entry
                )));
            }
            if d.reason.trim().is_empty() {
                return Err(err(format!(
                    "decision `{}` has an empty reason; say why it is left out",
                    d.entry
                )));
            }
            if seen.contains(d.entry.as_str()) {
                return Err(err(format!(
                    "decision `{}` excludes an entry that [[path]] includes; remove one of them",
                    d.entry
                )));
            }
            decisions.push(Decision {
                entry: d.entry,
                reason: d.reason,
            });
        }
        let mut clouds = Vec::new();
        for c in raw.cloud {
            let name_at = position(text, c.name.span().start);
            let (name, metadata) = (c.name.into_inner(), c.metadata.into_inner());
            if name.is_empty()
                || !name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            {
                return Err(err(format!(
                    "{name_at}cloud.name `{}` must be a file stem of letters, digits and `-`",
                    name.escape_debug()
                )));
            }
            if c.serves.is_empty() {
                return Err(err(format!(
                    "{name_at}cloud `{name}` serves no cloud; name at least one, for example `china`"
                )));
            }
            clouds.push(CloudSource {
                name,
                serves: c.serves,
                metadata,
            });
        }
        Ok(Slice {
            file: file.to_string(),
            name: raw.name.into_inner(),
            output_dir: raw
                .output_dir
                .map_or_else(|| "spec".to_string(), Spanned::into_inner),
            metadata: raw.source.metadata.into_inner(),
            descriptions: raw.source.descriptions.map(Spanned::into_inner),
            namespace: raw.scope.namespace,
            paths,
            decisions,
            clouds,
            output: raw.output.map(|o| SliceOutput {
                types_dir: o.types.into_inner().trim_end_matches('/').to_string(),
                types_package: o.types_package.into_inner(),
                client: o
                    .client
                    .zip(o.client_package)
                    .map(|(dir, package)| CrateOutput {
                        dir: dir.into_inner().trim_end_matches('/').to_string(),
                        package: package.into_inner(),
                    }),
            }),
            permissions: raw.permissions.map(|p| PermissionsFile {
                file: p.file.into_inner(),
                required: p.required,
            }),
        })
    }

    /// The navigation paths the slice covers, one per `[[path]]` entry and root, for
    /// [`crate::ir::lower`]: `users/authentication/phoneMethods`, `me/authentication/...`.
    pub fn path_requests(&self) -> Vec<crate::ir::PathRequest> {
        let mut out = Vec::new();
        for entry in &self.paths {
            for root in &entry.roots {
                out.push(crate::ir::PathRequest {
                    root: root.clone(),
                    segments: entry.segments.clone(),
                });
            }
        }
        out
    }

    /// Where the trimmed spec of the national cloud `name` is written:
    /// `<output_dir>/clouds/<name>.csdl` (its lock beside it).
    pub fn cloud_spec(&self, name: &str) -> String {
        format!(
            "{}/clouds/{name}.csdl",
            self.output_dir.trim_end_matches('/')
        )
    }

    /// Where the OpenAPI document of the slice is written: `<output_dir>/openapi.json`.
    pub fn openapi_path(&self) -> String {
        format!("{}/openapi.json", self.output_dir.trim_end_matches('/'))
    }

    /// Every root some `[[path]]` entry starts from, sorted, each once.
    pub fn roots(&self) -> Vec<&str> {
        let mut roots: Vec<&str> = self
            .paths
            .iter()
            .flat_map(|p| p.roots.iter().map(String::as_str))
            .collect();
        roots.sort_unstable();
        roots.dedup();
        roots
    }

    /// The `[[path]]` entry for the navigation path `segments` from `root`, if the slice
    /// lists one (a prefix such as `authentication` is a hop, not an entry).
    pub fn entry(&self, root: &str, segments: &[String]) -> Option<&PathEntry> {
        self.paths
            .iter()
            .find(|p| p.segments == segments && p.roots.iter().any(|r| r == root))
    }

    /// Narrow `model` to what the project offers. A path the slice lists keeps the
    /// capabilities its `operations` name (the metadata may allow creating email methods;
    /// this project only reads them) and the bound operations its `actions` name (never
    /// those of a sibling navigation to the same type); a path that is only a hop on the way
    /// (`authentication`, `todo`) offers nothing. Applied once after lowering, so the payload
    /// types, the OpenAPI document, the client and the permission keys all follow it.
    pub fn restrict(&self, model: &mut crate::ir::Model) {
        for path in model.paths.values_mut() {
            let Some(entry) = self.entry(&path.root, &path.segments) else {
                path.capabilities = crate::ir::Capabilities {
                    readable: false,
                    insertable: false,
                    updatable: false,
                    deletable: false,
                };
                path.operations.clear();
                continue;
            };
            path.operations.retain(|o| entry.actions.contains(&o.name));
            for (action, poll) in &entry.long_running {
                model.long_running.insert(
                    format!("{}/{action}", path.template),
                    poll.split('/').map(str::to_owned).collect(),
                );
            }
            let Some(ops) = &entry.operations else {
                continue;
            };
            let offers = |op: &str| ops.iter().any(|o| o == op);
            let caps = &mut path.capabilities;
            caps.readable &= offers("list") || offers("get");
            caps.insertable &= offers("create");
            caps.updatable &= offers("update");
            caps.deletable &= offers("delete");
        }
    }

    /// The recorded decision for `entry`, if any.
    pub fn decision(&self, entry: &str) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.entry == entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
name = "x"
[source]
metadata = "m.csdl"
[scope]
namespace = "microsoft.graph"
roots = ["users"]
[[path]]
path = "authentication/phoneMethods"
actions = ["enableSmsSignIn"]
[[path]]
roots = ["me"]
path = "todo/lists/tasks"
[[decision]]
entry = "passwordlessMicrosoftAuthenticatorMethods"
include = false
reason = "not in v1.0"
"#;

    #[test]
    fn parses() {
        let s = Slice::parse("slice.toml", OK).unwrap();
        assert_eq!(s.paths[0].roots, ["users"]);
        assert_eq!(s.paths[0].segments, ["authentication", "phoneMethods"]);
        assert_eq!(s.paths[0].actions, ["enableSmsSignIn"]);
        assert_eq!(s.paths[1].roots, ["me"]);
        assert_eq!(s.paths[1].segments, ["todo", "lists", "tasks"]);
        assert_eq!(s.roots(), ["me", "users"]);
        assert_eq!(s.path_requests().len(), 2);
        assert!(
            s.decision("passwordlessMicrosoftAuthenticatorMethods")
                .is_some()
        );
    }

    #[test]
    fn unknown_field_names_file_and_field() {
        let e = Slice::parse("slice.toml", &OK.replace("roots =", "rootz ="))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("slice.toml: "), "{e}");
        assert!(e.contains("rootz"), "{e}");
    }

    #[test]
    fn bad_path_names_its_position() {
        let e = Slice::parse("slice.toml", &OK.replace("todo/lists/tasks", "todo//tasks"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("slice.toml: 13:8: path `todo//tasks`"), "{e}");
        let e = Slice::parse(
            "slice.toml",
            &OK.replace("todo/lists/tasks", "todo/{id}/tasks"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("without keys"), "{e}");
    }

    #[test]
    fn a_path_without_roots_is_an_error() {
        let e = Slice::parse("slice.toml", &OK.replace("roots = [\"users\"]\n", ""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("path `authentication/phoneMethods` has no roots"),
            "{e}"
        );
    }

    #[test]
    fn a_path_listed_twice_is_an_error() {
        let e = Slice::parse(
            "slice.toml",
            &OK.replace("todo/lists/tasks", "authentication/phoneMethods"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is listed twice"), "{e}");
    }

    #[test]
    fn output_names_the_types_crate_and_checks_its_package() {
        let with = |package: &str| {
            format!(
                "{OK}[output]\ntypes = \"examples/slices/x/types/\"\ntypes_package = \"{package}\"\n"
            )
        };
        let s = Slice::parse("slice.toml", &with("graph-example-x-types")).unwrap();
        let output = s.output.clone().expect("[output]");
        assert_eq!(output.types_dir, "examples/slices/x/types");
        assert_eq!(output.types_package, "graph-example-x-types");
        assert_eq!(s.cloud_spec("usgov"), "spec/clouds/usgov.csdl");
        let e = Slice::parse("slice.toml", &with("Graph X"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("output.types_package `Graph X` must be a package name"),
            "{e}"
        );
        assert!(Slice::parse("slice.toml", OK).unwrap().output.is_none());
        assert!(output.client.is_none());
    }

    #[test]
    fn output_may_name_a_client_crate_with_its_package() {
        let with = |client: &str| {
            format!(
                "{OK}[output]\ntypes = \"examples/slices/x/types\"\ntypes_package = \"graph-example-x-types\"\n{client}"
            )
        };
        let s = Slice::parse(
            "slice.toml",
            &with("client = \"examples/slices/x/client/\"\nclient_package = \"graph-example-x-client\"\n"),
        )
        .unwrap();
        assert_eq!(
            s.output.unwrap().client,
            Some(CrateOutput {
                dir: "examples/slices/x/client".into(),
                package: "graph-example-x-client".into(),
            })
        );
        let e = Slice::parse(
            "slice.toml",
            &with("client = \"examples/slices/x/client\"\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("output.client and output.client_package go together"),
            "{e}"
        );
        let e = Slice::parse(
            "slice.toml",
            &with("client = \"examples/slices/x/c\"\nclient_package = \"X\"\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("output.client_package `X` must be a package name"),
            "{e}"
        );
        let e = Slice::parse(
            "slice.toml",
            &with("client = \"examples/slices/x/types\"\nclient_package = \"graph-example-x-c\"\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("must name another directory and package"), "{e}");
    }
}
