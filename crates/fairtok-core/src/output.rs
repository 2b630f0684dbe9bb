//! Where outputs go: atomically to a regular file (through a symbolic link), or to standard
//! output.
//!
//! Every file fairtok writes (vocabularies, counts files, reports) goes through this module, so
//! the rules are the same for the command line, the Python package and the library:
//!
//! * `-` is standard output. The bytes are written there as a whole; a two-file output (a
//!   `.tiktoken` and its sidecar) cannot go there ([`write_pair`] refuses it).
//! * A **new or regular file** is never written in place: the bytes go to a temporary file in
//!   the same directory (created exclusively, with a name no other writer uses), which is
//!   synced and then renamed over the path. A crash, Ctrl-C or SIGKILL leaves the old file or
//!   none, never a partial one (at most a hidden `.NAME.tmp-*` file is left behind). A file
//!   that exists keeps its permissions.
//! * A **symbolic link** is followed to the file it names, and that file is replaced as above;
//!   the link itself stays a link. A link to a missing file is refused (fairtok would not know
//!   which file was meant).
//! * Any **other existing thing** (a directory, a FIFO, a device node such as `/dev/null`, a
//!   socket) is refused with [`Error::Output`]: replacing it with a regular file, as a rename
//!   would, is never what was meant (as root, `-o /dev/null` would replace the system's node).
//!   Standard output is spelled `-`, not `/dev/stdout`.
//! * **Pairs** ([`write_pair`]): both temporary files are written first, then renamed one after
//!   the other while the directory is locked (an exclusive `flock` on the directory). Loaders
//!   of pairs take the shared lock ([`PairLock::shared`]) while they read both files, so a
//!   fairtok reader never sees one file of one writer and the other of another, even with
//!   writers racing on the same path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Where the bytes of an output go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (the path `-`).
    Stdout,
    /// A regular file (new or existing), after following symbolic links.
    File(PathBuf),
}

impl Destination {
    /// Where writing `path` goes, by the rules of the module docs; an error for a path that
    /// cannot be an output (a directory, FIFO, device, socket, or a dangling link).
    pub fn of(path: &Path) -> Result<Destination> {
        if path.as_os_str() == "-" {
            return Ok(Destination::Stdout);
        }
        let refuse = |reason: String| Error::Output {
            path: path.to_owned(),
            reason,
        };
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Destination::File(path.to_owned()))
            }
            Err(e) => return Err(io_error(path, e)),
        };
        let (target, meta) = if meta.file_type().is_symlink() {
            let target = std::fs::canonicalize(path).map_err(|e| {
                refuse(format!(
                    "is a symbolic link that does not lead to an existing file ({e})"
                ))
            })?;
            let meta = std::fs::metadata(&target).map_err(|e| io_error(&target, e))?;
            (target, meta)
        } else {
            (path.to_owned(), meta)
        };
        if meta.is_file() {
            return Ok(Destination::File(target));
        }
        let what = kind_of(&meta.file_type());
        let via = if target.as_path() == path {
            String::new()
        } else {
            format!(" (through a link, {})", target.display())
        };
        Err(refuse(format!(
            "is {what}{via}: outputs are written only to regular files (use - for standard output)"
        )))
    }

    /// Checks, before hours of work go into it, that `path` can be written: it is a possible
    /// output (see [`Destination::of`]) and its directory accepts a new file. Nothing is left
    /// behind.
    pub fn check(path: &Path) -> Result<Destination> {
        let dest = Destination::of(path)?;
        if let Destination::File(file) = &dest {
            let (tmp, f) = temp_file(file)?;
            drop(f);
            let _ = std::fs::remove_file(tmp);
        }
        Ok(dest)
    }
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// A new temporary file beside `path`, created exclusively (`.NAME.tmp-PID-N`).
fn temp_file(path: &Path) -> Result<(PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Output {
            path: path.to_owned(),
            reason: "is not a file path".into(),
        })?
        .to_string_lossy()
        .into_owned();
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            // Left by a killed process with the same pid: take the next name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(path, e)),
        }
    }
}

/// A temporary file written completely and synced, not yet renamed over its path.
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
}

impl Staged {
    /// Writes the temporary file of `path` with `fill`; removes it on failure.
    fn new(
        path: &Path,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
    ) -> Result<Staged> {
        let (tmp, mut f) = temp_file(path)?;
        let staged = Staged {
            tmp,
            path: path.to_owned(),
        };
        let result = (|| {
            fill(&mut f)?;
            f.flush()?;
            if let Ok(old) = std::fs::metadata(path) {
                f.set_permissions(old.permissions())?;
            }
            f.sync_all()
        })();
        result.map_err(|e| io_error(path, e))?;
        Ok(staged)
    }

    fn commit(mut self) -> Result<()> {
        let tmp = std::mem::take(&mut self.tmp);
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_error(&self.path, e)
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `data` to `path` by the rules of the module docs (atomically, `-` for standard
/// output). On any error `path` is left as it was.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(data))
}

/// [`write_atomic`] for outputs made while writing: `fill` writes the bytes (to the temporary
/// file, or to a buffer that then goes to standard output).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    match Destination::of(path)? {
        Destination::Stdout => {
            let mut buf = Vec::new();
            fill(&mut buf).map_err(|e| io_error(path, e))?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)
                .and_then(|()| out.flush())
                .map_err(|e| io_error(path, e))
        }
        Destination::File(file) => Staged::new(&file, fill)?.commit(),
    }
}

/// Writes two files that belong together (a `.tiktoken` and its sidecar) so that they appear
/// together: both are staged, then renamed under an exclusive lock of their directory (see the
/// module docs). Standard output is refused: two files cannot go there.
pub fn write_pair(first: (&Path, &[u8]), second: (&Path, &[u8])) -> Result<()> {
    let mut files = vec![];
    for (path, _) in [first, second] {
        match Destination::of(path)? {
            Destination::File(f) => files.push(f),
            Destination::Stdout => {
                return Err(Error::Output {
                    path: path.to_owned(),
                    reason: "this format is two files (the ranks and their sidecar); standard output holds one".into(),
                })
            }
        }
    }
    let a = Staged::new(&files[0], |w| w.write_all(first.1))?;
    let b = Staged::new(&files[1], |w| w.write_all(second.1))?;
    let _lock = PairLock::exclusive(&files[0])?;
    a.commit()?;
    b.commit()
}

/// A lock on the directory of a pair of files (see the module docs), released when dropped.
#[derive(Debug)]
pub struct PairLock {
    _dir: File,
}

impl PairLock {
    /// Takes the shared lock of `path`'s directory: a pair written by [`write_pair`] is not
    /// renamed while it is held. Reading both files of a pair under it reads one writer's pair.
    pub fn shared(path: &Path) -> Result<PairLock> {
        PairLock::take(path, false)
    }

    fn exclusive(path: &Path) -> Result<PairLock> {
        PairLock::take(path, true)
    }

    fn take(path: &Path, exclusive: bool) -> Result<PairLock> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let f = File::open(dir).map_err(|e| io_error(dir, e))?;
        if exclusive { f.lock() } else { f.lock_shared() }.map_err(|e| io_error(dir, e))?;
        Ok(PairLock { _dir: f })
    }
}

#[cfg(test)]
mod tests;
