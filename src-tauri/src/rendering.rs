//! Rendering on machines without a GPU.
//!
//! WebKitGTK composites the page with OpenGL. On a virtual machine or a thin client (no DRM
//! render node under `/dev/dri`) that GL is Mesa's software rasteriser, and every scrolled
//! frame of the ticket list took 160–200 ms there (docs/benchmarks.md), while the same frames
//! without compositing take 16 ms. So without a render node the web view draws without
//! accelerated compositing; with one, WebKit's default stands. Then nothing in the window draws
//! with GL, and GTK's own GL probe at start-up is skipped too ([`before_gtk`]).

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

/// What to set in the environment before GTK starts: without a render node, `GDK_GL=disable`,
/// unless the user chose a `GDK_GL` of their own. GTK otherwise probes GLX while it opens the
/// display, which loads Mesa's software GL and its LLVM for nothing: about 25 ms of every
/// start on a machine without a GPU (docs/benchmarks.md).
#[cfg(any(target_os = "linux", test))]
fn gl_env(render_node: bool, user_set: bool) -> Option<(&'static str, &'static str)> {
    (!render_node && !user_set).then_some(("GDK_GL", "disable"))
}

/// Prepares the environment for GTK ([`gl_env`]). It must run before any other thread
/// exists, as it sets an environment variable: first thing in [`crate::run`].
pub fn before_gtk() {
    #[cfg(target_os = "linux")]
    if let Some((key, value)) = gl_env(has_render_node(), std::env::var_os("GDK_GL").is_some()) {
        // SAFETY: called at the start of `run()`, before the log writer, Tauri or any other
        // code has started a thread, so nothing can read the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(key, value)
        };
    }
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

#[cfg(test)]
mod tests {
    use super::gl_env;

    #[test]
    fn gtk_skips_gl_only_without_a_gpu_and_without_a_choice_of_the_user() {
        assert_eq!(gl_env(false, false), Some(("GDK_GL", "disable")));
        assert_eq!(gl_env(true, false), None);
        assert_eq!(gl_env(false, true), None);
        assert_eq!(gl_env(true, true), None);
    }
}
