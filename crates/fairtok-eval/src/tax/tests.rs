use super::*;
use crate::samples::flores_dev;

fn about() -> About {
    About {
        corpus: "FLORES-200 dev (bundled sample)".into(),
        version: "0.0.0-test".into(),
        commit: Some("abc123".into()),
        date: "2026-11-30".into(),
        regenerate: Some("scripts/token-tax.sh".into()),
    }
}

fn names() -> BTreeMap<String, String> {
    parse_names(
        "kor_Hang\tKorean\nhin_Deva\tHindi\n# comment\n\ntha_Thai\tThai\textra\n",
        "t",
    )
    .unwrap()
}

/// The table of cl100k_base and o200k_base on the bundled sample (eight languages).
fn two_builtins() -> TaxTable {
    let entries = [
        Entry::new("GPT-4 / cl100k_base", "cl100k_base"),
        Entry::new("GPT-4o / o200k_base", "o200k_base"),
    ];
    build(
        &entries,
        &flores_dev(),
        "eng_Latn",
        &names(),
        about(),
        &|_| {},
    )
    .unwrap()
}

#[test]
fn rows_are_sorted_by_korean_premium_with_the_measured_values() {
    let t = two_builtins();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(
        (t.languages, t.lines, t.pivot.as_str()),
        (8, 997, "eng_Latn")
    );
    // Given cl100k first, o200k (lower Korean premium) comes first.
    assert_eq!(t.rows[0].label, "GPT-4o / o200k_base");
    assert!(t.rows.windows(2).all(|w| w[0].korean <= w[1].korean));
    let corpus = flores_dev();
    for r in &t.rows {
        let tok = Tokenizer::builtin(&r.spec).unwrap();
        let m = metrics::measure(&[&tok], &corpus, "eng_Latn", &[], &|_| {}).unwrap();
        let langs = &m.tokenizers[0].languages;
        let p = |c: &str| langs.iter().find(|l| l.lang == c).unwrap().premium;
        assert_eq!(r.korean, Some(p(KOREAN)));
        assert_eq!(r.japanese, Some(p(JAPANESE)));
        assert_eq!(r.chinese, Some(p(CHINESE)));
        assert_eq!(r.vocab_size, tok.n_vocab());
        // Gini of the per-language premiums (pivot included), as metrics computes it.
        let premiums: Vec<f64> = langs.iter().map(|l| l.premium).collect();
        assert_eq!(r.gini, metrics::gini(&premiums));
        assert!(r.gini > 0.0 && r.gini < 1.0);
        // The same as the Gini of the token totals (scale does not change it).
        assert!((r.gini - m.tokenizers[0].gini).abs() < 1e-12);
        // The five highest really are the five largest non-pivot premiums, in order.
        let mut others: Vec<f64> = langs
            .iter()
            .filter(|l| l.lang != "eng_Latn")
            .map(|l| l.premium)
            .collect();
        others.sort_by(|a, b| b.total_cmp(a));
        let top: Vec<f64> = r.highest.iter().map(|l| l.premium).collect();
        assert_eq!(top, others[..HIGHEST]);
        assert!(r.highest.iter().all(|l| l.code != "eng_Latn"));
        for l in &r.highest {
            assert_eq!(l.premium, p(&l.code));
            let named = names().get(&l.code).cloned().unwrap_or(l.code.clone());
            assert_eq!(l.name, named);
        }
    }
    // Hindi is the costliest language of the sample under cl100k_base.
    assert_eq!(t.rows[1].highest[0].name, "Hindi");
}

