//! Colour scales that survive greyscale printing and colour-blind readers.

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// Viridis sampled at t = 0.0, 0.1, ..., 1.0 (dark purple to yellow); interpolated linearly.
const VIRIDIS: [Rgb; 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// Viridis at `t` in 0..=1.
pub fn viridis(t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `n` class colours from light (lowest class) to dark (highest), on viridis from t = 0.85 down
/// to 0: every class is darker in greyscale than [`NO_DATA`] and [`ZERO`], and the lightness
/// steps are monotonic.
pub fn sequential(n: usize) -> Vec<Rgb> {
    match n {
        0 => Vec::new(),
        1 => vec![viridis(0.5)],
        _ => (0..n)
            .map(|i| viridis(0.85 * (1.0 - i as f64 / (n - 1) as f64)))
            .collect(),
    }
}

/// Neutral grey for units whose value is unknown.
pub const NO_DATA: Rgb = (0xdc, 0xdc, 0xdc);
/// Pale cream for units whose value is exactly zero (a real value, distinct from unknown).
pub const ZERO: Rgb = (0xfb, 0xf7, 0xd8);

/// Perceived lightness (Rec. 601 luma), 0..=255.
pub fn luma(c: Rgb) -> f64 {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64
}

/// Qualitative colours (Paul Tol's "muted" scheme extended) for the provinces in
/// `WESTERN_PROVINCES` order, colour-blind safe.
pub const QUALITATIVE: [Rgb; 12] = [
    (0x33, 0x22, 0x88),
    (0x88, 0xcc, 0xee),
    (0x44, 0xaa, 0x99),
    (0x11, 0x77, 0x33),
    (0x99, 0x99, 0x33),
    (0xdd, 0xcc, 0x77),
    (0xcc, 0x66, 0x77),
    (0x77, 0x77, 0x77),
    (0xaa, 0x44, 0x99),
    (0xee, 0x88, 0x66),
    (0x88, 0x22, 0x55),
    (0x44, 0x77, 0xaa),
];

/// Text of titles, labels and values.
pub const INK: Rgb = (0x22, 0x22, 0x22);
/// Secondary text: subtitles, footers, tick labels, notes.
pub const MUTED: Rgb = (0x55, 0x55, 0x55);
/// Grid lines behind the data.
pub const GRID: Rgb = (0xe3, 0xe3, 0xe3);
/// Axis lines.
pub const AXIS: Rgb = (0x88, 0x88, 0x88);

/// Colour of a fuel in the stacked capacity bars.
pub fn fuel(f: crate::model::Fuel) -> Rgb {
    use crate::model::Fuel::*;
    match f {
        Coal => (0x3b, 0x3b, 0x3b),
        Gas => (0xcc, 0x66, 0x77),
        Oil => (0x88, 0x22, 0x55),
        Hydro => (0x44, 0x77, 0xaa),
        Nuclear => (0xaa, 0x44, 0x99),
        Bioenergy => (0x11, 0x77, 0x33),
        Solar => (0xdd, 0xcc, 0x77),
        Wind => (0x88, 0xcc, 0xee),
        Geothermal => (0xee, 0x88, 0x66),
        Other => (0xbb, 0xbb, 0xbb),
    }
}

/// Colour of a site status, from pale (announced) to strong (operational), as on the web map.
pub fn status(s: crate::model::SiteStatus) -> Rgb {
    use crate::model::SiteStatus::*;
    match s {
        Operational => (0xd6, 0x2f, 0x5e),
        UnderConstruction => (0xf0, 0x8a, 0x24),
        Tendered => (0xd9, 0xb3, 0x00),
        Announced => (0x9a, 0x86, 0xe0),
    }
}

/// Wind and solar generation in the power balance.
pub const GENERATION: Rgb = (0x44, 0xaa, 0x99);
/// Curtailed wind and solar energy in the power balance.
pub const CURTAILED: Rgb = (0xcc, 0x66, 0x77);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_monotonic_in_lightness_and_darker_than_no_data() {
        let c = sequential(6);
        for w in c.windows(2) {
            assert!(luma(w[0]) > luma(w[1]), "{w:?}");
        }
        assert!(luma(c[0]) + 20.0 < luma(NO_DATA));
        assert!(luma(NO_DATA) + 15.0 < luma(ZERO));
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[10]);
    }
}
