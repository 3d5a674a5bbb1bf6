//! County, prefecture and province polygons from the bundled GeoJSON (WGS84 lon/lat; converted
//! from the GCJ-02 source data by `tools/boundaries`).

use std::path::{Path, PathBuf};

use geo::{orient::Direction, GeodesicArea, Orient};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection};
use geojson::{GeometryValue, PolygonType};
use serde_json::Value;

use super::{LoadError, Problem, Problems, Severity};
use crate::model::{Adcode, County, Prefecture, Province, ProvinceInfo};

/// Where the three boundary layers live inside a data directory.
#[derive(Debug, Clone)]
pub struct BoundaryFiles {
    pub counties: PathBuf,
    pub prefectures: PathBuf,
    pub provinces: PathBuf,
}

impl BoundaryFiles {
    pub fn in_dir(data_dir: &Path) -> BoundaryFiles {
        let dir = data_dir.join("boundaries");
        BoundaryFiles {
            counties: dir.join("counties_west.geojson"),
            prefectures: dir.join("prefectures_west.geojson"),
            provinces: dir.join("provinces_west.geojson"),
        }
    }
}

struct Parsed {
    file: String,
    index: u64,
    props: serde_json::Map<String, Value>,
    geometry: MultiPolygon<f64>,
}

fn read_features(path: &Path, problems: &mut Problems) -> Result<Vec<Parsed>, LoadError> {
    let bytes = super::read_file(path)?;
    let fc: FeatureCollection = serde_json::from_slice(&bytes).map_err(|e| LoadError::GeoJson {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let file = path.display().to_string();
    let mut out = Vec::with_capacity(fc.features.len());
    for (
        i,
        Feature {
            geometry,
            properties,
            ..
        },
    ) in fc.features.into_iter().enumerate()
    {
        let index = i as u64 + 1;
        let bad = |reason: String| Problem {
            severity: Severity::Error,
            file: file.clone(),
            line: None,
            column: Some(format!("features[{}]", index - 1)),
            value: None,
            reason,
        };
        let Some(geometry) = geometry else {
            problems.push(bad("feature has no geometry; left out".into()));
            continue;
        };
        let geometry = match to_multipolygon(&geometry.value) {
            Ok(mp) => mp,
            Err(reason) => {
                problems.push(bad(format!("{reason}; left out")));
                continue;
            }
        };
        let out_of_range = geometry
            .0
            .iter()
            .flat_map(|p| p.exterior().0.iter())
            .any(|c| {
                !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0)
            });
        if out_of_range {
            problems.push(bad(
                "coordinates outside longitude/latitude range; left out".into(),
            ));
            continue;
        }
        // RFC 7946: exterior rings counter-clockwise, holes clockwise.
        let geometry = geometry.orient(Direction::Default);
        out.push(Parsed {
            file: file.clone(),
            index,
            props: properties.unwrap_or_default(),
            geometry,
        });
    }
    Ok(out)
}

impl Parsed {
    fn problem(&self, column: &str, value: Option<String>, reason: &str) -> Problem {
        Problem {
            severity: Severity::Error,
            file: self.file.clone(),
            line: None,
            column: Some(format!("features[{}].properties.{column}", self.index - 1)),
            value,
            reason: format!("{reason}; feature left out"),
        }
    }

    fn text(&self, key: &str, problems: &mut Vec<Problem>) -> String {
        match self.props.get(key) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            other => {
                problems.push(self.problem(
                    key,
                    other.map(|v| v.to_string()),
                    "expected a non-empty string",
                ));
                String::new()
            }
        }
    }

    fn adcode(&self, key: &str, problems: &mut Vec<Problem>) -> Adcode {
        let text = self.text(key, problems);
        match text.parse::<u32>() {
            Ok(v) if text.len() == 6 => v,
            _ => {
                if !text.is_empty() {
                    problems.push(self.problem(key, Some(text), "expected a six-digit adcode"));
                }
                0
            }
        }
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.props.get(key), Some(Value::Bool(true)))
    }

    fn area_km2(&self) -> f64 {
        self.geometry.geodesic_area_unsigned() / 1e6
    }
}

fn keep<T>(item: T, errs: Vec<Problem>, problems: &mut Problems, out: &mut Vec<T>) {
    if errs.is_empty() {
        out.push(item);
    } else {
        errs.into_iter().for_each(|p| problems.push(p));
    }
}

/// Loads the county layer.
pub fn load_counties(path: &Path, problems: &mut Problems) -> Result<Vec<County>, LoadError> {
    counties(path, problems, true)
}

