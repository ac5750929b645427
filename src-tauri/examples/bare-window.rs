//! The desktop stack's floor, for `rounds-bench`: the same Tauri build, window size and
//! rendering policy as `rounds-desktop`, with a page of a line of Chinese text and nothing
//! else (no UI bundle, no IPC, no profile, no tray, no sync). It prints `ready_ms=` once that
//! page is painted, like the app, and exits when `ROUNDS_EXIT_WHEN_READY` is set; otherwise
//! it stays idle so its memory can be read.

use std::time::Instant;

use tauri::{WebviewUrl, WebviewWindowBuilder};

/// Painted: a frame callback, then a task, as the app's own ready mark waits. Then it asks
/// to navigate to a URL the shell refuses and takes as the signal.
const PAGE: &str = "<!doctype html><html lang=zh-CN><meta charset=utf-8>\
<body style=\"font-family:'Noto Sans CJK SC',sans-serif\"><p>工单列表</p>\
<script>requestAnimationFrame(()=>setTimeout(()=>location.href='https://ready.invalid/?'+performance.timeOrigin))</script>";

fn main() {
    rounds_desktop::rendering::before_gtk();
    let started = Instant::now();
    let started_wall = std::time::SystemTime::now();
    let exit_when_ready = std::env::var_os("ROUNDS_EXIT_WHEN_READY").is_some();
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        // Served like the app's own bundle, through a custom scheme.
        .register_uri_scheme_protocol("bare", |_, _| {
            tauri::http::Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .body(PAGE.as_bytes().to_vec())
                .expect("a static response")
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let url = "bare://localhost/".parse().expect("a valid URL");
            let window = WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url))
                .title("bare")
                .inner_size(1280.0, 800.0)
                .on_navigation(move |url| {
                    if url.host_str() != Some("ready.invalid") {
                        return true;
                    }
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    // When the page began to load, on the same clock as the app's breakdown.
                    let page = url
                        .query()
                        .and_then(|q| q.parse().ok())
                        .map_or(f64::NAN, |origin| {
                            rounds_desktop::bench::since_start(started_wall, origin)
                        });
                    println!("ready_ms={ms:.1} page_ms={page:.1}");
                    if exit_when_ready {
                        handle.exit(0);
                    }
                    false
                })
                .build()?;
            rounds_desktop::rendering::adapt(&window);
            Ok(())
        })
        .run(context)
        .expect("the bare window runs");
}
