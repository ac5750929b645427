fn main() {
    // Only these commands exist for the UI, and the capability in capabilities/ grants each
    // one by name: a command added here and not granted there is refused at runtime.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(rounds_desktop_commands())),
    )
    .expect("tauri build script");
}

include!("src/command_names.rs");
