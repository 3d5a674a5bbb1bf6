//! Geometry projected once to an equal-area Albers projection for China, cached per atlas.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use geo::InteriorPoint;
use geo_types::MultiPolygon;
use proj::Proj;

use super::PlotError;
use crate::atlas::Atlas;

/// Albers equal-area conic for China (standard parallels 25°N and 47°N, central meridian 105°E).
pub const ALBERS_CHINA: &str =
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs +type=crs";

/// One ring in projected metres.
#[derive(Debug, Clone)]
pub struct Ring {
    pub exterior: bool,
    pub points: Vec<(f64, f64)>,
}

/// A projected (multi)polygon.
#[derive(Debug, Clone)]
pub struct Shape {
    pub rings: Vec<Ring>,
    /// min x, min y, max x, max y.
    pub bbox: [f64; 4],
    /// Area enclosed by the exterior rings, holes not subtracted (for painting order).
    pub hull_area: f64,
    /// A point inside the shape's largest polygon, for labels.
    pub label_point: Option<(f64, f64)>,
}

/// The atlas's geometry in the Albers projection.
#[derive(Debug)]
pub struct ProjectedAtlas {
    fingerprint: u64,
    pub counties: Vec<Shape>,
    pub provinces: Vec<Shape>,
    /// Aligned with `atlas.sites`.
    pub sites: Vec<Option<(f64, f64)>>,
    /// County indexes in painting order: largest hull first, so enclaves paint over holes.
    pub county_order: Vec<usize>,
}

fn shoelace(p: &[(f64, f64)]) -> f64 {
    let mut a = 0.0;
    for w in p.windows(2) {
        a += w[0].0 * w[1].1 - w[1].0 * w[0].1;
    }
    a.abs() / 2.0
}

/// A PROJ transformer from CRS84 to the Albers projection (`proj::Proj` is not `Send`: one per
/// call).
pub fn albers() -> Result<Proj, PlotError> {
    Proj::new_known_crs("OGC:CRS84", ALBERS_CHINA, None)
        .map_err(|e| PlotError::Render(format!("PROJ could not set up the Albers projection: {e}")))
}

/// Projects one point.
pub fn project_point(p: &Proj, lon: f64, lat: f64) -> Option<(f64, f64)> {
    p.convert((lon, lat))
        .ok()
        .filter(|c: &(f64, f64)| c.0.is_finite() && c.1.is_finite())
}

fn shape(p: &Proj, mp: &MultiPolygon<f64>) -> Result<Shape, PlotError> {
    let mut rings = Vec::new();
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut hull_area = 0.0;
    for poly in &mp.0 {
        for (i, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            let mut pts: Vec<(f64, f64)> = ring.0.iter().map(|c| (c.x, c.y)).collect();
            p.convert_array(&mut pts)
                .map_err(|e| PlotError::Render(format!("projecting a boundary failed: {e}")))?;
            pts.retain(|c| c.0.is_finite() && c.1.is_finite());
            for c in &pts {
                bbox[0] = bbox[0].min(c.0);
                bbox[1] = bbox[1].min(c.1);
                bbox[2] = bbox[2].max(c.0);
                bbox[3] = bbox[3].max(c.1);
            }
            if i == 0 {
                hull_area += shoelace(&pts);
            }
            rings.push(Ring {
                exterior: i == 0,
                points: pts,
            });
        }
    }
    let label_point =
        mp.0.iter()
            .max_by(|a, b| {
                let (x, y) = (shoelace_ring(a), shoelace_ring(b));
                x.total_cmp(&y)
            })
            .and_then(|poly| poly.interior_point())
            .and_then(|pt| project_point(p, pt.x(), pt.y()));
    Ok(Shape {
        rings,
        bbox,
        hull_area,
        label_point,
    })
}

fn shoelace_ring(poly: &geo_types::Polygon<f64>) -> f64 {
    let pts: Vec<(f64, f64)> = poly.exterior().0.iter().map(|c| (c.x, c.y)).collect();
    shoelace(&pts)
}

/// A cheap identity of an atlas's geometry: counts and first vertices of every unit.
fn fingerprint(atlas: &Atlas) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut unit = |g: &MultiPolygon<f64>| {
        g.0.len().hash(&mut h);
        for poly in &g.0 {
            poly.exterior().0.len().hash(&mut h);
            if let Some(c) = poly.exterior().0.first() {
                c.x.to_bits().hash(&mut h);
                c.y.to_bits().hash(&mut h);
            }
        }
    };
    for c in &atlas.counties {
        unit(&c.geometry);
    }
    for p in &atlas.provinces {
        unit(&p.geometry);
    }
    for s in &atlas.sites {
        s.lon.to_bits().hash(&mut h);
        s.lat.to_bits().hash(&mut h);
    }
    h.finish()
}

impl ProjectedAtlas {
    /// Projects every county, province and site of the atlas.
    pub fn new(atlas: &Atlas) -> Result<ProjectedAtlas, PlotError> {
        let p = albers()?;
        let counties = atlas
            .counties
            .iter()
            .map(|c| shape(&p, &c.geometry))
            .collect::<Result<Vec<_>, _>>()?;
        let provinces = atlas
            .provinces
            .iter()
            .map(|c| shape(&p, &c.geometry))
            .collect::<Result<Vec<_>, _>>()?;
        let sites = atlas
            .sites
            .iter()
            .map(|s| project_point(&p, s.lon, s.lat))
            .collect();
        let mut county_order: Vec<usize> = (0..counties.len()).collect();
        county_order.sort_by(|&a, &b| {
            counties[b]
                .hull_area
                .total_cmp(&counties[a].hull_area)
                .then(a.cmp(&b))
        });
        Ok(ProjectedAtlas {
            fingerprint: fingerprint(atlas),
            counties,
            provinces,
            sites,
            county_order,
        })
    }

    /// The projection of `atlas`, computed once and kept for the next calls with the same
    /// geometry (the last two atlases are kept, so a reload does not thrash).
    pub fn cached(atlas: &Atlas) -> Result<Arc<ProjectedAtlas>, PlotError> {
        static CACHE: Mutex<Vec<Arc<ProjectedAtlas>>> = Mutex::new(Vec::new());
        let fp = fingerprint(atlas);
        {
            let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = cache.iter().find(|p| p.fingerprint == fp) {
                return Ok(p.clone());
            }
        }
        let p = Arc::new(ProjectedAtlas::new(atlas)?);
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.iter().any(|q| q.fingerprint == fp) {
            cache.push(p.clone());
            if cache.len() > 2 {
                cache.remove(0);
            }
        }
        Ok(p)
    }

    /// Whether this projection was made from `atlas`'s geometry.
    pub fn matches(&self, atlas: &Atlas) -> bool {
        self.fingerprint == fingerprint(atlas) && self.counties.len() == atlas.counties.len()
    }
}
