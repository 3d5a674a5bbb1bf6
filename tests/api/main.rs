//! The HTTP API, one module per API part, in one test binary (each binary links the whole
//! stack): through actix's test service on the real data (with the power-plant files when
//! available), and GDAL/OGR as a real client against the real binary.

#[path = "../common/mod.rs"]
mod common;

mod analytics;
mod cache;
mod core;
mod demand;
mod downloads;
mod features;
mod filter;
mod gdal;
mod html;
mod html_parts;
mod negotiation;
mod plots;
mod processes;
mod tiles;
