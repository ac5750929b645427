//! Which files may be attached, told by their content: one definition for the server, which
//! refuses anything else, and for the clients, which check before a file is kept so that the
//! server never refuses an upload a sync depends on.

/// The content types the server accepts.
pub const ALLOWED_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "application/pdf",
    "text/plain",
];

/// The server's default limit on one file, in bytes (`rounds-server serve
/// --max-attachment-mb`).
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;

/// Largest image, in pixels, that may be stored: a 20 MB PNG can claim billions.
pub const MAX_IMAGE_PIXELS: u64 = 64_000_000;

/// Whether `bytes` are what `content_type` says, by their magic number (UTF-8 without NUL
/// for text); `false` for a type not in [`ALLOWED_TYPES`].
pub fn is(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "text/plain" => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
        _ => false,
    }
}

/// The allowed type `bytes` are, if any (a file picked without a type, or a download).
pub fn detect(bytes: &[u8]) -> Option<&'static str> {
    ALLOWED_TYPES.iter().copied().find(|t| is(t, bytes))
}

#[cfg(feature = "image")]
const MIB: usize = 1024 * 1024;

/// Why a file may not be attached.
#[cfg(feature = "image")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {} MB; at most {} MB may be attached", .size / MIB, .max / MIB)]
    TooBig { size: usize, max: usize },
    #[error("`{0}` files cannot be attached; allowed: PNG, JPEG, WebP, PDF and text")]
    TypeNotAccepted(String),
    #[error("the file says {claimed} but is {}", .actual.unwrap_or("none of the accepted types"))]
    NotWhatItSays {
        claimed: String,
        actual: Option<&'static str>,
    },
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    #[error("the image is {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS} pixels")]
    TooManyPixels { width: u32, height: u32 },
}

/// Whether `bytes` may be attached as `content_type` under a limit of `max_bytes`: not
/// empty, within the limit, of an accepted type its content confirms, and for an image, a
/// header that reads (no pixels are decoded) and at most [`MAX_IMAGE_PIXELS`]. The server
/// refuses what this refuses; a client checks before it keeps a file.
#[cfg(feature = "image")]
pub fn check(content_type: &str, bytes: &[u8], max_bytes: usize) -> Result<(), Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(Refusal::TooBig {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    if !ALLOWED_TYPES.contains(&content_type) {
        return Err(Refusal::TypeNotAccepted(content_type.to_owned()));
    }
    if !is(content_type, bytes) {
        return Err(Refusal::NotWhatItSays {
            claimed: content_type.to_owned(),
            actual: detect(bytes),
        });
    }
    let format = match content_type {
        "image/png" => image::ImageFormat::Png,
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/webp" => image::ImageFormat::WebP,
        _ => return Ok(()),
    };
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_by_content_not_by_claim() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let webp = b"RIFF\x10\0\0\0WEBPVP8 ";
        assert_eq!(detect(png), Some("image/png"));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(detect(webp), Some("image/webp"));
        assert_eq!(detect(b"%PDF-1.7\n%\xE2\xE3"), Some("application/pdf"));
        assert_eq!(detect("打印机日志\n".as_bytes()), Some("text/plain"));
        // GIF is not accepted by the server, nor is binary data.
        assert_eq!(detect(b"GIF89a\x01\0\x01\0\x80\0\0"), None);
        assert_eq!(detect(b"MZ\x90\0\x03\0\0\0"), None);
        assert!(is("image/png", png));
        assert!(!is("image/jpeg", png));
        assert!(!is("image/gif", b"GIF89a"));
        assert!(!is("text/plain", b"a\0b"));
    }

    #[cfg(feature = "image")]
    #[test]
    fn the_whole_rule_and_images_read_from_their_header_and_bounded_in_pixels() {
        /// A PNG claiming `w` x `h`: its IHDR chunk, then an empty IDAT (no pixel data).
        fn png_header(w: u32, h: u32) -> Vec<u8> {
            let mut ihdr = b"IHDR".to_vec();
            ihdr.extend(w.to_be_bytes());
            ihdr.extend(h.to_be_bytes());
            ihdr.extend([8, 6, 0, 0, 0]);
            let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
            for chunk in [ihdr, b"IDAT".to_vec()] {
                out.extend((chunk.len() as u32 - 4).to_be_bytes());
                out.extend(&chunk);
                out.extend(crc32(&chunk).to_be_bytes());
            }
            out
        }
        fn crc32(data: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in data {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let check = |ct: &str, bytes: &[u8]| check(ct, bytes, DEFAULT_MAX_BYTES);
        assert_eq!(check("image/png", &png_header(1920, 1080)), Ok(()));
        assert_eq!(
            check("image/png", &png_header(100_000, 100_000)),
            Err(Refusal::TooManyPixels {
                width: 100_000,
                height: 100_000
            })
        );
        assert!(matches!(
            check("image/png", b"\x89PNG\r\n\x1a\n"),
            Err(Refusal::Unreadable(_))
        ));
        assert_eq!(check("text/plain", b"not an image"), Ok(()));
        // The rest of the rule, in the order it is applied.
        assert_eq!(check("text/plain", b""), Err(Refusal::Empty));
        assert_eq!(
            super::check("text/plain", b"too long", 4),
            Err(Refusal::TooBig { size: 8, max: 4 })
        );
        assert_eq!(
            check("image/gif", b"GIF89a"),
            Err(Refusal::TypeNotAccepted("image/gif".into()))
        );
        assert_eq!(
            check("image/png", &[0xFF, 0xD8, 0xFF, 0xE0]),
            Err(Refusal::NotWhatItSays {
                claimed: "image/png".into(),
                actual: Some("image/jpeg")
            })
        );
    }
}
