#!/usr/bin/env bash
# schemathesis against the emulator with spec/openapi.json: every operation, every check,
# positive and negative data, the stateful phase, a fixed seed, at most ST_MAX_TIME seconds
# (default 150) of testing. Builds and starts the emulator binary on 127.0.0.1:0 with
# scripts/schemathesis/tenant.json, reads its base URL, runs schemathesis, stops the emulator,
# and exits non-zero on any failure. Installs schemathesis (pinned) into a virtualenv under
# ${ST_VENV:-target/schemathesis-venv} the first time; `--install-only` installs it and stops
# (scripts/ci-install.sh does that). Run from anywhere: scripts/schemathesis.sh [--install-only]
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
venv="${ST_VENV:-target/schemathesis-venv}"
seed="${ST_SEED:-20261204}"
max_time="${ST_MAX_TIME:-150}"
report_dir="${ST_REPORT_DIR:-target/schemathesis-report}"

if ! "$venv/bin/st" --version 2>/dev/null | grep -qx "st, version $SCHEMATHESIS_VERSION"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$venv/bin/st" --version
if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi

cargo build --quiet --locked -p graph-phone-emulator --features cli --bin graph-phone-emulator
emulator="target/debug/graph-phone-emulator"

log_dir="$(mktemp -d)"
"$emulator" --listen 127.0.0.1:0 --tenant scripts/schemathesis/tenant.json \
    >"$log_dir/stdout" 2>"$log_dir/stderr" &
emulator_pid=$!
stop_emulator() {
    if kill -0 "$emulator_pid" 2>/dev/null; then
        kill -INT "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$log_dir"
}
trap stop_emulator EXIT

base=""
for _ in $(seq 1 100); do  # up to 10 s for the first line
    base="$(head -n 1 "$log_dir/stdout" 2>/dev/null || true)"
    [ -n "$base" ] && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "schemathesis.sh: the emulator exited before printing its URL:" >&2
        cat "$log_dir/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    echo "schemathesis.sh: the emulator printed no base URL within 10 s" >&2
    exit 1
fi
echo "emulator at $base"

mkdir -p "$report_dir"
status=0
SCHEMATHESIS_HOOKS=scripts.schemathesis.hooks PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 \
    "$venv/bin/st" --config-file scripts/schemathesis/schemathesis.toml run spec/openapi.json \
    --url "$base" \
    --checks all \
    --mode all \
    --phases examples,coverage,fuzzing,stateful \
    --seed "$seed" \
    --generation-database none \
    --max-time "$max_time" \
    --workers 1 \
    --request-timeout 10 \
    --no-color \
    --report junit --report-dir "$report_dir" \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "schemathesis.sh: schemathesis reported failures (exit $status); report in $report_dir" >&2
fi
exit "$status"
