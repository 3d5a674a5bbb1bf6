//! Layer downloads in the formats GIS tools load natively: GeoPackage (every layer in one
//! SQLite file), FlatGeobuf (one layer, with its packed Hilbert R-tree) and GeoParquet 1.1
//! (WKB geometry and a `bbox` covering column).
//!
//! The encoders take a selection of a layer's features ([`LayerExport`]: which features, which
//! properties, which CRS), so the server's items downloads, `/downloads/atlas.gpkg`,
//! `compute-atlas export-layers` and a static publish all write the same files. Every encoder
//! writes to any [`std::io::Write`]; GeoPackage, being a database, goes through a temporary file.
//!
//! Files store coordinates easting (longitude) first whatever the CRS's axis order, as
//! GeoPackage, FlatGeobuf and GeoParquet all define.

pub mod fgb;
pub mod gpkg;
pub mod parquet;

use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};

use crate::crs::{self, Crs, CrsError};
use crate::layers::{FeatureGeometry, Layer, LayerFeature, PropDef, PropType};

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Gpkg,
    Fgb,
    Parquet,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] =
        [ExportFormat::Gpkg, ExportFormat::Fgb, ExportFormat::Parquet];

    /// The `f` parameter value and file extension: `gpkg`, `fgb`, `parquet`.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Gpkg => "gpkg",
            ExportFormat::Fgb => "fgb",
            ExportFormat::Parquet => "parquet",
        }
    }

    /// The registered (or conventional) media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Gpkg => "application/geopackage+sqlite3",
            ExportFormat::Fgb => "application/flatgeobuf",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
        }
    }

    /// A title for links.
    pub fn title(self) -> &'static str {
        match self {
            ExportFormat::Gpkg => "GeoPackage",
            ExportFormat::Fgb => "FlatGeobuf",
            ExportFormat::Parquet => "GeoParquet",
        }
    }

    pub fn parse(s: &str) -> Option<ExportFormat> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }

    pub fn from_media_type(m: &str) -> Option<ExportFormat> {
        let m = m.split(';').next().unwrap_or("").trim();
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.media_type().eq_ignore_ascii_case(m))
    }
}

/// What went wrong writing a download.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("GeoPackage (SQLite) error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("FlatGeobuf error: {0}")]
    Fgb(#[from] flatgeobuf::Error),
    #[error("GeoParquet (polars) error: {0}")]
    Parquet(#[from] polars::error::PolarsError),
    #[error("geometry encoding failed: {0}")]
    Geometry(#[from] geozero::error::GeozeroError),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error("{0} holds one layer; got {1}")]
    OneLayer(&'static str, usize),
}

/// Where the files come from, written into their metadata.
#[derive(Debug, Clone, Default)]
pub struct ExportMeta {
    /// Data version (the snapshot's hash).
    pub version: String,
    /// When the snapshot was built (RFC 3339).
    pub built_at: String,
    /// Where the data can be found again (the service URL, or empty).
    pub source: String,
}

/// The part of one layer a download holds: which features (indexes into `layer.features`, in
/// output order), which properties, in which CRS, and optionally rounded to `precision`
/// decimals (of degrees; metres get five fewer, as the items do).
#[derive(Debug, Clone)]
pub struct LayerExport<'a> {
    pub layer: &'a Layer,
    pub features: Vec<usize>,
    pub properties: Vec<&'a PropDef>,
    pub crs: Crs,
    pub precision: Option<u8>,
}

impl<'a> LayerExport<'a> {
    /// Every feature and property of `layer`, in CRS84, full precision.
    pub fn whole(layer: &'a Layer) -> LayerExport<'a> {
        LayerExport {
            layer,
            features: (0..layer.features.len()).collect(),
            properties: layer.properties.iter().collect(),
            crs: Crs::Crs84,
            precision: None,
        }
    }

    /// The given features with only the named properties (in the order named; unknown names
    /// are skipped: the caller has checked them).
    pub fn select(
        layer: &'a Layer,
        features: Vec<usize>,
        properties: Option<&[String]>,
        crs: Crs,
        precision: Option<u8>,
    ) -> LayerExport<'a> {
        let properties = match properties {
            None => layer.properties.iter().collect(),
            Some(names) => names.iter().filter_map(|n| layer.property(n)).collect(),
        };
        LayerExport {
            layer,
            features,
            properties,
            crs,
            precision,
        }
    }

    fn features(&self) -> impl Iterator<Item = &'a LayerFeature> + '_ {
        self.features.iter().map(|&i| &self.layer.features[i])
    }

    /// Each feature's geometry in the output CRS, x/y order (easting first).
    pub(crate) fn geometry(&self, f: &LayerFeature) -> Result<Option<Geometry<f64>>, CrsError> {
        file_geometry(&f.geometry, self.crs, self.precision)
    }

    /// The description written into the file: the layer's, its attribution and the snapshot.
    pub(crate) fn description(&self, meta: &ExportMeta) -> String {
        let mut d = self.layer.description.clone();
        if !self.layer.attribution.is_empty() {
            d.push_str(" Attribution: ");
            d.push_str(&self.layer.attribution);
        }
        if !meta.version.is_empty() {
            d.push_str(&format!(
                " compute-atlas data version {} built {}",
                meta.version, meta.built_at
            ));
            if !meta.source.is_empty() {
                d.push_str(&format!(", {}", meta.source));
            }
            d.push('.');
        }
        d
    }

    /// The metadata as JSON (GeoPackage metadata, FlatGeobuf header metadata).
    pub(crate) fn metadata_json(&self, meta: &ExportMeta) -> serde_json::Value {
        serde_json::json!({
            "collection": self.layer.id,
            "title": self.layer.title,
            "description": self.layer.description,
            "attribution": self.layer.attribution,
            "crs": self.crs.uri(),
            "features": self.features.len(),
            "data_version": meta.version,
            "built_at": meta.built_at,
            "source": meta.source,
        })
    }
}

/// A property value as the encoders need it; `None` is null.
pub(crate) enum Cell<'v> {
    Text(&'v str),
    Int(i64),
    Real(f64),
    Bool(bool),
}

/// The value of `p` in `f`, converted to the declared type (numbers written as text in the
/// data, which the layers never produce, become null rather than a wrong type).
pub(crate) fn cell<'v>(f: &'v LayerFeature, p: &PropDef) -> Option<Cell<'v>> {
    use serde_json::Value;
    let v = f.properties.get(p.name)?;
    match (p.kind, v) {
        (_, Value::Null) => None,
        (PropType::String, Value::String(s)) => Some(Cell::Text(s)),
        (PropType::Integer, Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64))
            .map(Cell::Int),
        (PropType::Number, Value::Number(n)) => n.as_f64().map(Cell::Real),
        (PropType::Boolean, Value::Bool(b)) => Some(Cell::Bool(*b)),
        _ => None,
    }
}

