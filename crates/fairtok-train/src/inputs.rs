//! What a training or extension run reads: its input languages ([`InputSpec`]) and the
//! parallel dev text of parity-aware selection ([`DevText`]).
//!
//! Every front end (the command line, the Python package, the service) builds these from its
//! own arguments and hands them to [`crate::train_files`] or [`crate::extend_files`], so that the
//! same input is parsed, checked and read the same way everywhere:
//!
//! * an input is `LANG[@WEIGHT]=PATH[,PATH...]` ([`InputSpec::parse`]), files given apart
//!   ([`InputSpec::files`]) or texts in memory ([`InputSpec::texts`]); a path without a tag is
//!   tagged `und`. A weight (default 1) multiplies the counts of an extension's input;
//!   training counts every record once and refuses other weights;
//! * a dev file is read as the parity report reads a corpus file (`\n` or `\r\n` line ends,
//!   the last line end optional: [`fairtok_eval::corpus::split_lines`]), and so are dev lines
//!   given in memory (a line end at the end of a line is dropped).

use std::path::{Path, PathBuf};

use crate::error::{Result, Setting, TrainError};

/// Where the text of one input comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum TextSource {
    /// Files or directories (read recursively), as [`crate::expand`] reads them.
    Files(Vec<PathBuf>),
    /// Texts in memory, each one record (as one line of a file is, line end included if it
    /// has one).
    Texts(Vec<String>),
}

/// One input language of a run: its tag, its weight and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// The language tag (`kor_Hang`, `ko`, `und`, ...).
    pub lang: String,
    /// Multiplies the counts of this input (extension only; training takes 1).
    pub weight: f64,
    /// Its text.
    pub source: TextSource,
}

impl InputSpec {
    /// Parses `LANG[@WEIGHT]=PATH[,PATH...]`; a spec without `=` is a path (or paths) tagged
    /// `und`. The tag and the weight may be surrounded by spaces; the tag must not be empty nor
    /// hold `,` or `/`, and the weight must be a positive number.
    pub fn parse(spec: &str) -> Result<InputSpec> {
        let (head, paths) = spec.split_once('=').unwrap_or(("und", spec));
        let (lang, weight) = parse_head(head).map_err(|why| {
            TrainError::invalid(
                Setting::Inputs,
                format!("{spec:?}: {why} (expected LANG[@WEIGHT]=PATH[,PATH...])"),
            )
        })?;
        let paths: Vec<PathBuf> = paths
            .split(',')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect();
        if paths.is_empty() {
            return Err(TrainError::invalid(
                Setting::Inputs,
                format!("{spec:?}: no path after `{head}=`"),
            ));
        }
        Ok(InputSpec {
            lang,
            weight,
            source: TextSource::Files(paths),
        })
    }

    /// Files of one language; `head` is `LANG[@WEIGHT]`.
    pub fn files(head: &str, paths: Vec<PathBuf>) -> Result<InputSpec> {
        let empty = paths.is_empty();
        let spec = InputSpec::with_head(head, TextSource::Files(paths))?;
        if empty {
            return Err(TrainError::invalid(
                Setting::Inputs,
                format!("{head:?}: no path for the language"),
            ));
        }
        Ok(spec)
    }

    /// Texts in memory of one language; `head` is `LANG[@WEIGHT]`.
    pub fn texts(head: &str, texts: Vec<String>) -> Result<InputSpec> {
        InputSpec::with_head(head, TextSource::Texts(texts))
    }

    /// `source` under the tag and weight of `head` (`LANG[@WEIGHT]`).
    fn with_head(head: &str, source: TextSource) -> Result<InputSpec> {
        let (lang, weight) = parse_head(head)
            .map_err(|why| TrainError::invalid(Setting::Inputs, format!("{head:?}: {why}")))?;
        Ok(InputSpec {
            lang,
            weight,
            source,
        })
    }
}

/// `LANG[@WEIGHT]` → the tag and the weight (1 without `@`), or what is wrong with it.
fn parse_head(head: &str) -> std::result::Result<(String, f64), String> {
    let (lang, weight) = match head.split_once('@') {
        Some((l, w)) => {
            let w = w.trim();
            let weight: f64 = w
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite() && *x > 0.0)
                .ok_or_else(|| format!("the weight {w:?} is not a positive number"))?;
            (l, weight)
        }
        None => (head, 1.0),
    };
    let lang = lang.trim();
    if lang.is_empty() {
        return Err("empty language tag".into());
    }
    if lang.contains(',') || lang.contains('/') {
        return Err(format!("{lang:?} is not a language tag"));
    }
    Ok((lang.to_owned(), weight))
}

/// The language tags of `inputs`, in order of first appearance (the order of the counts and
/// of every per-language report).
pub fn languages(inputs: &[InputSpec]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for i in inputs {
        if !out.contains(&i.lang) {
            out.push(i.lang.clone());
        }
    }
    out
}

/// The parallel dev text of parity-aware selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevText {
    /// A directory of `LANG.dev` files (FLORES-200 layout).
    Dir(PathBuf),
    /// The lines of each language, aligned across languages.
    Lines(Vec<(String, Vec<String>)>),
}

