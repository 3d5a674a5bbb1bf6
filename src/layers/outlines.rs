//! GeoJSON text and bounding box of the outlines (counties, prefectures, provinces, bases) at
//! the default precision, kept while the outline lives. The outlines are shared (`Arc`) by
//! every snapshot built on the same base, so a snapshot rebuilt after an edit of the sites
//! writes only the features' properties again, not hundreds of thousands of coordinates.
//!
//! Entries are keyed by the outline's address and hold a `Weak` to it: while the entry exists
//! the allocation cannot be reused, so an address never names another outline; entries whose
//! outline is gone are dropped on the next use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use geo::MultiPolygon;

use super::{bbox_of, geojson, FeatureGeometry};

struct Entry {
    outline: Weak<MultiPolygon<f64>>,
    json: Arc<str>,
    bbox: Option<[f64; 4]>,
}

fn cache() -> &'static Mutex<HashMap<usize, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Entry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The geometry's GeoJSON text at `super::DEFAULT_PRECISION` and its bounding box.
pub(super) fn outline(mp: &Arc<MultiPolygon<f64>>) -> (Arc<str>, Option<[f64; 4]>) {
    let key = Arc::as_ptr(mp) as usize;
    if let Some(e) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        if e.outline.upgrade().is_some_and(|o| Arc::ptr_eq(&o, mp)) {
            return (e.json.clone(), e.bbox);
        }
    }
    let geometry = FeatureGeometry::MultiPolygon(mp.clone());
    let mut json = String::new();
    geojson::write_geometry(
        &mut json,
        &geometry,
        super::DEFAULT_PRECISION,
        &mut geojson::no_transform,
    )
    .expect("no transform cannot fail");
    let (json, bbox): (Arc<str>, _) = (json.into(), bbox_of(&geometry));
    cache().lock().unwrap_or_else(|p| p.into_inner()).insert(
        key,
        Entry {
            outline: Arc::downgrade(mp),
            json: json.clone(),
            bbox,
        },
    );
    (json, bbox)
}

/// Forgets the outlines no snapshot holds any more.
pub(super) fn prune() {
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|_, e| e.outline.strong_count() > 0);
}
