//! Pixel dimensions read from an image's headers, before anything is decoded, so an image
//! whose header claims 100000 × 100000 pixels (a decompression bomb for whoever displays it)
//! is refused however small the file is.

use super::error::MediaError;
use super::sniff::ImageKind;

/// Width and height in pixels, as the image's own header declares them.
pub fn dimensions(bytes: &[u8], kind: ImageKind) -> Result<(u32, u32), MediaError> {
    let (w, h) = match kind {
        ImageKind::Png => png(bytes)?,
        ImageKind::Jpeg => jpeg(bytes)?,
        ImageKind::Webp => webp(bytes)?,
    };
    if w == 0 || h == 0 {
        return Err(MediaError::Malformed("image declares zero width or height"));
    }
    Ok((w, h))
}

/// Refuse an image with a side longer than `max_side` or more than `max_pixels` pixels.
pub fn check_dimensions(
    (width, height): (u32, u32),
    max_side: u32,
    max_pixels: u64,
) -> Result<(), MediaError> {
    if width > max_side || height > max_side || u64::from(width) * u64::from(height) > max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            max_side,
            max_pixels,
        });
    }
    Ok(())
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// PNG: the IHDR chunk, which must come first (signature, length 13, "IHDR", width, height).
fn png(b: &[u8]) -> Result<(u32, u32), MediaError> {
    if b.get(12..16) != Some(b"IHDR") || be32(b, 8) != Some(13) {
        return Err(MediaError::Malformed("PNG does not start with IHDR"));
    }
    let bad = MediaError::Malformed("truncated PNG header");
    let w = be32(b, 16).ok_or(bad.clone())?;
    let h = be32(b, 20).ok_or(bad)?;
    // The PNG specification limits each side to 2^31 - 1.
    if w > 0x7FFF_FFFF || h > 0x7FFF_FFFF {
        return Err(MediaError::Malformed("invalid PNG dimensions"));
    }
    Ok((w, h))
}