impl DevText {
    /// Checks the dev text as a whole: a directory that exists, or languages given once each
    /// with at least one line.
    pub fn check(&self) -> Result<()> {
        match self {
            DevText::Dir(dir) if !dir.is_dir() => Err(TrainError::invalid(
                Setting::ParityDev,
                format!("{}: not a directory", dir.display()),
            )),
            DevText::Dir(_) => Ok(()),
            DevText::Lines(langs) => {
                for (i, (lang, lines)) in langs.iter().enumerate() {
                    if langs[..i].iter().any(|(l, _)| l == lang) {
                        return Err(TrainError::invalid(
                            Setting::ParityDev,
                            format!("{lang:?} is given twice"),
                        ));
                    }
                    if lines.is_empty() {
                        return Err(TrainError::invalid(
                            Setting::ParityDev,
                            format!("{lang:?}: no lines"),
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// The dev lines of `lang`: its `LANG.dev` file read with [`read_dev_file`], or its given
    /// lines with a line end at their end dropped. A language without dev text is an error
    /// that names it and says how to do without (`unless`).
    pub fn lines_of(&self, lang: &str, unless: &str) -> Result<Vec<String>> {
        match self {
            DevText::Dir(dir) => {
                let path = dir.join(format!("{lang}.dev"));
                if !path.is_file() {
                    return Err(TrainError::invalid(
                        Setting::ParityDev,
                        format!("no dev file {} for {lang}{unless}", path.display()),
                    ));
                }
                read_dev_file(&path)
            }
            DevText::Lines(langs) => match langs.iter().find(|(l, _)| l == lang) {
                Some((_, lines)) => Ok(lines
                    .iter()
                    .map(|l| {
                        let l = l.strip_suffix('\n').unwrap_or(l);
                        l.strip_suffix('\r').unwrap_or(l).to_owned()
                    })
                    .collect()),
                None => Err(TrainError::invalid(
                    Setting::ParityDev,
                    format!("no dev lines for {lang}{unless}"),
                )),
            },
        }
    }
}

/// The lines of one dev file: UTF-8, split as the parity report splits corpus files. An empty
/// file is an error.
pub fn read_dev_file(path: &Path) -> Result<Vec<String>> {
    let data = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    let text = String::from_utf8(data).map_err(|e| TrainError::File {
        path: path.to_owned(),
        reason: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })?;
    let lines = fairtok_eval::corpus::split_lines(&text);
    if lines.is_empty() {
        return Err(TrainError::File {
            path: path.to_owned(),
            reason: "empty dev file".into(),
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option_of(e: TrainError) -> Setting {
        match e {
            TrainError::InvalidOption { option, .. } => option,
            e => panic!("not an option error: {e}"),
        }
    }

    #[test]
    fn parses_specs_with_weights() {
        let i = InputSpec::parse("kor_Hang@0.3=a.txt,b.txt.gz").unwrap();
        assert_eq!(i.lang, "kor_Hang");
        assert_eq!(i.weight, 0.3);
        assert_eq!(
            i.source,
            TextSource::Files(vec!["a.txt".into(), "b.txt.gz".into()])
        );
        let i = InputSpec::parse(" ko @ 2 =x").unwrap();
        assert_eq!((i.lang.as_str(), i.weight), ("ko", 2.0));
        let i = InputSpec::parse("x.txt").unwrap();
        assert_eq!((i.lang.as_str(), i.weight), ("und", 1.0));
        for bad in [
            "=x", " =x", "ko=", "ko@0=x", "ko@-1=x", "ko@nan=x", "ko@x=y", "a,b=x",
        ] {
            let e = InputSpec::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("inputs: "), "{bad}: {e}");
            assert_eq!(option_of(e), Setting::Inputs);
        }
        assert!(InputSpec::files("ko", vec![]).is_err());
        assert!(InputSpec::texts("", vec![]).is_err());
        assert_eq!(InputSpec::texts("ja@2", vec![]).unwrap().weight, 2.0);
    }

    #[test]
    fn languages_in_first_order() {
        let i = |s| InputSpec::parse(s).unwrap();
        assert_eq!(
            languages(&[i("b=x"), i("a=y"), i("b=z")]),
            vec!["b".to_owned(), "a".to_owned()]
        );
    }

    #[test]
    fn dev_text_from_files_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ko.dev"), "하나\r\n둘\n").unwrap();
        std::fs::write(dir.path().join("empty.dev"), "").unwrap();
        std::fs::write(dir.path().join("bad.dev"), b"ok\n\xff").unwrap();
        let d = DevText::Dir(dir.path().to_owned());
        d.check().unwrap();
        assert_eq!(d.lines_of("ko", "").unwrap(), vec!["하나", "둘"]);
        assert!(d
            .lines_of("empty", "")
            .unwrap_err()
            .to_string()
            .contains("empty dev file"));
        assert!(d
            .lines_of("bad", "")
            .unwrap_err()
            .to_string()
            .contains("not UTF-8 at byte 3"));
        let e = d.lines_of("en", " (or exclude it)").unwrap_err();
        assert!(
            e.to_string().contains("en.dev for en (or exclude it)"),
            "{e}"
        );
        assert!(DevText::Dir(dir.path().join("ko.dev")).check().is_err());
        let l = DevText::Lines(vec![("ko".into(), vec!["a\r\n".into(), "b\n".into()])]);
        assert_eq!(l.lines_of("ko", "").unwrap(), vec!["a", "b"]);
        assert!(l.lines_of("en", "").is_err());
        assert!(DevText::Lines(vec![("ko".into(), vec![])]).check().is_err());
    }
}
