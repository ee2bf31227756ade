//! Adapter from azure_core's `TokenCredential` (feature `azure-identity`).
//!
//! Every azure_identity credential (`ClientSecretCredential`, `ManagedIdentityCredential`,
//! `DeveloperToolsCredential`, ...) implements `azure_core::credentials::TokenCredential`,
//! so depending on azure_core alone keeps this feature light: add azure_identity to your
//! own crate, build the credential for the right authority
//! ([`crate::Cloud::login_authority`]) and wrap it:
//!
//! ```ignore
//! let credential = azure_identity::DeveloperToolsCredential::new(None)?;
//! let tokens = CachingTokenProvider::new(AzureCredential::new(credential));
//! let runtime = GraphRuntime::builder(Cloud::Global).token_provider(tokens).build()?;
//! ```

use std::sync::Arc;
use std::time::SystemTime;

use azure_core::credentials::TokenCredential;

use crate::token::{AccessToken, TokenError, TokenProvider};

/// A [`TokenProvider`] backed by an azure_core `TokenCredential`.
///
/// azure_identity credentials cache tokens themselves; wrapping this in
/// [`crate::CachingTokenProvider`] adds the runtime's refresh skew and single-flight.
#[derive(Clone, Debug)]
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
}

impl AzureCredential {
    /// Wraps a credential.
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        Self { credential }
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
