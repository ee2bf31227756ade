#!/usr/bin/env bash
# A second, independent OpenAPI linter on spec/openapi.json and every example slice's
# examples/slices/*/spec/openapi.json: Redocly CLI (npm, pinned) with its
# `recommended` ruleset and the settings in redocly.yaml. Fails on any error (warnings are
# printed). Installs the CLI into ${REDOCLY_PREFIX:-target/redocly} the first time;
# `--install-only` installs it and stops (scripts/ci-install.sh does that).
# Run from anywhere: scripts/lint-openapi.sh [--install-only]
set -euo pipefail
cd "$(dirname "$0")/.."

REDOCLY_VERSION="2.77.0"
prefix="${REDOCLY_PREFIX:-target/redocly}"
redocly="$prefix/node_modules/.bin/redocly"

if ! command -v node >/dev/null 2>&1; then
    echo "lint-openapi.sh: node and npm are required (Node.js 20 or newer)" >&2
    exit 1
fi
if [ "$("$redocly" --version 2>/dev/null | tail -n 1)" != "$REDOCLY_VERSION" ]; then
    npm install --silent --no-save --no-audit --no-fund --prefix "$prefix" \
        "@redocly/cli@$REDOCLY_VERSION" >/dev/null
fi
echo "redocly $("$redocly" --version | tail -n 1)"
if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi
# REDOCLY_TELEMETRY=off: no usage report is sent; REDOCLY_SUPPRESS_UPDATE_NOTICE: no
# registry look-up for a newer version.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$redocly" lint --config redocly.yaml --format stylish spec/openapi.json examples/slices/*/spec/openapi.json
