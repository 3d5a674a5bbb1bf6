//! `f=gpkg|fgb|parquet` on `/collections/{id}/items`: the items' selection (bbox, crs,
//! properties, datetime, property filters, sortby) written as a GeoPackage, FlatGeobuf or
//! GeoParquet file and streamed. A download holds every matching feature; `limit` and
//! `offset` page it only when given.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use super::super::http::{self, content_crs, get};
use super::super::stream::ChannelBody;
use super::super::Served;
use super::selection::ItemsQuery;
use crate::export::{self, ExportFormat, ExportMeta, LayerExport};
use crate::layers::Layer;

/// What the files record about where they come from.
pub fn meta(served: &Served, source: String) -> ExportMeta {
    ExportMeta {
        version: served.version.clone(),
        built_at: served
            .built_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source,
    }
}

/// `Content-Disposition` naming the file.
pub fn attachment(name: &str) -> (header::HeaderName, HeaderValue) {
    (
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    )
}

pub(super) fn respond(
    req: &HttpRequest,
    served: &std::sync::Arc<Served>,
    layer: &Layer,
    mut idx: Vec<usize>,
    q: &ItemsQuery,
    format: ExportFormat,
    p: &[(String, String)],
) -> HttpResponse {
    if get(p, "limit").is_some() || get(p, "offset").is_some() {
        let start = (q.offset as usize).min(idx.len());
        let end = start.saturating_add(q.limit as usize).min(idx.len());
        idx = idx[start..end].to_vec();
    }
    let precision = get(p, "precision").map(|_| q.precision);
    let props = q.sel.properties.clone();
    let crs = q.crs;
    let id = layer.id;
    let meta = meta(
        served,
        format!(
            "{}{}",
            super::super::http::base_url(req),
            req.uri().path_and_query().map_or("", |pq| pq.as_str())
        ),
    );
    let snapshot = served.clone();
    let body = ChannelBody::new(move |w| {
        let layer = snapshot
            .layer(id)
            .ok_or_else(|| format!("collection {id} vanished"))?;
        let l = LayerExport::select(layer, idx, props.as_deref(), crs, precision);
        export::write_layer(format, &l, &meta, w)?;
        Ok(())
    });
    let mut resp = http::respond_stream(req, served, format.media_type(), body);
    let (k, v) = content_crs(crs);
    resp.headers_mut().insert(k, v);
    let (k, v) = attachment(&format!("{id}.{}", format.name()));
    resp.headers_mut().insert(k, v);
    resp
}
