//! A thin drawing layer over plotters' bitmap and SVG backends: pixel coordinates, text placed
//! by baseline the same way in both backends, PNG encoding in memory.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colour::Rgb;
use super::{Format, PlotError, PlotRequest};

pub use plotters::style::text_anchor::HPos as Align;

/// Something that paints itself on a canvas of either backend.
pub trait Painter {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError>;
}

/// How a block of plain lines is set.
#[derive(Debug, Clone, Copy)]
pub struct LineStyle {
    pub size: f64,
    /// Distance between baselines.
    pub step: f64,
    pub colour: Rgb,
}

/// A drawing surface in device pixels.
pub struct Canvas<'a, DB: DrawingBackend> {
    pub area: DrawingArea<DB, Shift>,
    pub w: f64,
    pub h: f64,
    /// Size unit: 1.0 at the reference size (1600×1200 maps, 1400×900 charts) and scale 1.
    pub u: f64,
    pub family: &'a str,
    /// SVG (vector) rather than PNG.
    pub vector: bool,
}

fn err<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Render(format!("{e:?}"))
}

pub fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

impl<DB: DrawingBackend> Canvas<'_, DB> {
    fn style(&self, size: f64, bold: bool, colour: Rgb, align: HPos) -> TextStyle<'_> {
        let font = FontDesc::new(
            FontFamily::Name(self.family),
            size,
            if bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        );
        TextStyle {
            font,
            color: rgb(colour).to_backend_color(),
            pos: Pos::new(align, VPos::Top),
        }
    }

    /// Draws `s` with its baseline at `y`, anchored at `x` by `align`.
    pub fn text(
        &self,
        s: &str,
        (x, y): (f64, f64),
        size: f64,
        colour: Rgb,
        align: HPos,
        bold: bool,
    ) -> Result<(), PlotError> {
        if s.is_empty() {
            return Ok(());
        }
        // Baseline offsets of a top-anchored text: ab_glyph puts it at half the size, SVG at
        // 0.76 em with em = size / 1.24.
        let top = if self.vector {
            y - 0.76 * size / 1.24
        } else {
            y - 0.5 * size
        };
        let style = self.style(size, bold, colour, align);
        self.area
            .draw(&Text::new(
                s.to_string(),
                (x.round() as i32, top.round() as i32),
                style,
            ))
            .map_err(err)
    }

    /// Text with a white halo, for labels over data.
    pub fn halo_text(
        &self,
        s: &str,
        (x, y): (f64, f64),
        size: f64,
        colour: Rgb,
        align: HPos,
        bold: bool,
    ) -> Result<(), PlotError> {
        let d = (size / 12.0).max(1.0);
        if self.vector {
            // Four offset copies are enough at vector resolution.
            for (dx, dy) in [(-d, 0.0), (d, 0.0), (0.0, -d), (0.0, d)] {
                self.text(s, (x + dx, y + dy), size, (255, 255, 255), align, bold)?;
            }
        } else {
            for (dx, dy) in [
                (-d, -d),
                (0.0, -d),
                (d, -d),
                (-d, 0.0),
                (d, 0.0),
                (-d, d),
                (0.0, d),
                (d, d),
            ] {
                self.text(s, (x + dx, y + dy), size, (255, 255, 255), align, bold)?;
            }
        }
        self.text(s, (x, y), size, colour, align, bold)
    }

    /// Width of `s` in pixels.
    pub fn text_width(&self, s: &str, size: f64, bold: bool) -> f64 {
        if s.is_empty() {
            return 0.0;
        }
        let style = self.style(size, bold, (0, 0, 0), HPos::Left);
        self.area
            .estimate_text_size(s, &style)
            .map(|(w, _)| w as f64)
            .unwrap_or(s.chars().count() as f64 * size * 0.55)
    }

    /// Splits `s` into lines no wider than `width`, at spaces (or anywhere, for CJK text).
    pub fn wrap(&self, s: &str, size: f64, width: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let cjk = s.chars().any(|c| c as u32 >= 0x2e80);
        let tokens: Vec<String> = if cjk {
            s.chars().map(|c| c.to_string()).collect()
        } else {
            s.split(' ').map(|t| format!("{t} ")).collect()
        };
        for t in tokens {
            let candidate = format!("{line}{t}");
            if !line.is_empty() && self.text_width(candidate.trim_end(), size, false) > width {
                lines.push(line.trim_end().to_string());
                line = t.trim_start().to_string();
            } else {
                line = candidate;
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    /// Width of the widest of `labels`, for sizing a column of them.
    pub fn widest(&self, labels: &[String], size: f64) -> f64 {
        labels
            .iter()
            .map(|s| self.text_width(s, size, false))
            .fold(0.0, f64::max)
    }

    /// Draws `lines` left-aligned from the baseline `y`, one [`LineStyle::step`] apart; returns
    /// the baseline below the last line.
    pub fn lines(
        &self,
        lines: &[String],
        (x, mut y): (f64, f64),
        style: LineStyle,
    ) -> Result<f64, PlotError> {
        for line in lines {
            self.text(line, (x, y), style.size, style.colour, HPos::Left, false)?;
            y += style.step;
        }
        Ok(y)
    }

    /// `s` wrapped to `width`, cut to `max_lines` and drawn as [`Canvas::lines`].
    pub fn paragraph(
        &self,
        s: &str,
        at: (f64, f64),
        width: f64,
        max_lines: usize,
        style: LineStyle,
    ) -> Result<f64, PlotError> {
        let lines: Vec<String> = self
            .wrap(s, style.size, width)
            .into_iter()
            .take(max_lines)
            .collect();
        self.lines(&lines, at, style)
    }

    pub fn rect(&self, x0: f64, y0: f64, x1: f64, y1: f64, fill: Rgb) -> Result<(), PlotError> {
        let r = Rectangle::new(
            [
                (x0.round() as i32, y0.round() as i32),
                (x1.round() as i32, y1.round() as i32),
            ],
            rgb(fill).filled(),
        );
        self.area.draw(&r).map_err(err)
    }

    pub fn rect_outline(
        &self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        colour: Rgb,
    ) -> Result<(), PlotError> {
        let r = Rectangle::new(
            [
                (x0.round() as i32, y0.round() as i32),
                (x1.round() as i32, y1.round() as i32),
            ],
            rgb(colour).stroke_width(1),
        );
        self.area.draw(&r).map_err(err)
    }

    /// A polyline of `width` pixels. Bitmap lines wider than one pixel are drawn as offset
    /// copies (plotters' wide-path polygoniser misfills closed rings).
    pub fn polyline(
        &self,
        pts: &[(i32, i32)],
        colour: Rgb,
        alpha: f64,
        width: f64,
    ) -> Result<(), PlotError> {
        if pts.len() < 2 {
            return Ok(());
        }
        let c = rgb(colour).mix(alpha);
        if self.vector {
            let w = width.round().max(1.0) as u32;
            return self
                .area
                .draw(&PathElement::new(pts.to_vec(), c.stroke_width(w)))
                .map_err(err);
        }
        let n = width.round().max(1.0) as i32;
        for dx in 0..n {
            for dy in 0..n {
                let shifted: Vec<(i32, i32)> = pts
                    .iter()
                    .map(|p| (p.0 + dx - (n - 1) / 2, p.1 + dy - (n - 1) / 2))
                    .collect();
                self.area
                    .draw(&PathElement::new(shifted, c.stroke_width(1)))
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    pub fn line(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        colour: Rgb,
        width: f64,
    ) -> Result<(), PlotError> {
        let p = |q: (f64, f64)| (q.0.round() as i32, q.1.round() as i32);
        self.polyline(&[p(a), p(b)], colour, 1.0, width)
    }

    pub fn polygon(&self, pts: &[(i32, i32)], fill: Rgb) -> Result<(), PlotError> {
        if pts.len() < 3 {
            return Ok(());
        }
        self.area
            .draw(&Polygon::new(pts.to_vec(), rgb(fill).filled()))
            .map_err(err)
    }

    pub fn circle(
        &self,
        c: (f64, f64),
        r: f64,
        colour: Rgb,
        alpha: f64,
        fill: bool,
        width: f64,
    ) -> Result<(), PlotError> {
        let col = rgb(colour).mix(alpha);
        let style = if fill {
            col.filled()
        } else {
            col.stroke_width(width.round().max(1.0) as u32)
        };
        let centre = (c.0.round() as i32, c.1.round() as i32);
        self.area
            .draw(&Circle::new(centre, r.round().max(1.0) as i32, style))
            .map_err(err)
    }
}

/// Paints on the backend of `req.format` and returns the encoded bytes. `base` is the reference
/// size at which `u` is 1.
pub fn output(
    req: &PlotRequest,
    family: &str,
    base: (f64, f64),
    painter: &impl Painter,
) -> Result<Vec<u8>, PlotError> {
    let (w, h) = req.pixel_size();
    let u = req.scale
        * (req.width as f64 / base.0)
            .min(req.height as f64 / base.1)
            .max(0.5);
    match req.format {
        Format::Png => {
            let mut buf = vec![255u8; w as usize * h as usize * 3];
            {
                let area = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                let c = Canvas {
                    area,
                    w: w as f64,
                    h: h as f64,
                    u,
                    family,
                    vector: false,
                };
                painter.paint(&c)?;
                c.area.present().map_err(err)?;
            }
            encode_png(&buf, w, h)
        }
        Format::Svg => {
            let mut s = String::new();
            {
                let area = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
                let c = Canvas {
                    area,
                    w: w as f64,
                    h: h as f64,
                    u,
                    family,
                    vector: true,
                };
                c.area.fill(&WHITE).map_err(err)?;
                painter.paint(&c)?;
                c.area.present().map_err(err)?;
            }
            Ok(s.into_bytes())
        }
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::with_capacity(rgb.len() / 8);
    PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
        .write_image(rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| PlotError::Render(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}
