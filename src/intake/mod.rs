//! Intake rules that do not touch the store: masking, moderation, rate limits, request hashing.
pub mod mask;
pub mod moderation;
pub mod rate_limit;

use sha2::{Digest, Sha256};

/// A stable hash of a request's meaningful content, to tell a retry from a reused key.
pub fn request_hash(value: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}
