//! WebP metadata stripping by walking the RIFF chunks.
//!
//! Dropped: `EXIF` and `XMP ` chunks. If a `VP8X` chunk is present its EXIF
//! (0x08) and XMP (0x04) flags are cleared so the header stays consistent.
//! All other chunks (VP8, VP8L, ALPH, ICCP, ANIM, ANMF, unknown) are copied
//! verbatim with their padding; the RIFF size is recomputed. Bytes after the
//! RIFF payload are discarded.

use super::error::MediaError;

const FLAG_EXIF: u8 = 0x08;
const FLAG_XMP: u8 = 0x04;
const VP8X_LEN: usize = 10;

pub(crate) fn strip(b: &[u8]) -> Result<Vec<u8>, MediaError> {
    if b.len() < 12 || !b.starts_with(b"RIFF") || b.get(8..12) != Some(b"WEBP") {
        return Err(MediaError::Malformed("missing RIFF/WEBP header"));
    }
    let riff_size = usize::try_from(u32::from_le_bytes([b[4], b[5], b[6], b[7]]))
        .map_err(|_| MediaError::Malformed("invalid RIFF size"))?;
    if riff_size < 4 {
        return Err(MediaError::Malformed("invalid RIFF size"));
    }
    let riff_end = riff_size
        .checked_add(8)
        .filter(|&end| end <= b.len())
        .ok_or(MediaError::Malformed("truncated WebP file"))?;

    let mut out = Vec::with_capacity(riff_end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP"); // size patched below
    let mut pos = 12;
    let mut first = true;

    while pos < riff_end {
        let header = b
            .get(pos..pos + 8)
            .filter(|_| pos + 8 <= riff_end)
            .ok_or(MediaError::Malformed("truncated WebP chunk header"))?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let size = usize::try_from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]))
        .map_err(|_| MediaError::Malformed("invalid WebP chunk size"))?;
        // Chunks with an odd payload size are followed by one padding byte.
        let end = size
            .checked_add(size & 1)
            .and_then(|s| s.checked_add(pos + 8))
            .filter(|&end| end <= riff_end)
            .ok_or(MediaError::Malformed("truncated WebP chunk"))?;

        if first && !matches!(&fourcc, b"VP8 " | b"VP8L" | b"VP8X") {
            return Err(MediaError::Malformed(
                "WebP does not start with an image chunk",
            ));
        }
        first = false;

        match &fourcc {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                if size < VP8X_LEN {
                    return Err(MediaError::Malformed("VP8X chunk too short"));
                }
                let flags_at = out.len() + 8;
                out.extend_from_slice(&b[pos..end]);
                out[flags_at] &= !(FLAG_EXIF | FLAG_XMP);
            }
            _ => out.extend_from_slice(&b[pos..end]),
        }
        pos = end;
    }

    if first {
        return Err(MediaError::Malformed("WebP has no chunks"));
    }
    let new_size =
        u32::try_from(out.len() - 8).map_err(|_| MediaError::Malformed("WebP file too large"))?;
    out[4..8].copy_from_slice(&new_size.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::*;

    fn is_malformed(r: Result<Vec<u8>, MediaError>) -> bool {
        matches!(r, Err(MediaError::Malformed(_)))
    }

    fn riff_size(v: &[u8]) -> usize {
        u32::from_le_bytes([v[4], v[5], v[6], v[7]]) as usize
    }

    #[test]
    fn strips_exif_and_xmp_and_clears_flags() {
        let sample = sample_webp();
        let out = strip(&sample.bytes).unwrap();
        assert_eq!(out, sample.expected);
        assert_no_secrets(&out);
        assert!(!contains(&out, b"EXIF"));
        assert!(!contains(&out, b"XMP "));
        // VP8X flags: ICC and alpha kept, EXIF and XMP cleared.
        assert_eq!(&out[12..16], b"VP8X");
        assert_eq!(out[20], 0x30);
        // RIFF size covers everything after the size field.
        assert_eq!(riff_size(&out), out.len() - 8);
        // Kept chunks byte-identical and in order (padding included).
        let tail = [webp_iccp(), webp_vp8l()].concat();
        assert!(out.ends_with(&tail));
        assert_eq!(out.len(), 12 + 18 + tail.len());
    }

    #[test]
    fn metadata_before_image_chunk_with_odd_padding() {
        // EXIF with odd size placed before the image data: the padding byte
        // must be skipped so the following chunk is found.
        let input = riff_webp(&[
            webp_vp8x(0x08),
            webp_chunk(b"EXIF", b"GPS-SECRET"), // even
            webp_chunk(b"XMP ", b"<x:xmpmeta>SECRET</x:xmpmeta>"), // odd (29)
            webp_vp8l(),
            webp_chunk(b"UNKN", b"abc"), // unknown chunk, odd, kept
        ]);
        let expected = riff_webp(&[webp_vp8x(0x00), webp_vp8l(), webp_chunk(b"UNKN", b"abc")]);
        let out = strip(&input).unwrap();
        assert_eq!(out, expected);
        assert_eq!(riff_size(&out), out.len() - 8);
    }

    #[test]
    fn simple_lossy_webp_is_unchanged() {
        let input = riff_webp(&[webp_chunk(
            b"VP8 ",
            &[0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 1],
        )]);
        assert_eq!(strip(&input).unwrap(), input);
    }

    #[test]
    fn bytes_after_riff_payload_are_dropped() {
        let sample = sample_webp();
        let mut input = sample.bytes.clone();
        input.extend(b"SECRET trailer");
        assert_eq!(strip(&input).unwrap(), sample.expected);
    }

    #[test]
    fn every_truncation_is_malformed() {
        let bytes = sample_webp().bytes;
        for cut in 0..bytes.len() {
            assert!(is_malformed(strip(&bytes[..cut])), "cut at {cut}");
        }
    }

    #[test]
    fn chunk_overrunning_riff_size_is_malformed() {
        // RIFF size says the file ends in the middle of the VP8L chunk even
        // though more bytes follow.
        let mut input = riff_webp(&[webp_vp8x(0), webp_vp8l()]);
        let shorter = u32::try_from(riff_size(&input) - 4).unwrap();
        input[4..8].copy_from_slice(&shorter.to_le_bytes());
        assert!(is_malformed(strip(&input)));
    }

    #[test]
    fn malformed_inputs() {
        assert!(is_malformed(strip(b"RIFF\x04\0\0\0WEBP"))); // no chunks
        assert!(is_malformed(strip(b"RIFF\x02\0\0\0WEBP")));
        assert!(is_malformed(strip(b"RIFF\x04\0\0\0WAVE")));
        // Short VP8X.
        let input = riff_webp(&[webp_chunk(b"VP8X", &[0x08, 0, 0, 0])]);
        assert!(is_malformed(strip(&input)));
        // Metadata first, no image chunk at the start.
        let input = riff_webp(&[webp_chunk(b"EXIF", b"GPS"), webp_vp8l()]);
        assert!(is_malformed(strip(&input)));
        // Huge chunk size.
        let mut input = riff_webp(&[webp_vp8l()]);
        input[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(is_malformed(strip(&input)));
    }
}
