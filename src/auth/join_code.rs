//! A community's join code: the value its notice-board poster carries, in the QR code's link
//! (`/m/?c=<code>`) and as the mini-program's `scene`. It names the community and carries an
//! HMAC over the community and its join epoch, so a resident joins only a community whose poster
//! they have seen (not any number they type), and a new poster (a higher epoch) voids the old
//! ones. The key is derived from `auth.jwt_secret`: changing that secret voids every poster.
//!
//! Shape: `<community id>.<20 base64url characters>` (120 bits of the HMAC), at most 32
//! characters for ids below 10^11 — WeChat's limit for a scene value — using only characters
//! WeChat allows there.
use crate::domain::ids::CommunityId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept in a code (120 bits; 20 base64url characters).
const SIG_BYTES: usize = 15;
const SIG_CHARS: usize = 20;

pub struct JoinCodes {
    key: [u8; 32],
}

impl std::fmt::Debug for JoinCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinCodes(..)")
    }
}

impl JoinCodes {
    /// Derive the signing key from the server's secret (a separate key per purpose).
    pub fn new(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        if let Ok(mut mac) = HmacSha256::new_from_slice(secret) {
            mac.update(b"minyi:join-code:v1");
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        Self { key }
    }

    fn mac(&self, community: CommunityId, epoch: i64) -> HmacSha256 {
        // HMAC accepts keys of any length: this cannot fail for a 32-byte key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("{}:{}", community.0, epoch).as_bytes());
        mac
    }

    /// The code of `community` for its current `epoch`.
    pub fn sign(&self, community: CommunityId, epoch: i64) -> String {
        let tag = self.mac(community, epoch).finalize().into_bytes();
        format!(
            "{}.{}",
            community.0,
            URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES])
        )
    }

    /// The community a well-formed code names (its signature is not checked here).
    pub fn community_of(code: &str) -> Option<CommunityId> {
        split(code).map(|(c, _)| c)
    }

    /// Whether `code` is the code of the community it names at `epoch` (constant-time).
    pub fn verify(&self, code: &str, epoch: i64) -> bool {
        let Some((community, sig)) = split(code) else {
            return false;
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        bytes.len() == SIG_BYTES
            && self
                .mac(community, epoch)
                .verify_truncated_left(&bytes)
                .is_ok()
    }
}

/// `<id>.<signature>`, both parts of the expected shape.
fn split(code: &str) -> Option<(CommunityId, &str)> {
    let code = code.trim();
    if code.len() > 40 {
        return None;
    }
    let (id, sig) = code.split_once('.')?;
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if sig.len() != SIG_CHARS
        || !sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
    Some((CommunityId(id), sig))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_code_names_its_community_and_verifies_only_at_its_epoch() {
        let codes = JoinCodes::new(b"a secret of at least thirty-two bytes!!");
        let code = codes.sign(CommunityId(42), 1);
        assert!(code.starts_with("42."));
        assert_eq!(JoinCodes::community_of(&code), Some(CommunityId(42)));
        assert!(codes.verify(&code, 1));
        assert!(!codes.verify(&code, 2), "a new poster voids the old code");
        // Another community's number with this signature is refused.
        let forged = code.replacen("42.", "43.", 1);
        assert!(!codes.verify(&forged, 1));
        // So is a bare number, and another server's code.
        assert!(!codes.verify("42", 1));
        let other = JoinCodes::new(b"another server's secret, also long enough");
        assert!(!other.verify(&code, 1));
    }

    #[test]
    fn a_code_fits_a_wechat_scene_value() {
        let codes = JoinCodes::new(b"k");
        let code = codes.sign(CommunityId(99_999_999_999), 7);
        assert!(code.len() <= 32, "{code}");
        let allowed =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$&'()*+,/:;=?@-._~";
        assert!(code.chars().all(|c| allowed.contains(c)), "{code}");
    }

    #[test]
    fn malformed_codes_are_refused_without_panicking() {
        let codes = JoinCodes::new(b"k");
        for bad in [
            "",
            ".",
            "1.",
            ".abc",
            "x.aaaaaaaaaaaaaaaaaaaa",
            "0.aaaaaaaaaaaaaaaaaaaa",
            "-1.aaaaaaaaaaaaaaaaaaaa",
            "1.aaaa",
            "1.aaaaaaaaaaaaaaaaaaa!",
            "99999999999999999999.aaaaaaaaaaaaaaaaaaaa",
            "1.aaaaaaaaaaaaaaaaaaaa.extra",
        ] {
            assert!(!codes.verify(bad, 1), "{bad:?}");
        }
        assert_eq!(
            JoinCodes::community_of(" 5.aaaaaaaaaaaaaaaaaaaa "),
            Some(CommunityId(5))
        );
    }
}
