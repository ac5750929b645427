//! Screen capture for reports: the window hides, the chosen display is captured, and the
//! window comes back. The image goes to the UI's editor only; nothing is stored or uploaded
//! until the user has redacted it and pressed submit.

use std::io::Cursor;

use base64::Engine;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct MonitorInfo {
    pub index: usize,
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub primary: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Capture {
    /// `data:image/png;base64,...`
    pub data_url: String,
    pub width: u32,
    pub height: u32,
}

pub fn monitors() -> Result<Vec<MonitorInfo>, String> {
    let all = xcap::Monitor::all().map_err(|e| format!("cannot list displays: {e}"))?;
    Ok(all
        .iter()
        .enumerate()
        .map(|(index, m)| MonitorInfo {
            index,
            name: m.name().unwrap_or_else(|_| format!("#{}", index + 1)),
            width: m.width().unwrap_or(0),
            height: m.height().unwrap_or(0),
            primary: m.is_primary().unwrap_or(false),
        })
        .collect())
}

/// Captures display `index` (the primary one when `None`) as a PNG data URL.
pub fn capture(index: Option<usize>) -> Result<Capture, String> {
    let all = xcap::Monitor::all().map_err(|e| format!("cannot list displays: {e}"))?;
    let monitor = match index {
        Some(i) => all
            .get(i)
            .ok_or_else(|| format!("there is no display {i}"))?,
        None => all
            .iter()
            .find(|m| m.is_primary().unwrap_or(false))
            .or_else(|| all.first())
            .ok_or("no display to capture")?,
    };
    let img = monitor
        .capture_image()
        .map_err(|e| format!("the screen could not be captured: {e}"))?;
    let (width, height) = (img.width(), img.height());
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("encoding the capture: {e}"))?;
    Ok(Capture {
        data_url: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        ),
        width,
        height,
    })
}
