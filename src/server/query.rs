//! Parsing and validating query strings. Pure functions, so they can be tested (and fuzzed)
//! without a server; each error says which parameter was wrong and why.

use chrono::{DateTime, NaiveDate};

use crate::crs::{self, Crs};

/// A query-string problem; becomes an HTTP 400 whose detail is the message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(msg.into()))
}

/// Longest query string accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 8192;

/// Splits and percent-decodes a raw query string. Rejects invalid UTF-8, repeated parameters
/// and over-long query strings.
pub fn parse_pairs(raw: &str) -> Result<Vec<(String, String)>, QueryError> {
    if raw.len() > MAX_QUERY_LEN {
        return err(format!(
            "query string is {} bytes; the limit is {MAX_QUERY_LEN}",
            raw.len()
        ));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let decode = |s: &str| -> Result<String, QueryError> {
            let s = s.replace('+', " ");
            percent_encoding::percent_decode_str(&s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    QueryError(format!(
                        "parameter {s:?} is not valid UTF-8 after percent-decoding"
                    ))
                })
        };
        let (k, v) = (decode(k)?, decode(v)?);
        if out.iter().any(|(ek, _)| *ek == k) {
            return err(format!("parameter `{k}` is given more than once"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// Parses a whole number parameter within `min..=max`.
pub fn parse_uint(name: &str, v: &str, min: u64, max: u64) -> Result<u64, QueryError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        Ok(n) => err(format!(
            "`{name}`={n} is out of range; allowed {min} to {max}"
        )),
        Err(_) => err(format!("`{name}` must be a whole number, got {v:?}")),
    }
}

fn parse_finite(name: &str, s: &str) -> Result<f64, QueryError> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => err(format!(
            "`{name}` must hold finite decimal numbers, got {s:?}"
        )),
    }
}

/// A validated bbox in the CRS it was given in: (minx, miny, maxx, maxy) in that CRS's axis
/// order as the standard requires (for EPSG:4326, lat first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min: (f64, f64),
    pub max: (f64, f64),
}

/// Parses `bbox` (4 numbers, or 6 with heights, which are checked and ignored).
pub fn parse_bbox(v: &str, crs: Crs) -> Result<Bbox, QueryError> {
    let nums: Vec<f64> = v
        .split(',')
        .map(|s| parse_finite("bbox", s))
        .collect::<Result<_, _>>()?;
    let (a, b, c, d) = match nums.as_slice() {
        [a, b, c, d] => (*a, *b, *c, *d),
        [a, b, zmin, c, d, zmax] => {
            if zmin > zmax {
                return err("bbox: the minimum height is above the maximum height");
            }
            (*a, *b, *c, *d)
        }
        _ => {
            return err(format!(
                "bbox must have 4 numbers (or 6 with heights), got {}",
                nums.len()
            ))
        }
    };
    if a > c || b > d {
        return err(format!(
            "bbox {v:?}: lower corner must come first (min ≤ max on both axes); boxes crossing the antimeridian are not supported"
        ));
    }
    if crs.is_geographic() {
        let (lon0, lat0, lon1, lat1) = if crs.lat_first() {
            (b, a, d, c)
        } else {
            (a, b, c, d)
        };
        if lon0 < -180.0 || lon1 > 180.0 || lat0 < -90.0 || lat1 > 90.0 {
            return err(format!(
                "bbox {v:?} is outside longitude ±180 / latitude ±90 for {}",
                crs.uri()
            ));
        }
    }
    Ok(Bbox {
        min: (a, b),
        max: (c, d),
    })
}

impl Bbox {
    /// The box in CRS84 (lon/lat): for projected CRSs, the envelope of the transformed boundary.
    pub fn to_crs84(self, crs: Crs) -> Result<geo_types::Rect<f64>, QueryError> {
        let mut pts = Vec::new();
        let n = 16;
        for i in 0..=n {
            let t = i as f64 / n as f64;
            let x = self.min.0 + t * (self.max.0 - self.min.0);
            let y = self.min.1 + t * (self.max.1 - self.min.1);
            pts.extend([
                (x, self.min.1),
                (x, self.max.1),
                (self.min.0, y),
                (self.max.0, y),
            ]);
        }
        let mut lo = (f64::MAX, f64::MAX);
        let mut hi = (f64::MIN, f64::MIN);
        for (x, y) in pts {
            let (lon, lat) =
                crs::to_crs84(crs, x, y).map_err(|e| QueryError(format!("bbox: {e}")))?;
            lo = (lo.0.min(lon), lo.1.min(lat));
            hi = (hi.0.max(lon), hi.1.max(lat));
        }
        Ok(geo_types::Rect::new(lo, hi))
    }
}

/// A `datetime` filter: a closed interval of days, each end optional (open).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

