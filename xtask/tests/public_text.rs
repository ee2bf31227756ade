//! Everything a user reads cites public sources only.
//!
//! The READMEs, the changelog, the rustdoc and comments of the crates and their examples, and
//! the spec inputs whose notes reach the generated documentation are read outside this
//! repository (crates.io, docs.rs, a clone): a note that cites a private capture ("seed 001"),
//! a document that is not in the repository or a local path cannot be opened there. This test
//! walks those files and fails, naming file:line and what to cite instead, on any such
//! reference.

use std::fs;
use std::path::{Path, PathBuf};

/// A reference a reader outside the repository cannot follow, and what to cite instead.
struct Rule {
    what: &'static str,
    matches: fn(&str) -> bool,
    instead: &'static str,
}

const CITE_PUBLIC: &str = "cite the learn.microsoft.com page (its address) or the metadata \
     (spec/upstream/, microsoftgraph/msgraph-metadata) that says it";

const RULES: &[Rule] = &[
    Rule {
        what: "a numbered seed (a private capture)",
        matches: numbered_seed,
        instead: CITE_PUBLIC,
    },
    Rule {
        what: "GRAPH-BEHAVIOUR (a document outside the repository)",
        matches: |line| line.to_ascii_uppercase().contains("GRAPH-BEHAVIOUR"),
        instead: CITE_PUBLIC,
    },
    Rule {
        what: "../shared (a directory outside the repository)",
        matches: |line| line.contains("../shared"),
        instead: CITE_PUBLIC,
    },
    Rule {
        what: "a local path (/work/, /home/, /root/)",
        matches: |line| {
            ["/work/", "/home/", "/root/"]
                .iter()
                .any(|p| line.contains(p))
        },
        instead: "a path relative to the repository root, or a public address",
    },
    Rule {
        what: "a local target directory (target-net)",
        matches: |line| line.contains("target-net"),
        instead: "`target/` (or say that any target directory works)",
    },
    Rule {
        what: "a placeholder address (example.invalid)",
        matches: |line| line.contains("example.invalid"),
        instead: "the real address, or leave it out",
    },
    Rule {
        what: "a local file URL (file:///)",
        matches: |line| line.contains("file:///"),
        instead: "a public address or a path relative to the repository root",
    },
];

/// `seed 001`, `seed #0`, `Seed-12`: "seed" then spaces, `#`, `-` or `_`, then a digit. Not
/// `seed=7` (a fault plan), `--seed`, `seeded` or `seeds/` (the fuzz corpus).
fn numbered_seed(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.match_indices("seed").any(|(at, _)| {
        let rest = &lower[at + "seed".len()..];
        let gap = rest.len() - rest.trim_start_matches([' ', '\t', '#', '-', '_']).len();
        gap > 0 && rest[gap..].starts_with(|c: char| c.is_ascii_digit())
    })
}

/// The problems in one file's text: `path:line: what; instead`.
fn check(path: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        for rule in RULES {
            if (rule.matches)(line) {
                found.push(format!(
                    "{path}:{}: {} in `{}`; {}",
                    number + 1,
                    rule.what,
                    line.trim(),
                    rule.instead
                ));
            }
        }
    }
    found
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the repository root")
        .to_path_buf()
}

/// Every file under `dir` (recursively) whose name ends with one of `extensions`.
fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, extensions, out);
        } else if extensions
            .iter()
            .any(|ext| path.to_string_lossy().ends_with(ext))
        {
            out.push(path);
        }
    }
}

/// The files a user reads: README*.md and CHANGELOG.md at the root, each crate's README,
/// sources and examples, the spec inputs and the generated OpenAPI document, the fuzz README.
fn public_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(root).expect("repository root") {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file()
            && ((name.starts_with("README") && name.ends_with(".md")) || name == "CHANGELOG.md")
        {
            files.push(path);
        }
    }
    let mut crates: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    crates.sort();
    for krate in crates {
        for name in ["README.md", "CHANGELOG.md"] {
            if krate.join(name).is_file() {
                files.push(krate.join(name));
            }
        }
        walk(&krate.join("src"), &[".rs", ".md"], &mut files);
        walk(&krate.join("examples"), &[".rs", ".md"], &mut files);
    }
    walk(&root.join("spec"), &[".toml"], &mut files);
    files.push(root.join("spec/openapi.json"));
    files.push(root.join("fuzz/README.md"));
    files.sort();
    files
}

#[test]
fn what_users_read_cites_public_sources_only() {
    let root = repository_root();
    let files = public_files(&root);
    // The walk reaches what it must (a moved directory would otherwise pass silently).
    for expected in [
        "README.md",
        "crates/graph-phone-emulator/README.md",
        "crates/graph-phone-client/src/lib.rs",
        "crates/graph-phone-client/src/generated/api.rs",
        "crates/graph-phone-client/examples/list_phone_methods.rs",
        "crates/graph-phone-types/src/generated/mod.rs",
        "spec/slice.toml",
        "spec/overlay.toml",
        "spec/permissions.toml",
        "spec/openapi.json",
        "fuzz/README.md",
    ] {
        assert!(
            files.contains(&root.join(expected)),
            "{expected} is not among the files checked"
        );
    }
    let mut problems = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{}: cannot read: {e}", file.display()));
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
        problems.extend(check(&relative, &text));
    }
    assert!(
        problems.is_empty(),
        "{} reference(s) a reader outside this repository cannot follow:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn each_rule_catches_what_it_names() {
    let cases = [
        ("# From seed 001 (GET /me/authentication/...)", "seed"),
        ("reason = \"listed in Seed #000\"", "seed"),
        ("# and ../shared/GRAPH-BEHAVIOUR.md.", "GRAPH-BEHAVIOUR"),
        ("see ../shared/seeds/", "../shared"),
        ("CARGO_TARGET_DIR=/work/target-net cargo run", "local path"),
        ("CARGO_TARGET_DIR=../target-net cargo run", "target-net"),
        (
            "repository = \"https://example.invalid/graph-phone\"",
            "example.invalid",
        ),
        ("[the page](file:///home/me/page.html)", "file:///"),
    ];
    for (line, what) in cases {
        let found = check("x.md", line);
        assert!(
            found.iter().any(|f| f.contains(what)),
            "`{line}` should be reported for {what}, got {found:?}"
        );
        assert!(found[0].starts_with("x.md:1: "), "{found:?}");
        assert!(
            found[0].contains("; "),
            "says what to do instead: {found:?}"
        );
    }
    // Not references: fault plans, command-line flags, the fuzz corpus, an RNG seed.
    for line in [
        "`seed=7; POST phoneMethods 429 retry-after=0.25 times=2`",
        "(`--ops`, `--tasks`, `--users`, `--seed`)",
        "`seeds/<target>/` holds the committed seed corpus",
        "a fixed seed (`ST_SEED`)",
        "/// A seed from the OS: `RandomState` keys",
        "export CARGO_TARGET_DIR=\"$PWD/target-fuzz\"",
    ] {
        assert_eq!(check("x.md", line), Vec::<String>::new(), "{line}");
    }
}
