//! Operating plant capacity around a point: by fuel within each radius, and the nearest plant of
//! each fuel (geodesic distances from the plant R-tree).

use serde::Serialize;

use crate::index::PointIndex;
use crate::model::{Fuel, PowerPlant};

/// Operating plant capacity around a site.
#[derive(Debug, Clone, Serialize)]
pub struct SitePower {
    /// For each radius (50, 100, 200 km): capacity by fuel, MW.
    pub within: Vec<RadiusPower>,
    /// Nearest operating plant of each fuel present in the data.
    pub nearest: Vec<NearestPlant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RadiusPower {
    pub radius_km: f64,
    pub total_mw: f64,
    pub by_fuel: Vec<(Fuel, f64)>,
    pub plants: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearestPlant {
    pub fuel: Fuel,
    pub plant_id: String,
    pub name: String,
    pub capacity_mw: f64,
    pub distance_km: f64,
}

/// The radii of the per-site power figures.
pub const SITE_RADII_KM: [f64; 3] = [50.0, 100.0, 200.0];

pub(super) fn counted_plant_indexes(
    plants: &[PowerPlant],
    counted: &[bool],
) -> Vec<(Fuel, PointIndex, Vec<usize>)> {
    Fuel::ALL
        .into_iter()
        .filter_map(|fuel| {
            let members: Vec<usize> = (0..plants.len())
                .filter(|&i| counted[i] && plants[i].fuel == fuel)
                .collect();
            (!members.is_empty()).then(|| {
                let index = PointIndex::new(
                    members
                        .iter()
                        .map(|&i| (plants[i].lon, plants[i].lat))
                        .collect(),
                );
                (fuel, index, members)
            })
        })
        .collect()
}

pub(super) fn power_around(
    lon: f64,
    lat: f64,
    radii_km: &[f64],
    plants: &[PowerPlant],
    counted: &[bool],
    index: &PointIndex,
    fuel_indexes: &[(Fuel, PointIndex, Vec<usize>)],
) -> SitePower {
    let max_r = radii_km.iter().copied().fold(0.0, f64::max);
    let near = index.within_km(lon, lat, max_r);
    let within = radii_km
        .iter()
        .map(|&r| {
            let mut by_fuel: Vec<(Fuel, f64)> = Vec::new();
            let mut n = 0;
            for hit in near
                .iter()
                .filter(|h| h.distance_km <= r && counted[h.index])
            {
                let p = &plants[hit.index];
                n += 1;
                match by_fuel.iter_mut().find(|(f, _)| *f == p.fuel) {
                    Some(e) => e.1 += p.capacity_mw,
                    None => by_fuel.push((p.fuel, p.capacity_mw)),
                }
            }
            by_fuel.sort_by_key(|(f, _)| *f);
            RadiusPower {
                radius_km: r,
                total_mw: by_fuel.iter().map(|x| x.1).sum(),
                by_fuel,
                plants: n,
            }
        })
        .collect();
    let nearest = fuel_indexes
        .iter()
        .filter_map(|(fuel, fuel_index, members)| {
            fuel_index.nearest(lon, lat, 1).first().map(|h| {
                let p = &plants[members[h.index]];
                NearestPlant {
                    fuel: *fuel,
                    plant_id: p.id.clone(),
                    name: p.name.clone(),
                    capacity_mw: p.capacity_mw,
                    distance_km: h.distance_km,
                }
            })
        })
        .collect();
    SitePower { within, nearest }
}
