//! Parallel corpora: one text per language, line *i* of each translating line *i* of the others.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One language of a parallel corpus.
#[derive(Debug, Clone)]
pub struct Language {
    /// Its code (FLORES style: `kor_Hang`), taken from the file name up to the first dot.
    pub code: String,
    /// Where it came from (a path, or a description for bundled data).
    pub source: String,
    /// The lines, without their line terminators (`\n` or `\r\n`).
    pub lines: Vec<String>,
}

/// Aligned texts in several languages.
#[derive(Debug, Clone)]
pub struct ParallelCorpus {
    /// A name for reports (the directory, or a description).
    pub name: String,
    /// The languages, in the order given (a directory is read in file-name order).
    pub languages: Vec<Language>,
}

/// Where a parallel corpus comes from ([`ParallelCorpus::open`]).
#[derive(Debug, Clone)]
pub enum CorpusSource {
    /// The bundled FLORES-200 dev sample ([`crate::samples::flores_dev`]).
    Bundled,
    /// A directory of `<lang>.<anything>` files.
    Dir(PathBuf),
    /// Aligned files, one per language.
    Pairs(Vec<(String, PathBuf)>),
    /// Lines in memory, per language, under a corpus name.
    Lines(String, Vec<(String, Vec<String>)>),
}

/// Splits a text into lines: `\n` or `\r\n` ends a line; a final terminator adds no empty line.
pub fn split_lines(text: &str) -> Vec<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() && text.len() <= 1 {
        return if text.is_empty() {
            vec![]
        } else {
            vec![String::new()]
        };
    }
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect()
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::InvalidUtf8 {
            path: path.to_owned(),
            line,
            offset,
        }
    })
}

