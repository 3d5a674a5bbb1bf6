//! `POST /admin/reload`: rebuild the atlas from its files and swap it in, guarded by a bearer
//! token given at start-up. Without a token the route does not exist.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{ApiError, AppState};

/// The token that guards the admin routes.
#[derive(Clone)]
pub struct AdminToken(pub String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/reload", web::post().to(reload));
}

/// Compares without stopping at the first differing byte, so timing does not reveal the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn reload(
    req: HttpRequest,
    token: web::Data<Option<AdminToken>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let by_admin_token = token
        .get_ref()
        .as_ref()
        .is_some_and(|t| same(given.as_bytes(), t.0.as_bytes()));
    // A token of --tokens: an admin may reload, an editor is told why not (403).
    let by_token_file = !by_admin_token
        && state.tokens.is_some()
        && super::auth::require(&req, &state, crate::edit::Role::Admin).is_ok();
    if !by_admin_token && !by_token_file {
        if state.tokens.is_some() {
            super::auth::require(&req, &state, crate::edit::Role::Admin)?;
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token (Authorization: Bearer TOKEN, as given with --admin-token)",
        ));
    }
    let old = state.snapshot().version.clone();
    let state2 = state.clone();
    let result = web::block(move || state2.reload()).await?;
    match result {
        Ok(new) => {
            tracing::info!(
                "reloaded via /admin/reload: version {old} -> {}",
                new.version
            );
            Ok(HttpResponse::Ok().json(json!({
                "reloaded": true,
                "previous_version": old,
                "version": new.version,
                "problems": new.atlas.problems.len(),
                "sites": new.atlas.sites.len(),
                "counties": new.atlas.counties.len(),
                "plants": new.atlas.plants.len(),
            })))
        }
        Err(e) => {
            tracing::error!("reload via /admin/reload failed, still serving version {old}: {e}");
            Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("reload failed, still serving version {old}: {e}"),
            )
            .caused_by(e))
        }
    }
}