/// A layer geometry transformed from CRS84 to `crs`, easting first, optionally rounded.
pub fn file_geometry(
    g: &FeatureGeometry,
    crs: Crs,
    precision: Option<u8>,
) -> Result<Option<Geometry<f64>>, CrsError> {
    let digits = precision.map(|p| {
        if crs.is_geographic() {
            p
        } else {
            p.saturating_sub(5).max(1)
        }
    });
    let round = |v: f64| match digits {
        None => v,
        Some(d) => {
            let m = 10f64.powi(d as i32);
            (v * m).round() / m
        }
    };
    let convert = |coords: &mut Vec<(f64, f64)>| -> Result<(), CrsError> {
        crs::from_crs84(crs, coords)?;
        for c in coords.iter_mut() {
            if crs.lat_first() {
                *c = (c.1, c.0);
            }
            *c = (round(c.0), round(c.1));
        }
        Ok(())
    };
    Ok(match g {
        FeatureGeometry::None => None,
        FeatureGeometry::Point(x, y) => {
            let mut c = vec![(*x, *y)];
            convert(&mut c)?;
            Some(Geometry::Point(Point::new(c[0].0, c[0].1)))
        }
        FeatureGeometry::MultiPolygon(mp) => {
            let mut buf = Vec::new();
            let mut ring = |ls: &LineString<f64>| -> Result<LineString<f64>, CrsError> {
                buf.clear();
                buf.extend(ls.0.iter().map(|c| (c.x, c.y)));
                convert(&mut buf)?;
                Ok(LineString(
                    buf.iter().map(|&(x, y)| Coord { x, y }).collect(),
                ))
            };
            let mut polys = Vec::with_capacity(mp.0.len());
            for p in &mp.0 {
                let ext = ring(p.exterior())?;
                let holes = p
                    .interiors()
                    .iter()
                    .map(&mut ring)
                    .collect::<Result<_, _>>()?;
                polys.push(Polygon::new(ext, holes));
            }
            Some(Geometry::MultiPolygon(MultiPolygon(polys)))
        }
    })
}

/// The bounding box (minx, miny, maxx, maxy) of a file geometry.
pub(crate) fn bounds(g: &Geometry<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    g.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The EPSG code a file declares for `crs` (CRS84 is EPSG:4326 with easting first, which is
/// how every one of these formats reads 4326).
pub(crate) fn epsg_code(crs: Crs) -> u32 {
    match crs {
        Crs::Crs84 => 4326,
        Crs::Epsg(c) => c,
    }
}

/// Writes one layer in `format` to `out` (GeoPackage: a one-layer GeoPackage).
pub fn write_layer<W: std::io::Write>(
    format: ExportFormat,
    layer: &LayerExport<'_>,
    meta: &ExportMeta,
    out: W,
) -> Result<(), ExportError> {
    match format {
        ExportFormat::Gpkg => gpkg::write(std::slice::from_ref(layer), meta, out),
        ExportFormat::Fgb => fgb::write(layer, meta, out),
        ExportFormat::Parquet => parquet::write(layer, meta, out),
    }
}

/// Writes every layer to `dir`: one `atlas.gpkg` for GeoPackage, else one file per layer
/// (`sites.fgb`, `counties.parquet`, ...). Returns the paths written.
pub fn write_dir(
    format: ExportFormat,
    layers: &[LayerExport<'_>],
    meta: &ExportMeta,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, ExportError> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    // Each file is written beside its final name and renamed when complete, so a reader never
    // sees half a file.
    let mut put = |name: String, f: &dyn Fn(&std::path::Path) -> Result<(), ExportError>| {
        let path = dir.join(name);
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        f(tmp.path())?;
        tmp.persist(&path).map_err(|e| e.error)?;
        written.push(path);
        Ok::<(), ExportError>(())
    };
    match format {
        ExportFormat::Gpkg => put("atlas.gpkg".into(), &|path| {
            gpkg::write_file(layers, meta, path)
        })?,
        _ => {
            for l in layers {
                put(format!("{}.{}", l.layer.id, format.name()), &|path| {
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .truncate(true)
                        .open(path)?;
                    write_layer(format, l, meta, std::io::BufWriter::new(file))
                })?;
            }
        }
    }
    Ok(written)
}
