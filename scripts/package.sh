#!/usr/bin/env bash
# The publish dry-run of the published crates (graph-phone-types, -runtime, -client,
# -emulator, and the command-line tool graph-phone), so packaging cannot rot: `cargo publish
# --dry-run` of them together (cargo
# packages the not-yet-published dependencies into a local registry, so each crate is built
# from its package against the packages of the others: the verify step), then checks of what
# the packages hold, and their sizes. Fails on any error. Network: the crates.io index.
# Run from anywhere: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

crates=(graph-phone-types graph-phone-runtime graph-phone-client graph-phone-emulator graph-phone)
# A package larger than this (uncompressed) has picked up something it does not need.
max_bytes=$((1024 * 1024))

fail() {
    echo "package.sh: $*" >&2
    exit 1
}

# 1. Exactly these may be published (graph-codegen and xtask stay `publish = false`).
publishable="$(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(" ".join(sorted(p["name"] for p in meta["packages"] if p["publish"] != [])))')"
expected="$(printf '%s\n' "${crates[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
[ "$publishable" = "$expected" ] ||
    fail "publishable crates are '$publishable', expected '$expected' (set \`publish = false\` in Cargo.toml)"

package_args=()
for c in "${crates[@]}"; do package_args+=(-p "$c"); done

# 2. The dry-run. --allow-dirty: this is a check, not the release (CI runs it on a clean clone).
echo "==> cargo publish --dry-run ${package_args[*]}"
cargo publish --dry-run --locked --allow-dirty "${package_args[@]}"

# 3. The .crate files themselves (`cargo package` without the verify, which the dry-run did).
cargo package --no-verify --locked --allow-dirty --quiet "${package_args[@]}"
version="$(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, sys
print({p["name"]: p["version"] for p in json.load(sys.stdin)["packages"]}["graph-phone-client"])')"

echo
printf '%-24s %6s %12s %12s\n' crate files unpacked ".crate"
for c in "${crates[@]}"; do
    file="target/package/$c-$version.crate"
    [ -f "$file" ] || fail "$file: not written by cargo package"
    listing="$(tar -tzf "$file")"
    files="$(grep -c . <<<"$listing")"
    unpacked="$(tar -xzOf "$file" | wc -c)"
    compressed="$(wc -c <"$file")"
    printf '%-24s %6d %12d %12d\n' "$c" "$files" "$unpacked" "$compressed"
    [ "$unpacked" -le "$max_bytes" ] ||
        fail "$c: $unpacked bytes unpacked, more than $max_bytes: check \`include\` in its Cargo.toml"
    for required in LICENSE README.md Cargo.toml; do
        grep -qx "$c-$version/$required" <<<"$listing" || fail "$c: the package has no $required"
    done
    # Tests, benches and their fixtures read the workspace's spec/ and stay in the repository.
    if stray="$(grep -E "^$c-$version/(tests|benches|fuzz)/" <<<"$listing")"; then
        fail "$c: the package carries files it does not need:"$'\n'"$stray"
    fi
    # Nothing in a package may read a file outside it (include_str!("../../spec/..."), a path
    # joined to CARGO_MANIFEST_DIR). Known: one unit test of the emulator's wire.rs compares its
    # enum table with the workspace's spec/openapi.json; it runs in the workspace only (a
    # build from the package, the verify step above, does not read it).
    outside="$(tar -xzOf "$file" --wildcards '*.rs' | grep -n '\.\./\.\./' |
        grep -v 'concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/openapi.json")' || true)"
    [ -z "$outside" ] || fail "$c: the package reads files outside the crate:"$'\n'"$outside"
done
