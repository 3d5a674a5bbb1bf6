//! One cache for everything rendered on request (vector tiles, plots), bounded by bytes and
//! keyed by data version + resource. Concurrent misses of one key render once: the others
//! wait for that render (moka's `try_get_with`).
//!
//! Beside the rendered bodies it keeps the compressed (gzip, brotli) bodies of every cacheable
//! response, keyed by the response's ETag (data version + content hash) and encoding, so a body
//! is compressed once however many clients ask for it (`encoded`), and the bodies of responses
//! computed from the snapshot on request (analytics tables, item pages with a property
//! selection or another CRS), keyed by data version and request, so a repeated request costs a
//! lookup (`page`).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use actix_web::web::Bytes;
use serde_json::{json, Value};

use super::ApiError;

/// What a cached body is, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendered {
    Tile,
    Plot,
}

impl Rendered {
    fn as_str(self) -> &'static str {
        match self {
            Rendered::Tile => "tile",
            Rendered::Plot => "plot",
        }
    }
}

pub struct RenderCache {
    bodies: moka::future::Cache<String, Bytes>,
    /// Compressed response bodies by `ETag encoding`; bounded apart from the renders (half their
    /// capacity) so compressing many pages cannot evict the tiles.
    encoded: moka::sync::Cache<String, Bytes>,
    encoded_hits: AtomicU64,
    encoded_misses: AtomicU64,
    /// Computed response bodies by `version request`; a quarter of the capacity.
    pages: moka::sync::Cache<String, Bytes>,
    page_hits: AtomicU64,
    page_misses: AtomicU64,
    capacity_bytes: u64,
    hits: AtomicU64,
    misses: AtomicU64,
    tile_renders: AtomicU64,
    plot_renders: AtomicU64,
}

impl std::fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderCache")
            .field("capacity_bytes", &self.capacity_bytes)
            .field("entries", &self.bodies.entry_count())
            .finish()
    }
}

impl RenderCache {
    pub fn new(capacity_bytes: u64) -> RenderCache {
        RenderCache {
            bodies: moka::future::Cache::builder()
                .max_capacity(capacity_bytes)
                .weigher(|k: &String, v: &Bytes| {
                    u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
                })
                .build(),
            encoded: moka::sync::Cache::builder()
                .max_capacity(capacity_bytes / 2)
                .weigher(|k: &String, v: &Bytes| {
                    u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
                })
                .build(),
            encoded_hits: AtomicU64::new(0),
            encoded_misses: AtomicU64::new(0),
            pages: moka::sync::Cache::builder()
                .max_capacity(capacity_bytes / 4)
                .weigher(|k: &String, v: &Bytes| {
                    u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
                })
                .build(),
            page_hits: AtomicU64::new(0),
            page_misses: AtomicU64::new(0),
            capacity_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            tile_renders: AtomicU64::new(0),
            plot_renders: AtomicU64::new(0),
        }
    }

