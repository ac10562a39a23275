//! Who is calling: a pluggable [`Authenticator`], and bearer tokens as the default.

use std::collections::HashMap;

use async_trait::async_trait;
use axum::http::header::{self, HeaderMap};

use crate::error::{Error, Result};
use crate::metadata::Principal;

/// Turns a request's credentials into the [`Principal`] its commands and queries run as.
///
/// Answer `Ok(None)` for a request without credentials: it runs anonymously, and the
/// mediator's authorization refuses what requires a role (401). Answer
/// [`Error::Unauthorized`] for credentials that are present but not valid. Plug in your own
/// (JWTs from an identity provider, mTLS) by putting it in the
/// [`ApiState`](crate::http::ApiState).
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The caller `headers` authenticate, if any.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>>;
}

/// The development default: fixed bearer tokens, each mapped to a caller and its roles.
///
/// Configured by one line, `token=caller:role,role;token=caller:role…` (commonly the
/// `API_TOKENS` environment variable of a generated service):
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use axum::http::HeaderMap;
/// use seedwork::http::{Authenticator, BearerTokens};
/// let tokens = BearerTokens::parse("s3cret=mario:kitchen,delivery; b0ss=anna:manager")?;
/// let mut headers = HeaderMap::new();
/// headers.insert("authorization", "Bearer s3cret".parse().unwrap());
/// let mario = tokens.authenticate(&headers).await?.unwrap();
/// assert_eq!(mario.id, "mario");
/// assert!(mario.has_role("kitchen") && mario.has_role("delivery"));
///
/// headers.insert("authorization", "Bearer guess".parse().unwrap());
/// assert_eq!(tokens.authenticate(&headers).await.unwrap_err().status(), 401);
/// assert!(tokens.authenticate(&HeaderMap::new()).await?.is_none());
/// # Ok::<(), seedwork::Error>(()) }).unwrap();
/// ```
///
/// Tokens are compared as given; this is for development and tests, not a substitute for an
/// identity provider.
#[derive(Debug, Clone, Default)]
pub struct BearerTokens {
    tokens: HashMap<String, Principal>,
}

impl BearerTokens {
    /// No tokens: every request is anonymous.
    pub fn none() -> Self {
        Self::default()
    }

    /// Tokens from a `token=caller:role,role;…` line; an empty line configures none.
    pub fn parse(config: &str) -> Result<Self> {
        let mut tokens = HashMap::new();
        for entry in config.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = |why: &str| {
                Error::Configuration(format!(
                    "bearer token entry {:?}: {why}; write token=caller:role,role",
                    entry
                        .split('=')
                        .next()
                        .map(|token| format!("{token}=…"))
                        .unwrap_or_default()
                ))
            };
            let (token, principal) = entry
                .split_once('=')
                .ok_or_else(|| bad("no `=` between token and caller"))?;
            let (token, principal) = (token.trim(), principal.trim());
            if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad("a token is one word of visible characters"));
            }
            let (id, roles) = principal.split_once(':').unwrap_or((principal, ""));
            if id.trim().is_empty() {
                return Err(bad("the caller has no name"));
            }
            let mut caller = Principal::new(id.trim());
            for role in roles.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                caller = caller.with_role(role);
            }
            if tokens.insert(token.to_owned(), caller).is_some() {
                return Err(bad("the token is configured twice"));
            }
        }
        Ok(Self { tokens })
    }

    /// Tokens from the environment variable `name`; none when it is unset.
    pub fn from_env(name: &str) -> Result<Self> {
        match std::env::var(name) {
            Ok(config) => Self::parse(&config),
            Err(std::env::VarError::NotPresent) => Ok(Self::none()),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::Configuration(format!("{name} is not valid UTF-8")))
            }
        }
    }

    /// These tokens and `token`, which authenticates `principal`.
    ///
    /// ```
    /// use seedwork::{http::BearerTokens, Principal};
    /// let tokens = BearerTokens::none().with("t0ken", Principal::new("mario").with_role("kitchen"));
    /// assert_eq!(tokens.len(), 1);
    /// ```
    #[must_use]
    pub fn with(mut self, token: impl Into<String>, principal: Principal) -> Self {
        self.tokens.insert(token.into(), principal);
        self
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

#[async_trait]
impl Authenticator for BearerTokens {
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let value = value.to_str().map_err(|_| {
            Error::Unauthorized("the Authorization header is not visible ASCII".into())
        })?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| Error::Unauthorized("send `Authorization: Bearer <token>`".into()))?;
        self.tokens
            .get(token)
            .cloned()
            .map(Some)
            .ok_or_else(|| Error::Unauthorized("the bearer token is not known".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_configurations_are_refused_without_echoing_the_secret() {
        for bad in [
            "justatoken",
            "=mario:kitchen",
            "t=:kitchen",
            "a b=mario",
            "t=x;t=y",
        ] {
            let error = BearerTokens::parse(bad).expect_err(bad);
            assert!(matches!(error, Error::Configuration(_)), "{bad}: {error}");
        }
        let error = BearerTokens::parse("supersecret").expect_err("no caller");
        assert!(!error.to_string().contains("supersecret=mario"), "{error}");
        assert!(BearerTokens::parse(" ; ")
            .expect("empty entries")
            .is_empty());
        assert_eq!(BearerTokens::parse("t=svc").expect("no roles").len(), 1);
    }
}
