#!/usr/bin/env bash
# A new service from the README, as a user would make it, outside this repository:
#
# 1. clones this checkout's HEAD (committed work only: a dirty working tree is refused unless
#    --allow-dirty, and then what is not committed is NOT tested) into a fresh directory outside
#    the repository, and gives the clone the tag the README's dependency lines name (made on
#    HEAD if missing, moved to HEAD in the clone if it names another commit);
# 2. `cargo new`s a project beside it, appends the README block marked
#    `<!-- consumer-test: Cargo.toml -->` to its Cargo.toml with every `git = "..."` pointed at
#    the clone (`file://`), and writes the block marked `<!-- consumer-test: examples/quick_start.rs -->`
#    to examples/quick_start.rs;
# 3. writes a src/main.rs that builds a client and a listing with the [dependencies] alone,
#    builds and runs it (so the non-dev dependency lines are proven sufficient);
# 4. checks that both are formatted (`cargo fmt --check`), runs `cargo run --example
#    quick_start` (against the emulator it starts in-process) and checks that it exits 0 and
#    prints exactly the README block marked `<!-- consumer-test: output -->`.
#
# Dependencies resolve as for a new user: no Cargo.lock is copied, so cargo picks the newest
# compatible versions from crates.io (a network connection to crates.io is needed).
# The build goes to ${CONSUMER_TEST_TARGET_DIR:-target/consumer-test}, reused between runs
# (CI starts it cold). The README blocks are read from HEAD, like everything else tested.
#
# Run from anywhere: scripts/consumer-test.sh [--allow-dirty]
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd -P)"

fail() { echo "consumer-test.sh: $*" >&2; exit 1; }

allow_dirty=0
for arg in "$@"; do
    case "$arg" in
        --allow-dirty) allow_dirty=1 ;;
        *) fail "unknown argument '$arg' (usage: scripts/consumer-test.sh [--allow-dirty])" ;;
    esac
done
for tool in git cargo awk sed flock; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done

start=$SECONDS
head="$(git rev-parse HEAD)"
if [ -n "$(git status --porcelain)" ]; then
    if [ "$allow_dirty" -eq 0 ]; then
        git status --short >&2
        fail "the working tree has changes that are not committed; this test clones HEAD, so" \
            "commit them first (or pass --allow-dirty to test HEAD without them)"
    fi
    echo "consumer-test.sh: WARNING: uncommitted changes are not tested (HEAD only)" >&2
fi
echo "testing HEAD $head: $(git log -1 --format=%s HEAD)"

# The fenced block right after the line `<!-- consumer-test: NAME -->` of HEAD's README.md.
block() {
    local name="$1" out
    out="$(git show HEAD:README.md | awk -v marker="<!-- consumer-test: $name -->" '
        $0 == marker { found++; state = 1; next }
        state == 1 { if ($0 ~ /^```/) { state = 2; next } bad = NR; state = 0; next }
        state == 2 { if ($0 ~ /^```[[:space:]]*$/) { state = 3; next } print; next }
        END {
            if (found == 0) { print "no line \"" marker "\"" > "/dev/stderr"; exit 1 }
            if (found > 1) { print "\"" marker "\" appears " found " times" > "/dev/stderr"; exit 1 }
            if (bad) { print "line " bad - 1 ": \"" marker "\" is not followed by a fenced block" > "/dev/stderr"; exit 1 }
            if (state != 3) { print "the block after \"" marker "\" is not closed" > "/dev/stderr"; exit 1 }
        }')" || fail "README.md (at HEAD): the block marked '$name' cannot be read (see above)"
    printf '%s\n' "$out"
}

manifest_block="$(block Cargo.toml)"
quick_start="$(block examples/quick_start.rs)"
expected_output="$(block output)"

# The tag the dependency lines name: one tag, and the version the client crate has.
mapfile -t tags < <(grep -oE 'tag = "[^"]+"' <<<"$manifest_block" | sed -E 's/tag = "(.*)"/\1/' | sort -u)
[ "${#tags[@]}" -eq 1 ] ||
    fail "README.md: the Cargo.toml block must name one tag (tag = \"...\"), it names ${#tags[@]}"
tag="${tags[0]}"
# The crate's own `version = "..."`, or the workspace's when it says `version.workspace = true`.
version="$(git show HEAD:crates/graph-phone-client/Cargo.toml |
    sed -n 's/^version = "\(.*\)"$/\1/p' | head -n 1)"
if [ -z "$version" ]; then
    version="$(git show HEAD:Cargo.toml |
        sed -n '/^\[workspace\.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' | head -n 1)"