    /// The cached body of `resource` in data `version`, or the one `render` makes (once, however
    /// many requests ask for it at the same time). A failed render is not cached.
    pub async fn get_or_render<Fut>(
        &self,
        kind: Rendered,
        version: &str,
        resource: &str,
        render: Fut,
    ) -> Result<Bytes, ApiError>
    where
        Fut: Future<Output = Result<Bytes, ApiError>>,
    {
        let key = format!("{version} {} {resource}", kind.as_str());
        let rendered = AtomicBool::new(false);
        let body = self
            .bodies
            .try_get_with(key, async {
                rendered.store(true, Ordering::Relaxed);
                let counter = match kind {
                    Rendered::Tile => &self.tile_renders,
                    Rendered::Plot => &self.plot_renders,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                render.await
            })
            .await
            .map_err(|e| (*e).clone())?;
        if rendered.load(Ordering::Relaxed) {
            self.misses.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("{} cache miss: {resource}", kind.as_str());
        } else {
            self.hits.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("{} cache hit: {resource}", kind.as_str());
        }
        Ok(body)
    }

    /// The body `etag` names, compressed by `compress` once: later calls (from any request,
    /// for any URL with the same content) get the kept bytes.
    pub fn encoded(&self, etag: &str, encoding: &str, compress: impl FnOnce() -> Bytes) -> Bytes {
        let key = format!("{etag} {encoding}");
        let made = AtomicBool::new(false);
        let body = self.encoded.get_with(key, || {
            made.store(true, Ordering::Relaxed);
            compress()
        });
        let counter = if made.load(Ordering::Relaxed) {
            &self.encoded_misses
        } else {
            &self.encoded_hits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        body
    }

    /// The body of the response `request` names in data `version` (the caller puts in it all
    /// the response depends on besides the snapshot: path, query, negotiated format, base
    /// URL), or the one `make` computes. An error is not cached.
    pub fn page(
        &self,
        version: &str,
        request: &str,
        make: impl FnOnce() -> Result<Bytes, ApiError>,
    ) -> Result<Bytes, ApiError> {
        let key = format!("{version} {request}");
        if let Some(b) = self.pages.get(&key) {
            self.page_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(b);
        }
        self.page_misses.fetch_add(1, Ordering::Relaxed);
        let body = make()?;
        self.pages.insert(key, body.clone());
        Ok(body)
    }

    /// Drops every body (after a reload: the old version's keys would never be asked again).
    pub fn clear(&self) {
        self.bodies.invalidate_all();
        self.encoded.invalidate_all();
        self.pages.invalidate_all();
    }

    /// Counters and size, for `/status` and the log.
    pub async fn status(&self) -> Value {
        self.bodies.run_pending_tasks().await;
        self.encoded.run_pending_tasks();
        self.pages.run_pending_tasks();
        json!({
            "entries": self.bodies.entry_count(),
            "bytes": self.bodies.weighted_size(),
            "capacity_bytes": self.capacity_bytes,
            "hits": self.hits.load(Ordering::Relaxed),
            "misses": self.misses.load(Ordering::Relaxed),
            "tile_renders": self.tile_renders.load(Ordering::Relaxed),
            "plot_renders": self.plot_renders.load(Ordering::Relaxed),
            "compressed": {
                "entries": self.encoded.entry_count(),
                "bytes": self.encoded.weighted_size(),
                "capacity_bytes": self.capacity_bytes / 2,
                "hits": self.encoded_hits.load(Ordering::Relaxed),
                "misses": self.encoded_misses.load(Ordering::Relaxed),
            },
            "pages": {
                "entries": self.pages.entry_count(),
                "bytes": self.pages.weighted_size(),
                "capacity_bytes": self.capacity_bytes / 4,
                "hits": self.page_hits.load(Ordering::Relaxed),
                "misses": self.page_misses.load(Ordering::Relaxed),
            },
        })
    }

    /// `hits/misses` for a log line.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_computed_once_per_version_and_an_error_is_not_kept() {
        let cache = RenderCache::new(1 << 20);
        let calls = std::cell::Cell::new(0);
        let make = |text: &'static str| {
            calls.set(calls.get() + 1);
            Ok(Bytes::from_static(text.as_bytes()))
        };
        assert_eq!(cache.page("v1", "/a", || make("one")).unwrap(), "one");
        assert_eq!(cache.page("v1", "/a", || make("two")).unwrap(), "one");
        assert_eq!(calls.get(), 1);
        // Another data version or request is another page.
        assert_eq!(cache.page("v2", "/a", || make("two")).unwrap(), "two");
        assert_eq!(cache.page("v1", "/b", || make("three")).unwrap(), "three");
        assert_eq!(calls.get(), 3);
        let failed = cache.page("v1", "/c", || Err(ApiError::bad_request("no")));
        assert!(failed.is_err());
        assert_eq!(cache.page("v1", "/c", || make("four")).unwrap(), "four");
        cache.clear();
        assert_eq!(cache.page("v1", "/a", || make("five")).unwrap(), "five");
    }
}
