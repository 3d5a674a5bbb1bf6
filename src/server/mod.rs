//! The HTTP layer (actix-web): thin handlers that parse the request, ask the shared snapshot,
//! and write the response. One module per OGC API part (landing, features, tiles, openapi)
//! and per family of other routes (analytics, plots, status, admin, web map), each importing
//! only the shared helpers (`http`, `layer`, `oas`, `cache`) and the parts below it, never a
//! part that imports it back.
//!
//! The snapshot ([`Served`]) is built once at start-up (and on reload) and shared immutably;
//! no handler reads a file.

mod admin;
mod analytics;
mod auth;
mod cache;
mod demand;
mod downloads;
mod encoding;
mod error;
mod features;
mod html;
mod http;
mod landing;
mod layer;
mod negotiation;
mod oas;
mod openapi;
mod plots;
mod processes;
pub mod query;
mod security;
mod state;
mod status;
mod stream;
mod tiles;
mod transactions;
pub mod webmap;

use std::net::SocketAddr;

use actix_web::{middleware, web, App, HttpServer};

pub use self::webmap::WebConfig;
pub use admin::AdminToken;

pub use error::ApiError;
pub use layer::{tile_selection, Selection};
pub use state::{
    AppState, ProcessLimits, Served, DEFAULT_CACHE_MB, DEFAULT_LOCATE_CONCURRENCY,
    DEFAULT_MAX_ROWS, DEFAULT_MAX_UPLOAD_MB,
};

/// Longest time a request may take before it is answered 503.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Registers every route on an actix `App`; used by `serve` and by the tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    landing::configure(cfg);
    openapi::configure(cfg);
    features::configure(cfg);
    downloads::configure(cfg);
    processes::configure(cfg);
    analytics::configure(cfg);
    demand::configure(cfg);
    plots::configure(cfg);
    tiles::configure(cfg);
    webmap::configure(cfg);
    status::configure(cfg);
    transactions::configure(cfg);
}

/// Wraps the routes with the service's middleware (CORS, security headers, request log, JSON
/// 404s). Bodies are compressed once per content by `http::send`, not per request.
/// Response headers a cross-origin script may read, in the order every replica sends them.
const EXPOSED_HEADERS: &str = "Content-Crs, ETag, Link, Location, Warning, X-Also-Changed";

pub fn app(
    state: web::Data<AppState>,
    web_config: web::Data<WebConfig>,
    admin: Option<AdminToken>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "HEAD", "OPTIONS", "POST"])
        .allow_any_header()
        .expose_headers(EXPOSED_HEADERS.split(", "))
        .max_age(3600);
    // The reload route exists with --admin-token or with an admin token in --tokens.
    let admin_routes = admin.is_some()
        || state
            .tokens
            .as_ref()
            .is_some_and(|t| t.has_role(crate::edit::Role::Admin));
    App::new()
        .app_data(state)
        .app_data(web_config)
        .app_data(web::Data::new(admin))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::bad_request(e.to_string()).into()),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _| ApiError::bad_request(e.to_string()).into()),
        )
        .wrap_fn(|req, srv| {
            // A request that runs past the limit is answered 503 so the client is not left
            // waiting; work already handed to the blocking pool finishes in the background.
            let fut = actix_web::dev::Service::call(srv, req);
            async move {
                match actix_web::rt::time::timeout(REQUEST_TIMEOUT, fut).await {
                    Ok(result) => result,
                    Err(_) => Err(ApiError::new(
                        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                        format!(
                            "the request took longer than {} s; ask for a smaller page or plot",
                            REQUEST_TIMEOUT.as_secs()
                        ),
                    )
                    .into()),
                }
            }
        })
        .wrap(security::default_headers())
        .wrap(cors)
        .wrap_fn(|req, srv| {
            // actix-cors lists the exposed headers from a hash set, in an order that differs
            // between processes: replicas must send the same bytes, so the list is rewritten
            // in one fixed order.
            let fut = actix_web::dev::Service::call(srv, req);
            async move {
                let mut res = fut.await?;
                let name = actix_web::http::header::ACCESS_CONTROL_EXPOSE_HEADERS;
                if res.headers().contains_key(&name) {
                    res.headers_mut().insert(
                        name,
                        actix_web::http::header::HeaderValue::from_static(EXPOSED_HEADERS),
                    );
                }
                Ok(res)
            }
        })
        .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
        .configure(configure)
        .configure(move |cfg| {
            if admin_routes {
                admin::configure(cfg);
            }
        })
        .default_service(web::to(error::not_found))
}

/// Runs the server until SIGINT/SIGTERM; SIGHUP reloads the data.
pub async fn serve(
    state: AppState,
    web_config: WebConfig,
    admin: Option<AdminToken>,
    bind: SocketAddr,
) -> std::io::Result<()> {
    let data = web::Data::new(state);
    let web_config = web::Data::new(web_config);
    tracing::info!("serving on http://{bind}/ (web map at /map)");
    #[cfg(unix)]
    {
        let data = data.clone();
        actix_web::rt::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                tracing::warn!("cannot listen for SIGHUP; reload with POST /admin/reload instead");
                return;
            };
            while hup.recv().await.is_some() {
                let d = data.clone();
                let old = d.snapshot().version.clone();
                match web::block(move || d.reload()).await {
                    Ok(Ok(new)) => {
                        tracing::info!("reloaded on SIGHUP: version {old} -> {}", new.version);
                    }
                    Ok(Err(e)) => {
                        tracing::error!(
                            "reload on SIGHUP failed, still serving version {old}: {e}"
                        );
                    }
                    Err(e) => tracing::error!("reload on SIGHUP failed: {e}"),
                }
            }
        });
    }
    HttpServer::new(move || app(data.clone(), web_config.clone(), admin.clone()))
        // Slow clients (slowloris) get 5 s to send their request head, then are dropped.
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(2))
        .bind(bind)?
        .shutdown_timeout(10)
        .run()
        .await
}
