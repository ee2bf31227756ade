//! What several test binaries share (a directory, so not a test target of its own).

/// The plain-HTTP `reqwest::Client` the tests talk to the emulator with (no proxy).
///
/// In a workspace-wide build (`cargo test --workspace`) reqwest is compiled with
/// graph-phone-runtime's `rustls-no-provider` feature, and reqwest then panics when a
/// client is built while no process-wide rustls provider is installed. A test binary is
/// an application, so it may install one (a library must not, and the runtime never
/// does); when the process already has one, this keeps it.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}
