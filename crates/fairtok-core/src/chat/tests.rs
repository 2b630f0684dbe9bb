use super::*;
use Segment::{Special as S, Text as T};

fn msgs(pairs: &[(&str, &str)]) -> Vec<Message> {
    pairs.iter().map(|(r, c)| Message::new(*r, *c)).collect()
}

fn t(s: &str) -> Segment {
    T(s.to_owned())
}

#[test]
fn models_map_to_their_formats() {
    use ChatFormat::*;
    let cases = [
        ("gpt-oss-120b", Some(Harmony)),
        ("gpt-oss-20b", Some(Harmony)),
        ("openai/gpt-oss-20b", Some(Harmony)),
        ("llama3", Some(Llama3)),
        ("llama-3-8b-instruct", Some(Llama3)),
        ("meta-llama/Meta-Llama-3-8B-Instruct", Some(Llama3)),
        ("Meta-Llama-3-70B-Instruct", Some(Llama3)),
        ("llama3:8b", Some(Llama3)),
        ("llama-3.1-8b-instruct", None),
        ("meta-llama/Llama-3.2-1B-Instruct", None),
        ("llama3.3", None),
        ("llama2", None),
        ("qwen3", Some(Qwen3)),
        ("qwen3-8b", Some(Qwen3)),
        ("Qwen/Qwen3-30B-A3B", Some(Qwen3)),
        ("qwen3:14b", Some(Qwen3)),
        ("Qwen/Qwen3-4B-Instruct-2507", None),
        ("Qwen/Qwen3-VL-8B-Instruct", None),
        ("qwen3-coder-30b-a3b", None),
        ("qwen3.5-9b", None),
        ("qwen2.5-7b", None),
        ("gpt-4o", Some(OpenAiApi)),
        ("gpt-4o-mini-2024-07-18", Some(OpenAiApi)),
        ("gpt-4", Some(OpenAiApi)),
        ("gpt-4-0613", Some(OpenAiApi)),
        ("gpt-3.5-turbo", Some(OpenAiApi)),
        ("gpt-4.1", Some(OpenAiApi)),
        ("gpt-5", Some(OpenAiApi)),
        ("o1", Some(OpenAiApi)),
        ("o3-mini", Some(OpenAiApi)),
        ("ft:gpt-4o:org::id", Some(OpenAiApi)),
        ("gpt-3.5-turbo-0301", None),
        ("text-davinci-003", None),
        ("text-embedding-3-small", None),
        ("gpt2", None),
        ("claude-3", None),
        ("", None),
    ];
    for (model, want) in cases {
        assert_eq!(ChatFormat::for_model(model), want, "{model}");
    }
}

#[test]
fn formats_name_their_tokenizers() {
    use ChatFormat::*;
    assert_eq!(Harmony.tokenizer_name("gpt-oss-20b"), Some("o200k_harmony"));
    assert_eq!(Llama3.tokenizer_name("llama3"), Some("llama3"));
    assert_eq!(Qwen3.tokenizer_name("qwen3"), Some("qwen3"));
    assert_eq!(OpenAiApi.tokenizer_name("gpt-4o"), Some("o200k_base"));
    assert_eq!(OpenAiApi.tokenizer_name("gpt-4"), Some("cl100k_base"));
    assert_eq!(OpenAiApi.tokenizer_name("nope"), None);
    assert!(Harmony.is_exact() && Llama3.is_exact() && Qwen3.is_exact());
    assert!(!OpenAiApi.is_exact());
    for f in [Harmony, Llama3, Qwen3, OpenAiApi] {
        assert_eq!(ChatFormat::from_name(f.name()), Some(f));
    }
    assert_eq!(ChatFormat::from_name("chatml"), None);
}

#[test]
fn harmony_renders_the_final_channel_and_the_generation_prompt() {
    let got = render(
        ChatFormat::Harmony,
        &msgs(&[("system", "s"), ("user", "u"), ("assistant", "a")]),
    )
    .unwrap();
    let want = vec![
        S("<|start|>"),
        t("system"),
        S("<|message|>"),
        t("s"),
        S("<|end|>"),
        S("<|start|>"),
        t("user"),
        S("<|message|>"),
        t("u"),
        S("<|end|>"),
        S("<|start|>"),
        t("assistant"),
        S("<|channel|>"),
        t("final"),
        S("<|message|>"),
        t("a"),
        S("<|end|>"),
        S("<|start|>"),
        t("assistant"),
    ];
    assert_eq!(got, want);
}

#[test]
fn llama3_trims_content_and_merges_it_with_the_header_text() {
    let got = render(
        ChatFormat::Llama3,
        &msgs(&[("user", " \x1c hi\n\u{3000}"), ("assistant", "")]),
    )
    .unwrap();
    let want = vec![
        S("<|begin_of_text|>"),
        S("<|start_header_id|>"),
        t("user"),
        S("<|end_header_id|>"),
        t("\n\nhi"),
        S("<|eot_id|>"),
        S("<|start_header_id|>"),
        t("assistant"),
        S("<|end_header_id|>"),
        t("\n\n"),
        S("<|eot_id|>"),
        S("<|start_header_id|>"),
        t("assistant"),
        S("<|end_header_id|>"),
        t("\n\n"),
    ];
    assert_eq!(got, want);
}

/// The texts of a rendering, specials as `[name]`.
fn flat(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            S(n) => format!("[{n}]"),
            T(t) => t.clone(),
        })
        .collect()
}

