//! Reading a request body: bounded, UTF-8, then JSON into the endpoint's type.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Reads at most `max` bytes of `body` (`413` past it, without reading further), checks that
/// they are UTF-8 and parses them as `T`.
pub(crate) async fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<T, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is over the server's limit of {max} bytes"),
        )
    };
    // A declared length over the limit is refused before a byte is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    let bytes = Limited::new(body, max)
        .collect()
        .await
        .map_err(|e| {
            // Past the limit, or the client's stream broke.
            if e.is::<LengthLimitError>() {
                too_large()
            } else {
                ApiError::bad_request("invalid_request", format!("reading the body: {e}"))
            }
        })?
        .to_bytes();
    parse_json(&bytes)
}

/// Reads and discards what is left of a body that will not be used (a request answered
/// `401`, `404`, `405` or `503` before its body was read), so that the connection can carry
/// the client's next request and the client reads the answer: a server that closes a socket
/// with unread data in it sends a reset, which can destroy the answer before the client reads
/// it. At most `max` bytes are read, for at most `DRAIN_TIME`; past either, `false`: the
/// answer must then say `Connection: close` (the client sees it; the socket is closed after
/// the answer, not before). Nothing read is kept, so draining holds no memory.
pub(crate) async fn drain(body: Body, max: usize) -> bool {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut read = 0usize;
    let work = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                read += data.len();
                if read > max {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, work)
        .await
        .unwrap_or(false)
}

/// The most of an unused body that is drained (larger ones close the connection).
pub(crate) const DRAIN_MAX: usize = 1 << 20;

/// How long an unused body may take to arrive before its connection is closed instead.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// `resp` with `Connection: close` when the body it answers was not drained.
pub(crate) fn closing_unless(
    drained: bool,
    mut resp: axum::response::Response,
) -> axum::response::Response {
    if !drained {
        resp.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
    resp
}

/// Parses a complete body: UTF-8 first (its error names the byte offset), then JSON (its
/// error names line and column, or the field).
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ApiError::bad_request(
            "invalid_utf8",
            format!(
                "the request body is not UTF-8: invalid byte at offset {}",
                e.valid_up_to()
            ),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the request body is empty: expected a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Data => "invalid_request",
            _ => "invalid_json",
        };
        ApiError::bad_request(kind, format!("request body: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        text: String,
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = parse_json::<T>(b"{\"text\": \"a\xff\"}").unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                "invalid_utf8",
                "the request body is not UTF-8: invalid byte at offset 11"
            )
        );
        let e = parse_json::<T>(b"{\"text\": ").unwrap_err();
        assert_eq!(e.kind, "invalid_json");
        let e = parse_json::<T>(b"{}").unwrap_err();
        assert_eq!(e.kind, "invalid_request");
        assert!(e.message.contains("missing field `text`"), "{}", e.message);
        let e = parse_json::<T>(b"{\"text\": 3}").unwrap_err();
        assert_eq!(e.kind, "invalid_request");
        let e = parse_json::<T>(b"  ").unwrap_err();
        assert_eq!(e.kind, "invalid_json");
        let e = parse_json::<T>(b"{\"text\": \"\\ud800\"}").unwrap_err();
        assert_eq!(e.kind, "invalid_json", "{}", e.message);
    }
}
