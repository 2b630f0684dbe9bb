//! Home of the encoder benchmark against the Rust peers: see `benches/peers.rs`.
