//! Helpers shared by the core crate's integration tests: the checkout and the shared data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The root of the checkout.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared data folder beside the checkout (override with `FAIRTOK_SHARED`), if it holds
/// `marker`; otherwise says on one line that the test is skipped.
pub fn shared_with(marker: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if dir.join(marker).exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: shared data not found at {} (set FAIRTOK_SHARED)",
            dir.display()
        );
        None
    }
}