#[test]
fn markdown_has_one_row_per_tokenizer_in_order() {
    let t = two_builtins();
    let md = t.markdown();
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 1 ") || l.starts_with("| 2 "))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(rows[0].contains("GPT-4o / o200k_base") && rows[0].contains("built-in `o200k_base`"));
    let ko = format!("{:.3}", t.rows[0].korean.unwrap());
    assert!(rows[0].contains(&format!("| {ko} |")), "{}", rows[0]);
    for want in [
        "commit `abc123`",
        "2026-11-30",
        "0.0.0-test",
        "`scripts/token-tax.sh`",
        "997 lines",
        "8 languages",
    ] {
        assert!(md.contains(want), "{want}: {md}");
    }
    assert!(!md.contains("Not in the table"), "nothing was refused");
}

/// Counts of an opening tag (`<tag` followed by a space or `>`) and of its closing tag.
fn tag_balance(h: &str, tag: &str) -> (usize, usize) {
    let open = h.matches(&format!("<{tag}>")).count() + h.matches(&format!("<{tag} ")).count();
    (open, h.matches(&format!("</{tag}>")).count())
}

#[test]
fn html_is_self_contained_and_well_formed() {
    let t = two_builtins();
    let h = t.html();
    assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(h.ends_with("</body></html>\n"));
    for bad in [
        "http:", "https:", "src=", "<script", "<link", "@import", "url(",
    ] {
        assert!(!h.contains(bad), "external reference or script `{bad}`");
    }
    for tag in [
        "html", "head", "body", "table", "tr", "td", "th", "svg", "title", "p", "h2", "text",
        "code",
    ] {
        let (open, close) = tag_balance(&h, tag);
        assert_eq!(open, close, "<{tag}>: {open} opened, {close} closed");
    }
    // Four charts: Korean, Japanese, Chinese, Gini; one bar per tokenizer in each.
    assert_eq!(h.matches("<svg").count(), 4);
    assert_eq!(h.matches("<rect").count(), 4 * t.rows.len());
    assert!(h.contains("aria-label=\"Korean token premium per tokenizer\""));
    assert!(h.contains(&format!(
        "<title>GPT-4o / o200k_base: {:.3}</title>",
        t.rows[0].korean.unwrap()
    )));
}

