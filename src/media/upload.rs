//! The single entry point a request handler needs for an uploaded image.

use super::dimensions::{check_dimensions, dimensions};
use super::error::MediaError;
use super::sniff::{sniff, ImageKind};
use super::strip::strip_metadata;

/// What an upload may be: bytes, and pixels as the header declares them.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_side: u32,
    pub max_pixels: u64,
}

/// Validates and cleans an uploaded image.
///
/// Checks the size limit, detects the type from the bytes (never from the
/// client's file name or content type), refuses images whose header declares
/// too many pixels (nothing is decoded) and strips identifying metadata.
/// Returns the detected kind and the cleaned bytes, ready for
/// [`crate::media::BlobStorage::put`].
///
/// Note: the size limit should also be enforced while receiving the body
/// (e.g. the multipart field limit) so that oversized uploads are never fully
/// buffered; this check is the last line of defence.
pub fn process_upload(
    bytes: &[u8],
    limits: &UploadLimits,
) -> Result<(ImageKind, Vec<u8>), MediaError> {
    if bytes.len() > limits.max_bytes {
        return Err(MediaError::TooLarge {
            max: limits.max_bytes,
        });
    }
    let kind = sniff(bytes).ok_or(MediaError::UnsupportedType)?;
    check_dimensions(dimensions(bytes, kind)?, limits.max_side, limits.max_pixels)?;
    let cleaned = strip_metadata(bytes, kind)?;
    Ok((kind, cleaned))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::{
        assert_no_secrets, png_chunk, png_idat, png_iend, sample_jpeg, sample_png, sample_webp,
        PNG_SIGNATURE,
    };

    const MAX: UploadLimits = UploadLimits {
        max_bytes: 1 << 20,
        max_side: 16_384,
        max_pixels: 50_000_000,
    };

    fn max_bytes(max_bytes: usize) -> UploadLimits {
        UploadLimits { max_bytes, ..MAX }
    }

    #[test]
    fn accepts_and_cleans_supported_images() {
        for (sample, kind) in [
            (sample_jpeg(), ImageKind::Jpeg),
            (sample_png(), ImageKind::Png),
            (sample_webp(), ImageKind::Webp),
        ] {
            let (got_kind, cleaned) = process_upload(&sample.bytes, &MAX).unwrap();
            assert_eq!(got_kind, kind);
            assert_eq!(cleaned, sample.expected);
            assert_no_secrets(&cleaned);
        }
    }

    #[test]
    fn size_limit_is_inclusive() {
        let bytes = sample_png().bytes;
        assert!(process_upload(&bytes, &max_bytes(bytes.len())).is_ok());
        let err = process_upload(&bytes, &max_bytes(bytes.len() - 1)).unwrap_err();
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
        let err = process_upload(b"definitely not an image", &max_bytes(4)).unwrap_err();
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
            let err = process_upload(bytes, &MAX).unwrap_err();
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
            let err = process_upload(truncated, &MAX).unwrap_err();
            assert!(matches!(err, MediaError::Malformed(_)), "{err:?}");
            assert_eq!(err.code(), "malformed_image");
        }
    }

    #[test]
    fn a_small_file_declaring_huge_dimensions_is_refused_before_decoding() {
        // A valid PNG container whose IHDR claims 100000 × 100000 pixels: a few dozen bytes.
        let mut ihdr = 100_000u32.to_be_bytes().to_vec();
        ihdr.extend(100_000u32.to_be_bytes());
        ihdr.extend([8, 6, 0, 0, 0]);
        let mut bomb = PNG_SIGNATURE.to_vec();
        bomb.extend(png_chunk(b"IHDR", &ihdr));
        bomb.extend(png_idat());
        bomb.extend(png_iend());
        let err = process_upload(&bomb, &MAX).unwrap_err();
        assert_eq!(
            err,
            MediaError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                max_side: 16_384,
                max_pixels: 50_000_000
            }
        );
        assert_eq!(err.http_status(), 422);
    }
}
