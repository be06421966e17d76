//! Format dispatch for metadata stripping.

use super::error::MediaError;
use super::sniff::ImageKind;
use super::{jpeg, png, webp};

/// Removes location and other identifying metadata from an image while
/// keeping it a valid file of the same format.
///
/// Only container structure is touched; pixel data is copied verbatim.
/// `kind` should come from [`crate::media::sniff`]; a mismatching kind
/// yields [`MediaError::Malformed`].
pub fn strip_metadata(bytes: &[u8], kind: ImageKind) -> Result<Vec<u8>, MediaError> {
    match kind {
        ImageKind::Jpeg => jpeg::strip(bytes),
        ImageKind::Png => png::strip(bytes),
        ImageKind::Webp => webp::strip(bytes),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::{
        assert_no_secrets, sample_jpeg, sample_png, sample_webp, Sample,
    };

    #[test]
    fn dispatches_by_kind() {
        for (kind, sample) in [
            (ImageKind::Jpeg, sample_jpeg()),
            (ImageKind::Png, sample_png()),
            (ImageKind::Webp, sample_webp()),
        ] {
            let Sample { bytes, expected } = sample;
            let out = strip_metadata(&bytes, kind).unwrap();
            assert_eq!(out, expected, "{kind:?}");
            assert_no_secrets(&out);
            // Stripping is idempotent.
            assert_eq!(strip_metadata(&out, kind).unwrap(), out, "{kind:?}");
        }
    }

    #[test]
    fn wrong_kind_is_malformed() {
        let png = sample_png().bytes;
        let jpeg = sample_jpeg().bytes;
        assert!(matches!(
            strip_metadata(&png, ImageKind::Jpeg),
            Err(MediaError::Malformed(_))
        ));
        assert!(matches!(
            strip_metadata(&jpeg, ImageKind::Png),
            Err(MediaError::Malformed(_))
        ));
        assert!(matches!(
            strip_metadata(&jpeg, ImageKind::Webp),
            Err(MediaError::Malformed(_))
        ));
    }
}
