//! PNG metadata stripping by walking the chunk list.
//!
//! Dropped: `eXIf` (EXIF, may hold GPS), `tEXt`, `zTXt`, `iTXt` (free text
//! and XMP), `tIME` (last modification time). Every other chunk is copied
//! verbatim, CRC included, in its original order. Bytes after `IEND` are
//! discarded.

use super::error::MediaError;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const DROPPED: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];
/// The PNG spec limits chunk lengths to 2^31 - 1.
const MAX_CHUNK_LEN: usize = 0x7FFF_FFFF;

pub(crate) fn strip(b: &[u8]) -> Result<Vec<u8>, MediaError> {
    if !b.starts_with(&SIGNATURE) {
        return Err(MediaError::Malformed("missing PNG signature"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&SIGNATURE);
    let mut pos = SIGNATURE.len();
    let mut first = true;

    loop {
        let header = b
            .get(pos..pos + 8)
            .ok_or(MediaError::Malformed("truncated PNG chunk header"))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= MAX_CHUNK_LEN)
            .ok_or(MediaError::Malformed("invalid PNG chunk length"))?;
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(MediaError::Malformed("invalid PNG chunk type"));
        }
        if first && &kind != b"IHDR" {
            return Err(MediaError::Malformed("PNG does not start with IHDR"));
        }
        first = false;

        // length + type + data + CRC
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .ok_or(MediaError::Malformed("invalid PNG chunk length"))?;
        let chunk = b
            .get(pos..end)
            .ok_or(MediaError::Malformed("truncated PNG chunk"))?;
        if !DROPPED.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        pos = end;

        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::*;

    fn is_malformed(r: Result<Vec<u8>, MediaError>) -> bool {
        matches!(r, Err(MediaError::Malformed(_)))
    }

    #[test]
    fn strips_text_exif_and_time_chunks() {
        let sample = sample_png();
        let out = strip(&sample.bytes).unwrap();
        assert_eq!(out, sample.expected);
        assert_no_secrets(&out);
        for kind in DROPPED {
            assert!(!contains(&out, kind), "{kind:?} survived");
        }
        // Kept chunks are byte-identical (CRC included) and in order.
        let kept = [png_ihdr(), png_phys(), png_idat(), png_iend()];
        let mut at = SIGNATURE.len();
        for chunk in kept {
            assert_eq!(&out[at..at + chunk.len()], chunk.as_slice());
            at += chunk.len();
        }
        assert_eq!(at, out.len());
    }

    #[test]
    fn clean_png_is_unchanged() {
        let clean = sample_png().expected;
        assert_eq!(strip(&clean).unwrap(), clean);
    }

    #[test]
    fn unknown_and_ancillary_chunks_are_kept_in_order() {
        let mut input = PNG_SIGNATURE.to_vec();
        input.extend(png_ihdr());
        input.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
        input.extend(png_chunk(b"tEXt", b"Title\0SECRET"));
        input.extend(png_chunk(b"prVt", b"private chunk"));
        input.extend(png_idat());
        input.extend(png_idat());
        input.extend(png_iend());

        let mut expected = PNG_SIGNATURE.to_vec();
        expected.extend(png_ihdr());
        expected.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
        expected.extend(png_chunk(b"prVt", b"private chunk"));
        expected.extend(png_idat());
        expected.extend(png_idat());
        expected.extend(png_iend());
        assert_eq!(strip(&input).unwrap(), expected);
    }

    #[test]
    fn every_truncation_is_malformed() {
        let bytes = sample_png().bytes;
        let iend_end = bytes
            .windows(8)
            .position(|w| w == b"IEND\xAE\x42\x60\x82")
            .unwrap()
            + 8;
        for cut in 0..iend_end {
            assert!(is_malformed(strip(&bytes[..cut])), "cut at {cut}");
        }
        assert!(strip(&bytes[..iend_end]).is_ok());
    }

    #[test]
    fn malformed_inputs() {
        // Wrong signature.
        let mut bad_sig = sample_png().bytes;
        bad_sig[1] = b'Q';
        assert!(is_malformed(strip(&bad_sig)));
        // First chunk is not IHDR.
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend(png_idat());
        v.extend(png_ihdr());
        v.extend(png_iend());
        assert!(is_malformed(strip(&v)));
        // Length larger than the file / than the spec allows.
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend(png_ihdr());
        v.extend([0xFF, 0xFF, 0xFF, 0xF0]);
        v.extend(b"IDAT");
        assert!(is_malformed(strip(&v)));
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend(png_ihdr());
        v.extend([0x00, 0x00, 0x10, 0x00]);
        v.extend(b"IDAT\0\0");
        assert!(is_malformed(strip(&v)));
        // Non-letter chunk type.
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend(png_ihdr());
        v.extend(png_chunk(b"ID\0T", &[]));
        v.extend(png_iend());
        assert!(is_malformed(strip(&v)));
    }
}