impl ParallelCorpus {
    /// Builds a corpus from `(language, whole text)` pairs, checking alignment.
    pub fn from_texts(
        name: &str,
        texts: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ParallelCorpus> {
        let languages = texts
            .into_iter()
            .map(|(code, text)| Language {
                source: format!("{name}: {code}"),
                lines: split_lines(&text),
                code,
            })
            .collect();
        ParallelCorpus::checked(name.to_owned(), languages)
    }

    /// Builds a corpus from `(language, lines)` pairs, checking alignment. Each line is taken
    /// as it is (a line may itself contain a line break: it is still one line).
    pub fn from_lines(
        name: &str,
        languages: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> Result<ParallelCorpus> {
        let languages = languages
            .into_iter()
            .map(|(code, lines)| Language {
                source: format!("{name}: {code}"),
                lines,
                code,
            })
            .collect();
        ParallelCorpus::checked(name.to_owned(), languages)
    }

    /// Opens the corpus of `source`, narrowed to `langs` (in that order; the pivot is kept)
    /// if given, and checks that it has the pivot: what `fairtok parity` measures.
    pub fn open(
        source: CorpusSource,
        langs: Option<&[String]>,
        pivot: &str,
    ) -> Result<ParallelCorpus> {
        let c = match source {
            CorpusSource::Dir(dir) => return ParallelCorpus::from_dir(&dir, langs, pivot),
            CorpusSource::Pairs(p) => ParallelCorpus::from_pairs(&p)?,
            CorpusSource::Lines(name, l) => ParallelCorpus::from_lines(&name, l)?,
            CorpusSource::Bundled => crate::samples::flores_dev(),
        };
        let c = match langs {
            Some(l) => c.select(l, pivot)?,
            None => c,
        };
        c.language(pivot)?;
        Ok(c)
    }

    /// Reads every file `<lang>.<anything>` of `dir` (FLORES naming: `kor_Hang.dev`). With
    /// `langs`, only those (all must exist, in the order given); `pivot` must exist too.
    pub fn from_dir(dir: &Path, langs: Option<&[String]>, pivot: &str) -> Result<ParallelCorpus> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut files: Vec<(String, PathBuf)> = vec![];
        for e in entries {
            let e = e.map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?;
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if !path.is_file() || name.starts_with('.') || !name.contains('.') {
                continue;
            }
            let code = name.split('.').next().unwrap_or_default().to_owned();
            if let Some((_, other)) = files.iter().find(|(c, _)| *c == code) {
                return Err(Error::DuplicateLanguage {
                    lang: code,
                    first: other.clone(),
                    second: path,
                });
            }
            files.push((code, path));
        }
        files.sort();
        let available = || files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        let want: Vec<String> = match langs {
            Some(l) => {
                let mut w = l.to_vec();
                if !w.iter().any(|x| x == pivot) {
                    w.push(pivot.to_owned());
                }
                w
            }
            None => available(),
        };
        if files.is_empty() {
            return Err(Error::EmptyDir(dir.to_owned()));
        }
        let mut languages = vec![];
        for code in &want {
            let Some((_, path)) = files.iter().find(|(c, _)| c == code) else {
                return Err(Error::UnknownLanguage {
                    lang: code.clone(),
                    place: dir.display().to_string(),
                    available: available(),
                });
            };
            let text = read_text(path)?;
            languages.push(Language {
                code: code.clone(),
                source: path.display().to_string(),
                lines: split_lines(&text),
            });
        }
        let c = ParallelCorpus::checked(dir.display().to_string(), languages)?;
        c.language(pivot)?;
        Ok(c)
    }

    /// Reads ad hoc aligned files, one per language (`--pair LANG=FILE`).
    pub fn from_pairs(pairs: &[(String, PathBuf)]) -> Result<ParallelCorpus> {
        let mut languages: Vec<Language> = vec![];
        for (code, path) in pairs {
            if let Some(prev) = languages.iter().find(|l| &l.code == code) {
                return Err(Error::DuplicateLanguage {
                    lang: code.clone(),
                    first: PathBuf::from(&prev.source),
                    second: path.clone(),
                });
            }
            languages.push(Language {
                code: code.clone(),
                source: path.display().to_string(),
                lines: split_lines(&read_text(path)?),
            });
        }
        let name = pairs
            .iter()
            .map(|(l, p)| format!("{l}={}", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        ParallelCorpus::checked(name, languages)
    }

    /// Checks that there is a language, none is empty, and all have the same number of lines.
    fn checked(name: String, languages: Vec<Language>) -> Result<ParallelCorpus> {
        let Some(first) = languages.first() else {
            return Err(Error::NoLanguages);
        };
        for l in &languages {
            if l.lines.is_empty() {
                return Err(Error::EmptyFile(l.source.clone()));
            }
            if l.lines.len() != first.lines.len() {
                return Err(Error::Misaligned {
                    first: first.source.clone(),
                    first_lines: first.lines.len(),
                    other: l.source.clone(),
                    other_lines: l.lines.len(),
                });
            }
        }
        Ok(ParallelCorpus { name, languages })
    }

    /// Keeps only `langs` (in that order) plus the pivot; errors name what is missing.
    pub fn select(self, langs: &[String], pivot: &str) -> Result<ParallelCorpus> {
        let mut want = langs.to_vec();
        if !want.iter().any(|x| x == pivot) {
            want.push(pivot.to_owned());
        }
        let mut out = vec![];
        for code in &want {
            let l = self.language(code)?;
            out.push(l.clone());
        }
        Ok(ParallelCorpus {
            name: self.name,
            languages: out,
        })
    }

    /// The language with this code, or an error listing the available ones.
    pub fn language(&self, code: &str) -> Result<&Language> {
        self.languages
            .iter()
            .find(|l| l.code == code)
            .ok_or_else(|| Error::UnknownLanguage {
                lang: code.to_owned(),
                place: self.name.clone(),
                available: self.languages.iter().map(|l| l.code.clone()).collect(),
            })
    }

    /// Number of aligned lines.
    pub fn lines(&self) -> usize {
        self.languages.first().map_or(0, |l| l.lines.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_terminators() {
        assert_eq!(split_lines("a\nb\n"), ["a", "b"]);
        assert_eq!(split_lines("a\r\nb"), ["a", "b"]);
        assert_eq!(split_lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(split_lines("\n"), [""]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn misaligned_and_empty() {
        let e = ParallelCorpus::from_texts(
            "t",
            [("a".into(), "x\ny\n".into()), ("b".into(), "x\n".into())],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line counts differ: t: a has 2 lines, t: b has 1"
        );
        let e = ParallelCorpus::from_texts("t", [("a".into(), "".into())]).unwrap_err();
        assert_eq!(e.to_string(), "t: a: empty file");
        let e =
            ParallelCorpus::from_lines("m", [("a".into(), vec!["x".into()]), ("b".into(), vec![])])
                .unwrap_err();
        assert_eq!(e.to_string(), "m: b: empty file");
    }

    #[test]
    fn lines_are_kept_as_given() {
        let c = ParallelCorpus::from_lines(
            "m",
            [
                ("a".into(), vec!["x\ny".into(), "z\r".into()]),
                ("b".into(), vec!["1".into(), "2".into()]),
            ],
        )
        .unwrap();
        assert_eq!(c.lines(), 2);
        assert_eq!(c.language("a").unwrap().lines, ["x\ny", "z\r"]);
        let e = ParallelCorpus::from_lines(
            "m",
            [
                ("a".into(), vec!["x".into()]),
                ("b".into(), vec!["1".into(), "2".into()]),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line counts differ: m: a has 1 lines, m: b has 2"
        );
    }
}
