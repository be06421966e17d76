//! Argon2id password hashing, off the async runtime. Unknown users are checked against a dummy
//! hash so both failures take the same time.
use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::LazyLock;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    // OWASP's argon2id recommendation: m=19 MiB, t=2, p=1.
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_blocking(password: &SecretString) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()?
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_blocking(&password)))
        .await
        .context("the hashing task failed")?
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking(&SecretString::from("minyi-dummy-password-for-timing")).unwrap_or_default()
});

/// Verify `password` against `stored`; with no stored hash, verify against a dummy so an
/// unknown user costs the same time as a wrong password. Returns whether it matched.
pub async fn verify(password: SecretString, stored: Option<String>) -> anyhow::Result<bool> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
            let ok = hasher()?
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            Ok(ok && known)
        })
    })
    .await
    .context("the verification task failed")?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let h = hash(SecretString::from("correct horse battery"))
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify(SecretString::from("correct horse battery"), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify(SecretString::from("wrong horse battery"), Some(h))
            .await
            .unwrap());
        assert!(
            !verify(SecretString::from("minyi-dummy-password-for-timing"), None)
                .await
                .unwrap()
        );
    }
}
