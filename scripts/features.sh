#!/usr/bin/env bash
# Feature checks CI runs besides the default build (`cargo test --workspace` and the checks
# in .ci/run build default features only). Each section is self-contained.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0

step() { echo; echo "==> $*"; }

# --- azure-identity: `AzureCredential` (graph-phone-runtime, re-exported by the client) and
# --- the client's examples/azure_identity.rs (client credentials and the Azure CLI).
azure_identity() {
    local crates=(-p graph-phone-runtime -p graph-phone-client)
    step "azure-identity: clippy, all targets (warnings denied)"
    cargo clippy "${crates[@]}" --all-targets --features azure-identity --locked -- -D warnings
    step "azure-identity: the adapter's unit tests (graph-phone-runtime)"
    cargo test -p graph-phone-runtime --features azure-identity --lib --locked --quiet
    step "azure-identity: doctests (the example in AzureCredential's documentation)"
    cargo test -p graph-phone-client --features azure-identity --doc --locked --quiet
    step "azure-identity: rustdoc (warnings denied)"
    RUSTDOCFLAGS="-D warnings" cargo doc "${crates[@]}" --features azure-identity --no-deps --locked --quiet
    step "azure-identity: build examples/azure_identity.rs"
    cargo build -p graph-phone-client --features azure-identity --example azure_identity --locked --quiet
}

azure_identity
