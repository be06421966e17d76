//! Hand-built sample files for the unit tests. No image library is used:
//! every container is assembled byte by byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// A sample upload and the exact bytes expected after stripping.
pub struct Sample {
    pub bytes: Vec<u8>,
    pub expected: Vec<u8>,
}

/// Every metadata payload in the samples carries one of these markers; none
/// may survive stripping.
pub const SECRET_MARKERS: [&[u8]; 4] = [b"SECRET", b"GPS", b"xmpmeta", b"Main St"];

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn assert_no_secrets(out: &[u8]) {
    for marker in SECRET_MARKERS {
        assert!(
            !contains(out, marker),
            "metadata marker {:?} survived stripping",
            String::from_utf8_lossy(marker)
        );
    }
}

/// Bitwise (table-free) CRC-32 as used by PNG (reflected, poly 0xEDB88320).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

// ---------------------------------------------------------------- JPEG

pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut v = vec![0xFF, marker];
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

pub const JPEG_SOI: [u8; 2] = [0xFF, 0xD8];
pub const JPEG_EOI: [u8; 2] = [0xFF, 0xD9];

pub fn jpeg_app0() -> Vec<u8> {
    jpeg_segment(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
}

/// APP1 EXIF: a big-endian TIFF header, IFD0 with a GPS IFD pointer (0x8825)
/// and a GPS IFD holding GPSLatitudeRef / GPSLatitude, followed by ASCII.
pub fn jpeg_app1_exif() -> Vec<u8> {
    let mut p = b"Exif\0\0".to_vec();
    p.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // TIFF header, IFD0 at 8
    p.extend_from_slice(&[0, 1]); // IFD0: one entry
    p.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]); // GPS IFD at 26
    p.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    p.extend_from_slice(&[0, 2]); // GPS IFD: two entries
    p.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    p.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56]); // GPSLatitude, 3 rationals
    p.extend_from_slice(&[0, 0, 0, 0]);
    for (num, den) in [(48u32, 1u32), (51, 1), (2940, 100)] {
        p.extend_from_slice(&num.to_be_bytes());
        p.extend_from_slice(&den.to_be_bytes());
    }
    p.extend_from_slice(b"GPSLatitude 48.8584 SECRET-EXIF");
    jpeg_segment(0xE1, &p)
}

pub fn jpeg_app1_xmp() -> Vec<u8> {
    jpeg_segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'>\
          <exif:GPSLatitude>48,51.49N</exif:GPSLatitude>SECRET-XMP</x:xmpmeta>",
    )
}

pub fn jpeg_app2_icc() -> Vec<u8> {
    jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01fake-icc-profile-bytes")
}

pub fn jpeg_app2_mpf() -> Vec<u8> {
    jpeg_segment(0xE2, b"MPF\0MM\0\x2A\0\0\0\x08SECRET-MPF")
}

pub fn jpeg_app13_iptc() -> Vec<u8> {
    jpeg_segment(
        0xED,
        b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x10\x1C\x02\x5A\0\x0ASECRET-IPTC",
    )
}

pub fn jpeg_app12_ducky() -> Vec<u8> {
    jpeg_segment(0xEC, b"Ducky\0\x01\0\0\0\x3CSECRET-APP12")
}

pub fn jpeg_com() -> Vec<u8> {
    jpeg_segment(0xFE, b"SECRET-COMMENT taken at 12 Main St")
}

pub fn jpeg_dqt() -> Vec<u8> {
    let mut p = vec![0u8];
    p.extend((1..=64).map(|i: u8| i));
    jpeg_segment(0xDB, &p)
}

pub fn jpeg_sof0() -> Vec<u8> {
    jpeg_segment(
        0xC0,
        &[8, 0, 8, 0, 8, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0],
    )
}

pub fn jpeg_dht() -> Vec<u8> {
    // One luminance DC table. Its symbol list deliberately contains the bytes
    // FF D9 so that a naive JPEG_EOI search would go wrong.
    let mut p = vec![0x00];
    p.extend_from_slice(&[0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0xFF, 0xD9]);
    jpeg_segment(0xC4, &p)
}

pub fn jpeg_app14_adobe() -> Vec<u8> {
    jpeg_segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01")
}

pub fn jpeg_dri() -> Vec<u8> {
    jpeg_segment(0xDD, &[0, 1])
}

pub fn jpeg_sos() -> Vec<u8> {
    jpeg_segment(0xDA, &[3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 0x3F, 0])
}

/// Entropy-coded data with byte stuffing (FF 00) and restart markers.
pub const SCAN_DATA: [u8; 14] = [
    0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0xFF, 0x00, 0x9A, 0xFF, 0xD1, 0xBC,
];