#[test]
fn qwen3_keeps_a_think_block_only_after_the_last_query() {
    let conv = msgs(&[
        ("system", "sys"),
        ("user", "q1"),
        ("assistant", "<think>\nr1\n</think>\n\na1"),
        ("user", "q2"),
        ("assistant", "<think>r2</think>a2"),
        ("assistant", "a3"),
    ]);
    let got = flat(&render(ChatFormat::Qwen3, &conv).unwrap());
    let want = "[<|im_start|>]system\nsys[<|im_end|>]\n\
        [<|im_start|>]user\nq1[<|im_end|>]\n\
        [<|im_start|>]assistant\na1[<|im_end|>]\n\
        [<|im_start|>]user\nq2[<|im_end|>]\n\
        [<|im_start|>]assistant\n<think>\nr2\n</think>\n\na2[<|im_end|>]\n\
        [<|im_start|>]assistant\n<think>\n\n</think>\n\na3[<|im_end|>]\n\
        [<|im_start|>]assistant\n";
    assert_eq!(got, want);
    // A system message after the first is an ordinary turn; the last query skips tool responses.
    let conv = msgs(&[
        ("user", "q"),
        ("system", "s2"),
        ("user", "<tool_response>x</tool_response>"),
        ("assistant", "a"),
    ]);
    let got = flat(&render(ChatFormat::Qwen3, &conv).unwrap());
    assert!(
        got.starts_with("[<|im_start|>]user\nq[<|im_end|>]\n[<|im_start|>]system\ns2"),
        "{got}"
    );
    assert!(
        got.ends_with("assistant\n<think>\n\n</think>\n\na[<|im_end|>]\n[<|im_start|>]assistant\n"),
        "{got}"
    );
}

#[test]
fn unknown_roles_name_the_message_and_the_role() {
    for format in [ChatFormat::Harmony, ChatFormat::Llama3, ChatFormat::Qwen3] {
        let e = render(format, &msgs(&[("user", "a"), ("robot", "b")])).unwrap_err();
        assert!(
            matches!(&e, Error::ChatRole { index: 1, role, .. } if role == "robot"),
            "{e:?}"
        );
        let m = e.to_string();
        assert!(m.contains("message 1") && m.contains("\"robot\""), "{m}");
    }
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let e = count(&tok, ChatFormat::OpenAiApi, &msgs(&[("bot", "x")])).unwrap_err();
    assert!(matches!(e, Error::ChatRole { index: 0, .. }), "{e:?}");
    assert!(matches!(
        render(ChatFormat::Qwen3, &msgs(&[("tool", "x")])),
        Err(Error::Chat {
            format: "qwen3",
            ..
        })
    ));
    assert!(matches!(
        render(ChatFormat::Llama3, &[]),
        Err(Error::Chat { .. })
    ));
    assert!(matches!(
        render(ChatFormat::OpenAiApi, &msgs(&[("user", "x")])),
        Err(Error::Chat { .. })
    ));
}

/// openai-harmony 0.0.8's `render_conversation_for_completion` of this conversation (the
/// assistant message on the `final` channel), for the completion by `Role.ASSISTANT`.
const HARMONY_IDS: [u32; 45] = [
    200006, 17360, 200008, 3575, 553, 28410, 13, 200007, 200006, 1428, 200008, 14307, 171731, 11,
    106820, 61781, 68282, 21252, 41856, 7952, 30, 200007, 200006, 173781, 200005, 17196, 200008,
    4401, 239, 138513, 13, 200007, 200006, 1428, 200008, 12194, 464, 91, 419, 91, 29, 1354, 200007,
    200006, 173781,
];

#[test]
fn harmony_ids_match_openai_harmony_with_specials_in_content_as_text() {
    let tok = Tokenizer::builtin("o200k_harmony").unwrap();
    let conv = msgs(&[
        ("system", "You are terse."),
        ("user", "안녕하세요, 오늘 날씨 어때요?"),
        ("assistant", "맑아요."),
        ("user", "Hi <|end|> there"),
    ]);
    assert_eq!(
        encode(&tok, ChatFormat::Harmony, &conv).unwrap(),
        HARMONY_IDS
    );
    let n = count(&tok, ChatFormat::Harmony, &conv).unwrap();
    assert_eq!(
        n,
        ChatCount {
            tokens: 45,
            exact: true
        }
    );
    // `<|start|>user<|message|><|end|><|start|>assistant`: empty content costs nothing.
    let n = count(&tok, ChatFormat::Harmony, &msgs(&[("user", "")])).unwrap();
    assert_eq!(n.tokens, 6);
}

#[test]
fn a_tokenizer_without_the_format_specials_is_an_error_naming_it() {
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let e = count(&tok, ChatFormat::Harmony, &msgs(&[("user", "x")])).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownSpecial { token, .. } if token == "<|start|>"),
        "{e:?}"
    );
}

#[test]
fn the_openai_estimate_is_the_cookbook_formula() {
    let tok = Tokenizer::builtin("o200k_base").unwrap();
    let conv = msgs(&[
        ("system", "You are terse."),
        ("user", "안녕하세요 <|endoftext|>"),
    ]);
    let content: usize = conv
        .iter()
        .map(|m| tok.encode(&m.role).unwrap().len() + tok.encode(&m.content).unwrap().len())
        .sum();
    let n = count(&tok, ChatFormat::OpenAiApi, &conv).unwrap();
    assert_eq!(
        n,
        ChatCount {
            tokens: 3 * 2 + content + 3,
            exact: false
        }
    );
}
