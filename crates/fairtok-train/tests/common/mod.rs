//! What the extension tests share: the shared data folder and its texts.

use std::path::PathBuf;

/// The shared data folder: `$FAIRTOK_SHARED`, or `shared/` beside the checkout.
pub fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// Whether the shared data folder is there; when it is not, says on one line that `test` is
/// skipped (the tests that read it then return).
pub fn present(test: &str) -> bool {
    let dir = shared();
    let here = dir.join("data/parallel/flores200-dev").is_dir();
    if !here {
        eprintln!("{test}: skipped, no shared data at {}", dir.display());
    }
    here
}

/// The lines of FLORES-200 dev in `lang`.
pub fn flores(lang: &str) -> Vec<String> {
    let p = shared().join(format!("data/parallel/flores200-dev/{lang}.dev"));
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}
