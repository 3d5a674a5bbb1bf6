//! Power-plant files: the five Global Energy Monitor trackers (China extracts) and the WRI
//! Global Power Plant Database. The format is recognised from the header, so users can pass the
//! files in any order and under any name.

use std::collections::HashMap;
use std::path::Path;

use super::table::{Row, Table};
use super::{LoadError, Problems};
use crate::model::{Fuel, PlantSource, PlantStatus, PowerPlant};

/// A recognised power-plant file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlantFormat {
    GemCoal,
    GemHydro,
    GemOilGas,
    GemNuclear,
    GemBioenergy,
    Gppd,
}

impl PlantFormat {
    pub fn source(self) -> PlantSource {
        match self {
            PlantFormat::GemCoal => PlantSource::GemCoal,
            PlantFormat::GemHydro => PlantSource::GemHydro,
            PlantFormat::GemOilGas => PlantSource::GemOilGas,
            PlantFormat::GemNuclear => PlantSource::GemNuclear,
            PlantFormat::GemBioenergy => PlantSource::GemBioenergy,
            PlantFormat::Gppd => PlantSource::Gppd,
        }
    }
}

/// Recognises a plant file from its header columns.
pub fn detect_plant_format(header: &[String]) -> Option<PlantFormat> {
    let has = |c: &str| header.iter().any(|h| h == c);
    if has("gppd_idnr") && has("primary_fuel") {
        Some(PlantFormat::Gppd)
    } else if has("gem_unit_id") && has("coal_type") {
        Some(PlantFormat::GemCoal)
    } else if has("gem_unit_id") && has("river") {
        Some(PlantFormat::GemHydro)
    } else if has("gem_unit_id") && has("reactor_type") {
        Some(PlantFormat::GemNuclear)
    } else if has("gem_phase_id") && has("fuel") {
        Some(PlantFormat::GemBioenergy)
    } else if has("fuel_type") && has("plant_name") && has("technology") {
        Some(PlantFormat::GemOilGas)
    } else {
        None
    }
}

/// Loads one plant file of any recognised format.
///
/// Ids are the trackers' own (GEM unit or phase id, GPPD `gppd_idnr`); GEM's oil and gas tracker
/// has none, so its id is built from plant name and unit. A repeated id is kept with a `-2`
/// suffix and reported. Rows without coordinates or capacity are left out and reported.
pub fn load_plants(
    path: &Path,
    problems: &mut Problems,
) -> Result<(PlantFormat, Vec<PowerPlant>), LoadError> {
    let table = Table::read(path, problems)?;
    let format =
        detect_plant_format(&table.header).ok_or_else(|| LoadError::UnknownPlantFormat {
            path: path.to_path_buf(),
            header: table
                .header
                .iter()
                .take(6)
                .cloned()
                .collect::<Vec<_>>()
                .join(","),
        })?;
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::new();
    for mut row in table.rows() {
        let plant = match format {
            PlantFormat::Gppd => gppd(&mut row),
            _ => gem(format, &mut row),
        };
        if let Some(mut p) = plant {
            let n = seen.entry(p.id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                let new_id = format!("{}-{}", p.id, n);
                row.warn(
                    "id",
                    Some(&p.id),
                    format!("repeated tracker id; this row is kept as {new_id}"),
                );
                p.id = new_id;
            }
            if row.finish(problems) {
                out.push(p);
            }
        } else {
            row.finish(problems);
        }
    }
    Ok((format, out))
}

fn year(row: &mut Row<'_>, column: &str) -> Option<i32> {
    // GEM and GPPD write years as `2012`, `2012.0` or a full date `2013-01-07`.
    row.parse(column, "a year", |s| {
        let y = s.split('-').next()?.parse::<f64>().ok()?;
        (y.is_finite() && (1880.0..=2100.0).contains(&y)).then(|| y.floor() as i32)
    })
}

