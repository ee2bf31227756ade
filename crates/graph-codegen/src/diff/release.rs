//! From a spec diff to a release proposal: the next version of the published crates and the
//! changelog entry, following the version policy (README, "Versioning"):
//!
//! | worst change | 1.0 and later | while at 0.x |
//! |---|---|---|
//! | breaking | new major | new minor |
//! | additive | new minor | new minor |
//! | documentation | new patch | new patch |
//!
//! No change proposes no release. Everything here is a proposal for a human to review: the
//! entry names what the diff names (changes, generated Rust items, request paths), and the
//! reviewer rewrites it for users where it helps.

use std::fmt::{self, Write};
use std::str::FromStr;

use crate::diff::render::{code, is_prose, sentence, show_value, what_changed};
use crate::diff::{Change, ChangeKind, Class, SpecDiff};

/// A release version, `MAJOR.MINOR.PATCH` (the published crates use no pre-release or build
/// suffix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Version {
    /// Incompatible API changes (from 1.0).
    pub major: u64,
    /// Compatible additions (and, while `major` is 0, incompatible changes).
    pub minor: u64,
    /// Compatible fixes and documentation.
    pub patch: u64,
}

/// A version string that is not `MAJOR.MINOR.PATCH`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "version `{value}`: {problem}; expected MAJOR.MINOR.PATCH (`0.1.0`), without a pre-release or build suffix"
)]
pub struct VersionError {
    /// The text that was read.
    pub value: String,
    /// What is wrong with it.
    pub problem: String,
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Version, VersionError> {
        let err = |problem: String| VersionError {
            value: s.to_string(),
            problem,
        };
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 3 {
            return Err(err(format!("{} dot-separated numbers", parts.len())));
        }
        let mut numbers = [0u64; 3];
        for (slot, (part, name)) in numbers
            .iter_mut()
            .zip(parts.iter().zip(["major", "minor", "patch"]))
        {
            let valid = !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part.len() == 1 || !part.starts_with('0'));
            if !valid {
                return Err(err(format!(
                    "{name} `{part}` is not a number without leading zeros"
                )));
            }
            *slot = part
                .parse()
                .map_err(|_| err(format!("{name} `{part}` is too large")))?;
        }
        Ok(Version {
            major: numbers[0],
            minor: numbers[1],
            patch: numbers[2],
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Which number a release increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// `MAJOR`, the others reset.
    Major,
    /// `MINOR`, the patch reset.
    Minor,
    /// `PATCH`.
    Patch,
}

impl Bump {
    /// The level's name (`major`, `minor`, `patch`).
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
        }
    }

    /// `version` with this level incremented.
    pub fn apply(self, version: Version) -> Version {
        match self {
            Bump::Major => Version {
                major: version.major + 1,
                minor: 0,
                patch: 0,
            },
            Bump::Minor => Version {
                minor: version.minor + 1,
                patch: 0,
                ..version
            },
            Bump::Patch => Version {
                patch: version.patch + 1,
                ..version
            },
        }
    }
}

/// The proposed release for a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Proposal {
    /// The version now.
    pub current: Version,
    /// The most severe class of the diff; `None` when nothing changed.
    pub class: Option<Class>,
    /// The level to release; `None` when nothing changed.
    pub bump: Option<Bump>,
    /// The proposed version (`current` when nothing changed).
    pub next: Version,
}

impl Proposal {
    /// One line for a person: `0.1.0 -> 0.2.0 (minor: breaking changes, while at 0.x)`.
    pub fn summary(&self) -> String {
        let (Some(class), Some(bump)) = (self.class, self.bump) else {
            return format!("{}: no change, no release", self.current);
        };
        let why = match (class, self.current.major) {
            (Class::Breaking, 0) => "breaking changes, while at 0.x",
            (Class::Breaking, _) => "breaking changes",
            (Class::Additive, _) => "additive changes, none breaking",
            (Class::Documentation, _) => "documentation changes only",
        };
        format!(
            "{} -> {} ({}: {why})",
            self.current,
            self.next,
            bump.as_str()
        )
    }
}

