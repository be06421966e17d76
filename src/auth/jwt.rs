//! Short-lived access tokens. The algorithm is pinned to HS256: tokens with `alg: none` or any
//! other algorithm (RS256 with the secret as a "public key", …) are rejected.
use crate::domain::ids::{AccountId, CommunityId};
use crate::domain::role::Role;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub role: Role,
    /// The communities the caller may act in when the token was issued.
    pub scope: Vec<CommunityId>,
    pub sid: String,
}

impl Claims {
    pub fn account_id(&self) -> Option<AccountId> {
        self.sub.parse().ok().map(AccountId)
    }
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &SecretString, issuer: &str, audience: &str, ttl_seconds: i64) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_seconds,
        }
    }

    pub fn issue(
        &self,
        account: AccountId,
        role: Role,
        scope: Vec<CommunityId>,
        sid: &str,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account.0.to_string(),
            exp: now + self.ttl_seconds,
            iat: now,
            role,
            scope,
            sid: sid.to_string(),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}
