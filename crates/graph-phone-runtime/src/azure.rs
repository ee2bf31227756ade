//! Adapter from azure_core's `TokenCredential` (feature `azure-identity`).

use std::sync::Arc;
use std::time::SystemTime;

use azure_core::credentials::TokenCredential;

use crate::token::{AccessToken, TokenError, TokenProvider};

/// A [`TokenProvider`] backed by an azure_core `TokenCredential`.
///
/// Every azure_identity credential (`ClientSecretCredential`, `AzureCliCredential`,
/// `ManagedIdentityCredential`, `DeveloperToolsCredential`, ...) implements
/// `azure_core::credentials::TokenCredential`, so this feature depends on azure_core alone:
/// add azure_identity (1.x, the same azure_core major) to your own crate, build the
/// credential for your cloud's authority ([`crate::Cloud::login_authority`]) and wrap it.
///
/// This adapter asks the credential on every call. `AzureCliCredential` runs `az` each
/// time and others cache on their own, so wrap it in [`crate::CachingTokenProvider`]: it
/// keeps each token until [`crate::DEFAULT_REFRESH_SKEW`] before it expires, and one caller
/// refreshes while the others wait.
///
/// A complete, compiled example with the client credentials flow and the Azure CLI
/// credential is in graph-phone-client: its re-export of `AzureCredential` and its
/// `examples/azure_identity.rs`.
#[derive(Clone, Debug)]
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
}

impl AzureCredential {
    /// Wraps a credential.
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        Self { credential }
    }

    /// The HTTP transport to give a credential that sends requests (its
    /// `ClientOptions::transport`; `ClientSecretCredential` signs in over HTTPS):
    /// a `reqwest::Client` with this crate's TLS backend ([`crate::http_client_builder`]),
    /// 20 s to connect, 60 s per read and no redirects, as azure_core's own.
    ///
    /// Needed under the default `rustls` feature: azure_core builds its default transport
    /// with `reqwest::ClientBuilder::new()`, which panics there when nothing in the program
    /// installed a process-wide rustls provider (see [`crate::http_client_builder`]).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidInput`] (field `tls`) when the TLS backend cannot be set up.
    pub fn transport() -> Result<azure_core::http::Transport, crate::Error> {
        let client = crate::http_client_builder()?
            .connect_timeout(std::time::Duration::from_secs(20))
            .read_timeout(std::time::Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| crate::Error::InvalidInput {
                field: "tls",
                reason: format!("the credential's HTTP client: {e}"),
            })?;
        Ok(azure_core::http::Transport::new(Arc::new(client)))
    }
}

#[async_trait::async_trait]
impl TokenProvider for AzureCredential {
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError> {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let token = self
            .credential
            .get_token(&scopes, None)
            .await
            .map_err(|e| TokenError::new(format!("azure credential: {e}")))?;
        Ok(AccessToken::new(
            token.token.secret(),
            SystemTime::from(token.expires_on),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::{AccessToken as AzToken, TokenRequestOptions};
    use azure_core::time::OffsetDateTime;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Fake {
        seen: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Fake {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AzToken> {
            self.seen
                .lock()
                .unwrap()
                .extend(scopes.iter().map(|s| s.to_string()));
            Ok(AzToken::new(
                "az-secret",
                OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
            ))
        }
    }

    #[tokio::test]
    async fn adapts_token_credential() {
        let fake = Arc::new(Fake::default());
        let provider = AzureCredential::new(fake.clone());
        let token = provider
            .token(&[crate::Cloud::China.default_scope().to_owned()])
            .await
            .unwrap();
        assert_eq!(token.secret.expose_secret(), "az-secret");
        assert!(token.expires_at > SystemTime::now());
        assert_eq!(
            fake.seen.lock().unwrap().as_slice(),
            ["https://microsoftgraph.chinacloudapi.cn/.default"]
        );
    }
}
