//! Where the access token comes from: `--token` (or `GRAPH_PHONE_TOKEN`), or an
//! azure_identity credential chosen with `--auth`.

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use clap::{Args, ValueEnum};
use graph_phone_client::{AzureCredential, CachingTokenProvider, Cloud, GraphClient, StaticToken};

use crate::exit::{AUTH, Failure};

/// How to authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthKind {
    /// The bearer token of `--token` / `GRAPH_PHONE_TOKEN` as it is.
    Token,
    /// An app registration's client secret (client credentials flow): `--tenant-id`,
    /// `--client-id`, `--client-secret` (or AZURE_TENANT_ID, AZURE_CLIENT_ID,
    /// AZURE_CLIENT_SECRET).
    ClientSecret,
    /// An app registration's certificate (PKCS #12 file with its private key):
    /// `--tenant-id`, `--client-id`, `--certificate` (and `--certificate-password` when it has
    /// one). Needs the `client-certificate` feature at build time.
    ClientCertificate,
    /// The managed identity of the Azure host (App Service, Functions, VM); `--client-id`
    /// picks a user-assigned identity.
    ManagedIdentity,
    /// The account signed in to the Azure CLI (`az login`); runs `az account
    /// get-access-token`.
    AzureCli,
}

/// The authentication options.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// How to get a token; `token` when `--token` is given.
    #[arg(long, global = true, value_enum, env = "GRAPH_PHONE_AUTH")]
    auth: Option<AuthKind>,
    /// A bearer token for Graph (with `--auth token`, the default when it is set).
    #[arg(
        long,
        global = true,
        env = "GRAPH_PHONE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
    /// Directory (tenant) id, for client-secret, client-certificate and azure-cli.
    #[arg(long, global = true, env = "AZURE_TENANT_ID", value_name = "ID")]
    tenant_id: Option<String>,
    /// Application (client) id; for managed-identity, a user-assigned identity's client id.
    #[arg(long, global = true, env = "AZURE_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,
    /// The client secret (prefer the environment variable: a command line is visible to
    /// other users of the machine).
    #[arg(
        long,
        global = true,
        env = "AZURE_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    client_secret: Option<String>,
    /// PKCS #12 (.pfx) file with the certificate and its private key.
    #[arg(
        long,
        global = true,
        env = "AZURE_CLIENT_CERTIFICATE_PATH",
        value_name = "FILE"
    )]
    certificate: Option<PathBuf>,
    /// The password of the certificate file.
    #[arg(
        long,
        global = true,
        env = "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    certificate_password: Option<String>,
}

/// The Graph client for `cloud` (at `base_url` when given) with the chosen credential.
pub async fn client(
    args: &AuthArgs,
    cloud: Cloud,
    base_url: Option<&str>,
) -> Result<GraphClient, Failure> {
    let kind = match (args.auth, &args.token) {
        (Some(kind), _) => kind,
        (None, Some(_)) => AuthKind::Token,
        (None, None) => {
            return Err(Failure::usage(
                "no credentials: give --token (or GRAPH_PHONE_TOKEN), or --auth client-secret, \
                 client-certificate, managed-identity or azure-cli",
            ));
        }
    };
    let mut builder = GraphClient::builder(cloud.clone());
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    let builder = match kind {
        AuthKind::Token => {
            let token = args
                .token
                .as_deref()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Failure::usage("--auth token needs --token (or GRAPH_PHONE_TOKEN)")
                })?;
            builder.token_provider(StaticToken::new(token))
        }
        other => {
            let credential = azure_credential(other, args, &cloud)?;
            builder.token_provider(CachingTokenProvider::new(AzureCredential::new(credential)))
        }
    };
    builder.build().map_err(|e| {
        // A bad --base-url is the usual cause.
        Failure::usage(format!("cannot build the Graph client: {e}"))
    })
}

fn required<'a>(value: &'a Option<String>, what: &str, kind: &str) -> Result<&'a str, Failure> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::usage(format!("--auth {kind} needs {what}")))
}

