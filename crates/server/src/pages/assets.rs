//! The pages' static files, embedded in the binary (no build step, nothing to install).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ("console.js", "text/javascript; charset=utf-8", include_str!("assets/console.js")),
    ("live.js", "text/javascript; charset=utf-8", include_str!("assets/live.js")),
    ("poster.svg", "image/svg+xml", include_str!("assets/poster.svg")),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
];

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
                // Short: a new binary brings new files under the same names.
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
            ],
            *body,
        )
            .into_response(),
        None => ApiError::not_found("asset").into_response(),
    }
}

/// `GET /favicon.ico`: browsers ask for it whatever the page links; they get the SVG icon.
pub async fn favicon() -> Response {
    serve(Path("icon.svg".to_string())).await
}
