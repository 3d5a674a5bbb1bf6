//! `compute-atlas plot KIND -o FILE`: render a plot to a PNG or SVG file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use compute_atlas::plot::{self, Breaks, Format, Lang, PlotKind, PlotLevel, PlotRequest};
use compute_atlas::timeline::Step;
use compute_atlas::Atlas;

use super::common::write_file;
use super::{DataArgs, Result};

#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    data: DataArgs,
    /// What to draw.
    #[arg(value_enum)]
    kind: PlotKind,
    /// Output file, .png or .svg.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format (default: the output file's extension).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// County metric (e.g. pflops_per_10k_km2, sites, plant_mw_total, renewable_mw).
    #[arg(long)]
    metric: Option<String>,
    /// One province (short English name, e.g. Xinjiang).
    #[arg(long)]
    province: Option<String>,
    #[arg(long)]
    width: Option<u32>,
    #[arg(long)]
    height: Option<u32>,
    /// Pixel density for PNG (1-3).
    #[arg(long)]
    scale: Option<u32>,
    /// Label language: en (English/pinyin) or zh (Chinese labels; needs a CJK font).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    #[arg(long)]
    title: Option<String>,
    /// Class breaks of the choropleth.
    #[arg(long, value_enum)]
    breaks: Option<Breaks>,
    /// Number of counties in top-counties.
    #[arg(long)]
    top: Option<u32>,
    /// Unit level of compute-vs-power (default county) and power-balance (default province).
    #[arg(long, value_enum)]
    level: Option<PlotLevel>,
    /// Period length of timeline (default year).
    #[arg(long, value_enum)]
    by: Option<Step>,
    /// PUE replacing the data's range in the power-balance estimate (1-3).
    #[arg(long)]
    pue: Option<String>,
    /// Average draw as a share of the servers' rated maximum in the power-balance estimate
    /// (0.05-1).
    #[arg(long)]
    utilisation: Option<String>,
    /// A TrueType/OpenType font file to use for all text.
    #[arg(long)]
    font: Option<PathBuf>,
}

/// The name a value goes by on the command line (and in the plot query).
fn name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

impl PlotArgs {
    /// The options as the query pairs of `/plots/{kind}`, so both are validated by
    /// [`PlotRequest::from_query`] alike (ranges, and options that do not apply to the kind).
    fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                pairs.push((k.to_string(), v));
            }
        };
        add("metric", self.metric.clone());
        add("province", self.province.clone());
        add("width", self.width.map(|v| v.to_string()));
        add("height", self.height.map(|v| v.to_string()));
        add("scale", self.scale.map(|v| v.to_string()));
        add("lang", self.lang.map(name));
        add("title", self.title.clone());
        add("breaks", self.breaks.map(name));
        add("top", self.top.map(|v| v.to_string()));
        add("level", self.level.map(name));
        add("by", self.by.map(name));
        add("pue", self.pue.clone());
        add("utilisation", self.utilisation.clone());
        pairs
    }
}

pub fn plot(args: &PlotArgs) -> Result<ExitCode> {
    let output = &args.output;
    let kind = args.kind;
    let format = match args.format {
        Some(f) => f,
        None => Format::from_path(output).ok_or_else(|| {
            format!(
                "{}: the output file must end in .png or .svg",
                output.display()
            )
        })?,
    };
    let request = PlotRequest::from_query(kind, format, &args.pairs())?;
    let fonts = plot::Fonts::load(args.font.as_deref())?;
    let atlas = Atlas::build(&args.data.config())?;
    // Warm the projection so the timing below is the render alone.
    let _ = plot::render(&atlas, &request, &fonts)?;
    let t = Instant::now();
    let bytes = plot::render(&atlas, &request, &fonts)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    write_file(output, &bytes)?;
    println!("{{\"kind\":\"plot\",\"impl\":\"compute-atlas\",\"plot\":\"{}\",\"ms\":{ms:.1},\"bytes\":{}}}", kind.as_str(), bytes.len());
    eprintln!(
        "wrote {} ({} bytes, rendered in {ms:.1} ms)",
        output.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
