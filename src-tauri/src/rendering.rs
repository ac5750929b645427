//! Rendering on machines without a GPU.
//!
//! WebKitGTK composites the page with OpenGL. On a virtual machine or a thin client (no DRM
//! render node under `/dev/dri`) that GL is Mesa's software rasteriser, and every scrolled
//! frame of the ticket list took 160–200 ms there (docs/benchmarks.md), while the same frames
//! without compositing take 16 ms. So without a render node the web view draws without
//! accelerated compositing; with one, WebKit's default stands.

/// Whether this machine has a GPU render node WebKit could use.
#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Turns accelerated compositing off for `window`'s web view when there is no GPU.
pub fn adapt<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        if has_render_node() {
            return;
        }
        tracing::info!("no GPU render node: drawing the web view without accelerated compositing");
        let done = window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = done {
            tracing::warn!(error = %e, "cannot set the web view's rendering policy");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
