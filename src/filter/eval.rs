//! The compiled predicate and its evaluation on one feature, in SQL's three-valued logic:
//! `None` is unknown (a null operand), and AND/OR/NOT follow Kleene's tables.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{Days, NaiveDate};
use geo::{BoundingRect, Intersects, Relate};
use geo_types::{Geometry, Point, Rect};
use serde_json::Value;

use crate::layers::{FeatureGeometry, LayerFeature};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    IntDiv,
}

/// A spatial relation of the feature's geometry (first) to a literal geometry (second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialOp {
    Intersects,
    Disjoint,
    Within,
    Contains,
    Touches,
    Crosses,
    Overlaps,
    Equals,
}

/// A temporal relation (CQL2's T_ functions) of a first interval to a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalOp {
    After,
    Before,
    Contains,
    Disjoint,
    During,
    Equals,
    FinishedBy,
    Finishes,
    Intersects,
    Meets,
    MetBy,
    OverlappedBy,
    Overlaps,
    StartedBy,
    Starts,
}

/// A closed interval of instants, milliseconds since 1970 (UTC).
pub type Span = (i64, i64);

/// A value-producing expression.
#[derive(Debug)]
pub enum Scalar {
    Prop(String),
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Arith(ArithOp, Box<Scalar>, Box<Scalar>),
    Casei(Box<Scalar>),
    Accenti(Box<Scalar>),
}

/// A predicate on one feature.
#[derive(Debug)]
pub enum Pred {
    Const(Option<bool>),
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Cmp(CmpOp, Scalar, Scalar),
    Like(Scalar, Scalar),
    Between(Scalar, Scalar, Scalar),
    In(Scalar, Vec<Scalar>),
    IsNull(Scalar),
    GeometryIsNull,
    /// A boolean-valued scalar used as a predicate (`xpcc`).
    Truth(Scalar),
    Spatial(SpatialOp, Box<Geometry<f64>>),
    /// The feature's period `op` a literal span.
    Temporal(TemporalOp, Span),
}

#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
}

fn json_val(v: Option<&Value>) -> Option<Val<'_>> {
    match v? {
        Value::String(s) => Some(Val::Str(Cow::Borrowed(s))),
        Value::Number(n) => n.as_f64().map(Val::Num),
        Value::Bool(b) => Some(Val::Bool(*b)),
        _ => None,
    }
}

impl Scalar {
    fn eval<'a>(&'a self, f: &'a LayerFeature) -> Option<Val<'a>> {
        match self {
            Scalar::Prop(name) => json_val(f.properties.get(name)),
            Scalar::Num(n) => Some(Val::Num(*n)),
            Scalar::Str(s) => Some(Val::Str(Cow::Borrowed(s))),
            Scalar::Bool(b) => Some(Val::Bool(*b)),
            Scalar::Null => None,
            Scalar::Arith(op, a, b) => {
                let (Val::Num(a), Val::Num(b)) = (a.eval(f)?, b.eval(f)?) else {
                    return None;
                };
                let r = match op {
                    ArithOp::Add => a + b,
                    ArithOp::Sub => a - b,
                    ArithOp::Mul => a * b,
                    ArithOp::Div => a / b,
                    ArithOp::Mod => a % b,
                    ArithOp::Pow => a.powf(b),
                    ArithOp::IntDiv if b == 0.0 => return None,
                    ArithOp::IntDiv => (a / b).trunc(),
                };
                // Division by zero and overflow have no value: unknown, as SQL's NULL.
                r.is_finite().then_some(Val::Num(r))
            }
            Scalar::Casei(a) => match a.eval(f)? {
                Val::Str(s) => Some(Val::Str(Cow::Owned(s.to_lowercase()))),
                _ => None,
            },
            Scalar::Accenti(a) => match a.eval(f)? {
                Val::Str(s) => Some(Val::Str(Cow::Owned(unaccent::unaccent(s.as_ref())))),
                _ => None,
            },
        }
    }
}

