//! The HTTP layer (actix-web): thin handlers that parse the request, ask the shared snapshot,
//! and write the response. One module per family of routes.
//!
//! The snapshot ([`Served`]) is built once at start-up (and on reload) and shared immutably;
//! no handler reads a file.

mod analytics;
mod error;
mod ogc;
mod openapi;
pub mod query;
mod state;
pub mod webmap;

use std::net::SocketAddr;

use actix_web::{middleware, web, App, HttpServer};

pub use self::webmap::WebConfig;

pub use error::ApiError;
pub use state::{AppState, Served};

/// Registers every route on an actix `App`; used by `serve` and by the tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ogc::configure(cfg);
    analytics::configure(cfg);
    webmap::configure(cfg);
}

/// Wraps the routes with the service's middleware (CORS, gzip, request log, JSON 404s).
pub fn app(
    state: web::Data<AppState>,
    web_config: web::Data<WebConfig>,
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
        .allowed_methods(["GET", "HEAD", "OPTIONS"])
        .allow_any_header()
        .expose_headers(["Content-Crs", "ETag", "Link", "Warning"])
        .max_age(3600);
    App::new()
        .app_data(state)
        .app_data(web_config)
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::bad_request(e.to_string()).into()),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _| ApiError::bad_request(e.to_string()).into()),
        )
        .wrap(middleware::Compress::default())
        .wrap(cors)
        .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
        .configure(configure)
        .default_service(web::to(error::not_found))
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn serve(
    state: AppState,
    web_config: WebConfig,
    bind: SocketAddr,
) -> std::io::Result<()> {
    let data = web::Data::new(state);
    let web_config = web::Data::new(web_config);
    tracing::info!("serving on http://{bind}/ (web map at /map)");
    HttpServer::new(move || app(data.clone(), web_config.clone()))
        .bind(bind)?
        .shutdown_timeout(10)
        .client_request_timeout(std::time::Duration::from_secs(10))
        .run()
        .await
}
