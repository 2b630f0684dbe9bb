//! The parallel sample bundled in the binary: FLORES-200 dev for eight languages (CC BY-SA 4.0,
//! see `assets/flores200-dev/README.md`).

use crate::corpus::ParallelCorpus;

/// `(FLORES code, text)` of every bundled language, Korean and English first.
pub const FLORES_DEV: &[(&str, &str)] = &[
    (
        "kor_Hang",
        include_str!("../assets/flores200-dev/kor_Hang.dev"),
    ),
    (
        "eng_Latn",
        include_str!("../assets/flores200-dev/eng_Latn.dev"),
    ),
    (
        "jpn_Jpan",
        include_str!("../assets/flores200-dev/jpn_Jpan.dev"),
    ),
    (
        "zho_Hans",
        include_str!("../assets/flores200-dev/zho_Hans.dev"),
    ),
    (
        "hin_Deva",
        include_str!("../assets/flores200-dev/hin_Deva.dev"),
    ),
    (
        "arb_Arab",
        include_str!("../assets/flores200-dev/arb_Arab.dev"),
    ),
    (
        "tha_Thai",
        include_str!("../assets/flores200-dev/tha_Thai.dev"),
    ),
    (
        "vie_Latn",
        include_str!("../assets/flores200-dev/vie_Latn.dev"),
    ),
];

/// The bundled sample as a parallel corpus.
pub fn flores_dev() -> ParallelCorpus {
    ParallelCorpus::from_texts(
        "FLORES-200 dev (bundled sample, CC BY-SA 4.0)",
        FLORES_DEV
            .iter()
            .map(|(l, t)| (l.to_string(), t.to_string())),
    )
    .expect("the bundled sample is aligned")
}