fi
[ -n "$version" ] || fail "no version of graph-phone-client in its Cargo.toml or the workspace's"
[ "$tag" = "v$version" ] ||
    fail "README.md names tag $tag but graph-phone-client is version $version: the dependency" \
        "lines must name the release tag of this version (v$version)"
grep -qE 'git = "[^"]*"' <<<"$manifest_block" ||
    fail "README.md: the Cargo.toml block has no git = \"...\" dependency"

# One directory per checkout, outside the repository, emptied at the start: the clone keeps
# the same file:// URL from run to run, so cargo's build of it in the reused target directory
# is replaced, not accumulated.
key="$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
base="${TMPDIR:-/tmp}/graph-phone-consumer-test-$key"
exec 9>"$base.lock"
flock -n 9 || fail "another consumer test of this checkout is running ($base.lock)"
rm -rf "$base"
mkdir -p "$base"
trap 'rm -rf "$base"' EXIT
clone="$base/graph-phone-$key"
project="$base/my-service"

# Cargo's copies of earlier runs' clones (one URL per checkout; the name is the clone's).
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rm -rf "$cargo_home/git/checkouts/graph-phone-$key-"* "$cargo_home/git/db/graph-phone-$key-"*

git clone --quiet "$repo" "$clone"
git -C "$clone" checkout --quiet --detach "$head"
if tagged="$(git -C "$clone" rev-parse -q --verify "refs/tags/$tag^{commit}")"; then
    if [ "$tagged" != "$head" ]; then
        echo "the clone's tag $tag named $tagged; moved to HEAD in the clone (not in this checkout)"
        git -C "$clone" tag -f "$tag" "$head" >/dev/null
    fi
else
    echo "the clone has no tag $tag; made on HEAD in the clone (not in this checkout)"
    git -C "$clone" tag "$tag" "$head"
fi

cargo new --quiet --vcs none --name my-service "$project"
manifest="$project/Cargo.toml"
# `cargo new` ends the manifest with an empty [dependencies] table; the block brings its own.
[ "$(tail -n 1 "$manifest")" = "[dependencies]" ] ||
    fail "cargo new wrote a Cargo.toml that does not end with [dependencies]: $(cat "$manifest")"
sed -i '$d' "$manifest"
sed -E "s|git = \"[^\"]*\"|git = \"file://$clone\"|g" <<<"$manifest_block" >>"$manifest"
mkdir -p "$project/examples"
printf '%s\n' "$quick_start" >"$project/examples/quick_start.rs"
cat >"$project/src/main.rs" <<'EOF'
//! Uses the client with the [dependencies] alone: construction (TLS included) and a listing.
use futures::TryStreamExt;
use graph_phone_client::{Cloud, GraphClient, StaticToken};

#[tokio::main]
async fn main() -> Result<(), graph_phone_client::Error> {
    let client = GraphClient::builder(Cloud::Global)
        .token_provider(StaticToken::new("not-a-token"))
        .build()?;
    // Built, not awaited: nothing is sent.
    let listing = client.user("kim@contoso.com").phone_methods().list();
    let _all = listing.try_collect::<Vec<_>>();
    println!("a client for Cloud::Global");
    Ok(())
}
EOF
echo "Cargo.toml of the new project:"
sed 's/^/    /' "$manifest"

export CARGO_TARGET_DIR="${CONSUMER_TEST_TARGET_DIR:-$repo/target/consumer-test}"
cd "$project"
cargo fmt --check || fail "the quick start (or src/main.rs) is not formatted as rustfmt formats it"
echo "cargo build (the [dependencies] alone), dependencies resolved afresh (no Cargo.lock)"
cargo build --quiet
out="$(cargo run --quiet)" || fail "src/main.rs (the client built with [dependencies]) failed"
[ "$out" = "a client for Cloud::Global" ] || fail "src/main.rs printed: $out"

echo "cargo run --example quick_start"
status=0
actual="$(cargo run --quiet --example quick_start)" || status=$?
printf '%s\n' "$actual" | sed 's/^/    /'
[ "$status" -eq 0 ] || fail "the README's quick start exited with status $status"
if [ "$actual" != "$expected_output" ]; then
    diff <(printf '%s\n' "$expected_output") <(printf '%s\n' "$actual") >&2 || true
    fail "the quick start's output differs from the README's block marked 'output' (- README, + printed)"
fi
echo "resolved (the [dependencies]):"
cargo tree --quiet --edges normal --depth 1 --prefix none | sed -n '2,$p' | sed 's/^/    /'
echo "consumer test passed in $((SECONDS - start)) s: HEAD $head, tag $tag, target $CARGO_TARGET_DIR"