/// azure_core's options for a credential that signs in at `cloud`'s authority, with the
/// Graph client's TLS backend (azure_core's default transport panics under it).
fn client_options(cloud: &Cloud) -> Result<ClientOptions, Failure> {
    let mut authority = CustomConfiguration::default();
    authority.authority_host = cloud.login_authority().to_owned();
    Ok(ClientOptions {
        cloud: Some(Arc::new(CloudConfiguration::Custom(authority))),
        transport: Some(
            AzureCredential::transport().map_err(|e| Failure::new(AUTH, e.to_string()))?,
        ),
        ..Default::default()
    })
}

fn azure_credential(
    kind: AuthKind,
    args: &AuthArgs,
    cloud: &Cloud,
) -> Result<Arc<dyn TokenCredential>, Failure> {
    let failed = |what: &str, e: azure_core::Error| {
        Failure::new(AUTH, format!("cannot set up the {what} credential: {e}"))
    };
    match kind {
        AuthKind::Token => unreachable!("handled by the caller"),
        AuthKind::ClientSecret => {
            let name = "client-secret";
            let tenant = required(&args.tenant_id, "--tenant-id (or AZURE_TENANT_ID)", name)?;
            let client_id = required(&args.client_id, "--client-id (or AZURE_CLIENT_ID)", name)?;
            let secret = required(
                &args.client_secret,
                "--client-secret (or AZURE_CLIENT_SECRET)",
                name,
            )?;
            let options = azure_identity::ClientSecretCredentialOptions {
                client_options: client_options(cloud)?,
            };
            let credential = azure_identity::ClientSecretCredential::new(
                tenant,
                client_id.to_owned(),
                secret.to_owned().into(),
                Some(options),
            )
            .map_err(|e| failed("client secret", e))?;
            Ok(credential)
        }
        AuthKind::ClientCertificate => client_certificate(args, cloud),
        AuthKind::ManagedIdentity => {
            let options = azure_identity::ManagedIdentityCredentialOptions {
                user_assigned_id: args
                    .client_id
                    .clone()
                    .filter(|id| !id.is_empty())
                    .map(azure_identity::UserAssignedId::ClientId),
                client_options: client_options(cloud)?,
            };
            let credential = azure_identity::ManagedIdentityCredential::new(Some(options))
                .map_err(|e| failed("managed identity", e))?;
            Ok(credential)
        }
        AuthKind::AzureCli => {
            let options = azure_identity::AzureCliCredentialOptions {
                tenant_id: args.tenant_id.clone().filter(|t| !t.is_empty()),
                ..Default::default()
            };
            let credential = azure_identity::AzureCliCredential::new(Some(options))
                .map_err(|e| failed("Azure CLI", e))?;
            Ok(credential)
        }
    }
}

#[cfg(feature = "client-certificate")]
fn client_certificate(args: &AuthArgs, cloud: &Cloud) -> Result<Arc<dyn TokenCredential>, Failure> {
    let name = "client-certificate";
    let tenant = required(&args.tenant_id, "--tenant-id (or AZURE_TENANT_ID)", name)?;
    let client_id = required(&args.client_id, "--client-id (or AZURE_CLIENT_ID)", name)?;
    let path = args.certificate.as_ref().ok_or_else(|| {
        Failure::usage(
            "--auth client-certificate needs --certificate (or AZURE_CLIENT_CERTIFICATE_PATH)",
        )
    })?;
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::usage(format!(
            "--certificate {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    let options = azure_identity::ClientCertificateCredentialOptions {
        client_options: client_options(cloud)?,
        password: args.certificate_password.clone().map(Into::into),
    };
    let credential = azure_identity::ClientCertificateCredential::new(
        tenant.to_owned(),
        client_id.to_owned(),
        bytes.into(),
        Some(options),
    )
    .map_err(|e| {
        Failure::new(
            AUTH,
            format!(
                "cannot set up the client certificate credential from {}: {e}",
                path.display()
            ),
        )
    })?;
    Ok(credential)
}

#[cfg(not(feature = "client-certificate"))]
fn client_certificate(
    _args: &AuthArgs,
    _cloud: &Cloud,
) -> Result<Arc<dyn TokenCredential>, Failure> {
    Err(Failure::usage(
        "--auth client-certificate is not built into this graph-phone: install it with \
         `--features client-certificate` (needs OpenSSL), or use client-secret, \
         managed-identity or azure-cli",
    ))
}
