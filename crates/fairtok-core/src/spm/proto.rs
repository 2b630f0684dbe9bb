//! The part of SentencePiece's `sentencepiece_model.proto` that encoding and decoding read,
//! and the trainer's rules for pieces that vocabulary extension follows (field numbers and
//! defaults as in that file; every other field is skipped by the decoder).
//! Fields are `Option`s so that "absent" takes the proto2 default named on each accessor.

/// `ModelProto`: the whole `.model` file.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ModelProto {
    /// The vocabulary, in id order.
    #[prost(message, repeated, tag = "1")]
    pub pieces: Vec<Piece>,
    /// How the model was trained (model type, byte fallback, special ids).
    #[prost(message, optional, tag = "2")]
    pub trainer_spec: Option<TrainerSpec>,
    /// How text is normalized before encoding.
    #[prost(message, optional, tag = "3")]
    pub normalizer_spec: Option<NormalizerSpec>,
    /// How decoded text is denormalized.
    #[prost(message, optional, tag = "5")]
    pub denormalizer_spec: Option<NormalizerSpec>,
}

/// `ModelProto.SentencePiece`: one vocabulary entry.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Piece {
    /// Its text (whitespace as U+2581).
    #[prost(string, optional, tag = "1")]
    pub piece: Option<String>,
    /// Its score: a log probability (Unigram) or the negated merge order (BPE).
    #[prost(float, optional, tag = "2")]
    pub score: Option<f32>,
    /// Its type ([`PieceType`], default `Normal`).
    #[prost(int32, optional, tag = "3")]
    pub kind: Option<i32>,
}

/// `ModelProto.SentencePiece.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PieceType {
    /// An ordinary piece.
    Normal,
    /// The unknown piece (exactly one).
    Unknown,
    /// A control symbol (`<s>`): never produced from text, decoded to nothing.
    Control,
    /// A user-defined symbol: always one piece where it appears in the text.
    UserDefined,
    /// Unused: never produced (a BPE merge through it is split back).
    Unused,
    /// A byte piece `<0xXX>` of byte fallback.
    Byte,
}

impl PieceType {
    /// The type of the protobuf value (`None` for a value the proto does not define).
    pub fn from_i32(v: i32) -> Option<PieceType> {
        Some(match v {
            1 => PieceType::Normal,
            2 => PieceType::Unknown,
            3 => PieceType::Control,
            4 => PieceType::UserDefined,
            5 => PieceType::Unused,
            6 => PieceType::Byte,
            _ => return None,
        })
    }
}

/// `TrainerSpec`: the fields that change how a trained model encodes.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TrainerSpec {
    /// `UNIGRAM` = 1 (default), `BPE` = 2, `WORD` = 3, `CHAR` = 4.
    #[prost(int32, optional, tag = "3")]
    pub model_type: Option<i32>,
    /// The number of pieces the model was trained to have (default 8000; not checked on load).
    #[prost(int32, optional, tag = "4")]
    pub vocab_size: Option<i32>,
    /// The longest piece the trainer makes, in characters (default 16).
    #[prost(int32, optional, tag = "20")]
    pub max_sentencepiece_length: Option<i32>,
    /// No piece mixes Unicode scripts (default true).
    #[prost(bool, optional, tag = "21")]
    pub split_by_unicode_script: Option<bool>,
    /// Whitespace only starts a piece (default true).
    #[prost(bool, optional, tag = "22")]
    pub split_by_whitespace: Option<bool>,
    /// Digits are a script of their own (default true).
    #[prost(bool, optional, tag = "23")]
    pub split_by_number: Option<bool>,
    /// Whitespace ends pieces instead of starting them (default false).
    #[prost(bool, optional, tag = "24")]
    pub treat_whitespace_as_suffix: Option<bool>,
    /// A digit is always a piece of its own (default false).
    #[prost(bool, optional, tag = "25")]
    pub split_digits: Option<bool>,
    /// Unknown characters become their UTF-8 byte pieces (default false).
    #[prost(bool, optional, tag = "35")]
    pub byte_fallback: Option<bool>,
    /// The id of `<s>`, or -1 (default 1).
    #[prost(int32, optional, tag = "41")]
    pub bos_id: Option<i32>,
    /// What decoding writes for the unknown piece (default " \u{2047} ").
    #[prost(string, optional, tag = "44")]
    pub unk_surface: Option<String>,
}

/// `NormalizerSpec`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct NormalizerSpec {
    /// The rule's name (`nmt_nfkc`, `identity`, ...), for messages only.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// The compiled rules (see [`crate::charsmap`]); empty: no replacement.
    #[prost(bytes = "vec", optional, tag = "2")]
    pub precompiled_charsmap: Option<Vec<u8>>,
    /// Prepend a whitespace to the text (default true).
    #[prost(bool, optional, tag = "3")]
    pub add_dummy_prefix: Option<bool>,
    /// Drop leading and trailing whitespace and collapse runs (default true).
    #[prost(bool, optional, tag = "4")]
    pub remove_extra_whitespaces: Option<bool>,
    /// Write whitespace as U+2581 (default true).
    #[prost(bool, optional, tag = "5")]
    pub escape_whitespaces: Option<bool>,
}
