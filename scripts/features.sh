# The non-default feature combinations CI must keep building: each TLS backend of the
# runtime and client on its own, the library crates with their optional parts off, and
# `azure-identity` (its adapter, doctest and example).
# The default features are built and tested by the main test run.
#
# `native-tls` compiles against the system's OpenSSL: on Debian and Ubuntu it needs the
# `libssl-dev` and `pkg-config` packages (GitHub's ubuntu runners have both; elsewhere:
# `sudo apt-get install -y libssl-dev pkg-config`). Run from anywhere: scripts/features.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { echo; echo "==> $*"; }

# --- TLS backends -----------------------------------------------------------------------
# The runtime's TLS tests (a client builds without panicking; an https:// request reaches
# a TLS ClientHello with SNI and ALPN http/1.1) run under each backend, and the client
# builds with each. `rustls` (ring) is the default and is covered by the main test run.
for tls in rustls-aws-lc native-tls ""; do
    features=(--no-default-features)
    [ -n "$tls" ] && features+=(--features "$tls")
    step "TLS ${tls:-none}: cargo check -p graph-phone-client ${features[*]}"
    cargo check --quiet --locked -p graph-phone-client "${features[@]}"
    step "TLS ${tls:-none}: runtime TLS tests"
    cargo test --quiet --locked -p graph-phone-runtime --lib "${features[@]}" tls::
done
step "TLS: every backend on at once (native-tls takes precedence)"
cargo test --quiet --locked -p graph-phone-runtime --lib --features rustls-aws-lc,native-tls tls::

# --- lean builds --------------------------------------------------------------------------
step "graph-phone-types without schemars"
cargo check --quiet --locked -p graph-phone-types --no-default-features
step "graph-phone-client with schemars"
cargo check --quiet --locked -p graph-phone-client --features schemars
step "graph-phone-emulator library without the cli feature compiles no command-line crates"
if cargo tree --locked -e normal -p graph-phone-emulator --prefix none | grep -E '^(clap|anyhow|tracing-subscriber) '; then
    echo "graph-phone-emulator's library depends on a command-line crate (above)" >&2
    exit 1
fi
cargo check --quiet --locked -p graph-phone-emulator --lib

# --- azure-identity: `AzureCredential` (graph-phone-runtime, re-exported by the client) and
# --- the client's examples/azure_identity.rs (client credentials and the Azure CLI).
azure_identity() {
    local crates=(-p graph-phone-runtime -p graph-phone-client)
    step "azure-identity: clippy, all targets (warnings denied)"
    cargo clippy "${crates[@]}" --all-targets --features azure-identity --locked -- -D warnings
    step "azure-identity: the adapter's unit tests (graph-phone-runtime)"
    cargo test -p graph-phone-runtime --features azure-identity --lib --locked --quiet
    step "azure-identity: the example's credentials build under each TLS backend's transport"
    cargo test -p graph-phone-client --features azure-identity --test azure_identity --locked --quiet
    step "azure-identity: doctests (the example in AzureCredential's documentation)"
    cargo test -p graph-phone-client --features azure-identity --doc --locked --quiet
    step "azure-identity: rustdoc (warnings denied)"
    RUSTDOCFLAGS="-D warnings" cargo doc "${crates[@]}" --features azure-identity --no-deps --locked --quiet
    step "azure-identity: build examples/azure_identity.rs"
    cargo build -p graph-phone-client --features azure-identity --example azure_identity --locked --quiet
}

azure_identity
