//! The slice definition (`spec/slice.toml`): which part of the full Graph metadata this
//! project covers. See the comments in `spec/slice.toml` for the format.

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
    /// Entity sets and singletons the slice is reached from (`users`, `me`).
    pub roots: Vec<String>,
    /// The simple name of the root entity type, for example `user`.
    pub base_type: String,
    /// Navigation segments from the root type to the holder type, for example
    /// `["authentication"]`.
    pub base_segments: Vec<String>,
    /// Navigation properties of the holder type to include.
    pub navigation: Vec<NavigationEntry>,
    /// Entries deliberately left out, with the reason.
    pub decisions: Vec<Decision>,
    /// National clouds whose own metadata the same slice is cut from, for availability.
    pub clouds: Vec<CloudSource>,
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

/// Where the trimmed spec of a national cloud is written.
pub fn cloud_spec_path(name: &str) -> String {
    format!("spec/clouds/{name}.csdl")
}

/// One navigation property under the base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationEntry {
    /// Its name on the holder type, for example `phoneMethods`.
    pub name: String,
    /// Bound actions and functions to include for its target type (or its ancestors).
    pub actions: Vec<String>,
    /// The entity-set operations the project offers on it (`list`, `get`, `create`,
    /// `update`, `delete`), sorted; `None` offers all the metadata allows. See
    /// [`Slice::restrict`].
    pub operations: Option<Vec<String>>,
    /// Navigation properties of its target type kept for `$expand` (`device`): the trim
    /// keeps them with their target type, whose own navigation properties it drops.
    pub expand: Vec<String>,
}

/// The operations a `[[navigation]]` entry's `operations` list may name.
pub const OPERATIONS: [&str; 5] = ["list", "get", "create", "update", "delete"];

/// A recorded decision about an entry that is not included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `navigation` or `navigation/action`.
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
    navigation: Vec<RawNavigation>,
    #[serde(default)]
    decision: Vec<RawDecision>,
    #[serde(default)]
    cloud: Vec<RawCloud>,
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
    roots: Vec<String>,
    base: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNavigation {
    name: String,
    #[serde(default)]
    actions: Vec<String>,
    operations: Option<Vec<String>>,
    #[serde(default)]
    expand: Vec<String>,
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
        let mut base = raw.scope.base.split('/').map(str::trim);
        let base_type = base.next().unwrap_or_default().to_string();
        let base_segments: Vec<String> = base.map(str::to_string).collect();
        if base_type.is_empty() || base_segments.iter().any(String::is_empty) {
            return Err(err(format!(
                "scope.base `{}` must be an entity type name followed by navigation properties, for example `user/authentication`",
                raw.scope.base
            )));
        }
        if raw.scope.roots.is_empty() {
            return Err(err(
                "scope.roots is empty; name at least one entity set or singleton, for example `users`"
                    .into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for n in &raw.navigation {
            if n.name.is_empty() || n.name.contains('/') {
                return Err(err(format!(
                    "navigation.name `{}` must be one navigation property name",
                    n.name
                )));
            }
            for op in n.operations.iter().flatten() {
                if !OPERATIONS.contains(&op.as_str()) {
                    return Err(err(format!(
                        "navigation `{}` lists unknown operation `{op}`; use some of {}",
                        n.name,
                        OPERATIONS.join(", ")
                    )));
                }
            }
            for x in &n.expand {
                if x.is_empty() || x.contains('/') || n.actions.contains(x) {
                    return Err(err(format!(
                        "navigation `{}` lists expand `{x}`; name one navigation property of \
                         its target type (not an action)",
                        n.name
                    )));
                }
            }
            if !seen.insert(n.name.as_str()) {
                return Err(err(format!(
                    "navigation `{}` is listed twice; keep one [[navigation]] entry per name",
                    n.name
                )));
            }
        }
        let mut decisions = Vec::new();
        for d in raw.decision {
            if d.include {
                return Err(err(format!(
                    "decision `{}` has include = true; a decision records an entry left out, so list included entries under [[navigation]] instead",
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
                    "decision `{}` excludes an entry that [[navigation]] includes; remove one of them",
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
            roots: raw.scope.roots,
            base_type,
            base_segments,
            navigation: raw
                .navigation
                .into_iter()
                .map(|n| NavigationEntry {
                    name: n.name,
                    actions: n.actions,
                    expand: n.expand,
                    operations: n.operations.map(|mut ops| {
                        ops.sort();
                        ops.dedup();
                        ops
                    }),
                })
                .collect(),
            decisions,
            clouds,
        })
    }

    /// The navigation paths the slice covers, one per root and navigation entry, for
    /// [`crate::ir::lower`]: `users/authentication/phoneMethods`, `me/authentication/...`.
    pub fn path_requests(&self) -> Vec<crate::ir::PathRequest> {
        let mut out = Vec::new();
        for root in &self.roots {
            for n in &self.navigation {
                let mut segments = self.base_segments.clone();
                segments.push(n.name.clone());
                out.push(crate::ir::PathRequest {
                    root: root.clone(),
                    segments,
                });
            }
        }
        out
    }

    /// Narrow `model` to what the project offers: a path whose navigation entry lists
    /// `operations` loses the capabilities it does not list (the metadata may allow creating
    /// email methods; this project only reads them). Applied once after lowering, so the
    /// payload types, the OpenAPI document, the client and the permission keys all follow it.
    pub fn restrict(&self, model: &mut crate::ir::Model) {
        for path in model.paths.values_mut() {
            if path.segments.len() != self.base_segments.len() + 1
                || path.segments[..self.base_segments.len()] != self.base_segments[..]
            {
                continue;
            }
            let Some(ops) = self
                .navigation
                .iter()
                .find(|n| path.segments.last() == Some(&n.name))
                .and_then(|n| n.operations.as_ref())
            else {
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
base = "user/authentication"
[[navigation]]
name = "phoneMethods"
actions = ["enableSmsSignIn"]
[[decision]]
entry = "passwordlessMicrosoftAuthenticatorMethods"
include = false
reason = "not in v1.0"
"#;

    #[test]
    fn parses() {
        let s = Slice::parse("slice.toml", OK).unwrap();
        assert_eq!(s.base_type, "user");
        assert_eq!(s.base_segments, ["authentication"]);
        assert_eq!(s.navigation[0].actions, ["enableSmsSignIn"]);
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
    fn bad_base() {
        let e = Slice::parse("slice.toml", &OK.replace("user/authentication", "user//x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("scope.base `user//x`"), "{e}");
    }
}
