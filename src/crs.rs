//! Coordinate reference systems offered to clients (OGC API - Features Part 2), through PROJ.
//!
//! Storage is OGC:CRS84 (WGS84 longitude, latitude). EPSG:4326 and EPSG:4490 are the same
//! datum realisation as far as PROJ is concerned but have latitude-first axis order, as the
//! EPSG registry defines them and Part 2 requires. `proj::Proj` is neither `Send` nor `Sync`,
//! so each thread keeps its own transformers.

use std::cell::RefCell;
use std::collections::HashMap;

use proj::Proj;

/// A supported output or bbox CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    Crs84,
    Epsg(u32),
}

/// EPSG codes offered besides CRS84: WGS84, Web Mercator, CGCS2000, UTM 43N-49N.
pub const SUPPORTED_EPSG: [u32; 10] = [
    4326, 3857, 4490, 32643, 32644, 32645, 32646, 32647, 32648, 32649,
];

/// A CRS not offered here, or a transformation failure.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum CrsError {
    #[error("unsupported CRS {0:?}; supported: {list}", list = Crs::supported_uris().join(", "))]
    Unsupported(String),
    #[error("PROJ could not set up {0}: {1}")]
    Setup(String, String),
    #[error("coordinate ({0}, {1}) cannot be transformed to {2}")]
    Transform(f64, f64, String),
}

impl Crs {
    pub const CRS84_URI: &'static str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

    /// Every supported CRS, CRS84 first.
    pub fn all() -> Vec<Crs> {
        std::iter::once(Crs::Crs84)
            .chain(SUPPORTED_EPSG.iter().map(|&c| Crs::Epsg(c)))
            .collect()
    }

    pub fn supported_uris() -> Vec<String> {
        Crs::all().iter().map(Crs::uri).collect()
    }

    /// The OGC URI, e.g. `http://www.opengis.net/def/crs/EPSG/0/3857`.
    pub fn uri(&self) -> String {
        match self {
            Crs::Crs84 => Crs::CRS84_URI.to_string(),
            Crs::Epsg(c) => format!("http://www.opengis.net/def/crs/EPSG/0/{c}"),
        }
    }

    /// Parses an OGC URI, a safe CURIE `[EPSG:3857]`, or `EPSG:3857` / `OGC:CRS84`.
    ///
    /// ```
    /// use compute_atlas::crs::Crs;
    /// assert_eq!(Crs::parse("http://www.opengis.net/def/crs/EPSG/0/3857"), Ok(Crs::Epsg(3857)));
    /// assert_eq!(Crs::parse("[OGC:CRS84]"), Ok(Crs::Crs84));
    /// assert!(Crs::parse("EPSG:2000").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Crs, CrsError> {
        let t = s.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(t);
        let crs = if let Some(rest) = t
            .strip_prefix("http://www.opengis.net/def/crs/")
            .or_else(|| t.strip_prefix("https://www.opengis.net/def/crs/"))
        {
            match rest.split('/').collect::<Vec<_>>().as_slice() {
                ["OGC", _, "CRS84"] => Some(Crs::Crs84),
                ["EPSG", _, code] => code.parse().ok().map(Crs::Epsg),
                _ => None,
            }
        } else if t.eq_ignore_ascii_case("OGC:CRS84") || t.eq_ignore_ascii_case("CRS84") {
            Some(Crs::Crs84)
        } else if let Some(code) = t.strip_prefix("EPSG:").or_else(|| t.strip_prefix("epsg:")) {
            code.parse().ok().map(Crs::Epsg)
        } else {
            None
        };
        match crs {
            Some(Crs::Epsg(c)) if !SUPPORTED_EPSG.contains(&c) => {
                Err(CrsError::Unsupported(s.to_string()))
            }
            Some(c) => Ok(c),
            None => Err(CrsError::Unsupported(s.to_string())),
        }
    }

    /// `true` for geographic CRSs whose EPSG axis order is latitude first.
    pub fn lat_first(&self) -> bool {
        matches!(self, Crs::Epsg(4326) | Crs::Epsg(4490))
    }

    /// `true` when coordinates are degrees (for rounding).
    pub fn is_geographic(&self) -> bool {
        matches!(self, Crs::Crs84 | Crs::Epsg(4326) | Crs::Epsg(4490))
    }

    fn proj_code(&self) -> Option<String> {
        match self {
            // PROJ treats CGCS2000 and WGS84 as equal (no-op); only the axis order changes.
            Crs::Crs84 | Crs::Epsg(4326) | Crs::Epsg(4490) => None,
            Crs::Epsg(c) => Some(format!("EPSG:{c}")),
        }
    }
}

