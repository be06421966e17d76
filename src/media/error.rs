//! Errors returned while validating and cleaning an uploaded image.

/// Why an upload was refused.
///
/// `Display` gives a human-readable message; [`MediaError::code`] gives a
/// stable machine-readable code suitable for API responses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The upload is larger than the configured limit.
    #[error("upload exceeds the maximum size of {max} bytes")]
    TooLarge { max: usize },
    /// The bytes are not a JPEG, PNG or WebP image.
    #[error("unsupported media type: only JPEG, PNG and WebP images are accepted")]
    UnsupportedType,
    /// The bytes start like a supported image but the container is broken.
    #[error("malformed image: {0}")]
    Malformed(&'static str),
    /// The header declares more pixels than allowed (checked before anything is decoded).
    #[error("image of {width} × {height} pixels exceeds {max_side} pixels a side or {max_pixels} pixels")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },
}

impl MediaError {
    /// Stable machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::TooLarge { .. } => "upload_too_large",
            MediaError::UnsupportedType => "unsupported_media_type",
            MediaError::Malformed(_) => "malformed_image",
            MediaError::TooManyPixels { .. } => "image_too_large",
        }
    }

    /// Suggested HTTP status code (413, 415, 422 or 400).
    pub fn http_status(&self) -> u16 {
        match self {
            MediaError::TooLarge { .. } => 413,
            MediaError::TooManyPixels { .. } => 422,
            MediaError::UnsupportedType => 415,
            MediaError::Malformed(_) => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(MediaError::TooLarge { max: 1 }.code(), "upload_too_large");
        assert_eq!(MediaError::UnsupportedType.code(), "unsupported_media_type");
        assert_eq!(MediaError::Malformed("x").code(), "malformed_image");
    }

    #[test]
    fn statuses_and_messages() {
        assert_eq!(MediaError::TooLarge { max: 1 }.http_status(), 413);
        assert_eq!(MediaError::UnsupportedType.http_status(), 415);
        assert_eq!(MediaError::Malformed("x").http_status(), 400);
        assert_eq!(
            MediaError::TooLarge { max: 10 }.to_string(),
            "upload exceeds the maximum size of 10 bytes"
        );
        assert_eq!(
            MediaError::Malformed("bad chunk").to_string(),
            "malformed image: bad chunk"
        );
    }
}
