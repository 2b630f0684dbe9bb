//! Fuzzes the Parquet counts reader ([`fairtok_train::parquet_io::read_counts_bytes`], the
//! reader of `train --counts`): any bytes must be read or refused with an error, never panic
//! or abort. The seeds are counts files written by the library (`fairtok count-pretokens`
//! with the r50k pattern), so mutations reach the metadata, schema and row checks.
#![no_main]

use std::path::Path;

use fairtok_train::PieceCounts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut counts = PieceCounts::new(fairtok_core::pattern::R50K);
    let _ =
        fairtok_train::parquet_io::read_counts_bytes(data.to_vec(), Path::new("fuzz"), &mut counts);
});