thread_local! {
    static FORWARD: RefCell<HashMap<String, Proj>> = RefCell::new(HashMap::new());
    static INVERSE: RefCell<HashMap<String, Proj>> = RefCell::new(HashMap::new());
}

fn with_proj<T>(
    cache: &'static std::thread::LocalKey<RefCell<HashMap<String, Proj>>>,
    from: &str,
    to: &str,
    f: impl FnOnce(&Proj) -> T,
) -> Result<T, CrsError> {
    cache.with(|c| {
        let mut c = c.borrow_mut();
        let key = format!("{from}>{to}");
        if !c.contains_key(&key) {
            // `new_known_crs` normalises axis order to easting/longitude first.
            let p = Proj::new_known_crs(from, to, None)
                .map_err(|e| CrsError::Setup(to.to_string(), e.to_string()))?;
            c.insert(key.clone(), p);
        }
        Ok(f(&c[&key]))
    })
}

/// Transforms CRS84 coordinates in place to `crs`, in that CRS's axis order.
pub fn from_crs84(crs: Crs, coords: &mut [(f64, f64)]) -> Result<(), CrsError> {
    if let Some(code) = crs.proj_code() {
        with_proj(&FORWARD, "OGC:CRS84", &code, |p| {
            p.convert_array(coords)
                .map(|_| ())
                .map_err(|_| CrsError::Transform(f64::NAN, f64::NAN, code.clone()))
        })??;
        if coords.iter().any(|c| !c.0.is_finite() || !c.1.is_finite()) {
            return Err(CrsError::Transform(f64::NAN, f64::NAN, crs.uri()));
        }
    } else if crs.lat_first() {
        coords.iter_mut().for_each(|c| *c = (c.1, c.0));
    }
    Ok(())
}

/// Transforms one point given in `crs` (its axis order) to CRS84 longitude, latitude.
pub fn to_crs84(crs: Crs, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    match crs.proj_code() {
        Some(code) => {
            let r = with_proj(&INVERSE, &code, "OGC:CRS84", |p| p.convert((x, y)))?;
            match r {
                Ok((lon, lat)) if lon.is_finite() && lat.is_finite() => Ok((lon, lat)),
                _ => Err(CrsError::Transform(x, y, crs.uri())),
            }
        }
        None if crs.lat_first() => Ok((y, x)),
        None => Ok((x, y)),
    }
}

impl Crs {
    /// The CRS as WKT 1 (GDAL flavour), as GeoPackage's `gpkg_spatial_ref_sys` holds it.
    pub fn wkt1(&self) -> Result<String, CrsError> {
        let code = self.definition_code();
        let p = Proj::new(&code).map_err(|e| CrsError::Setup(code.clone(), e.to_string()))?;
        p.as_wkt(Some(proj::wkt::WktVersion::Wkt1_Gdal), None)
            .map_err(|e| CrsError::Setup(code, e.to_string()))
    }

    /// The CRS as PROJJSON, as GeoParquet's `geo` metadata holds it.
    pub fn projjson(&self) -> Result<serde_json::Value, CrsError> {
        let code = match self {
            Crs::Crs84 => "OGC:CRS84".to_string(),
            c => c.definition_code(),
        };
        let p = Proj::new(&code).map_err(|e| CrsError::Setup(code.clone(), e.to_string()))?;
        let text = p
            .to_projjson(Some(false), None, None)
            .map_err(|e| CrsError::Setup(code.clone(), e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| CrsError::Setup(code, e.to_string()))
    }

    /// `EPSG:n` (CRS84 as EPSG:4326, which files read with longitude first).
    fn definition_code(&self) -> String {
        match self {
            Crs::Crs84 => "EPSG:4326".to_string(),
            Crs::Epsg(c) => format!("EPSG:{c}"),
        }
    }
}
