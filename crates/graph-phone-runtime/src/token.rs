//! Access tokens: the [`TokenProvider`] trait, a static token and a caching,
//! single-flight refreshing wrapper.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

/// A secret string (an access token) whose `Debug` and `Display` never show the value.
///
/// The only way to read the value is [`SecretString::expose_secret`], which makes every
/// place that touches the secret easy to find. The runtime calls it to build the
/// `Authorization` header (marked sensitive, so reqwest never shows it) each time the
/// provider hands out a different token, and reuses that header value while it does not.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Arc<str>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// Reads the secret. Do not log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A bearer token for Microsoft Graph and the instant it stops being valid.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The token itself; never shown by `Debug`/`Display`.
    pub secret: SecretString,
    /// When the token expires.
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// A token valid until `expires_at`.
    pub fn new(secret: impl Into<SecretString>, expires_at: SystemTime) -> Self {
        Self {
            secret: secret.into(),
            expires_at,
        }
    }

    /// Whether the token is still usable at `now` with `skew` of safety margin, i.e.
    /// `now + skew < expires_at`.
    pub fn is_fresh_at(&self, now: SystemTime, skew: Duration) -> bool {
        now.checked_add(skew)
            .is_some_and(|limit| limit < self.expires_at)
    }
}

/// A token could not be obtained.
///
/// The message comes from the provider; providers must not put secrets into it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("could not obtain an access token: {message}")]
pub struct TokenError {
    /// What went wrong, without secrets.
    pub message: String,
}

impl TokenError {
    /// A token error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Source of access tokens for the Graph API.
///
/// `scopes` are OAuth scopes such as `https://graph.microsoft.com/.default`; the runtime
/// passes the scopes configured on it, which default to the cloud's
/// [`crate::Cloud::default_scope`].
///
/// Implementations are called on every request attempt; wrap slow ones in
/// [`CachingTokenProvider`].
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync + 'static {
    /// Returns a token valid for `scopes`.
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError>;
}

#[async_trait::async_trait]
impl<P: TokenProvider + ?Sized> TokenProvider for Arc<P> {
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError> {
        (**self).token(scopes).await
    }
}

/// A fixed token, for tests, the emulator and short scripts. Ignores scopes.
#[derive(Clone, Debug)]
pub struct StaticToken {
    token: AccessToken,
}

impl StaticToken {
    /// A token that never expires (as far as the runtime is concerned).
    pub fn new(secret: impl Into<SecretString>) -> Self {
        // Far enough in the future for any process; avoids SystemTime overflow games.
        let expires_at = SystemTime::now() + Duration::from_secs(100 * 365 * 24 * 3600);
        Self {
            token: AccessToken::new(secret, expires_at),
        }
    }

    /// A fixed token with an explicit expiry.
    pub fn with_expiry(secret: impl Into<SecretString>, expires_at: SystemTime) -> Self {
        Self {
            token: AccessToken::new(secret, expires_at),
        }
    }
}

#[async_trait::async_trait]
impl TokenProvider for StaticToken {
    async fn token(&self, _scopes: &[String]) -> Result<AccessToken, TokenError> {
        Ok(self.token.clone())
    }
}

/// Default refresh margin of [`CachingTokenProvider`]: refresh 5 minutes before expiry
/// (Entra ID tokens live 60-90 minutes).
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(300);

/// Caches tokens per scope set and refreshes them `skew` before they expire.
///
/// Refreshes are single-flight: while one caller refreshes, concurrent callers wait for
/// it and then reuse the new token, so 32 concurrent requests with an expired token cause
/// one call to the inner provider. A failed refresh is returned to the caller that made it;
/// the next caller tries again.
pub struct CachingTokenProvider<P> {
    inner: P,
    skew: Duration,
    cache: StdMutex<HashMap<Vec<String>, AccessToken>>,
    refresh: tokio::sync::Mutex<()>,
}

impl<P> fmt::Debug for CachingTokenProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingTokenProvider")
            .field("skew", &self.skew)
            .finish_non_exhaustive()
    }
}

impl<P: TokenProvider> CachingTokenProvider<P> {
    /// Wraps `inner` with the [`DEFAULT_REFRESH_SKEW`].
    pub fn new(inner: P) -> Self {
        Self::with_skew(inner, DEFAULT_REFRESH_SKEW)
    }

    /// Wraps `inner`, refreshing tokens `skew` before they expire.
    pub fn with_skew(inner: P, skew: Duration) -> Self {
        Self {
            inner,
            skew,
            cache: StdMutex::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The refresh margin.
    pub fn skew(&self) -> Duration {
        self.skew
    }

    fn cached(&self, scopes: &[String]) -> Option<AccessToken> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(scopes)
            .filter(|t| t.is_fresh_at(SystemTime::now(), self.skew))
            .cloned()
    }
}

#[async_trait::async_trait]
impl<P: TokenProvider> TokenProvider for CachingTokenProvider<P> {
    async fn token(&self, scopes: &[String]) -> Result<AccessToken, TokenError> {
        if let Some(token) = self.cached(scopes) {
            return Ok(token);
        }
        // Single flight: one refresher at a time; the others re-check the cache after it.
        let _guard = self.refresh.lock().await;
        if let Some(token) = self.cached(scopes) {
            return Ok(token);
        }
        let token = self.inner.token(scopes).await?;
        tracing::debug!(target: "graph_phone_runtime::token", "access token refreshed");
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scopes.to_vec(), token.clone());
        Ok(token)
    }
}
