//! Content sniffing: the image type is decided from the bytes only, never
//! from a file name or a client-supplied content type.

const JPEG_MAGIC: [u8; 3] = [0xFF, 0xD8, 0xFF];
const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The image formats accepted for upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    /// MIME type to serve the image with.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    /// File extension (without the dot) used for stored files.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    /// Inverse of [`ImageKind::extension`].
    pub fn from_extension(ext: &str) -> Option<ImageKind> {
        match ext {
            "jpg" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// Recognises JPEG, PNG and WebP from their leading bytes.
///
/// Returns `None` for anything else (text, PDF, GIF, ...), including
/// inputs too short to hold a complete signature.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&JPEG_MAGIC) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(&PNG_MAGIC) {
        Some(ImageKind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::{sample_jpeg, sample_png, sample_webp};

    #[test]
    fn recognises_supported_formats() {
        assert_eq!(sniff(&sample_jpeg().bytes), Some(ImageKind::Jpeg));
        assert_eq!(sniff(&sample_png().bytes), Some(ImageKind::Png));
        assert_eq!(sniff(&sample_webp().bytes), Some(ImageKind::Webp));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF]), Some(ImageKind::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBP"), Some(ImageKind::Webp));
    }

    #[test]
    fn rejects_other_content() {
        let rejected: [&[u8]; 12] = [
            b"",
            b"hello, this is plain text",
            b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
            b"GIF87a\x01\x00\x01\x00",
            b"<html><body>hi</body></html>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
            b"RIFF\0\0\0\0WEB",
            b"\x89PNG\r\n\x1a",
            &[0xFF, 0xD8],
            b"BM\x3a\x00\x00\x00",
        ];
        for bytes in rejected {
            assert_eq!(sniff(bytes), None, "should reject {bytes:?}");
        }
    }

    #[test]
    fn ignores_file_names() {
        // The caller may have received "holiday.jpg" from the client; only the
        // bytes count. A PDF named .jpg is rejected, a PNG named .pdf is a PNG.
        let dir = tempfile::tempdir().unwrap();
        let fake_jpg = dir.path().join("holiday.jpg");
        std::fs::write(&fake_jpg, b"%PDF-1.4 not an image").unwrap();
        assert_eq!(sniff(&std::fs::read(&fake_jpg).unwrap()), None);

        let real_png = dir.path().join("document.pdf");
        std::fs::write(&real_png, sample_png().bytes).unwrap();
        assert_eq!(
            sniff(&std::fs::read(&real_png).unwrap()),
            Some(ImageKind::Png)
        );
    }

    #[test]
    fn mime_and_extension() {
        assert_eq!(ImageKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(ImageKind::Png.mime(), "image/png");
        assert_eq!(ImageKind::Webp.mime(), "image/webp");
        for kind in [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp] {
            assert_eq!(ImageKind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(ImageKind::from_extension("gif"), None);
    }
}
