use geo_types::MultiPolygon;

use super::Adcode;

/// A county-level unit (county, district, county-level city, banner, XPCC city).
#[derive(Debug, Clone)]
pub struct County {
    pub adcode: Adcode,
    pub name_zh: String,
    pub name_en: String,
    pub name_pinyin: String,
    /// Other spellings, e.g. Uyghur or Mongolian names.
    pub alt_names: Vec<String>,
    pub prefecture_adcode: Adcode,
    pub prefecture_zh: String,
    pub prefecture_en: String,
    pub province_adcode: Adcode,
    pub province_zh: String,
    pub province_en: String,
    /// A city of the Xinjiang Production and Construction Corps (cut out of its host counties).
    pub xpcc: bool,
    /// The unit is its own prefecture (XPCC cities, Jiayuguan, ...).
    pub pref_is_self: bool,
    /// WGS84 longitude/latitude, rings wound counter-clockwise (exterior) per RFC 7946.
    pub geometry: std::sync::Arc<MultiPolygon<f64>>,
    /// Geodesic area on the WGS84 ellipsoid, km².
    pub area_km2: f64,
}

/// A prefecture-level unit, dissolved from its counties.
#[derive(Debug, Clone)]
pub struct Prefecture {
    pub adcode: Adcode,
    pub name_zh: String,
    pub name_en: String,
    pub province_adcode: Adcode,
    pub province_zh: String,
    pub province_en: String,
    pub geometry: std::sync::Arc<MultiPolygon<f64>>,
    pub area_km2: f64,
}

/// A province-level unit (province, autonomous region, municipality).
#[derive(Debug, Clone)]
pub struct Province {
    pub adcode: Adcode,
    pub name_zh: String,
    pub name_en: String,
    /// The short English name used by the curated tables ("Xinjiang", "Inner Mongolia", "Tibet").
    pub short_en: String,
    pub geometry: std::sync::Arc<MultiPolygon<f64>>,
    pub area_km2: f64,
}

/// Static facts about one of the twelve western provinces.
#[derive(Debug, Clone, Copy)]
pub struct ProvinceInfo {
    pub adcode: Adcode,
    /// Short English name, as in `sites.csv` and `province_power.csv`.
    pub short_en: &'static str,
    /// Prefix of site ids in `sites.csv`.
    pub site_prefix: &'static str,
}

/// The twelve provinces of the "western development" region that the atlas covers.
///
/// The short names are the ones the curated tables use; the boundary files carry the full titles.
pub const WESTERN_PROVINCES: [ProvinceInfo; 12] = [
    ProvinceInfo {
        adcode: 150000,
        short_en: "Inner Mongolia",
        site_prefix: "im",
    },
    ProvinceInfo {
        adcode: 450000,
        short_en: "Guangxi",
        site_prefix: "gx",
    },
    ProvinceInfo {
        adcode: 500000,
        short_en: "Chongqing",
        site_prefix: "cq",
    },
    ProvinceInfo {
        adcode: 510000,
        short_en: "Sichuan",
        site_prefix: "sc",
    },
    ProvinceInfo {
        adcode: 520000,
        short_en: "Guizhou",
        site_prefix: "gz",
    },
    ProvinceInfo {
        adcode: 530000,
        short_en: "Yunnan",
        site_prefix: "yn",
    },
    ProvinceInfo {
        adcode: 540000,
        short_en: "Tibet",
        site_prefix: "xz",
    },
    ProvinceInfo {
        adcode: 610000,
        short_en: "Shaanxi",
        site_prefix: "sx",
    },
    ProvinceInfo {
        adcode: 620000,
        short_en: "Gansu",
        site_prefix: "gs",
    },
    ProvinceInfo {
        adcode: 630000,
        short_en: "Qinghai",
        site_prefix: "qh",
    },
    ProvinceInfo {
        adcode: 640000,
        short_en: "Ningxia",
        site_prefix: "nx",
    },
    ProvinceInfo {
        adcode: 650000,
        short_en: "Xinjiang",
        site_prefix: "xj",
    },
];

impl ProvinceInfo {
    /// Looks a western province up by its short English name, case-insensitively.
    pub fn by_short_name(name: &str) -> Option<&'static ProvinceInfo> {
        WESTERN_PROVINCES
            .iter()
            .find(|p| p.short_en.eq_ignore_ascii_case(name.trim()))
    }

    /// Looks a western province up by adcode.
    pub fn by_adcode(adcode: Adcode) -> Option<&'static ProvinceInfo> {
        WESTERN_PROVINCES.iter().find(|p| p.adcode == adcode)
    }
}
