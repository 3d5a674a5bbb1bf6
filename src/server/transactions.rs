//! OGC API - Features Part 4 (Create, Replace, Update, Delete) on the `sites` collection, and
//! the history of the edits (`/collections/sites/items/{id}/history`, `/changes`).
//!
//! A write is: check the token, read and validate the feature (the rules of `sites.csv`, the
//! county from the point, the whole table still valid), commit the change to the store, then
//! wait until a snapshot holding it is swapped in, then answer. Checks and commits are
//! serialised on the edit lock, which also makes `If-Match` exact: of concurrent writes with
//! the same tag, one wins. The rebuild runs after the lock is released, and one rebuild serves
//! every write committed while the one before it ran ([`AppState::settle`]).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::auth::{self, Caller};
use super::http::{base_url, link, GEOJSON, JSON};
use super::oas::Paths;
use super::{ApiError, AppState};
use crate::edit::{
    check_record, feature_of_record, links, merge_patch, read_feature, EditState, FieldError, Role,
};
use crate::load::SiteRecord;
use crate::store::NewChange;

/// The one collection that can be written.
const WRITABLE: &str = "sites";
/// Largest body accepted.
pub const MAX_BODY: usize = 256 * 1024;

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections/{id}/items", web::post().to(create))
        .route("/collections/{id}/items/{fid}", web::put().to(replace))
        .route("/collections/{id}/items/{fid}", web::patch().to(update))
        .route("/collections/{id}/items/{fid}", web::delete().to(retire))
        .route(
            "/collections/{id}/items/{fid}/history",
            web::get().to(history),
        )
        .route("/changes", web::get().to(changes));
}

/// The landing page's link to the feed of changes.
pub fn links(base: &str) -> Vec<Value> {
    vec![link(
        format!("{base}/changes"),
        "http://www.opengis.net/def/rel/ogc/1.0/changes",
        JSON,
        "Changes to the sites, oldest first (?since=N for those after change N)",
    )]
}

/// The write routes and the history in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    let problem = json!({"description": "Error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}});
    let feature_body = json!({"required": true, "content": {
        "application/geo+json": {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}}}});
    let if_match = json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string"}, "description": "The ETag of the version being changed"});
    let fid =
        json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}});
    let also = json!({"X-Also-Changed": {"description": "The ids of the other sites this write changed, comma-separated: `overlaps_with` links are kept on both rows, so a write that adds or removes a link (or retires a linked site) also adds or removes the back-link in each partner's `overlaps_with`, as a change of its own (same author, in the same transaction; see /changes). Absent when no other site changed.", "schema": {"type": "string"}}});
    let errors = |ok: (&str, &str)| {
        let mut r = serde_json::Map::new();
        r.insert(ok.0.into(), json!({"description": ok.1, "headers": also}));
        for code in [
            "400", "401", "403", "404", "405", "409", "412", "413", "415", "428", "503",
        ] {
            r.insert(code.into(), problem.clone());
        }
        Value::Object(r)
    };
    let items = paths
        .entry("/collections/sites/items".to_string())
        .or_insert_with(|| json!({}));
    items["post"] = json!({"summary": "Add a site (a GeoJSON Feature with the CSV's properties and at least one source URL); bearer token of an editor", "operationId": "createSite", "security": [{"bearer": []}], "requestBody": feature_body, "responses": errors(("201", "Created; Location names the new feature"))});
    let item = paths
        .entry("/collections/sites/items/{featureId}".to_string())
        .or_insert_with(|| json!({}));
    item["put"] = json!({"summary": "Replace a site", "operationId": "replaceSite", "security": [{"bearer": []}], "parameters": [fid, if_match], "requestBody": feature_body, "responses": errors(("200", "Replaced"))});
    item["patch"] = json!({"summary": "Change some properties of a site (JSON merge patch, RFC 7396)", "operationId": "updateSite", "security": [{"bearer": []}], "parameters": [fid, if_match], "requestBody": {"required": true, "content": {"application/merge-patch+json": {"schema": {"type": "object"}}}}, "responses": errors(("200", "Updated"))});
    item["delete"] = json!({"summary": "Retire a site (a later GET answers 410)", "operationId": "retireSite", "security": [{"bearer": []}], "parameters": [fid, if_match], "responses": errors(("204", "Retired"))});
    paths.insert(
        "/collections/sites/items/{featureId}/history".into(),
        json!({"get": {"summary": "The changes of a site: version, author, time, comment, the fields changed", "operationId": "siteHistory", "parameters": [fid], "responses": {"200": {"description": "History"}, "404": problem}}}),
    );
    paths.insert(
        "/changes".into(),
        json!({"get": {"summary": "Changes to the sites after change `since`, oldest first", "operationId": "getChanges", "parameters": [{"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}}], "responses": {"200": {"description": "Changes"}, "400": problem}}}),
    );
}

/// The edits and the caller of a write, or why there is none.
fn writer(
    req: &HttpRequest,
    state: &AppState,
    collection: &str,
) -> Result<(std::sync::Arc<crate::edit::Edits>, Caller), ApiError> {
    if collection != WRITABLE {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("collection `{collection}` is read-only; only `{WRITABLE}` can be written"),
        ));
    }
    let (Some(edits), Some(_)) = (&state.edits, &state.tokens) else {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "this server is read-only: writes need --store FILE and --tokens FILE at start-up",
        ));
    };
    let caller = auth::require(req, state, Role::Editor)?;
    Ok((edits.clone(), caller))
}

