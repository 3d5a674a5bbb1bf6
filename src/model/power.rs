//! Sourced parameters for the power-demand estimates and the headline figures of the public
//! reporting: one typed row of `power_assumptions.csv` and of `reporting.csv`.

/// One parameter of `power_assumptions.csv`: a point value (`central`), an upper limit (`high`
/// alone) or a range (`low`..`high`), as its sources state it.
#[derive(Debug, Clone)]
pub struct PowerAssumption {
    pub name: String,
    pub low: Option<f64>,
    pub central: Option<f64>,
    pub high: Option<f64>,
    pub unit: String,
    pub applies_to: Option<String>,
    pub source_urls: Vec<String>,
    pub note: Option<String>,
    /// Line of the row in its file.
    pub line: u64,
}

/// How a reporting figure's value is qualified (`qualifier` of `reporting.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    AtLeast,
    About,
    Exact,
}

impl Qualifier {
    pub const ALL: [Qualifier; 3] = [Qualifier::AtLeast, Qualifier::About, Qualifier::Exact];

    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::AtLeast => "at least",
            Qualifier::About => "about",
            Qualifier::Exact => "exact",
        }
    }

    pub fn parse(s: &str) -> Option<Qualifier> {
        Qualifier::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// One headline figure of the public reporting (`reporting.csv`), with its quote and sources.
#[derive(Debug, Clone)]
pub struct ReportingFigure {
    pub figure: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: Qualifier,
    pub scope: String,
    pub reported_date: Option<String>,
    pub what: String,
    pub source_urls: Vec<String>,
    pub quote: String,
    /// Line of the row in its file.
    pub line: u64,
}
