//! Builds the router: every API route with its OpenAPI description, the OpenAPI document itself,
//! health and metrics, and the layers every request passes (body limit, timeout, panic guard,
//! security headers, tracing, metrics).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{
    accounts, anchors, audit, changes, chat, complaints, compliance, decisions, eligibility, feed, health, ledger,
    live, notices, orders, parties, payouts, penalties, products, reports, reputation, reviews, roster, scripts, shows,
    speech,
};
use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;
use crate::state::AppState;

/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(title = "clearcast", description = "Quality-first live commerce: parties, goods and the selling threshold (Order 117)."),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The process-wide Prometheus recorder (installed once; every app in the process shares it).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = match PrometheusBuilder::new().install_recorder() {
            Ok(h) => h,
            // Another recorder is already installed (a test harness); keep a private one.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        };
        metrics::describe_counter!("http_requests_total", "HTTP requests by method, route and status");
        metrics::describe_histogram!("http_request_duration_seconds", "HTTP request latency by method and route");
        handle
    })
}

async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let path =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "path" => path)
        .record(start.elapsed().as_secs_f64());
    res
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

/// The full API router with its OpenAPI document.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::metrics))
        .routes(routes!(health::ping))
        .routes(routes!(accounts::sign_up))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::login, accounts::logout))
        .routes(routes!(parties::merchants::create, parties::merchants::list))
        .routes(routes!(parties::merchants::get))
        .routes(routes!(parties::merchants::verify))
        .routes(routes!(parties::goods_owners::create, parties::goods_owners::list))
        .routes(routes!(parties::goods_owners::get))
        .routes(routes!(parties::goods_owners::verify))
        .routes(routes!(parties::room_operators::create, parties::room_operators::list))
        .routes(routes!(parties::room_operators::get))
        .routes(routes!(parties::room_operators::verify))
        .routes(routes!(parties::agencies::create, parties::agencies::list))
        .routes(routes!(parties::agencies::get))
        .routes(routes!(parties::agencies::verify))
        .routes(routes!(roster::add, roster::list))
        .routes(routes!(roster::confirm))
        .routes(routes!(anchors::create, anchors::list))
        .routes(routes!(anchors::get))
        .routes(routes!(anchors::verify))
        .routes(routes!(anchors::add_training, anchors::list_training))
        .routes(routes!(anchors::blacklist))
        .routes(routes!(products::create, products::list))
        .routes(routes!(products::get))
        .routes(routes!(products::add_qualification, products::list_qualifications))
        .routes(routes!(products::verify_qualification))
        .routes(routes!(products::add_inspection, products::list_inspections))
        .routes(routes!(products::verify_inspection))
        .routes(routes!(eligibility::get))
        .routes(routes!(shows::create, shows::list))
        .routes(routes!(shows::get))
        .routes(routes!(shows::add_lineup, shows::list_lineup))
        .routes(routes!(shows::start))
        .routes(routes!(speech::transcript))
        .routes(routes!(chat::post, chat::list))
        .routes(routes!(chat::patrol_alerts))
        .routes(routes!(notices::create, notices::list))
        .routes(routes!(notices::act))
        .routes(routes!(notices::measures_report))
        .routes(routes!(compliance::scan))
        .routes(routes!(compliance::rules))
        .routes(routes!(compliance::reload))
        .routes(routes!(penalties::list_violations))
        .routes(routes!(penalties::decide_violation))
        .routes(routes!(penalties::list_measures))
        .routes(routes!(penalties::get_measure))
        .routes(routes!(penalties::appeal))
        .routes(routes!(penalties::decide_appeal))
        .routes(routes!(shows::pin))
        .routes(routes!(shows::end))
        .routes(routes!(scripts::revise))
        .routes(routes!(shows::suspend))
        .routes(routes!(shows::follow, shows::unfollow))
        .routes(routes!(orders::place, orders::list))
        .routes(routes!(orders::get))
        .routes(routes!(orders::pay))
        .routes(routes!(orders::ship))
        .routes(routes!(orders::deliver))
        .routes(routes!(orders::confirm))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::dispute_packet))
        .routes(routes!(orders::post_message, orders::messages))
        .routes(routes!(orders::request_return))
        .routes(routes!(orders::decide_return))
        .routes(routes!(reviews::create, reviews::get))
        .routes(routes!(reviews::follow_up))
        .routes(routes!(reviews::reply))
        .routes(routes!(reviews::for_product))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::records))
        .routes(routes!(reports::identity_report))
        .routes(routes!(reports::key_rooms))
        .routes(routes!(reports::room_tier))
        .routes(routes!(changes::report, changes::list))
        .routes(routes!(changes::verify))
        .routes(routes!(feed::feed))
        .routes(routes!(feed::explain))
        .routes(routes!(feed::policy))
        .routes(routes!(feed::reload))
        .routes(routes!(feed::view))
        .routes(routes!(feed::like))
        .routes(routes!(reputation::anchor))
        .routes(routes!(reputation::product))
        .routes(routes!(reputation::merchant))
        .routes(routes!(reputation::room_operator))
        .routes(routes!(ledger::transfers))
        .routes(routes!(ledger::trial_balance))
        .routes(routes!(ledger::statement))
        .routes(routes!(ledger::deposit))
        .routes(routes!(payouts::payout))
        .routes(routes!(live::ticket))
        .routes(routes!(live::channel))
        .routes(routes!(live::notice))
        .routes(routes!(complaints::file, complaints::list))
        .routes(routes!(complaints::get))
        .routes(routes!(complaints::respond))
        .routes(routes!(complaints::review))
        .routes(routes!(decisions::adjudicate))
        .routes(routes!(decisions::appeal))
        .routes(routes!(reports::complaints))
        .split_for_parts()
}

/// The application: routes, OpenAPI at `/api/v1/openapi.json`, and the layers.
pub fn build(state: AppState) -> Router {
    metrics_handle();
    let (router, openapi) = api_router();
    let openapi = std::sync::Arc::new(openapi);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(crate::pages::router())
        .route_layer(middleware::from_fn(track))
        .fallback(crate::pages::not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this method is not allowed on this path",
            )
        })
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
}