fn order(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Str(a), Val::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
        (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
        (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn compare(op: CmpOp, a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    let o = order(a, b)?;
    Some(match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    })
}

fn day_start_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// A feature's period as instants: from the first millisecond of its first day to the last
/// millisecond of its last day (as CQL2 reads a DATE).
pub fn period_span((a, b): (NaiveDate, NaiveDate)) -> Span {
    let end = b
        .checked_add_days(Days::new(1))
        .map_or(i64::MAX, |n| day_start_ms(n) - 1);
    (day_start_ms(a), end)
}

/// CQL2's temporal relations (OGC 21-065r2, table 7) of interval `a` to interval `b`.
pub fn temporal(op: TemporalOp, a: Span, b: Span) -> bool {
    let ((a0, a1), (b0, b1)) = (a, b);
    match op {
        TemporalOp::After => a0 > b1,
        TemporalOp::Before => a1 < b0,
        TemporalOp::Contains => a0 < b0 && a1 > b1,
        TemporalOp::Disjoint => !(a0 <= b1 && a1 >= b0),
        TemporalOp::During => a0 > b0 && a1 < b1,
        TemporalOp::Equals => a0 == b0 && a1 == b1,
        TemporalOp::FinishedBy => a0 < b0 && a1 == b1,
        TemporalOp::Finishes => a0 > b0 && a1 == b1,
        TemporalOp::Intersects => a0 <= b1 && a1 >= b0,
        TemporalOp::Meets => a1 == b0,
        TemporalOp::MetBy => a0 == b1,
        TemporalOp::OverlappedBy => a0 > b0 && a0 < b1 && a1 > b1,
        TemporalOp::Overlaps => a0 < b0 && a1 > b0 && a1 < b1,
        TemporalOp::StartedBy => a0 == b0 && a1 > b1,
        TemporalOp::Starts => a0 == b0 && a1 < b1,
    }
}

/// The relation `op` of geometry `a` to literal `b`.
pub fn spatial<A>(op: SpatialOp, a: &A, b: &Geometry<f64>) -> bool
where
    A: Relate<f64> + Intersects<Geometry<f64>>,
{
    match op {
        SpatialOp::Intersects => a.intersects(b),
        SpatialOp::Disjoint => !a.intersects(b),
        SpatialOp::Within => a.relate(b).is_within(),
        SpatialOp::Contains => a.relate(b).is_contains(),
        SpatialOp::Touches => a.relate(b).is_touches(),
        SpatialOp::Crosses => a.relate(b).is_crosses(),
        SpatialOp::Overlaps => a.relate(b).is_overlaps(),
        SpatialOp::Equals => a.relate(b).is_equal_topo(),
    }
}

fn and(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for v in values {
        match v {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn or(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for v in values {
        match v {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

impl Pred {
    pub fn eval(&self, f: &LayerFeature) -> Option<bool> {
        match self {
            Pred::Const(v) => *v,
            Pred::And(ps) => and(ps.iter().map(|p| p.eval(f))),
            Pred::Or(ps) => or(ps.iter().map(|p| p.eval(f))),
            Pred::Not(p) => p.eval(f).map(|v| !v),
            Pred::Cmp(op, a, b) => compare(*op, &a.eval(f)?, &b.eval(f)?),
            Pred::Like(v, p) => match (v.eval(f)?, p.eval(f)?) {
                (Val::Str(v), Val::Str(p)) => like::Like::<true>::like(v.as_ref(), p.as_ref()).ok(),
                _ => None,
            },
            Pred::Between(v, lo, hi) => {
                let v = v.eval(f)?;
                let ge = compare(CmpOp::Ge, &v, &lo.eval(f)?)?;
                let le = compare(CmpOp::Le, &v, &hi.eval(f)?)?;
                Some(ge && le)
            }
            Pred::In(v, list) => {
                let v = v.eval(f)?;
                or(list.iter().map(|x| compare(CmpOp::Eq, &v, &x.eval(f)?)))
            }
            Pred::IsNull(v) => Some(v.eval(f).is_none()),
            Pred::GeometryIsNull => Some(matches!(f.geometry, FeatureGeometry::None)),
            Pred::Truth(v) => match v.eval(f)? {
                Val::Bool(b) => Some(b),
                _ => None,
            },
            Pred::Spatial(op, lit) => match &f.geometry {
                FeatureGeometry::Point(x, y) => Some(spatial(*op, &Point::new(*x, *y), lit)),
                FeatureGeometry::MultiPolygon(mp) => Some(spatial(*op, mp.as_ref(), lit)),
                FeatureGeometry::None => None,
            },
            Pred::Temporal(op, lit) => f.period.map(|p| temporal(*op, period_span(p), *lit)),
        }
    }

    /// A rough cost, to run cheap conditions of an AND first.
    pub fn cost(&self) -> u32 {
        match self {
            Pred::Const(_) | Pred::GeometryIsNull => 0,
            Pred::Spatial(..) => 100,
            Pred::Like(..) => 4,
            Pred::And(ps) | Pred::Or(ps) => ps.iter().map(Pred::cost).sum(),
            Pred::Not(p) => p.cost(),
            Pred::In(_, l) => 1 + l.len() as u32 / 4,
            _ => 1,
        }
    }

    /// A CRS84 box that every feature this predicate keeps intersects, if there is one.
    pub fn envelope(&self) -> Option<Rect<f64>> {
        match self {
            Pred::Spatial(op, lit) if *op != SpatialOp::Disjoint => lit.bounding_rect(),
            Pred::And(ps) => ps.iter().find_map(Pred::envelope),
            Pred::Or(ps) => {
                let mut boxes = ps.iter().map(Pred::envelope);
                let first = boxes.next()??;
                boxes.try_fold(first, |acc, b| {
                    let b = b?;
                    Some(Rect::new(
                        (acc.min().x.min(b.min().x), acc.min().y.min(b.min().y)),
                        (acc.max().x.max(b.max().x), acc.max().y.max(b.max().y)),
                    ))
                })
            }
            _ => None,
        }
    }
}
