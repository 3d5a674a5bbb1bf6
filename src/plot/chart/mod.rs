//! The charts, one file each: leading counties ([`top_counties`]), compute against renewable
//! capacity ([`compute_vs_power`]), capacity by fuel per province ([`province_power`]), the
//! build-out over time ([`timeline`]) and estimated demand against supply ([`power_balance`]). Their
//! frame (title, subtitle, footer), value axes and colour keys are shared from [`frame`],
//! [`axis`] and [`legend`]; the choropleth map is in `super::map`.

mod axis;
mod compute_vs_power;
mod frame;
mod legend;
mod power_balance;
mod province_power;
mod timeline;
mod top_counties;

pub(super) use compute_vs_power::render as render_scatter;
pub(super) use frame::place;
pub(super) use power_balance::render as render_power_balance;
pub(super) use province_power::render as render_province_power;
pub(super) use timeline::render as render_timeline;
pub(super) use top_counties::render as render_top;
pub use top_counties::top_counties;

/// Reference size of charts, at which the size unit is 1.
const BASE: (f64, f64) = (1400.0, 900.0);