fn body_json(req: &HttpRequest, body: &[u8], merge: bool) -> Result<Value, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let allowed: &[&str] = if merge {
        &["application/merge-patch+json", "application/json"]
    } else {
        &["application/geo+json", "application/json"]
    };
    if !allowed.contains(&ct.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {ct:?} not accepted; send {}",
                allowed.join(" or ")
            ),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))
}

fn invalid(errors: &[FieldError]) -> ApiError {
    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
    ApiError::bad_request(format!("the feature was not accepted: {}", list.join("; ")))
}

/// Reads the body, refusing more than [`MAX_BODY`] bytes (413) before reading it all.
async fn read_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(ApiError::bad_request(format!("reading the body: {e}"))),
        Err(_) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a feature body may be at most {MAX_BODY} bytes"),
        )),
    }
}

/// The `If-Match` header's value.
fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The `If-Match` check of PUT, PATCH and DELETE: 428 without one, 412 when stale.
fn check_if_match(given: Option<&str>, current: &str) -> Result<(), ApiError> {
    let Some(given) = given else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "send If-Match with the ETag of the version you are changing (GET the feature for it)",
        ));
    };
    let hit = given
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current);
    if hit {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("the feature changed since that version: its ETag is now {current}; GET it again and reapply your change"),
        ))
    }
}

fn comment(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("X-Change-Comment")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().chars().take(2000).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// What a commit did: the primary feature's warnings and new ETag, the other sites changed
/// with it (their `overlaps_with` back-links), and the number of its last change (to
/// [`settle`], without the edit lock).
struct Committed {
    warnings: Vec<FieldError>,
    etag: Option<String>,
    also: Vec<String>,
    seq: i64,
}

/// Validates `record` as the new version of `id` (`None`: a retirement), works out the other
/// rows whose back-links it changes ([`links::back_links`]), and commits all of those changes
/// to the store in one transaction and then to the edit state, or none of them.
fn commit(
    state: &AppState,
    edits: &crate::edit::Edits,
    st: &mut EditState,
    id: &str,
    record: Option<(SiteRecord, Vec<FieldError>)>,
    author: &str,
    comment: Option<String>,
) -> Result<Committed, ApiError> {
    let served = state.snapshot();
    let mut warnings = Vec::new();
    // The shape's errors and the rules' errors are reported together.
    let record = match record {
        None => None,
        Some((mut r, mut errors)) => {
            match check_record(&mut r, &served.atlas) {
                Ok(w) => warnings = w,
                Err(e) => errors.extend(e),
            }
            if !errors.is_empty() {
                return Err(invalid(&errors));
            }
            Some(r)
        }
    };
    // The other rows are taken as they are now, under the edit lock: no If-Match of theirs
    // is needed, as nothing else can change them before this commits.
    let also = links::back_links(&st.records, id, record.as_ref());
    let mut writes = vec![(id.to_string(), record)];
    writes.extend(also.into_iter().map(|r| (r.id().to_string(), Some(r))));
    let new_errors = st.new_errors(&st.with_writes(&writes));
    if !new_errors.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "the change would leave the table with errors: {}",
                new_errors.join("; ")
            ),
        ));
    }
    let new_change = |(fid, r): &(String, Option<SiteRecord>), comment: Option<String>| NewChange {
        feature_id: fid.clone(),
        author: author.to_string(),
        comment,
        before: st.position(fid).map(|i| st.records[i].to_json()),
        after: r.as_ref().map(SiteRecord::to_json),
    };
    let first = new_change(&writes[0], comment.clone());
    let changes = edits
        .store
        .append_all(first, |seq| {
            let why = |w| new_change(w, Some(links::note(comment.as_deref(), seq, id)));
            writes[1..].iter().map(why).collect()
        })
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the change could not be stored, nothing was changed: {e}"),
            )
            .caused_by(e)
        })?;
    let also = writes[1..].iter().map(|(fid, _)| fid.clone()).collect();
    for (change, (_, mut record)) in changes.iter().zip(writes) {
        if let Some(r) = record.as_mut() {
            r.origin = format!("{} change {}", edits.store.path().display(), change.seq);
        }
        st.apply(change, record);
    }
    Ok(Committed {
        warnings,
        etag: st.etag(id),
        also,
        seq: changes.last().expect("the primary change").seq,
    })
}