/// Loads the county layer without the areas (`area_km2` is NaN), for lookups that never read
/// them: the geodesic areas are about half of the loading time (`compute-atlas locate`).
pub fn load_counties_without_area(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<County>, LoadError> {
    counties(path, problems, false)
}

fn counties(path: &Path, problems: &mut Problems, area: bool) -> Result<Vec<County>, LoadError> {
    let mut out = Vec::new();
    for f in read_features(path, problems)? {
        let mut e = Vec::new();
        let county = County {
            adcode: f.adcode("adcode", &mut e),
            name_zh: f.text("name_zh", &mut e),
            name_en: f.text("name_en", &mut e),
            name_pinyin: f
                .props
                .get("name_pinyin")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            alt_names: f
                .props
                .get("alt_names")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            prefecture_adcode: f.adcode("prefecture_adcode", &mut e),
            prefecture_zh: f.text("prefecture_zh", &mut e),
            prefecture_en: f.text("prefecture_en", &mut e),
            province_adcode: f.adcode("province_adcode", &mut e),
            province_zh: f.text("province_zh", &mut e),
            province_en: f.text("province_en", &mut e),
            xpcc: f.flag("xpcc"),
            pref_is_self: f.flag("pref_is_self"),
            area_km2: if area { f.area_km2() } else { f64::NAN },
            geometry: f.geometry.clone().into(),
        };
        keep(county, e, problems, &mut out);
    }
    Ok(out)
}

/// Loads the prefecture layer.
pub fn load_prefectures(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<Prefecture>, LoadError> {
    let mut out = Vec::new();
    for f in read_features(path, problems)? {
        let mut e = Vec::new();
        let p = Prefecture {
            adcode: f.adcode("prefecture_adcode", &mut e),
            name_zh: f.text("prefecture_zh", &mut e),
            name_en: f.text("prefecture_en", &mut e),
            province_adcode: f.adcode("province_adcode", &mut e),
            province_zh: f.text("province_zh", &mut e),
            province_en: f.text("province_en", &mut e),
            area_km2: f.area_km2(),
            geometry: f.geometry.clone().into(),
        };
        keep(p, e, problems, &mut out);
    }
    Ok(out)
}

/// Loads the province layer; every province must be one of the twelve western ones.
pub fn load_provinces(path: &Path, problems: &mut Problems) -> Result<Vec<Province>, LoadError> {
    let mut out = Vec::new();
    for f in read_features(path, problems)? {
        let mut e = Vec::new();
        let adcode = f.adcode("province_adcode", &mut e);
        let short_en = match ProvinceInfo::by_adcode(adcode) {
            Some(info) => info.short_en.to_string(),
            None => {
                if adcode != 0 {
                    e.push(f.problem(
                        "province_adcode",
                        Some(adcode.to_string()),
                        "not a western province",
                    ));
                }
                String::new()
            }
        };
        let p = Province {
            adcode,
            name_zh: f.text("province_zh", &mut e),
            name_en: f.text("province_en", &mut e),
            short_en,
            area_km2: f.area_km2(),
            geometry: f.geometry.clone().into(),
        };
        keep(p, e, problems, &mut out);
    }
    Ok(out)
}

/// Converts a GeoJSON (Multi)Polygon, checking what the `geojson` crate's own conversion
/// assumes (it indexes positions without checking their length): every position has two
/// numbers and every ring at least four positions.
fn to_multipolygon(value: &GeometryValue) -> Result<MultiPolygon<f64>, String> {
    fn polygon(rings: &PolygonType) -> Result<Polygon<f64>, String> {
        let mut out: Vec<LineString<f64>> = Vec::with_capacity(rings.len());
        for ring in rings {
            if ring.len() < 4 {
                return Err(format!(
                    "a polygon ring has {} positions; at least 4 are needed",
                    ring.len()
                ));
            }
            let coords = ring
                .iter()
                .map(|p| match p.as_slice() {
                    [x, y, ..] => Ok(Coord { x: *x, y: *y }),
                    other => Err(format!(
                        "a position has {} number(s); two are needed",
                        other.len()
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.push(LineString(coords));
        }
        let mut it = out.into_iter();
        let exterior = it.next().ok_or("a polygon has no rings")?;
        Ok(Polygon::new(exterior, it.collect()))
    }
    match value {
        GeometryValue::Polygon { coordinates } => Ok(MultiPolygon(vec![polygon(coordinates)?])),
        GeometryValue::MultiPolygon { coordinates } => Ok(MultiPolygon(
            coordinates.iter().map(polygon).collect::<Result<_, _>>()?,
        )),
        other => Err(format!(
            "expected a Polygon or MultiPolygon, found {}",
            other.type_name()
        )),
    }
}
