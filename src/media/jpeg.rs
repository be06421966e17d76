//! JPEG metadata stripping by walking the marker segments.
//!
//! Kept: APP0 (JFIF/JFXX), APP2 ICC profiles, APP14 (Adobe colour
//! transform), and every non-APP segment (DQT, DHT, SOFn, DRI, SOS, ...).
//! Dropped: APP1 (EXIF, which holds GPS, and XMP), APP13 (Photoshop/IRB,
//! IPTC), COM, other APP2 payloads (MPF, FlashPix) and the vendor APPn
//! segments (APP3..APP12, APP15), plus any bytes after EOI (trailers such as
//! MPF secondary images, which carry their own EXIF).
//!
//! Dropping EXIF also drops the Orientation tag, so photos that relied on it
//! may display rotated. That is accepted: we do not decode pixels to rotate.
//!
//! Entropy-coded scan data is copied byte for byte; it is only scanned to
//! find where the next marker starts (FF 00 stuffing and RSTn markers stay
//! inside the scan).

use super::error::MediaError;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const TEM: u8 = 0x01;
const APP0: u8 = 0xE0;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

const ICC_PROFILE_ID: &[u8] = b"ICC_PROFILE\0";

pub(crate) fn strip(b: &[u8]) -> Result<Vec<u8>, MediaError> {
    if !b.starts_with(&[0xFF, SOI]) {
        return Err(MediaError::Malformed("missing JPEG start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut pos = 2;
    let mut seen_scan = false;

    loop {
        match b.get(pos) {
            Some(0xFF) => {}
            Some(_) => return Err(MediaError::Malformed("expected a JPEG marker")),
            // Data ended inside or right after a scan without EOI: keep what
            // we have (decoders show such truncated images partially).
            None if seen_scan => return Ok(out),
            None => return Err(MediaError::Malformed("JPEG ends before start of scan")),
        }
        // Any number of 0xFF fill bytes may precede a marker; they are not
        // copied.
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *b
            .get(pos)
            .ok_or(MediaError::Malformed("JPEG ends inside a marker"))?;
        pos += 1;

        match marker {
            0x00 => return Err(MediaError::Malformed("stuffed byte outside scan data")),
            SOI => return Err(MediaError::Malformed("unexpected start-of-image marker")),
            EOI if !seen_scan => {
                return Err(MediaError::Malformed("JPEG ends before start of scan"))
            }
            EOI => {
                // Anything after EOI is a trailer, not part of this image.
                out.extend_from_slice(&[0xFF, EOI]);
                return Ok(out);
            }
            // Standalone markers without a length field: TEM and RST0..RST7.
            TEM | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }

        let len_bytes = b
            .get(pos..pos + 2)
            .ok_or(MediaError::Malformed("truncated JPEG segment length"))?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(MediaError::Malformed("invalid JPEG segment length"));
        }
        let end = pos + len;
        let segment = b
            .get(pos..end)
            .ok_or(MediaError::Malformed("truncated JPEG segment"))?;
        if keep_segment(marker, &segment[2..]) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        pos = end;

        if marker == SOS {
            seen_scan = true;
            let scan_end = scan_data_end(b, pos);
            out.extend_from_slice(&b[pos..scan_end]);
            pos = scan_end;
        }
    }
}

/// Whether a length-carrying segment survives stripping.
fn keep_segment(marker: u8, payload: &[u8]) -> bool {
    match marker {
        APP0 | APP14 => true,
        APP2 => payload.starts_with(ICC_PROFILE_ID),
        // APP1 (EXIF/XMP), APP13 (IPTC) and the other application segments.
        0xE1..=APP15 => false,
        COM => false,
        _ => true,
    }
}

/// Returns the index of the 0xFF that starts the first marker after the
/// entropy-coded data beginning at `start`, or `b.len()` if the data runs to
/// the end. `FF 00` (stuffing) and `FF D0..D7` (restart) belong to the scan.
fn scan_data_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while b.get(j) == Some(&0xFF) {
            j += 1;
        }
        match b.get(j) {
            None => return b.len(),
            Some(0x00 | 0xD0..=0xD7) => i = j + 1,
            Some(_) => return i,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::media::test_support::*;

    fn minimal_header() -> Vec<u8> {
        let mut v = JPEG_SOI.to_vec();
        v.extend(jpeg_app0());
        v.extend(jpeg_dqt());
        v.extend(jpeg_sof0());
        v.extend(jpeg_dht());
        v
    }

    fn is_malformed(r: Result<Vec<u8>, MediaError>) -> bool {
        matches!(r, Err(MediaError::Malformed(_)))
    }

    #[test]
    fn strips_metadata_and_keeps_image_segments_in_order() {
        let sample = sample_jpeg();
        let out = strip(&sample.bytes).unwrap();
        assert_eq!(out, sample.expected);
        assert_no_secrets(&out);
        assert!(!contains(&out, b"Exif\0\0"));
        assert!(!contains(&out, b"http://ns.adobe.com/xap"));
        assert!(!contains(&out, b"Photoshop 3.0"));
        assert!(!contains(&out, b"MPF\0"));
        assert!(!contains(&out, b"Ducky"));
        // Kept segments are byte-identical.
        for kept in [
            jpeg_app0(),
            jpeg_app2_icc(),
            jpeg_dqt(),
            jpeg_sof0(),
            jpeg_dht(),
            jpeg_app14_adobe(),
            jpeg_dri(),
            jpeg_sos(),
        ] {
            assert!(contains(&out, &kept));
        }
        assert!(out.ends_with(&JPEG_EOI));
    }

    #[test]
    fn scan_data_with_stuffing_and_restarts_is_copied_verbatim() {
        let mut input = minimal_header();
        input.extend(jpeg_sos());
        input.extend(SCAN_DATA);
        input.extend(JPEG_EOI);
        assert_eq!(strip(&input).unwrap(), input);
    }

    #[test]
    fn progressive_scans_and_tables_between_scans() {
        let mut input = minimal_header();
        input.extend(jpeg_sos());
        input.extend([0x01, 0x02, 0xFF, 0x00, 0x03]);
        input.extend(jpeg_dht());
        input.extend(jpeg_com()); // metadata between scans is dropped too
        input.extend(jpeg_sos());
        input.extend([0x04, 0xFF, 0xD3, 0x05]);
        input.extend(JPEG_EOI);

        let mut expected = minimal_header();
        expected.extend(jpeg_sos());
        expected.extend([0x01, 0x02, 0xFF, 0x00, 0x03]);
        expected.extend(jpeg_dht());
        expected.extend(jpeg_sos());
        expected.extend([0x04, 0xFF, 0xD3, 0x05]);
        expected.extend(JPEG_EOI);
        assert_eq!(strip(&input).unwrap(), expected);
    }

    #[test]
    fn fill_bytes_before_markers_are_handled() {
        let mut input = JPEG_SOI.to_vec();
        input.extend([0xFF, 0xFF]);
        input.extend(jpeg_app1_exif());
        input.extend([0xFF, 0xFF, 0xFF]);
        input.extend(jpeg_app0());
        input.extend(jpeg_dqt());
        input.extend(jpeg_sos());
        input.extend([0x11, 0xFF, 0xFF, 0xD9]); // fill bytes before JPEG_EOI

        let mut expected = JPEG_SOI.to_vec();
        expected.extend(jpeg_app0());
        expected.extend(jpeg_dqt());
        expected.extend(jpeg_sos());
        expected.extend([0x11, 0xFF, 0xD9]);
        assert_eq!(strip(&input).unwrap(), expected);
    }

    #[test]
    fn standalone_markers_before_scan_are_kept() {
        let mut input = minimal_header();
        input.extend([0xFF, 0x01, 0xFF, 0xD0]);
        input.extend(jpeg_sos());
        input.extend([0x42]);
        input.extend(JPEG_EOI);
        assert_eq!(strip(&input).unwrap(), input);
    }

    #[test]
    fn dht_containing_ff_d9_is_not_mistaken_for_eoi() {
        let mut input = minimal_header(); // DHT symbols include FF D9
        input.extend(jpeg_sos());
        input.extend([0x42]);
        input.extend(JPEG_EOI);
        assert_eq!(strip(&input).unwrap(), input);
    }

    #[test]
    fn trailer_after_eoi_is_dropped() {
        let mut image = minimal_header();
        image.extend(jpeg_sos());
        image.extend([0x42]);
        image.extend(JPEG_EOI);
        let mut input = image.clone();
        input.extend(JPEG_SOI);
        input.extend(jpeg_app1_exif());
        input.extend(JPEG_EOI);
        assert_eq!(strip(&input).unwrap(), image);
    }

    #[test]
    fn scan_truncated_without_eoi_is_kept() {
        let mut input = minimal_header();
        input.extend(jpeg_sos());
        input.extend([0x42, 0xFF, 0x00, 0x43]);
        assert_eq!(strip(&input).unwrap(), input);
        // A trailing lone 0xFF inside the scan is kept as data too.
        input.push(0xFF);
        assert_eq!(strip(&input).unwrap(), input);
    }

    #[test]
    fn every_truncation_before_scan_data_is_malformed() {
        let sample = sample_jpeg();
        let sos = jpeg_sos();
        let sos_at = sample
            .bytes
            .windows(sos.len())
            .position(|w| w == sos.as_slice())
            .unwrap();
        for cut in 0..sos_at + sos.len() {
            assert!(
                is_malformed(strip(&sample.bytes[..cut])),
                "cut at {cut} should be malformed"
            );
        }
    }

    #[test]
    fn malformed_inputs() {
        // Not starting with JPEG_SOI.
        assert!(is_malformed(strip(b"")));
        assert!(is_malformed(strip(&[0xFF])));
        assert!(is_malformed(strip(&[0x00, 0xD8, 0xFF, 0xE0])));
        // Segment length below 2.
        assert!(is_malformed(strip(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01])));
        // Segment length past the end.
        assert!(is_malformed(strip(&[
            0xFF, 0xD8, 0xFF, 0xE1, 0x10, 0x00, b'E'
        ])));
        // Garbage where a marker should be.
        let mut v = JPEG_SOI.to_vec();
        v.extend(jpeg_app0());
        v.push(0x42);
        assert!(is_malformed(strip(&v)));
        // JPEG_EOI without any scan.
        let mut v = minimal_header();
        v.extend(JPEG_EOI);
        assert!(is_malformed(strip(&v)));
        // Second JPEG_SOI, stuffed zero outside a scan.
        assert!(is_malformed(strip(&[0xFF, 0xD8, 0xFF, 0xD8])));
        assert!(is_malformed(strip(&[0xFF, 0xD8, 0xFF, 0x00])));
        // Only fill bytes after JPEG_SOI.
        assert!(is_malformed(strip(&[0xFF, 0xD8, 0xFF, 0xFF])));
    }
}