/// The level the version policy asks for when the most severe change is `worst` (`None`: no
/// change) and the version is `current`.
pub fn bump_for(current: Version, worst: Option<Class>) -> Option<Bump> {
    worst.map(|class| match class {
        Class::Breaking if current.major == 0 => Bump::Minor,
        Class::Breaking => Bump::Major,
        Class::Additive => Bump::Minor,
        Class::Documentation => Bump::Patch,
    })
}

/// The proposal for a diff whose most severe class is `worst`, from version `current`.
pub fn propose(current: Version, worst: Option<Class>) -> Proposal {
    let bump = bump_for(current, worst);
    Proposal {
        current,
        class: worst,
        bump,
        next: bump.map_or(current, |b| b.apply(current)),
    }
}

/// The sections of a changelog entry, in Keep a Changelog's order.
pub const SECTIONS: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// The section a change goes under: breaking changes under `Changed` (each marked
/// **Breaking**), additive ones under `Added`, new deprecations under `Deprecated`, other
/// documentation under `Fixed`.
fn section(c: &Change) -> &'static str {
    match c.class {
        Class::Breaking => "Changed",
        Class::Additive => "Added",
        Class::Documentation if c.change == ChangeKind::DeprecationAdded => "Deprecated",
        Class::Documentation => "Fixed",
    }
}

/// The changelog entry for `diff`: Keep a Changelog `###` sections (without the `##` version
/// heading: it goes under `## [Unreleased]`), one bullet per change naming the element, what
/// changed, why, and the generated Rust items and request paths it touches. Empty when the
/// diff is.
pub fn changelog_entry(diff: &SpecDiff) -> String {
    let mut out = String::new();
    for name in SECTIONS {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| section(c) == name).collect();
        if changes.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "### {name}\n");
        for c in changes {
            entry_bullet(&mut out, c);
        }
    }
    out
}

fn entry_bullet(out: &mut String, c: &Change) {
    let marker = match c.class {
        Class::Breaking => "**Breaking**: ",
        Class::Additive => "",
        Class::Documentation => "Documentation: ",
    };
    let what = if c.name == c.group {
        format!("{} {}", c.element.as_str(), code(&c.name))
    } else {
        format!(
            "{} {} of {}",
            c.element.as_str(),
            code(&c.name),
            code(&c.group)
        )
    };
    let change = what_changed(c);
    let prose = is_prose(c);
    let show = |v: &str| show_value(c, v);
    let values = match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!(": {} -> {}", show(o), show(n)),
        (None, Some(n)) if !prose || c.change == ChangeKind::DeprecationAdded => {
            format!(": {}", show(n))
        }
        (Some(o), None) => format!(": was {}", show(o)),
        _ => String::new(),
    };
    let _ = write!(
        out,
        "- {marker}{what} {change}{values}. {}",
        sentence(&c.reason)
    );
    if !c.rust_items.is_empty() {
        let items: Vec<String> = c.rust_items.iter().map(|i| code(i)).collect();
        let _ = write!(out, " Rust: {}.", items.join(", "));
    }
    if !c.paths.is_empty() {
        let paths: Vec<String> = c.paths.iter().map(|p| code(p)).collect();
        let _ = write!(out, " Paths: {}.", paths.join(", "));
    }
    out.push('\n');
}

/// A changelog that cannot take the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ChangelogError {
    /// The changelog's name.
    pub file: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// `changelog` (Keep a Changelog Markdown, named `file` in errors) with `entry` (from