/// JPEG: the first frame header (SOFn) before the first scan.
fn jpeg(b: &[u8]) -> Result<(u32, u32), MediaError> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(MediaError::Malformed("missing JPEG start-of-image marker"));
    }
    let mut pos = 2;
    loop {
        if b.get(pos) != Some(&0xFF) {
            return Err(MediaError::Malformed("JPEG has no frame header"));
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *b
            .get(pos)
            .ok_or(MediaError::Malformed("JPEG ends inside a marker"))?;
        pos += 1;
        match marker {
            // TEM and RST0..RST7 have no length.
            0x01 | 0xD0..=0xD7 => continue,
            // SOI again, EOI or SOS before any frame header.
            0xD8 | 0xD9 | 0xDA | 0x00 => {
                return Err(MediaError::Malformed("JPEG has no frame header"))
            }
            _ => {}
        }
        let len = b
            .get(pos..pos + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .ok_or(MediaError::Malformed("truncated JPEG segment length"))?;
        if len < 2 {
            return Err(MediaError::Malformed("invalid JPEG segment length"));
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            // Segment: length (2), precision (1), height (2), width (2), …
            let f = b
                .get(pos + 2..pos + 7)
                .filter(|_| len >= 7)
                .ok_or(MediaError::Malformed("truncated JPEG frame header"))?;
            let h = u32::from(u16::from_be_bytes([f[1], f[2]]));
            let w = u32::from(u16::from_be_bytes([f[3], f[4]]));
            if h == 0 {
                // Height defined later by a DNL marker: not something a browser shows.
                return Err(MediaError::Malformed("JPEG height is not declared"));
            }
            return Ok((w, h));
        }
        pos += len;
    }
}

/// WebP: the canvas of an extended file (VP8X), or the frame of a simple lossless (VP8L) or
/// lossy (VP8) one.
fn webp(b: &[u8]) -> Result<(u32, u32), MediaError> {
    let truncated = MediaError::Malformed("truncated WebP header");
    let payload = b.get(20..).ok_or(truncated.clone())?;
    match b.get(12..16) {
        Some(b"VP8X") => {
            let w = le24(payload, 4).ok_or(truncated.clone())? + 1;
            let h = le24(payload, 7).ok_or(truncated)? + 1;
            Ok((w, h))
        }
        Some(b"VP8L") => {
            if payload.first() != Some(&0x2F) {
                return Err(MediaError::Malformed("invalid VP8L signature"));
            }
            let bits = payload
                .get(1..5)
                .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
                .ok_or(truncated)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        Some(b"VP8 ") => {
            if payload.get(3..6) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(MediaError::Malformed("invalid VP8 start code"));
            }
            let s = payload.get(6..10).ok_or(truncated)?;
            let w = u32::from(u16::from_le_bytes([s[0], s[1]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([s[2], s[3]]) & 0x3FFF);
            Ok((w, h))
        }
        _ => Err(MediaError::Malformed(
            "WebP does not start with an image chunk",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::*;

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 6, 0, 0, 0]);
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend(png_chunk(b"IHDR", &ihdr));
        v.extend(png_idat());
        v.extend(png_iend());
        v
    }

    fn jpeg_of(w: u16, h: u16) -> Vec<u8> {
        let mut v = JPEG_SOI.to_vec();
        v.extend(jpeg_app0());
        v.extend(jpeg_app1_exif());
        v.extend(jpeg_dqt());
        let mut sof = vec![8];
        sof.extend(h.to_be_bytes());
        sof.extend(w.to_be_bytes());
        sof.extend([1, 1, 0x11, 0]);
        v.extend(jpeg_segment(0xC2, &sof)); // progressive
        v.extend(jpeg_sos());
        v.extend([0x42]);
        v.extend(JPEG_EOI);
        v
    }

    #[test]
    fn the_samples_are_small() {
        assert_eq!(
            dimensions(&sample_png().bytes, ImageKind::Png).unwrap(),
            (1, 1)
        );
        assert_eq!(
            dimensions(&sample_jpeg().bytes, ImageKind::Jpeg).unwrap(),
            (8, 8)
        );
        assert_eq!(
            dimensions(&sample_webp().bytes, ImageKind::Webp).unwrap(),
            (1, 1)
        );
    }

    #[test]
    fn dimensions_come_from_the_headers_of_each_format() {
        assert_eq!(
            dimensions(&png_of(100_000, 100_000), ImageKind::Png).unwrap(),
            (100_000, 100_000)
        );
        assert_eq!(
            dimensions(&jpeg_of(4000, 3000), ImageKind::Jpeg).unwrap(),
            (4000, 3000)
        );
        // VP8X canvas 16383 × 9000 (stored minus one, 24-bit little-endian).
        let mut x = vec![0u8; 10];
        x[4..7].copy_from_slice(&16_382u32.to_le_bytes()[..3]);
        x[7..10].copy_from_slice(&8_999u32.to_le_bytes()[..3]);
        let vp8x = riff_webp(&[webp_chunk(b"VP8X", &x), webp_vp8l()]);
        assert_eq!(dimensions(&vp8x, ImageKind::Webp).unwrap(), (16_383, 9_000));
        // VP8L: 14-bit width-1 and height-1.
        let bits: u32 = (640 - 1) | ((480 - 1) << 14);
        let mut l = vec![0x2F];
        l.extend(bits.to_le_bytes());
        let vp8l = riff_webp(&[webp_chunk(b"VP8L", &l)]);
        assert_eq!(dimensions(&vp8l, ImageKind::Webp).unwrap(), (640, 480));
        // VP8: frame tag, start code, 14-bit width and height.
        let mut k = vec![0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A];
        k.extend(1920u16.to_le_bytes());
        k.extend(1080u16.to_le_bytes());
        let vp8 = riff_webp(&[webp_chunk(b"VP8 ", &k)]);
        assert_eq!(dimensions(&vp8, ImageKind::Webp).unwrap(), (1920, 1080));
    }

    #[test]
    fn limits_refuse_long_sides_and_many_pixels() {
        assert!(check_dimensions((8000, 6000), 16_384, 50_000_000).is_ok());
        let err = check_dimensions((100_000, 100_000), 16_384, 50_000_000).unwrap_err();
        assert_eq!(err.code(), "image_too_large");
        assert!(check_dimensions((16_385, 10), 16_384, 50_000_000).is_err());
        assert!(check_dimensions((10_000, 10_000), 16_384, 50_000_000).is_err());
    }

    #[test]
    fn broken_headers_are_malformed_not_guessed() {
        for bad in [
            png_of(0, 10),
            sample_png().bytes[..20].to_vec(),
            jpeg_of(100, 0),
            sample_jpeg().bytes[..30].to_vec(),
        ] {
            let kind = crate::media::sniff(&bad).unwrap();
            assert!(
                matches!(dimensions(&bad, kind), Err(MediaError::Malformed(_))),
                "{bad:?}"
            );
        }
        // A JPEG whose scan starts before any frame header.
        let mut v = JPEG_SOI.to_vec();
        v.extend(jpeg_app0());
        v.extend(jpeg_sos());
        v.extend(JPEG_EOI);
        assert!(matches!(
            dimensions(&v, ImageKind::Jpeg),
            Err(MediaError::Malformed(_))
        ));
        let vp8 = riff_webp(&[webp_chunk(
            b"VP8 ",
            &[0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 1],
        )]);
        assert!(matches!(
            dimensions(&vp8, ImageKind::Webp),
            Err(MediaError::Malformed(_))
        ));
    }
}