/// A complete baseline JPEG with every kind of metadata segment, fill bytes,
/// a standalone TEM marker, and a trailer (with an embedded EXIF JPEG) after
/// JPEG_EOI.
pub fn sample_jpeg() -> Sample {
    let mut bytes = JPEG_SOI.to_vec();
    bytes.extend(jpeg_app0());
    bytes.extend(jpeg_app1_exif());
    bytes.extend(jpeg_app1_xmp());
    bytes.extend(jpeg_app2_icc());
    bytes.extend(jpeg_app2_mpf());
    bytes.extend(jpeg_app12_ducky());
    bytes.extend(jpeg_app13_iptc());
    bytes.extend(jpeg_com());
    bytes.extend([0xFF, 0xFF, 0xFF]); // fill bytes before the next marker
    bytes.extend(jpeg_dqt());
    bytes.extend(jpeg_sof0());
    bytes.extend(jpeg_dht());
    bytes.extend(jpeg_app14_adobe());
    bytes.extend(jpeg_dri());
    bytes.extend([0xFF, 0x01]); // TEM, standalone
    bytes.extend(jpeg_sos());
    bytes.extend(SCAN_DATA);
    bytes.extend(JPEG_EOI);
    // Trailer: e.g. an MPF secondary image carrying its own EXIF/GPS.
    bytes.extend(b"SECRET-TRAILER");
    bytes.extend(JPEG_SOI);
    bytes.extend(jpeg_app1_exif());
    bytes.extend(JPEG_EOI);

    let mut expected = JPEG_SOI.to_vec();
    expected.extend(jpeg_app0());
    expected.extend(jpeg_app2_icc());
    expected.extend(jpeg_dqt()); // fill bytes are not kept
    expected.extend(jpeg_sof0());
    expected.extend(jpeg_dht());
    expected.extend(jpeg_app14_adobe());
    expected.extend(jpeg_dri());
    expected.extend([0xFF, 0x01]);
    expected.extend(jpeg_sos());
    expected.extend(SCAN_DATA);
    expected.extend(JPEG_EOI);
    Sample { bytes, expected }
}

// ---------------------------------------------------------------- PNG

pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    v.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    v
}

pub fn png_ihdr() -> Vec<u8> {
    // 1x1, 8-bit greyscale.
    png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
}

pub fn png_phys() -> Vec<u8> {
    png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1])
}

pub fn png_idat() -> Vec<u8> {
    // zlib stream of [filter 0, pixel 0].
    png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    )
}

pub fn png_iend() -> Vec<u8> {
    png_chunk(b"IEND", &[])
}

pub fn sample_png() -> Sample {
    let mut bytes = PNG_SIGNATURE.to_vec();
    bytes.extend(png_ihdr());
    bytes.extend(png_chunk(
        b"tEXt",
        b"Comment\0SECRET-TEXT GPSLatitude 48.85",
    ));
    bytes.extend(png_chunk(
        b"eXIf",
        b"MM\0\x2A\0\0\0\x08GPSLatitude SECRET-EXIF",
    ));
    bytes.extend(png_phys());
    bytes.extend(png_chunk(b"tIME", &[0x07, 0xEA, 5, 17, 12, 30, 0]));
    bytes.extend(png_chunk(b"zTXt", b"Author\0\0SECRET-ZTXT"));
    bytes.extend(png_idat());
    bytes.extend(png_chunk(
        b"iTXt",
        b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>GPS SECRET-ITXT</x:xmpmeta>",
    ));
    bytes.extend(png_iend());
    bytes.extend(b"SECRET-TRAILER after IEND");

    let mut expected = PNG_SIGNATURE.to_vec();
    expected.extend(png_ihdr());
    expected.extend(png_phys());
    expected.extend(png_idat());
    expected.extend(png_iend());
    Sample { bytes, expected }
}

// ---------------------------------------------------------------- WebP

pub fn webp_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut v = fourcc.to_vec();
    v.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    v.extend_from_slice(data);
    if data.len() % 2 == 1 {
        v.push(0);
    }
    v
}

pub fn riff_webp(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_le_bytes());
    v.extend_from_slice(b"WEBP");
    v.extend(body);
    v
}

/// VP8X flags: ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, animation 0x02.
pub fn webp_vp8x(flags: u8) -> Vec<u8> {
    webp_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0])
}

pub fn webp_iccp() -> Vec<u8> {
    webp_chunk(b"ICCP", b"fakeicc") // odd size: padded
}

pub fn webp_vp8l() -> Vec<u8> {
    webp_chunk(b"VP8L", &[0x2F, 0, 0, 0, 0x00]) // odd size: padded
}

pub fn sample_webp() -> Sample {
    let bytes = riff_webp(&[
        webp_vp8x(0x3C),
        webp_iccp(),
        webp_vp8l(),
        webp_chunk(b"EXIF", b"MM\0\x2A\0\0\0\x08GPSLatitude SECRET-EXIF"), // odd (31)
        webp_chunk(b"XMP ", b"<x:xmpmeta>GPS SECRET-XMP</x:xmpmeta>"),
    ]);
    let expected = riff_webp(&[webp_vp8x(0x30), webp_iccp(), webp_vp8l()]);
    Sample { bytes, expected }
}

#[test]
fn crc32_matches_known_values() {
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn samples_have_odd_chunks_and_secrets() {
    let webp = sample_webp();
    // EXIF payload length is odd, so the sample exercises padding.
    assert!(contains(&webp.bytes, b"EXIF\x1F\0\0\0"));
    for sample in [sample_jpeg(), sample_png(), webp] {
        assert!(contains(&sample.bytes, b"SECRET"));
        assert!(contains(&sample.bytes, b"GPS"));
    }
}