/// After a commit, with the edit lock released: waits until the served snapshot holds change
/// `seq` (see [`AppState::settle`]), so that the answer comes when every read shows the write.
fn settle(state: &AppState, edits: &crate::edit::Edits, seq: i64) -> Result<(), ApiError> {
    // The change is durable already; a failed rebuild leaves the old snapshot served until
    // the next write or reload, and says so.
    state.settle(edits, seq).map_err(|e| {
        tracing::error!("change {seq} stored but the atlas did not rebuild: {e}");
        ApiError::internal(format!(
            "change {seq} was stored but the atlas could not be rebuilt: {e}"
        ))
    })
}

/// The header listing the other sites a write changed (their `overlaps_with` back-links).
pub const ALSO_CHANGED: &str = "X-Also-Changed";

fn also_changed(b: &mut actix_web::HttpResponseBuilder, also: &[String]) {
    if !also.is_empty() {
        b.insert_header((ALSO_CHANGED, also.join(", ")));
    }
}

fn written(
    status: StatusCode,
    etag: Option<String>,
    location: Option<String>,
    also: &[String],
    body: Value,
) -> HttpResponse {
    let mut b = HttpResponse::build(status);
    also_changed(&mut b, also);
    if let Some(t) = etag {
        b.insert_header((header::ETAG, t));
    }
    if let Some(l) = location {
        b.insert_header((header::LOCATION, l));
    }
    b.insert_header((header::CACHE_CONTROL, "no-store"));
    b.content_type(GEOJSON).body(body.to_string())
}

fn feature_url(req: &HttpRequest, id: &str) -> String {
    let enc = super::http::url_component(id);
    format!("{}/collections/{WRITABLE}/items/{enc}", base_url(req))
}

fn answer(record: &SiteRecord, warnings: &[FieldError]) -> Value {
    let mut f = feature_of_record(record);
    if !warnings.is_empty() {
        f["warnings"] = json!(warnings);
    }
    f
}

async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (edits, caller) = writer(&req, &state, &path)?;
    let body = read_body(payload).await?;
    let json = body_json(&req, &body, false)?;
    let record = read_feature(&json, "request");
    let id = record.0.id().to_string();
    let state2 = state.clone();
    let comment = comment(&req);
    let author = caller.name.clone();
    let (done, rec) = web::block(move || {
        let mut st = edits.lock();
        if st.position(&id).is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("a site with id `{id}` exists; PUT or PATCH it instead"),
            ));
        }
        let done = commit(
            &state2,
            &edits,
            &mut st,
            &id,
            Some(record),
            &author,
            comment,
        )?;
        let rec = st.records[st.position(&id).expect("just added")].clone();
        drop(st);
        settle(&state2, &edits, done.seq)?;
        Ok((done, rec))
    })
    .await??;
    let loc = feature_url(&req, rec.id());
    Ok(written(
        StatusCode::CREATED,
        done.etag,
        Some(loc),
        &done.also,
        answer(&rec, &done.warnings),
    ))
}

/// PUT and PATCH: `make` turns the current record and the body into the new record.
async fn change(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
    merge: bool,
) -> Result<HttpResponse, ApiError> {
    let (cid, fid) = path.into_inner();
    let (edits, caller) = writer(&req, &state, &cid)?;
    let body = read_body(payload).await?;
    let json = body_json(&req, &body, merge)?;
    let state2 = state.clone();
    let comment = comment(&req);
    let if_match = if_match(&req);
    let (done, rec) = web::block(move || {
        let mut st = edits.lock();
        let Some(pos) = st.position(&fid) else {
            return Err(missing(&st, &fid));
        };
        check_if_match(if_match.as_deref(), &st.etag(&fid).expect("present"))?;
        let feature = if merge {
            let mut f = feature_of_record(&st.records[pos]);
            merge_patch(&mut f, &json);
            f
        } else {
            json
        };
        let mut record = read_feature(&feature, "request");
        match record.0.get("id") {
            None => record.0.set("id", Some(fid.clone())),
            Some(id) if id != fid => record.1.push(FieldError {
                field: "id".into(),
                reason: format!("differs from the id in the path ({fid}); ids cannot change"),
                value: Some(id.to_string()),
            }),
            Some(_) => {}
        }
        let done = commit(
            &state2,
            &edits,
            &mut st,
            &fid,
            Some(record),
            &caller.name,
            comment,
        )?;
        let rec = st.records[st.position(&fid).expect("kept")].clone();
        drop(st);
        settle(&state2, &edits, done.seq)?;
        Ok((done, rec))
    })
    .await??;
    let loc = feature_url(&req, rec.id());
    Ok(written(
        StatusCode::OK,
        done.etag,
        Some(loc),
        &done.also,
        answer(&rec, &done.warnings),
    ))
}

