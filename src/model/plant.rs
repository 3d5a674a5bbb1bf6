use serde::Serialize;

/// Primary fuel of a power plant, normalised over the GEM trackers and GPPD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fuel {
    Coal,
    Gas,
    Oil,
    Hydro,
    Nuclear,
    Bioenergy,
    Solar,
    Wind,
    Geothermal,
    Other,
}

impl Fuel {
    pub const ALL: [Fuel; 10] = [
        Fuel::Coal,
        Fuel::Gas,
        Fuel::Oil,
        Fuel::Hydro,
        Fuel::Nuclear,
        Fuel::Bioenergy,
        Fuel::Solar,
        Fuel::Wind,
        Fuel::Geothermal,
        Fuel::Other,
    ];

    /// Lower-case name used in properties and parameters (`coal`, `hydro`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Fuel::Coal => "coal",
            Fuel::Gas => "gas",
            Fuel::Oil => "oil",
            Fuel::Hydro => "hydro",
            Fuel::Nuclear => "nuclear",
            Fuel::Bioenergy => "bioenergy",
            Fuel::Solar => "solar",
            Fuel::Wind => "wind",
            Fuel::Geothermal => "geothermal",
            Fuel::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Fuel> {
        Fuel::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Renewable in the sense of Chinese energy statistics plus hydro and biomass.
    pub fn is_renewable(self) -> bool {
        matches!(
            self,
            Fuel::Hydro | Fuel::Bioenergy | Fuel::Solar | Fuel::Wind | Fuel::Geothermal
        )
    }
}

/// Life-cycle status, from the GEM vocabulary; GPPD lists operating plants only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlantStatus {
    Operating,
    Construction,
    PreConstruction,
    Permitted,
    PrePermit,
    Announced,
    Shelved,
    Cancelled,
    Retired,
    Mothballed,
}

impl PlantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlantStatus::Operating => "operating",
            PlantStatus::Construction => "construction",
            PlantStatus::PreConstruction => "pre-construction",
            PlantStatus::Permitted => "permitted",
            PlantStatus::PrePermit => "pre-permit",
            PlantStatus::Announced => "announced",
            PlantStatus::Shelved => "shelved",
            PlantStatus::Cancelled => "cancelled",
            PlantStatus::Retired => "retired",
            PlantStatus::Mothballed => "mothballed",
        }
    }

    /// Parses GEM's lower-case status strings. GEM's nuclear tracker writes
    /// "cancelled - inferred 4 y" for projects it presumes dead.
    pub fn parse(s: &str) -> Option<PlantStatus> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "operating" => PlantStatus::Operating,
            "construction" => PlantStatus::Construction,
            "pre-construction" => PlantStatus::PreConstruction,
            "permitted" => PlantStatus::Permitted,
            "pre-permit" => PlantStatus::PrePermit,
            "announced" => PlantStatus::Announced,
            "shelved" | "shelved - inferred 2 y" => PlantStatus::Shelved,
            "retired" => PlantStatus::Retired,
            "mothballed" => PlantStatus::Mothballed,
            _ if s.starts_with("cancelled") => PlantStatus::Cancelled,
            _ => return None,
        })
    }
}

/// Which published dataset a plant record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PlantSource {
    GemCoal,
    GemHydro,
    GemOilGas,
    GemNuclear,
    GemBioenergy,
    Gppd,
}

impl PlantSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PlantSource::GemCoal => "GEM Global Coal Plant Tracker",
            PlantSource::GemHydro => "GEM Global Hydropower Tracker",
            PlantSource::GemOilGas => "GEM Global Oil and Gas Plant Tracker",
            PlantSource::GemNuclear => "GEM Global Nuclear Power Tracker",
            PlantSource::GemBioenergy => "GEM Global Bioenergy Power Tracker",
            PlantSource::Gppd => "WRI Global Power Plant Database",
        }
    }

    pub fn is_gem(self) -> bool {
        self != PlantSource::Gppd
    }

    /// The attribution line the licence (CC BY 4.0) asks for.
    pub fn attribution(self) -> &'static str {
        match self {
            PlantSource::Gppd => "Global Power Plant Database v1.3.0, World Resources Institute et al. (2019), CC BY 4.0",
            PlantSource::GemCoal => "Global Coal Plant Tracker, Global Energy Monitor, July 2024 release, CC BY 4.0",
            PlantSource::GemHydro => "Global Hydropower Tracker, Global Energy Monitor, May 2024 release, CC BY 4.0",
            PlantSource::GemOilGas => "Global Oil and Gas Plant Tracker, Global Energy Monitor, August 2024 release, CC BY 4.0",
            PlantSource::GemNuclear => "Global Nuclear Power Tracker, Global Energy Monitor, July 2024 release, CC BY 4.0",
            PlantSource::GemBioenergy => "Global Bioenergy Power Tracker, Global Energy Monitor, September 2024 release, CC BY 4.0",
        }
    }
}

/// One power plant or generating unit (GEM coal, oil/gas, nuclear and bioenergy are unit-level).
#[derive(Debug, Clone)]
pub struct PowerPlant {
    /// Tracker id (GEM unit/phase id, GPPD `gppd_idnr`); unique within the atlas.
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub name_local: Option<String>,
    pub fuel: Fuel,
    /// The tracker's own fuel description, e.g. "fossil gas: natural gas".
    pub fuel_detail: Option<String>,
    pub capacity_mw: f64,
    pub status: PlantStatus,
    pub start_year: Option<i32>,
    pub owner: Option<String>,
    /// Province as given by the source (GEM `province`, GPPD `province_derived`).
    pub province: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub location_accuracy: Option<String>,
    pub source: PlantSource,
    pub url: Option<String>,
}
