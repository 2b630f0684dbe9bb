//! The API key: `Authorization: Bearer KEY` or `x-api-key: KEY` on every route but the
//! health check and the playground page (which holds no data; its calls carry the key).

use axum::http::{header, HeaderMap, StatusCode};

use crate::error::ApiError;

/// Reads the key: the file's content without surrounding whitespace; an empty key is refused.
pub(crate) fn read_key(path: &std::path::Path) -> Result<String, crate::Error> {
    let err = |reason: String| crate::Error::ApiKey {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let key = text.trim();
    if key.is_empty() {
        return Err(err("the file is empty".into()));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err("the key holds whitespace or a control character".into()));
    }
    Ok(key.to_owned())
}

/// Whether `path` needs the key.
pub(crate) fn guarded(path: &str) -> bool {
    !matches!(path, "/healthz" | "/" | "/index.html")
}

/// Checks the request's key against `key`, in time independent of where they differ.
pub(crate) fn check(headers: &HeaderMap, key: &str) -> Result<(), ApiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()));
    match given {
        Some(g) if same(g.trim().as_bytes(), key.as_bytes()) => Ok(()),
        Some(_) => Err(unauthorized("the API key is wrong")),
        None => Err(unauthorized(
            "an API key is required: send `Authorization: Bearer KEY` or `x-api-key: KEY`",
        )),
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Constant-time equality (the length is not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_from_either_header() {
        let mut h = HeaderMap::new();
        assert_eq!(
            check(&h, "k1").unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        h.insert(header::AUTHORIZATION, "Bearer k1".parse().unwrap());
        assert!(check(&h, "k1").is_ok());
        assert!(check(&h, "k2").is_err());
        let mut h = HeaderMap::new();
        h.insert("x-api-key", "k1".parse().unwrap());
        assert!(check(&h, "k1").is_ok());
        assert!(check(&h, "k12").is_err());
    }
}
