//! The single entry point a request handler needs for an uploaded image.

use super::error::MediaError;
use super::sniff::{sniff, ImageKind};
use super::strip::strip_metadata;

/// Validates and cleans an uploaded image.
///
/// Checks the size limit, detects the type from the bytes (never from the
/// client's file name or content type) and strips identifying metadata.
/// Returns the detected kind and the cleaned bytes, ready for
/// [`crate::media::BlobStorage::put`].
///
/// Note: the size limit should also be enforced while receiving the body
/// (e.g. the multipart field limit) so that oversized uploads are never fully
/// buffered; this check is the last line of defence.
pub fn process_upload(bytes: &[u8], max_bytes: usize) -> Result<(ImageKind, Vec<u8>), MediaError> {
    if bytes.len() > max_bytes {
        return Err(MediaError::TooLarge { max: max_bytes });
    }
    let kind = sniff(bytes).ok_or(MediaError::UnsupportedType)?;
    let cleaned = strip_metadata(bytes, kind)?;
    Ok((kind, cleaned))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::{assert_no_secrets, sample_jpeg, sample_png, sample_webp};

    const MAX: usize = 1 << 20;

    #[test]
    fn accepts_and_cleans_supported_images() {
        for (sample, kind) in [
            (sample_jpeg(), ImageKind::Jpeg),
            (sample_png(), ImageKind::Png),
            (sample_webp(), ImageKind::Webp),
        ] {
            let (got_kind, cleaned) = process_upload(&sample.bytes, MAX).unwrap();
            assert_eq!(got_kind, kind);
            assert_eq!(cleaned, sample.expected);
            assert_no_secrets(&cleaned);
        }
    }

    #[test]
    fn size_limit_is_inclusive() {
        let bytes = sample_png().bytes;
        assert!(process_upload(&bytes, bytes.len()).is_ok());
        let err = process_upload(&bytes, bytes.len() - 1).unwrap_err();
        assert_eq!(
            err,
            MediaError::TooLarge {
                max: bytes.len() - 1
            }
        );
        assert_eq!(err.code(), "upload_too_large");
    }

    #[test]
    fn too_large_is_checked_before_type() {
        let err = process_upload(b"definitely not an image", 4).unwrap_err();
        assert_eq!(err, MediaError::TooLarge { max: 4 });
    }

    #[test]
    fn rejects_unsupported_types() {
        for bytes in [
            &b""[..],
            b"just some text",
            b"%PDF-1.7\n1 0 obj",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        ] {
            let err = process_upload(bytes, MAX).unwrap_err();
            assert_eq!(err, MediaError::UnsupportedType);
            assert_eq!(err.code(), "unsupported_media_type");
        }
    }

    #[test]
    fn truncated_images_are_malformed() {
        let jpeg = sample_jpeg().bytes;
        let png = sample_png().bytes;
        let webp = sample_webp().bytes;
        for truncated in [&jpeg[..40], &png[..40], &webp[..40]] {
            let err = process_upload(truncated, MAX).unwrap_err();
            assert!(matches!(err, MediaError::Malformed(_)), "{err:?}");
            assert_eq!(err.code(), "malformed_image");
        }
    }
}
