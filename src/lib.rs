//! compute-atlas: a cited atlas of AI computing sites in western China, set against the
//! region's power plants and renewable bases.
//!
//! Data flows one way: [`load`] (read and validate each source) -> [`index`] (rstar R-trees and
//! prepared polygons) -> [`figures`] (polars joins per county, prefecture, province) -> the
//! immutable [`atlas::Atlas`] that the server and the plots share.

pub mod analytics;
pub mod atlas;
pub mod balance;
pub mod crs;
pub mod edit;
pub mod export;
pub mod figures;
pub mod filter;
pub mod index;
pub mod layers;
pub mod load;
pub mod locate;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod publish;
pub mod reporting;
pub mod server;
pub mod store;
pub mod tiles;
pub mod timeline;

pub use atlas::{Atlas, AtlasConfig, AtlasError};
