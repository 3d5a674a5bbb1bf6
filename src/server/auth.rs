//! Bearer tokens on the write and admin routes: 401 without a valid token, 403 for a token
//! whose role is too low. The tokens come from `--tokens FILE` (and `--admin-token`).

use actix_web::http::{header, StatusCode};
use actix_web::HttpRequest;

use super::{ApiError, AppState};
use crate::edit::Role;

/// Who is asking: the token's name, recorded as the author of a change.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
}

/// The caller of `req`, when it presents a token of at least `role`.
pub fn require(req: &HttpRequest, state: &AppState, role: Role) -> Result<Caller, ApiError> {
    let Some(tokens) = &state.tokens else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no tokens are configured on this server (start it with --tokens FILE)",
        ));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let Some((name, has)) = (!given.is_empty()).then(|| tokens.check(given)).flatten() else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or unknown bearer token (send Authorization: Bearer TOKEN; `compute-atlas token NAME ROLE --tokens FILE` makes one)",
        ));
    };
    if has < role {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "token `{name}` has the role {}; this needs {}",
                has.as_str(),
                role.as_str()
            ),
        ));
    }
    Ok(Caller { name })
}
