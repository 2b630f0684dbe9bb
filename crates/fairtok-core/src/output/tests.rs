//! Tests of the output rules: through links, never over non-regular files, pairs together.

use super::*;

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

#[test]
fn replaces_a_regular_file_and_keeps_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.json");
    write_atomic(&p, b"one").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    write_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    assert!(leftovers(dir.path()).is_empty());
    let e = write_atomic(&dir.path().join("no/such/dir/x.txt"), b"x").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(leftovers(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn writes_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    write_atomic(&link, b"new").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
    // A link to nothing: which file was meant is unknown.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("missing/x.json", &dangling).unwrap();
    let e = write_atomic(&dangling, b"x").unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert!(leftovers(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn refuses_what_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut cases = vec![
        (dir.path().to_owned(), "a directory"),
        (PathBuf::from("/dev/null"), "a device"),
    ];
    if made.is_ok_and(|s| s.success()) {
        cases.push((fifo.clone(), "a FIFO"));
    }
    let link = dir.path().join("to-null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    cases.push((link, "a device (through a link, /dev/null)"));
    for (path, what) in cases {
        let e = write_atomic(&path, b"x").unwrap_err();
        assert!(
            matches!(&e, Error::Output { reason, .. } if reason.starts_with(&format!("is {what}"))),
            "{}: {e}",
            path.display()
        );
        assert!(Destination::check(&path).is_err());
    }
    if let Ok(m) = std::fs::symlink_metadata(&fifo) {
        use std::os::unix::fs::FileTypeExt;
        assert!(m.file_type().is_fifo(), "the FIFO was replaced");
    }
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn dash_is_standard_output_for_one_file_only() {
    assert_eq!(
        Destination::of(Path::new("-")).unwrap(),
        Destination::Stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let e = write_pair(
        (Path::new("-"), b"a"),
        (&dir.path().join("side.json"), b"b"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("two files"), "{e}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn racing_pair_writers_never_mix_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("v.tiktoken");
    let b = dir.path().join("v.tiktoken.json");
    write_pair((&a, b"w0"), (&b, b"w0")).unwrap();
    std::thread::scope(|s| {
        for w in 1..=3 {
            let (a, b) = (&a, &b);
            s.spawn(move || {
                let tag = format!("w{w}");
                for _ in 0..200 {
                    write_pair((a, tag.as_bytes()), (b, tag.as_bytes())).unwrap();
                }
            });
        }
        s.spawn(|| {
            for _ in 0..2000 {
                let _lock = PairLock::shared(&a).unwrap();
                let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
                assert_eq!(x, y, "a reader saw two writers' files");
            }
        });
    });
    assert!(leftovers(dir.path()).is_empty());
}
