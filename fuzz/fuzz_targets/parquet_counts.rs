//! Fuzzes the Parquet counts reader ([`fairtok_train::parquet_io::read_counts_bytes`], the
//! reader of `train --counts`): any bytes must be read or refused with an error, never abort,
//! escape as a panic or allocate far beyond their size. The seeds are counts files written by
//! the library (`fairtok count-pretokens` with the r50k pattern), so mutations reach the
//! metadata, schema and row checks.
//!
//! The reader turns a panic of the parquet crate on malformed data into an error (the crate
//! panics on some, see `parquet_io::without_panic`). libFuzzer's panic hook would abort at
//! the panic before that, so this target puts the standard hook back; a panic that escapes
//! the reader still aborts the run (libfuzzer-sys aborts when the target unwinds).
#![no_main]

use std::path::Path;
use std::sync::Once;

use fairtok_train::PieceCounts;
use libfuzzer_sys::fuzz_target;

static STANDARD_HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    STANDARD_HOOK.call_once(|| drop(std::panic::take_hook()));
    let mut counts = PieceCounts::new(fairtok_core::pattern::R50K);
    let _ = fairtok_train::parquet_io::read_counts_bytes(
        data.to_vec(),
        Path::new("fuzz"),
        &mut counts,
    );
});
