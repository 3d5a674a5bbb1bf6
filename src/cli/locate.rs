//! `compute-atlas locate LON LAT`: the county, prefecture and province of a point.

use std::process::ExitCode;

use compute_atlas::Atlas;

use super::{DataArgs, Result};

pub fn locate(data: &DataArgs, lon: f64, lat: f64) -> Result<ExitCode> {
    if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(format!("({lon}, {lat}) is not a longitude/latitude pair in range").into());
    }
    let atlas = Atlas::build(&data.config())?;
    match atlas.county_at(lon, lat) {
        Some(c) => {
            println!("county:     {} {} ({})", c.adcode, c.name_en, c.name_zh);
            println!(
                "prefecture: {} {} ({})",
                c.prefecture_adcode, c.prefecture_en, c.prefecture_zh
            );
            println!(
                "province:   {} {} ({})",
                c.province_adcode, c.province_en, c.province_zh
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("({lon}, {lat}) is outside the covered area (the twelve western provinces)");
            Ok(ExitCode::from(1))
        }
    }
}