async fn replace(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change(req, path, payload, state, false).await
}

async fn update(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change(req, path, payload, state, true).await
}

fn missing(st: &EditState, fid: &str) -> ApiError {
    if st.retired.contains(fid) {
        ApiError::new(
            StatusCode::GONE,
            format!("site `{fid}` was retired (see its history)"),
        )
    } else {
        ApiError::not_found(format!("no feature `{fid}` in collection `{WRITABLE}`"))
    }
}

async fn retire(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cid, fid) = path.into_inner();
    let (edits, caller) = writer(&req, &state, &cid)?;
    let state2 = state.clone();
    let comment = comment(&req);
    let if_match = if_match(&req);
    let also = web::block(move || {
        let mut st = edits.lock();
        if st.position(&fid).is_none() {
            return Err(missing(&st, &fid));
        }
        check_if_match(if_match.as_deref(), &st.etag(&fid).expect("present"))?;
        let done = commit(&state2, &edits, &mut st, &fid, None, &caller.name, comment)?;
        drop(st);
        settle(&state2, &edits, done.seq)?;
        Ok(done.also)
    })
    .await??;
    let mut res = HttpResponse::NoContent();
    also_changed(&mut res, &also);
    Ok(res.finish())
}

fn change_json(c: &crate::store::Change, base: &str) -> Value {
    let kind = match (&c.before, &c.after) {
        (None, Some(_)) => "create",
        (Some(_), None) => "retire",
        _ => "update",
    };
    json!({
        "change": c.seq,
        "id": c.feature_id,
        "version": c.version,
        "kind": kind,
        "author": c.author,
        "time": c.time,
        "comment": c.comment,
        "fields_changed": c.fields_changed(),
        "before": c.before,
        "after": c.after,
        "links": [link(format!("{base}/collections/{WRITABLE}/items/{}", c.feature_id), "item", GEOJSON, "The site")],
    })
}

async fn history(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cid, fid) = path.into_inner();
    let served = state.snapshot();
    let Some(edits) = state.edits.clone() else {
        if cid == WRITABLE && served.atlas.site_by_id(&fid).is_some() {
            return Ok(HttpResponse::Ok().content_type(JSON).body(
                json!({"id": fid, "versions": [], "note": "this server keeps no edit store (--store)"}).to_string(),
            ));
        }
        return Err(ApiError::not_found(format!(
            "no history of `{fid}` in `{cid}`"
        )));
    };
    if cid != WRITABLE {
        return Err(ApiError::not_found(format!(
            "collection `{cid}` has no history (only `{WRITABLE}` is edited)"
        )));
    }
    let fid2 = fid.clone();
    let list = web::block(move || edits.store.history(&fid2))
        .await?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).caused_by(e))?;
    if list.is_empty() && served.atlas.site_by_id(&fid).is_none() {
        return Err(ApiError::not_found(format!(
            "no feature `{fid}` in `{WRITABLE}`"
        )));
    }
    let base = base_url(&req);
    Ok(HttpResponse::Ok().content_type(JSON).body(
        json!({"id": fid, "versions": list.iter().map(|c| change_json(c, &base)).collect::<Vec<_>>()}).to_string(),
    ))
}

#[derive(serde::Deserialize)]
struct ChangesQuery {
    since: Option<i64>,
}

async fn changes(
    req: HttpRequest,
    q: web::Query<ChangesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::bad_request(
            "since: expected a change number, 0 or more",
        ));
    }
    let Some(edits) = state.edits.clone() else {
        return Ok(HttpResponse::Ok().content_type(JSON).body(
            json!({"changes": [], "last": 0, "note": "this server keeps no edit store (--store)"})
                .to_string(),
        ));
    };
    let list = web::block(move || edits.store.changes_since(since))
        .await?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).caused_by(e))?;
    let base = base_url(&req);
    let last = list.last().map_or(since, |c| c.seq);
    Ok(HttpResponse::Ok().content_type(JSON).body(
        json!({"changes": list.iter().map(|c| change_json(c, &base)).collect::<Vec<_>>(), "last": last}).to_string(),
    ))
}