fn gem(format: PlantFormat, row: &mut Row<'_>) -> Option<PowerPlant> {
    let (id_col, name_col, unit_col, local_col) = match format {
        PlantFormat::GemCoal => (
            "gem_unit_id",
            "plant_name",
            Some("unit_name"),
            "plant_name_local",
        ),
        PlantFormat::GemHydro => ("gem_unit_id", "project_name", None, "project_name_local"),
        PlantFormat::GemNuclear => (
            "gem_unit_id",
            "project_name",
            Some("unit_name"),
            "project_name_local",
        ),
        PlantFormat::GemBioenergy => (
            "gem_phase_id",
            "plant_name",
            Some("unit_name"),
            "plant_name_local",
        ),
        PlantFormat::GemOilGas => ("", "plant_name", Some("unit"), "plant_name_local"),
        PlantFormat::Gppd => unreachable!("GPPD has its own reader"),
    };
    let name = row.required(name_col);
    let unit = unit_col.and_then(|c| row.text(c)).filter(|u| u != "--");
    let id = if id_col.is_empty() {
        let slug: String = format!("{} {}", name, unit.as_deref().unwrap_or(""))
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        let slug = slug
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        format!("gogpt-{slug}")
    } else {
        row.required(id_col)
    };
    let status_text = row.required("status");
    let status = PlantStatus::parse(&status_text);
    if status.is_none() && !status_text.is_empty() {
        row.error("status", Some(&status_text), "unknown GEM status");
    }
    let (fuel, fuel_detail) = match format {
        PlantFormat::GemCoal => (Fuel::Coal, row.text("coal_type")),
        PlantFormat::GemHydro => (Fuel::Hydro, row.text("technology_type")),
        PlantFormat::GemNuclear => (Fuel::Nuclear, row.text("reactor_type")),
        PlantFormat::GemBioenergy => (Fuel::Bioenergy, row.text("fuel")),
        PlantFormat::GemOilGas => {
            let detail = row.text("fuel_type").unwrap_or_default();
            // Blast-furnace and coke-oven gas are gaseous fuels burnt like natural gas; the
            // detail keeps what GEM says.
            let fuel = if detail.starts_with("fossil liquids") {
                Fuel::Oil
            } else {
                Fuel::Gas
            };
            (fuel, Some(detail).filter(|d| !d.is_empty()))
        }
        PlantFormat::Gppd => unreachable!(),
    };
    let mut capacity = row.non_negative("capacity_mw");
    if format == PlantFormat::GemHydro && row.text("binational").as_deref() == Some("Yes") {
        // Binational dams: count only China's share.
        capacity = row.non_negative("country_1_capacity_mw");
    }
    if row.text("capacity_mw").is_none() {
        row.error("capacity_mw", None, "capacity is empty");
    }
    let start_year = match format {
        PlantFormat::GemNuclear => year(row, "commercial_operation"),
        _ => year(row, "start_year"),
    };
    let lonlat = row.lon_lat("longitude", "latitude");
    let (lon, lat) = lonlat?;
    Some(PowerPlant {
        id,
        name,
        unit,
        name_local: row.text(local_col),
        fuel,
        fuel_detail,
        capacity_mw: capacity?,
        status: status?,
        start_year,
        owner: row.text("owner"),
        province: row.text("province"),
        lon,
        lat,
        location_accuracy: row.text("location_accuracy"),
        source: format.source(),
        url: row.text("wiki_url"),
    })
}

fn gppd(row: &mut Row<'_>) -> Option<PowerPlant> {
    let id = row.required("gppd_idnr");
    let name = row.required("name");
    let fuel_text = row.required("primary_fuel");
    let fuel = match fuel_text.as_str() {
        "Coal" => Some(Fuel::Coal),
        "Gas" => Some(Fuel::Gas),
        "Oil" => Some(Fuel::Oil),
        "Hydro" => Some(Fuel::Hydro),
        "Nuclear" => Some(Fuel::Nuclear),
        "Biomass" | "Waste" => Some(Fuel::Bioenergy),
        "Solar" => Some(Fuel::Solar),
        "Wind" => Some(Fuel::Wind),
        "Geothermal" => Some(Fuel::Geothermal),
        "Other" | "Cogeneration" | "Petcoke" | "Storage" | "Wave and Tidal" => Some(Fuel::Other),
        "" => None,
        other => {
            row.error("primary_fuel", Some(other), "unknown GPPD fuel");
            None
        }
    };
    let capacity = row.non_negative("capacity_mw");
    if row.text("capacity_mw").is_none() {
        row.error("capacity_mw", None, "capacity is empty");
    }
    let start_year = year(row, "commissioning_year");
    let (lon, lat) = row.lon_lat("longitude", "latitude")?;
    Some(PowerPlant {
        id,
        name,
        unit: None,
        name_local: None,
        fuel: fuel?,
        fuel_detail: Some(fuel_text),
        capacity_mw: capacity?,
        // GPPD lists operating plants only (data of about 2017-2019).
        status: PlantStatus::Operating,
        start_year,
        owner: row.text("owner"),
        province: row.text("province_derived"),
        lon,
        lat,
        location_accuracy: row.text("geolocation_source"),
        source: PlantSource::Gppd,
        url: row.text("url"),
    })
}