#[test]
fn refused_required_and_same_vocabulary_entries() {
    let dir = std::env::temp_dir().join(format!("fairtok-tax-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.tiktoken");
    std::fs::write(&bad, "not a rank file\n").unwrap();
    let bad = bad.to_str().unwrap();
    let list = format!(
        "# label\tspec\toptions\tsame_as\tnote\n\
         GPT-4o\to200k_base\t-\t-\tThe GPT-4o tokenizer.\n\
         Broken\t{bad}\tpattern=cl100k\n\
         gpt-oss\to200k_harmony\t\tGPT-4o\n"
    );
    let entries = parse_list(&list, "list").unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1].options.pattern.as_deref(), Some("cl100k"));
    let corpus = flores_dev().select(&[KOREAN.into()], "eng_Latn").unwrap();
    let lines = std::sync::Mutex::new(vec![]);
    let t = build(
        &entries,
        &corpus,
        "eng_Latn",
        &BTreeMap::new(),
        about(),
        &|l| lines.lock().unwrap().push(l.to_owned()),
    )
    .unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].japanese, None, "the corpus has no Japanese");
    assert_eq!(t.rows[0].highest.len(), 1, "one language besides the pivot");
    assert_eq!(t.refused.len(), 1);
    assert_eq!(t.refused[0].label, "Broken");
    assert!(!t.refused[0].reason.is_empty() && !t.refused[0].reason.contains('\n'));
    assert_eq!(t.same_vocabulary.len(), 1);
    assert_eq!(t.same_vocabulary[0].same_as, "GPT-4o");
    assert_eq!(lines.lock().unwrap().len(), 3);
    let md = t.markdown();
    assert!(
        md.contains("## Not in the table") && md.contains(&t.refused[0].reason.replace('|', "\\|"))
    );
    assert!(md.contains("* **GPT-4o**: The GPT-4o tokenizer."));
    assert!(
        md.contains("| gpt-oss | built-in `o200k_harmony` | 201,088 | GPT-4o |"),
        "{md}"
    );
    let h = t.html();
    assert!(h.contains("<h2 id=\"refused\">Not in the table</h2>") && h.contains("bad.tiktoken"));
    assert_eq!(h.matches("<svg").count(), 2, "Korean and Gini only");
    // A required entry that does not load is an error naming the file.
    let mut required = entries.clone();
    required[1].required = true;
    let e = build(
        &required,
        &corpus,
        "eng_Latn",
        &BTreeMap::new(),
        about(),
        &|_| {},
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Load { .. }) && e.to_string().contains("bad.tiktoken"),
        "{e}"
    );
    // Nothing that loads: an error.
    let e = build(
        &entries[1..2],
        &corpus,
        "eng_Latn",
        &BTreeMap::new(),
        about(),
        &|_| {},
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("no tokenizer to measure"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn list_and_names_errors_name_the_line() {
    let e = parse_list("a\tb\n\nonly-a-label\n", "x.tsv").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("x.tsv:3: expected `label<TAB>spec"),
        "{e}"
    );
    let e = parse_list("a\tb\tcased\n", "x.tsv").unwrap_err();
    assert!(e.to_string().contains("x.tsv:1: option `cased`"), "{e}");
    let l = parse_list("a\tvocab.txt\tlowercase\n", "x.tsv").unwrap();
    assert!(l[0].options.lowercase && !l[0].required);
    let e = parse_names("kor_Hang\n", "n.tsv").unwrap_err();
    assert_eq!(e.to_string(), "n.tsv:1: expected `code<TAB>name`");
}

#[test]
fn utc_dates() {
    let at = |s: u64| utc_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
    assert_eq!(at(0), "1970-01-01");
    assert_eq!(at(951_782_400), "2000-02-29");
    assert_eq!(at(1_700_000_000), "2023-11-14");
    assert_eq!(at(1_798_675_200), "2026-12-31");
}

#[test]
fn unknown_tokens_of_korean_are_counted_and_flagged() {
    // A WordPiece vocabulary of Latin letters: every Korean word is `[UNK]`.
    let dir = std::env::temp_dir().join(format!("fairtok-tax-unk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut vocab = String::from("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
    for c in ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(".,'\"()-:;%?!".chars())
    {
        vocab.push_str(&format!("{c}\n##{c}\n"));
    }
    let path = dir.join("latin.vocab.txt");
    std::fs::write(&path, vocab).unwrap();
    let corpus = flores_dev().select(&[KOREAN.into()], "eng_Latn").unwrap();
    let entries = [
        Entry::new("Latin letters", path.to_str().unwrap()),
        Entry::new("GPT-4o", "o200k_base"),
    ];
    let t = build(
        &entries,
        &corpus,
        "eng_Latn",
        &BTreeMap::new(),
        about(),
        &|_| {},
    )
    .unwrap();
    let latin = t.rows.iter().find(|r| r.label == "Latin letters").unwrap();
    let u = latin.unknown.as_ref().expect("Korean is unknown to it");
    assert_eq!(u.token, "[UNK]");
    assert!(u.korean > 0.3 && u.korean <= 1.0, "{}", u.korean);
    assert!(
        u.all > 0.0 && u.all < u.korean,
        "English is mostly known: {}",
        u.all
    );
    let gpt = t.rows.iter().find(|r| r.label == "GPT-4o").unwrap();
    assert!(gpt.unknown.is_none(), "byte-level BPE has no unknown token");
    let md = t.markdown();
    let row = md
        .lines()
        .find(|l| l.contains("| Latin letters |"))
        .unwrap();
    assert!(
        row.contains(&format!("| {:.3}* |", latin.korean.unwrap())),
        "{row}"
    );
    assert!(
        md.contains(&format!(
            "\\*{:.1}% of its Korean tokens are its unknown token `[UNK]`",
            u.korean * 100.0
        )),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
