//! The azure_identity credentials of `examples/azure_identity.rs`, built as the example builds
//! them (only with the `azure-identity` feature: `scripts/features.sh` runs it).
#![cfg(feature = "azure-identity")]

use azure_core::http::ClientOptions;
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use graph_phone_client::AzureCredential;

fn credential(options: Option<ClientSecretCredentialOptions>) -> bool {
    ClientSecretCredential::new(
        "00000000-0000-0000-0000-000000000000",
        "11111111-1111-1111-1111-111111111111".to_owned(),
        "not-a-secret".to_owned().into(),
        options,
    )
    .is_ok()
}

/// A client secret credential signs in over HTTPS through azure_core's reqwest client. Under
/// the default `rustls` feature (reqwest's `rustls-no-provider`) azure_core's default
/// transport panics when it is built; the transport from `AzureCredential::transport` has
/// the Graph client's TLS backend and does not.
#[test]
fn a_client_secret_credential_builds_with_the_clients_transport() {
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            transport: Some(AzureCredential::transport().expect("transport")),
            ..Default::default()
        },
    };
    assert!(credential(Some(options)));

    // Without it, the default transport: what the example avoids.
    let ring_only = cfg!(all(
        feature = "rustls",
        not(any(feature = "rustls-aws-lc", feature = "native-tls"))
    ));
    let default_transport = std::panic::catch_unwind(|| credential(None));
    assert_eq!(
        default_transport.is_err(),
        ring_only,
        "azure_core's default transport panics exactly under the ring-only default"
    );
}
