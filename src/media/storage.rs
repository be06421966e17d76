//! Content-addressed blob storage for cleaned images.
//!
//! Keys have the shape `ab/cd/<sha256>.<ext>` where `ab` and `cd` are the
//! first two byte-pairs of the lowercase hex SHA-256 of the content and
//! `<ext>` is [`ImageKind::extension`]. The same key layout can be used as an
//! object-store key by other [`BlobStorage`] implementations.
//!
//! Because storage is content-addressed, two uploads of identical bytes share
//! one blob: callers that delete blobs must make sure no other record still
//! references the key.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::sniff::{sniff, ImageKind};

/// Result of storing a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Lowercase hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// Storage key, `ab/cd/<sha256>.<ext>`.
    pub key: String,
    /// Size of the stored bytes.
    pub size: u64,
}

/// Error (inside `anyhow::Error`) for keys that do not have the expected
/// shape. Callers can `downcast_ref::<InvalidKey>()` to answer 400/404
/// instead of 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid blob key")]
pub struct InvalidKey;

/// Where image blobs live. Implemented for local disk now; an object store
/// can implement the same trait later.
#[async_trait]
pub trait BlobStorage: Send + Sync {
    /// Stores `bytes` (already validated and stripped) and returns its key.
    /// Storing identical content again returns the same key.
    async fn put(&self, bytes: &[u8], kind: ImageKind) -> anyhow::Result<StoredBlob>;
    /// Returns the blob for `key`, or `None` if it does not exist.
    /// Fails with [`InvalidKey`] for malformed keys.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Removes the blob for `key`; removing a missing blob is not an error.
    /// Fails with [`InvalidKey`] for malformed keys.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}

/// Builds the key for content with the given hex SHA-256.
fn key_for(sha256_hex: &str, kind: ImageKind) -> String {
    format!(
        "{}/{}/{}.{}",
        &sha256_hex[0..2],
        &sha256_hex[2..4],
        sha256_hex,
        kind.extension()
    )
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks that `key` is exactly `ab/cd/<64 hex>.<ext>` with `ab`/`cd` equal
/// to the start of the hash and a known extension. Anything else (`..`,
/// absolute paths, backslashes, uppercase, extra components) is rejected.
fn validate_key(key: &str) -> Result<(), InvalidKey> {
    let mut parts = key.split('/');
    let (Some(d1), Some(d2), Some(file), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(InvalidKey);
    };
    let Some((hash, ext)) = file.split_once('.') else {
        return Err(InvalidKey);
    };
    let valid = hash.len() == 64
        && is_lower_hex(hash)
        && d1.len() == 2
        && d2.len() == 2
        && hash.get(0..2) == Some(d1)
        && hash.get(2..4) == Some(d2)
        && ImageKind::from_extension(ext).is_some();
    if valid {
        Ok(())
    } else {
        Err(InvalidKey)
    }
}

/// Stores blobs as files under a root folder: `root/ab/cd/<sha256>.<ext>`.
#[derive(Debug, Clone)]
pub struct LocalDiskStorage {
    root: PathBuf,
}

impl LocalDiskStorage {
    /// The root folder is created on the first `put` if needed.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// File path for a valid key (e.g. to stream it with a file responder).
    pub fn path_for_key(&self, key: &str) -> Result<PathBuf, InvalidKey> {
        validate_key(key)?;
        Ok(key
            .split('/')
            .fold(self.root.clone(), |p, part| p.join(part)))
    }
}

/// A temp file name unique within this process (counter) and across
/// processes (pid); the timestamp guards against pid reuse. Temp names start
/// with a dot and end in `.tmp`, so they never match a valid key.
fn temp_name(sha256_hex: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(".{sha256_hex}.{}.{n}.{nanos}.tmp", std::process::id())
}

async fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    // Make the content durable before the rename publishes it.
    file.sync_all().await?;
    Ok(())
}

#[async_trait]
impl BlobStorage for LocalDiskStorage {
    async fn put(&self, bytes: &[u8], kind: ImageKind) -> anyhow::Result<StoredBlob> {
        // The extension is derived from `kind`, and files are later served
        // with `kind.mime()`: refuse content that is not what it claims.
        anyhow::ensure!(
            sniff(bytes) == Some(kind),
            "blob content does not match image kind {kind:?}"
        );
        let sha256 = hex::encode(Sha256::digest(bytes));
        let key = key_for(&sha256, kind);
        let path = self.path_for_key(&key)?;
        let size = u64::try_from(bytes.len())?;
        let blob = StoredBlob { sha256, key, size };

        let dir = path
            .parent()
            .context("blob path has no parent folder")?
            .to_path_buf();

        // Same content already stored: nothing to do.
        if let Ok(meta) = tokio::fs::metadata(&path).await {
            if meta.is_file() && meta.len() == size {
                return Ok(blob);
            }
        }

        tokio::fs::create_dir_all(&dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
        let tmp = dir.join(temp_name(&blob.sha256));
        if let Err(err) = write_new_file(&tmp, bytes).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(err).with_context(|| format!("writing {}", tmp.display()));
        }
        // rename() atomically replaces the target on POSIX. A concurrent put
        // of the same content writes identical bytes, so whichever rename
        // lands last, readers only ever see a complete file.
        if let Err(err) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            // Platforms where rename does not replace: the blob is there.
            if tokio::fs::metadata(&path)
                .await
                .is_ok_and(|m| m.len() == size)
            {
                return Ok(blob);
            }
            return Err(err).with_context(|| format!("renaming into {}", path.display()));
        }
        Ok(blob)
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.path_for_key(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path_for_key(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err).with_context(|| format!("deleting {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::{sample_jpeg, sample_png, sample_webp};

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn put_get_roundtrip_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().join("blobs"));
        let png = sample_png().expected;

        let blob = storage.put(&png, ImageKind::Png).await.unwrap();
        let hash = hex::encode(Sha256::digest(&png));
        assert_eq!(blob.sha256, hash);
        assert_eq!(blob.size, png.len() as u64);
        assert_eq!(
            blob.key,
            format!("{}/{}/{}.png", &hash[..2], &hash[2..4], hash)
        );

        let on_disk = dir
            .path()
            .join("blobs")
            .join(&hash[..2])
            .join(&hash[2..4])
            .join(format!("{hash}.png"));
        assert_eq!(std::fs::read(&on_disk).unwrap(), png);
        assert_eq!(storage.path_for_key(&blob.key).unwrap(), on_disk);
        assert_eq!(storage.get(&blob.key).await.unwrap(), Some(png));
    }

    #[tokio::test]
    async fn known_digest() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().to_path_buf());
        // SHA-256 of the 3 bytes FF D8 FF.
        let blob = storage
            .put(&[0xFF, 0xD8, 0xFF], ImageKind::Jpeg)
            .await
            .unwrap();
        let expected = hex::encode(Sha256::digest([0xFF, 0xD8, 0xFF]));
        assert_eq!(blob.sha256, expected);
        assert_eq!(blob.sha256.len(), 64);
        assert!(blob.key.ends_with(".jpg"));
    }

