//! `fairtok serve`: the token-count service and its playground page (`fairtok-serve`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use fairtok_core::LoadOptions;
use fairtok_serve::{Config, Registry, Server};

use crate::*;

/// Arguments of `fairtok serve`.
#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on. Loopback unless told otherwise (0.0.0.0:8080 for every interface).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Tokenizers to serve, comma-separated: SPEC or NAME=SPEC (default: every built-in).
    /// Requests name them; a request can never make the server open a file.
    #[arg(short = 't', long = "tokenizer", value_delimiter = ',')]
    tokenizers: Vec<String>,
    /// Pre-tokenizer pattern for .tiktoken files: cl100k, o200k, r50k, p50k, llama3, qwen3 or a regex.
    #[arg(long)]
    pattern: Option<String>,
    /// Lower-case (and strip accents from) the text for a WordPiece vocab.txt (BERT uncased).
    #[arg(long)]
    lowercase: bool,
    /// The largest request body in bytes; larger ones are answered 413.
    #[arg(long, default_value_t = 8 << 20)]
    max_body: usize,
    /// A file holding an API key that requests must send (Authorization: Bearer KEY).
    #[arg(long)]
    api_key_file: Option<PathBuf>,
    /// Encoding threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Requests that may be in progress at once; one more is answered 503. Memory held by
    /// request bodies is at most queue × max-body.
    #[arg(long, default_value_t = 256)]
    queue: usize,
}

pub(crate) fn run(args: ServeArgs) -> CliResult {
    let opts = LoadOptions {
        pattern: args.pattern.clone(),
        lowercase: args.lowercase,
    };
    let registry = if args.tokenizers.is_empty() {
        Registry::builtins()
    } else {
        Registry::load_with(&args.tokenizers, &opts)
    }
    .map_err(serve_err)?;
    let config = Config {
        addr: args.addr,
        max_body: args.max_body,
        api_key_file: args.api_key_file,
        // 0 is refused by the library (the cap would make it 1).
        threads: match args.threads {
            Some(0) => 0,
            asked => fairtok_core::threads_cap(asked.unwrap_or(usize::MAX)),
        },
        queue: args.queue,
    };
    let server = Server::bind(config, registry).map_err(serve_err)?;
    // One line, once connections are accepted: scripts and tests wait for it.
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{}", server.local_addr()).map_err(out_err)?;
    out.flush().map_err(out_err)?;
    drop(out);
    server.run_until_signal().map_err(serve_err)
}

fn serve_err(e: fairtok_serve::Error) -> Failure {
    match e {
        fairtok_serve::Error::Setting { setting } => Failure(format!(
            "--{} must be at least 1",
            setting.replace('_', "-")
        )),
        e => Failure(e.to_string()),
    }
}
