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
}