    #[tokio::test]
    async fn same_content_twice_is_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().to_path_buf());
        let jpeg = sample_jpeg().expected;

        let a = storage.put(&jpeg, ImageKind::Jpeg).await.unwrap();
        let b = storage.put(&jpeg, ImageKind::Jpeg).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(files_under(dir.path()).len(), 1);

        let other = storage
            .put(&sample_webp().expected, ImageKind::Webp)
            .await
            .unwrap();
        assert_ne!(other.key, a.key);
        assert_eq!(files_under(dir.path()).len(), 2);
    }

    #[tokio::test]
    async fn concurrent_puts_of_same_content() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().to_path_buf());
        let png = sample_png().expected;

        let (a, b, c, d) = tokio::join!(
            storage.put(&png, ImageKind::Png),
            storage.put(&png, ImageKind::Png),
            storage.put(&png, ImageKind::Png),
            storage.put(&png, ImageKind::Png),
        );
        let a = a.unwrap();
        for other in [b, c, d] {
            assert_eq!(other.unwrap(), a);
        }
        // Exactly one file, no temp files left behind.
        let files = files_under(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(std::fs::read(&files[0]).unwrap(), png);
    }

    #[tokio::test]
    async fn delete_and_missing_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().to_path_buf());
        let blob = storage
            .put(&sample_png().expected, ImageKind::Png)
            .await
            .unwrap();

        storage.delete(&blob.key).await.unwrap();
        assert_eq!(storage.get(&blob.key).await.unwrap(), None);
        // Deleting again is fine.
        storage.delete(&blob.key).await.unwrap();
        assert!(files_under(dir.path()).is_empty());

        // A well-formed key that was never stored.
        let h = "0".repeat(64);
        assert_eq!(storage.get(&format!("00/00/{h}.webp")).await.unwrap(), None);
    }

    #[tokio::test]
    async fn put_rejects_content_not_matching_kind() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDiskStorage::new(dir.path().to_path_buf());
        let png = sample_png().expected;
        assert!(storage.put(&png, ImageKind::Jpeg).await.is_err());
        assert!(storage.put(b"<script>", ImageKind::Png).await.is_err());
        assert!(files_under(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn traversal_and_malformed_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let storage = LocalDiskStorage::new(root.clone());
        let blob = storage
            .put(&sample_png().expected, ImageKind::Png)
            .await
            .unwrap();

        // A file outside the root that traversal would reach.
        let victim = dir.path().join("victim.png");
        std::fs::write(&victim, b"do not touch").unwrap();

        let h = blob.sha256.clone();
        let bad_keys = vec![
            String::new(),
            "../victim.png".to_string(),
            format!("../../{h}.png"),
            format!("{}/{}/../../../victim.png", &h[..2], &h[2..4]),
            format!("{}/{}/../{h}.png", &h[..2], &h[2..4]),
            format!("/{}/{}/{h}.png", &h[..2], &h[2..4]),
            format!("{}/{}/{h}.png/", &h[..2], &h[2..4]),
            format!("{}//{}/{h}.png", &h[..2], &h[2..4]),
            format!("{}\\{}\\{h}.png", &h[..2], &h[2..4]),
            format!("{}/{}/{h}.exe", &h[..2], &h[2..4]),
            format!("{}/{}/{h}", &h[..2], &h[2..4]),
            format!("{}/{}/{h}.png.png", &h[..2], &h[2..4]),
            format!("{}/{}/{}.png", &h[..2], &h[2..4], h.to_uppercase()),
            format!("{}/{}/{}.png", &h[..2], &h[2..4], &h[..63]),
            format!("ff/ff/{h}.png"), // folders do not match the hash
            format!("{}/{}/{h}.png\0", &h[..2], &h[2..4]),
            format!("{h}.png"),
            "/etc/passwd".to_string(),
        ];
        for key in &bad_keys {
            let err = storage.get(key).await.unwrap_err();
            assert!(err.downcast_ref::<InvalidKey>().is_some(), "get {key:?}");
            let err = storage.delete(key).await.unwrap_err();
            assert!(err.downcast_ref::<InvalidKey>().is_some(), "delete {key:?}");
            assert!(storage.path_for_key(key).is_err(), "path {key:?}");
        }
        assert_eq!(std::fs::read(&victim).unwrap(), b"do not touch");
        // The legitimate blob is still there.
        assert!(storage.get(&blob.key).await.unwrap().is_some());
    }
}