/// [`changelog_entry`]) merged into its `## [Unreleased]` section: each bullet goes at the
/// end of the section of its name, a section the changelog lacks is added; the sections come
/// in Keep a Changelog's order (others after them, as they were), the text before the first
/// section is kept. The rest of the file is unchanged.
pub fn insert_unreleased(
    changelog: &str,
    file: &str,
    entry: &str,
) -> Result<String, ChangelogError> {
    let lines: Vec<&str> = changelog.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_end().eq_ignore_ascii_case("## [Unreleased]"))
    else {
        return Err(ChangelogError {
            file: file.to_string(),
            message: "no `## [Unreleased]` heading: add one above the latest release".into(),
        });
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);

    let (preface, mut sections) = split_sections(&lines[start + 1..end]);
    let (_, new_sections) = split_sections(&entry.lines().collect::<Vec<_>>());
    for (name, bullets) in new_sections {
        match sections.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => existing.extend(bullets),
            None => sections.push((name, bullets)),
        }
    }
    let rank = |name: &str| {
        SECTIONS
            .iter()
            .position(|s| *s == name)
            .unwrap_or(SECTIONS.len())
    };
    sections.sort_by_key(|(name, _)| rank(name));

    let mut out: Vec<String> = lines[..=start].iter().map(|l| l.to_string()).collect();
    out.push(String::new());
    let preface = trim_blank(&preface);
    if !preface.is_empty() {
        out.extend(preface.iter().map(|l| l.to_string()));
        out.push(String::new());
    }
    for (name, bullets) in &sections {
        out.push(format!("### {name}"));
        out.push(String::new());
        out.extend(trim_blank(bullets).iter().map(|l| l.to_string()));
        out.push(String::new());
    }
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    let mut text = out.join("\n").trim_end().to_string();
    text.push('\n');
    Ok(text)
}

