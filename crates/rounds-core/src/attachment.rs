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

/// Why an image is not accepted although its magic number is right.
#[cfg(feature = "image")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    #[error("the image is {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS} pixels")]
    TooLarge { width: u32, height: u32 },
}

/// For an image type, checks from its header alone (no pixels are decoded) that the image can
/// be read and is at most [`MAX_IMAGE_PIXELS`]; other types pass. Call after [`is`].
#[cfg(feature = "image")]
pub fn check_image(content_type: &str, bytes: &[u8]) -> Result<(), ImageRefusal> {
    let format = match content_type {
        "image/png" => image::ImageFormat::Png,
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/webp" => image::ImageFormat::WebP,
        _ => return Ok(()),
    };
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| ImageRefusal::Unreadable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(ImageRefusal::TooLarge { width, height });
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
    fn images_are_read_from_their_header_and_bounded_in_pixels() {
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
        assert_eq!(check_image("image/png", &png_header(1920, 1080)), Ok(()));
        assert_eq!(
            check_image("image/png", &png_header(100_000, 100_000)),
            Err(ImageRefusal::TooLarge {
                width: 100_000,
                height: 100_000
            })
        );
        assert!(matches!(
            check_image("image/png", b"\x89PNG\r\n\x1a\n"),
            Err(ImageRefusal::Unreadable(_))
        ));
        assert_eq!(check_image("text/plain", b"not an image"), Ok(()));
    }
}
