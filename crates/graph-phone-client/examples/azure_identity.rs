//! Tokens from azure_identity: the client credentials flow (an app registration's client
//! secret) or the account signed in to the Azure CLI, each wrapped in [`AzureCredential`]
//! and [`CachingTokenProvider`] and given to the client builder.
//!
//! With a client secret (application permission `UserAuthenticationMethod.Read.All`):
//!
//! ```sh
//! AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... \
//!     cargo run -p graph-phone-client --features azure-identity --example azure_identity -- \
//!     --user kim@contoso.com
//! ```
//!
//! With the Azure CLI (`az login` first; delegated permission `UserAuthenticationMethod.Read`
//! for your own methods):
//!
//! ```sh
//! cargo run -p graph-phone-client --features azure-identity --example azure_identity -- \
//!     --azure-cli --user me
//! ```
//!
//! `--cloud usgov-l4|usgov-l5|china` signs in at that cloud's authority and calls its Graph
//! endpoint. Your `Cargo.toml` needs, besides `graph-phone-client` with the `azure-identity`
//! feature, `azure_identity = { version = "1", default-features = false }` and
//! `azure_core = { version = "1.1", default-features = false, features = ["reqwest"] }`:
//! the secret credential sends its token requests through azure_core's reqwest client,
//! which is the same reqwest build (and TLS backend) as the Graph client's. The default
//! features of azure_identity and azure_core add gzip and deflate decoding and a tokio
//! process runner that these two credentials do not need.

use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use azure_identity::{AzureCliCredential, ClientSecretCredential, ClientSecretCredentialOptions};
use futures::TryStreamExt;
use graph_phone_client::{AzureCredential, CachingTokenProvider, Cloud, Error, GraphClient};

/// The client credentials flow: tenant, client (application) id and client secret from the
/// environment, signing in at `cloud`'s Microsoft Entra authority.
fn client_secret_credential(cloud: &Cloud) -> anyhow::Result<Arc<dyn TokenCredential>> {
    let var = |name: &str| {
        std::env::var(name)
            .map_err(|_| anyhow::anyhow!("{name} is not set (see the example's header)"))
    };
    let tenant_id = var("AZURE_TENANT_ID")?;
    let client_id = var("AZURE_CLIENT_ID")?;
    let secret = var("AZURE_CLIENT_SECRET")?;
    let mut authority = CustomConfiguration::default();
    authority.authority_host = cloud.login_authority().to_owned();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::Custom(authority))),
            // The Graph client's TLS backend for the sign-in requests too: azure_core's
            // default transport panics under the default `rustls` feature (see
            // `AzureCredential::transport`).
            transport: Some(AzureCredential::transport()?),
            ..Default::default()
        },
    };
    Ok(ClientSecretCredential::new(
        &tenant_id,
        client_id,
        secret.into(),
        Some(options),
    )?)
}

/// The account signed in to the Azure CLI (`az login`); runs `az account get-access-token`.
fn azure_cli_credential() -> anyhow::Result<Arc<dyn TokenCredential>> {
    Ok(AzureCliCredential::new(None)?)
}

/// The client over either credential. `AzureCliCredential` runs `az` on every call and
/// `AzureCredential` does not cache, so `CachingTokenProvider` keeps each token until five
/// minutes before it expires and lets one request refresh it while the others wait.
fn graph_client(cloud: Cloud, credential: Arc<dyn TokenCredential>) -> Result<GraphClient, Error> {
    let tokens = CachingTokenProvider::new(AzureCredential::new(credential));
    GraphClient::builder(cloud).token_provider(tokens).build()
}

fn usage() -> ! {
    eprintln!(
        "usage: azure_identity [--azure-cli] --user ID_OR_UPN|me [--cloud global|usgov-l4|usgov-l5|china]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut azure_cli = false;
    let mut user = None;
    let mut cloud = Cloud::Global;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--azure-cli" => azure_cli = true,
            "--user" => user = Some(args.next().unwrap_or_else(|| usage())),
            "--cloud" => {
                cloud = match args.next().as_deref() {
                    Some("global") => Cloud::Global,
                    Some("usgov-l4") => Cloud::UsGovL4,
                    Some("usgov-l5") => Cloud::UsGovL5Dod,
                    Some("china") => Cloud::China,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    let user = user.unwrap_or_else(|| usage());

    let credential = if azure_cli {
        azure_cli_credential()?
    } else {
        client_secret_credential(&cloud)?
    };
    let client = graph_client(cloud, credential)?;
    let methods = if user == "me" {
        client.me().phone_methods()
    } else {
        client.user(user.as_str()).phone_methods()
    };
    let phones: Vec<_> = methods.list().try_collect().await?;
    for phone in &phones {
        let phone_type = phone.phone_type.as_ref().map(|t| t.to_string());
        println!("{:<40} {}", phone.id, phone_type.unwrap_or_default());
    }
    println!("{} phone method(s)", phones.len());
    Ok(())
}