/// The lines before the first `### ` heading, and each section's name and lines.
fn split_sections<'a>(lines: &[&'a str]) -> (Vec<&'a str>, Vec<(String, Vec<&'a str>)>) {
    let mut preface = Vec::new();
    let mut sections: Vec<(String, Vec<&'a str>)> = Vec::new();
    for line in lines {
        if let Some(name) = line.strip_prefix("### ") {
            sections.push((name.trim().to_string(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            if !(body.is_empty() && line.trim().is_empty()) {
                body.push(line);
            }
        } else {
            preface.push(*line);
        }
    }
    for (_, body) in &mut sections {
        *body = trim_blank(body);
    }
    (preface, sections)
}

/// `lines` without blank lines at either end.
fn trim_blank<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b].to_vec(),
        _ => Vec::new(),
    }
}

/// The version in `[workspace.package]` of a workspace manifest (`Cargo.toml`, named `file`
/// in errors): the version the published crates share.
pub fn workspace_version(manifest: &str, file: &str) -> Result<Version, ChangelogError> {
    let err = |message: String| ChangelogError {
        file: file.to_string(),
        message,
    };
    let value: toml::Table = toml::from_str(manifest).map_err(|e| err(e.to_string()))?;
    let version = value
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            err("no `version` string in `[workspace.package]` (the published crates' shared version)".into())
        })?;
    version
        .parse()
        .map_err(|e: VersionError| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn versions_parse_and_print() {
        assert_eq!(
            v("0.1.0"),
            Version {
                major: 0,
                minor: 1,
                patch: 0
            }
        );
        assert_eq!(v("12.30.7").to_string(), "12.30.7");
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "01.2.3",
            "1.2.3-rc.1",
            "1..3",
            " 1.2.3",
        ] {
            let e = bad.parse::<Version>().unwrap_err();
            assert_eq!(e.value, bad);
            assert!(e.to_string().contains("MAJOR.MINOR.PATCH"), "{e}");
        }
        assert!(
            "99999999999999999999.0.0"
                .parse::<Version>()
                .unwrap_err()
                .problem
                .contains("too large")
        );
    }

    #[test]
    fn the_policy_per_class_before_and_after_1_0() {
        let cases = [
            ("0.1.0", Some(Class::Breaking), Some(Bump::Minor), "0.2.0"),
            ("0.1.3", Some(Class::Additive), Some(Bump::Minor), "0.2.0"),
            (
                "0.1.3",
                Some(Class::Documentation),
                Some(Bump::Patch),
                "0.1.4",
            ),
            ("0.1.3", None, None, "0.1.3"),
            ("1.4.2", Some(Class::Breaking), Some(Bump::Major), "2.0.0"),
            ("1.4.2", Some(Class::Additive), Some(Bump::Minor), "1.5.0"),
            (
                "1.4.2",
                Some(Class::Documentation),
                Some(Bump::Patch),
                "1.4.3",
            ),
            ("1.4.2", None, None, "1.4.2"),
        ];
        for (current, worst, bump, next) in cases {
            let p = propose(v(current), worst);
            assert_eq!(p.bump, bump, "{current} {worst:?}");
            assert_eq!(p.next, v(next), "{current} {worst:?}");
            assert_eq!(p.class, worst);
            assert_eq!(p.current, v(current));
        }
        assert_eq!(
            propose(v("0.1.0"), Some(Class::Breaking)).summary(),
            "0.1.0 -> 0.2.0 (minor: breaking changes, while at 0.x)"
        );
        assert_eq!(
            propose(v("1.4.2"), Some(Class::Breaking)).summary(),
            "1.4.2 -> 2.0.0 (major: breaking changes)"
        );
        assert_eq!(
            propose(v("1.4.2"), None).summary(),
            "1.4.2: no change, no release"
        );
    }

    const CHANGELOG: &str = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Fixed\n\n\
        - A hand-written fix.\n\n## [0.1.0] - 2026-12-04\n\n### Added\n\n- Everything.\n";

    #[test]
    fn the_entry_merges_into_unreleased() {
        let entry = "### Added\n\n- New thing.\n\n### Changed\n\n- **Breaking**: gone.\n\n\
                     ### Fixed\n\n- Documentation: text.\n";
        let merged = insert_unreleased(CHANGELOG, "CHANGELOG.md", entry).unwrap();
        assert_eq!(
            merged,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- New thing.\n\n\
             ### Changed\n\n- **Breaking**: gone.\n\n### Fixed\n\n- A hand-written fix.\n\
             - Documentation: text.\n\n## [0.1.0] - 2026-12-04\n\n### Added\n\n- Everything.\n"
        );
        // An empty entry changes nothing but blank lines' normal form.
        assert_eq!(
            insert_unreleased(CHANGELOG, "CHANGELOG.md", "").unwrap(),
            CHANGELOG
        );
        // Unreleased as the last section.
        let last = "# C\n\n## [Unreleased]\n";
        assert_eq!(
            insert_unreleased(last, "C.md", "### Added\n\n- X.\n").unwrap(),
            "# C\n\n## [Unreleased]\n\n### Added\n\n- X.\n"
        );
    }

    #[test]
    fn a_changelog_without_unreleased_is_an_error() {
        let e =
            insert_unreleased("# C\n\n## [0.1.0] - 2026-12-04\n", "CHANGELOG.md", "").unwrap_err();
        assert_eq!(
            e.to_string(),
            "CHANGELOG.md: no `## [Unreleased]` heading: add one above the latest release"
        );
    }

    #[test]
    fn the_workspace_version_is_read_from_the_manifest() {
        let manifest = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.3.1\"\n";
        assert_eq!(
            workspace_version(manifest, "Cargo.toml").unwrap(),
            v("0.3.1")
        );
        let e = workspace_version("[workspace]\n", "Cargo.toml").unwrap_err();
        assert!(e.to_string().starts_with("Cargo.toml: no `version`"), "{e}");
        let e = workspace_version("[workspace.package]\nversion = \"1.0\"\n", "Cargo.toml")
            .unwrap_err();
        assert!(e.to_string().contains("version `1.0`"), "{e}");
    }
}
