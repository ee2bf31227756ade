#!/bin/sh
# Usage: fuzz/run.sh <target> [seconds]
# Copies the kept seeds into the (git-ignored) working corpus and runs the target with
# cargo-fuzz on a stable toolchain (RUSTC_BOOTSTRAP=1), at low priority.
set -eu
target=$1
secs=${2:-600}
cd "$(dirname "$0")"
mkdir -p "corpus/$target"
cp -n "seeds/$target"/* "corpus/$target"/ 2>/dev/null || true
export RUSTC_BOOTSTRAP=1
# The instrumented build stays in this checkout (fuzz/target-fuzz), apart from the normal
# build; a target directory shared between checkouts mixes their binaries.
export CARGO_TARGET_DIR="$PWD/target-fuzz"
exec nice -n 10 cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -print_final_stats=1
