//! Typed records of the atlas: what one row of each data file means once validated.
//!
//! Every figure that a source may not give is an `Option`: `None` means *unknown*, never zero.

mod admin;
mod plant;
mod power;
mod reference;
mod site;

pub use admin::{County, Prefecture, Province, ProvinceInfo, WESTERN_PROVINCES};
pub use plant::{Fuel, PlantSource, PlantStatus, PowerPlant};
pub use power::{PowerAssumption, Qualifier, ReportingFigure};
pub use reference::{BasePrecision, Chip, ProvinceStat, RenewableBase};
pub use site::{overlap_groups, Confidence, LocationPrecision, ReportedDate, Site, SiteStatus};

/// A six-digit national administrative division code (GB/T 2260), e.g. `650522` for Yiwu County.
pub type Adcode = u32;
