//! Request extractors that turn every client mistake into a problem+json answer naming the field:
//! JSON bodies ([`ApiJson`]), query strings ([`ApiQuery`]) and prefixed ids in paths ([`parse_id`]).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest accepted JSON body. Registrations and products are a few KiB; anything near this is
/// abuse.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON body parsed with field-precise errors.
pub struct ApiJson<T>(pub T);

fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(msg[start..start + len].to_string())
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Turns a serde_json error at `path` into a problem naming the field.
pub fn json_error(path: String, e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let msg = e.to_string();
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {msg}"))
                .field("body", "malformed_json", msg)
        }
        Category::Data => {
            let clean = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let (field, code) = if clean.starts_with("missing field") {
                (join(&path, &backticked(&clean).unwrap_or_default()), "required")
            } else if clean.starts_with("unknown field") || clean.starts_with("duplicate field") {
                // The path already ends in the offending key.
                let name = backticked(&clean).unwrap_or_default();
                let field =
                    if path == name || path.ends_with(&format!(".{name}")) { path.clone() } else { join(&path, &name) };
                (field, if clean.starts_with("unknown") { "unknown_field" } else { "duplicate_field" })
            } else if clean.starts_with("unknown variant") {
                (if path.is_empty() { "body".into() } else { path.clone() }, "unknown_value")
            } else {
                (if path.is_empty() || path == "." { "body".into() } else { path.clone() }, "invalid_type")
            };
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", format!("{field}: {clean}"))
                .field(field, code, clean)
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        // An empty body means "no fields": `POST …/verify` with nothing approves, like `{}`.
        let declared_empty =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_none_or(|l| l == "0");
        if !json_type && !declared_empty {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            )
            .field("content-type", "unsupported_media_type", "expected application/json"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("the body exceeds {MAX_BODY_BYTES} bytes"),
                )
                .field("body", "too_large", format!("at most {MAX_BODY_BYTES} bytes"))
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", rej.body_text())
            }
        })?;
        // Every request body is an object; parsing to a tree first refuses arrays, which serde's
        // derived structs would otherwise accept positionally.
        if !json_type && !bytes.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            )
            .field("content-type", "unsupported_media_type", "expected application/json"));
        }
        let bytes = if bytes.is_empty() { Bytes::from_static(b"{}") } else { bytes };
        let tree: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| json_error(String::new(), e))?;
        if let Some(path) = duplicate_key(&bytes) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{path}: the key is given twice"),
            )
            .field(path, "duplicate_field", "a key may appear once in an object"));
        }
        if let Some(path) = nul_in(&tree, String::new()) {
            return Err(ApiError::invalid(&path, "control_characters", "text may not contain NUL characters"));
        }
        if !tree.is_object() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the body must be a JSON object",
            )
            .field("body", "invalid_type", "expected a JSON object"));
        }
        let value: T = serde_path_to_error::deserialize(tree).map_err(|e| {
            let path = e.path().to_string();
            json_error(path, e.into_inner())
        })?;
        Ok(ApiJson(value))
    }
}

/// The path of the first key given twice in one object, if any. A parsed tree keeps the last of
/// two (`{"amount":5,"amount":6}` would move 6), so the raw body is walked once more to refuse
/// what the sender cannot have meant unambiguously. Called on a body that already parsed.
fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    struct Walk<'a>(&'a str);
    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while seq.next_element_seed(Walk(&format!("{}[{i}]", self.0)))?.is_some() {
                i += 1;
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = map.next_key::<String>()? {
                let path = join(self.0, &k);
                if !seen.insert(k) {
                    return Err(A::Error::custom(format!("\u{0}{path}")));
                }
                map.next_value_seed(Walk(&path))?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Walk("").deserialize(&mut de) {
        Ok(()) => None,
        // The marker keeps a duplicate apart from any other error (there are none on a body that
        // parsed, but a walk is no place to guess).
        Err(e) => e.to_string().strip_prefix('\u{0}').map(|m| m.split(" at line ").next().unwrap_or(m).to_string()),
    }
}

/// The path of the first string (key or value) containing a NUL character, if any. NUL is never
/// meaningful text and PostgreSQL cannot store it, so it is refused at the door.
fn nul_in(v: &serde_json::Value, path: String) -> Option<String> {
    match v {
        serde_json::Value::String(s) => s.contains('\0').then_some(if path.is_empty() { "body".into() } else { path }),
        serde_json::Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| nul_in(x, format!("{path}[{i}]"))),
        serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
            let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            if k.contains('\0') {
                Some(p)
            } else {
                nul_in(x, p)
            }
        }),
        _ => None,
    }
}

/// A query string parsed with field-precise errors.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        if let Some((k, _)) = form_urlencoded::parse(q.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "query parameters may not contain NUL characters",
            )
            .field(k.replace('\0', ""), "control_characters", "NUL is not allowed"));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            let field = backticked(&msg).filter(|_| path == "." || path.is_empty()).unwrap_or(path);
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("{field}: {msg}")).field(
                field,
                "invalid_query",
                msg,
            )
        })
    }
}

/// Parses a prefixed id from the path or query, answering 400 naming `field` on failure.
pub fn parse_id<T: std::str::FromStr<Err = clearcast_domain::ids::IdError>>(
    field: &str,
    s: &str,
) -> Result<T, ApiError> {
    s.parse::<T>().map_err(|e| ApiError::bad_id(field, e))
}

/// Pagination parameters shared by every list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

impl PageQuery {
    /// As a store page request.
    pub fn request(&self) -> Result<clearcast_store::PageRequest, ApiError> {
        if let Some(c) = &self.cursor {
            let well_formed = c.len() == 36
                && c.as_bytes()[3] == b'_'
                && c[..3].bytes().all(|b| b.is_ascii_lowercase())
                && c[4..].bytes().all(|b| b.is_ascii_hexdigit());
            if !well_formed {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "cursor must be a next_cursor this API returned",
                )
                .field("cursor", "malformed_cursor", "use the next_cursor of the previous page"));
            }
        }
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "limit must be 1-200").field(
                "limit",
                "out_of_range",
                "limit must be 1-200",
            ));
        }
        Ok(clearcast_store::PageRequest { after: self.cursor.clone(), limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_found_with_its_path() {
        assert_eq!(duplicate_key(br#"{"party_id":"mer_1","amount":5,"amount":6}"#).as_deref(), Some("amount"));
        assert_eq!(duplicate_key(br#"{"shipping":{"name":"a","name":"b"}}"#).as_deref(), Some("shipping.name"));
        assert_eq!(
            duplicate_key(br#"{"transfers":[{"id":"a"},{"id":"b","amount":1,"amount":1}]}"#).as_deref(),
            Some("transfers[1].amount")
        );
        assert_eq!(duplicate_key(br#"{"a":{"x":1},"b":{"x":1},"c":[1,1,"x"]}"#), None);
    }
}
