//! CQL2 filters (OGC API - Features Part 3) over a layer's features.
//!
//! The text is parsed by the `cql2` crate (cql2-text or cql2-json) after [`limits`] have
//! refused anything long or deeply nested enough to exhaust the stack of a recursive parser.
//! [`compile`] then checks the expression against the layer's schema (property names, types,
//! the date property, the functions offered) and turns it into a predicate, with literal
//! geometries moved to CRS84 once; [`eval`] runs that predicate on each feature with SQL's
//! three-valued logic (a comparison with null is unknown, and only true keeps a feature).
//! Errors name the position in the filter (character, or JSON pointer) and the reason.

mod compile;
mod eval;
mod limits;
mod locate;
mod ops;

use std::fmt;

use geo_types::Rect;

use crate::crs::{Crs, CrsError};
use crate::layers::{Layer, LayerFeature};

pub use limits::{MAX_DEPTH, MAX_FILTER_BYTES, MAX_OPERATORS};

/// The name of the geometry in filters and in the queryables.
pub const GEOMETRY_QUERYABLE: &str = "geometry";

/// The CQL2 conformance classes the evaluator implements (OGC 21-065r2), besides the encodings.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
];

/// The encoding of a filter (`filter-lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    Cql2Text,
    Cql2Json,
}

impl FilterLang {
    /// The values `filter-lang` accepts. `cql-text` is the draft's name, which GDAL's OAPIF
    /// driver (3.6 to 3.10 at least) sends; its expressions are cql2-text.
    pub const NAMES: [&'static str; 3] = ["cql2-text", "cql2-json", "cql-text"];

    pub fn parse(s: &str) -> Result<FilterLang, FilterError> {
        match s {
            "cql2-text" | "cql-text" => Ok(FilterLang::Cql2Text),
            "cql2-json" => Ok(FilterLang::Cql2Json),
            _ => Err(FilterError::Lang(s.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FilterLang::Cql2Text => "cql2-text",
            FilterLang::Cql2Json => "cql2-json",
        }
    }
}

/// Where in the filter an error lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// cql2-text: character offset (0-based, in characters), and 1-based line and column.
    Text {
        offset: usize,
        line: usize,
        column: usize,
    },
    /// cql2-json: a JSON pointer to the member (RFC 6901).
    Pointer(String),
    /// cql2-json syntax errors: the parser's line and column.
    JsonLineColumn { line: usize, column: usize },
    /// The whole filter.
    Whole,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Text { line, column, .. } if *line == 1 => write!(f, "column {column}"),
            Position::Text { line, column, .. } => write!(f, "line {line}, column {column}"),
            Position::Pointer(p) if p.is_empty() => f.write_str("the top-level value"),
            Position::Pointer(p) => write!(f, "{p}"),
            Position::JsonLineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Position::Whole => f.write_str("the filter"),
        }
    }
}

impl Position {
    /// The position as JSON, for error bodies.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Position::Text {
                offset,
                line,
                column,
            } => json!({"offset": offset, "line": line, "column": column}),
            Position::Pointer(p) => json!({"pointer": p}),
            Position::JsonLineColumn { line, column } => json!({"line": line, "column": column}),
            Position::Whole => json!({}),
        }
    }
}

/// Why a filter is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    #[error("filter-lang `{0}` is not offered; use cql2-text (default) or cql2-json")]
    Lang(String),
    #[error("the filter is {0} bytes long; at most {MAX_FILTER_BYTES} are accepted")]
    TooLong(usize),
    #[error("{position}: {reason}")]
    Limit { position: Position, reason: String },
    #[error("{position}: malformed {lang}: {reason}")]
    Syntax {
        lang: &'static str,
        position: Position,
        reason: String,
        #[source]
        source: Option<Box<cql2::Error>>,
    },
    /// An unknown property, a type mismatch, an unsupported function.
    #[error("{position}: {reason}")]
    Invalid { position: Position, reason: String },
    #[error("{position}: a geometry cannot be moved from filter-crs to CRS84: {source}")]
    Crs {
        position: Position,
        #[source]
        source: CrsError,
    },
}

impl FilterError {
    /// The position the error names, if any.
    pub fn position(&self) -> Option<&Position> {
        match self {
            FilterError::Limit { position, .. }
            | FilterError::Syntax { position, .. }
            | FilterError::Invalid { position, .. }
            | FilterError::Crs { position, .. } => Some(position),
            FilterError::Lang(_) | FilterError::TooLong(_) => None,
        }
    }

    /// What is wrong, without the position.
    pub fn reason(&self) -> String {
        match self {
            FilterError::Limit { reason, .. } | FilterError::Invalid { reason, .. } => {
                reason.clone()
            }
            FilterError::Syntax { lang, reason, .. } => format!("malformed {lang}: {reason}"),
            FilterError::Crs { source, .. } => {
                format!("a geometry cannot be moved from filter-crs to CRS84: {source}")
            }
            e => e.to_string(),
        }
    }
}

/// A filter checked against one layer, ready to run on its features.
#[derive(Debug)]
pub struct Filter {
    pred: eval::Pred,
    /// CRS84 box that every kept feature intersects, when the filter says so (a spatial
    /// predicate on a literal geometry under AND only): the R-tree narrows the candidates.
    envelope: Option<Rect<f64>>,
}

impl Filter {
    /// Parses `text` in `lang`, with literal geometries in `crs`, and checks it against the
    /// properties of `layer`.
    pub fn parse(
        layer: &Layer,
        text: &str,
        lang: FilterLang,
        crs: Crs,
    ) -> Result<Filter, FilterError> {
        limits::check(text, lang)?;
        limits::bound_parser();
        let expr = match lang {
            FilterLang::Cql2Text => cql2::parse_text(text).map_err(|e| {
                limits::parser_budget(&e).unwrap_or_else(|| locate::text_syntax(text, e))
            })?,
            FilterLang::Cql2Json => cql2::parse_json(text).map_err(locate::json_syntax)?,
        };
        let src = locate::Source::new(text, lang);
        limits::check_tree(&expr, &src)?;
        let pred = compile::compile(layer, &expr, crs, &src)?;
        let envelope = pred.envelope();
        Ok(Filter { pred, envelope })
    }

    /// Whether the feature satisfies the filter (true; false and unknown drop it).
    pub fn matches(&self, feature: &LayerFeature) -> bool {
        self.pred.eval(feature) == Some(true)
    }

    /// A CRS84 box outside of which no feature can match, if the filter implies one.
    pub fn envelope(&self) -> Option<Rect<f64>> {
        self.envelope
    }

    /// Indexes of the layer's features that satisfy the filter, ascending; the R-tree first
    /// narrows them to the filter's envelope when it has one.
    pub fn select(&self, layer: &Layer) -> Vec<usize> {
        let mut idx = match self.envelope {
            Some(env) => layer.features_in(env),
            None => (0..layer.features.len()).collect(),
        };
        idx.retain(|&i| self.matches(&layer.features[i]));
        idx
    }
}

#[cfg(test)]
mod tests;