impl Interval {
    /// `true` when the period `[a, b]` overlaps the interval.
    pub fn overlaps(&self, a: NaiveDate, b: NaiveDate) -> bool {
        self.start.is_none_or(|s| b >= s) && self.end.is_none_or(|e| a <= e)
    }
}

fn parse_instant(s: &str) -> Result<NaiveDate, QueryError> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.date_naive());
    }
    err(format!(
        "datetime: {s:?} is not an RFC 3339 date (YYYY-MM-DD) or date-time"
    ))
}

/// Parses `datetime`: an instant, or an interval `a/b` with `..` or an empty end for open.
pub fn parse_datetime(v: &str) -> Result<Interval, QueryError> {
    let v = v.trim();
    let end = |s: &str| -> Result<Option<NaiveDate>, QueryError> {
        if s.is_empty() || s == ".." {
            Ok(None)
        } else {
            parse_instant(s).map(Some)
        }
    };
    let iv = match v.split_once('/') {
        Some((a, b)) => {
            if b.contains('/') {
                return err("datetime: an interval has exactly one '/'");
            }
            let iv = Interval {
                start: end(a)?,
                end: end(b)?,
            };
            if iv.start.is_none() && iv.end.is_none() {
                return err("datetime: both ends of the interval are open");
            }
            iv
        }
        None => {
            let d = parse_instant(v)?;
            Interval {
                start: Some(d),
                end: Some(d),
            }
        }
    };
    if let (Some(a), Some(b)) = (iv.start, iv.end) {
        if a > b {
            return err("datetime: the interval ends before it starts");
        }
    }
    Ok(iv)
}

/// One `sortby` key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub property: String,
    pub descending: bool,
}

/// Parses `sortby=+a,-b,c`.
pub fn parse_sortby(v: &str) -> Result<Vec<SortKey>, QueryError> {
    let keys: Vec<SortKey> = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (descending, name) = match s.as_bytes()[0] {
                b'-' => (true, &s[1..]),
                b'+' | b' ' => (false, s[1..].trim()),
                _ => (false, s),
            };
            SortKey {
                property: name.to_string(),
                descending,
            }
        })
        .collect();
    if keys.is_empty() {
        return err("sortby is empty");
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pairs_reject_repeats_and_bad_utf8() {
        assert!(parse_pairs("a=1&a=2")
            .unwrap_err()
            .0
            .contains("more than once"));
        assert!(parse_pairs("a=%FF").unwrap_err().0.contains("UTF-8"));
        assert_eq!(
            parse_pairs("province=Inner+Mongolia").unwrap()[0].1,
            "Inner Mongolia"
        );
    }

    #[test]
    fn bbox_rules() {
        assert!(parse_bbox("90,40,100,45", Crs::Crs84).is_ok());
        assert!(parse_bbox("90,40,0,100,45,10", Crs::Crs84).is_ok());
        assert!(parse_bbox("100,40,90,45", Crs::Crs84).is_err());
        assert!(parse_bbox("90,40,100", Crs::Crs84).is_err());
        assert!(parse_bbox("90,NaN,100,45", Crs::Crs84).is_err());
        assert!(parse_bbox("90,40,100,inf", Crs::Crs84).is_err());
        assert!(parse_bbox("-200,40,100,45", Crs::Crs84).is_err());
        // EPSG:4326 is latitude first: 40..45 N, 90..100 E.
        assert!(parse_bbox("40,90,45,100", Crs::Epsg(4326)).is_ok());
        assert!(parse_bbox("90,40,100,45", Crs::Epsg(4326)).is_err());
    }

    #[test]
    fn datetime_forms() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            parse_datetime("2025-01-01/..").unwrap(),
            Interval {
                start: Some(d("2025-01-01")),
                end: None
            }
        );
        assert_eq!(
            parse_datetime("/2024-12-31").unwrap().end,
            Some(d("2024-12-31"))
        );
        assert_eq!(
            parse_datetime("2024-06-01T00:00:00Z").unwrap().start,
            Some(d("2024-06-01"))
        );
        assert!(parse_datetime("../..").is_err());
        assert!(parse_datetime("2025-01-02/2025-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,64}") {
            let _ = parse_pairs(&s);
            let _ = parse_bbox(&s, Crs::Crs84);
            let _ = parse_bbox(&s, Crs::Epsg(3857));
            let _ = parse_datetime(&s);
            let _ = parse_sortby(&s);
            let _ = parse_uint("limit", &s, 1, 10_000);
        }

        #[test]
        fn valid_bboxes_are_accepted(x0 in -180.0f64..180.0, y0 in -90.0f64..90.0, w in 0.0f64..10.0, h in 0.0f64..10.0) {
            let (x1, y1) = ((x0 + w).min(180.0), (y0 + h).min(90.0));
            let b = parse_bbox(&format!("{x0},{y0},{x1},{y1}"), Crs::Crs84).unwrap();
            prop_assert!(b.min.0 <= b.max.0 && b.min.1 <= b.max.1);
        }
    }
}
