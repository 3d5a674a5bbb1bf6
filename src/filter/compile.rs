//! From a parsed CQL2 expression to a predicate on a layer's features: names checked against
//! the layer's properties, operand types against each other, literal geometries moved to
//! CRS84, dates read once.

use std::collections::HashMap;

use geo::MapCoords;
use geo_types::{coord, Geometry, LineString, Polygon};

use super::eval::{spatial, temporal, CmpOp, Pred, Scalar, SpatialOp, TemporalOp};
use super::locate::{Source, Target};
use super::ops::{
    arith_op, cmp_op, describe, spatial_op, swap_spatial, swap_temporal, temporal_op, SUPPORTED,
};
use super::{FilterError, GEOMETRY_QUERYABLE};
use crate::crs::{self, Crs};
use crate::layers::{Layer, PropType};

/// Most `%` wildcards in one LIKE pattern (each may make the matcher try every position).
const MAX_LIKE_WILDCARDS: usize = 32;

/// The type of a scalar expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Number,
    Boolean,
    Null,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Number => "a number",
            Ty::Boolean => "a boolean",
            Ty::Null => "null",
        }
    }
}

struct Compiler<'a> {
    layer: &'a Layer,
    crs: Crs,
    src: &'a Source<'a>,
    /// How many times each name has been met so far, to point at the right use of it.
    seen: HashMap<String, usize>,
}

/// Compiles `expr` against `layer`.
pub fn compile(
    layer: &Layer,
    expr: &cql2::Expr,
    crs: Crs,
    src: &Source<'_>,
) -> Result<Pred, FilterError> {
    let mut c = Compiler {
        layer,
        crs,
        src,
        seen: HashMap::new(),
    };
    c.pred(expr)
}

impl Compiler<'_> {
    fn at(&mut self, target: Target<'_>) -> super::Position {
        let key = match target {
            Target::Property(p) => format!("p:{p}"),
            Target::Function(f) => format!("f:{}", f.to_ascii_lowercase()),
        };
        let n = self.seen.entry(key).or_insert(0);
        let nth = *n;
        *n += 1;
        self.src.find(target, nth)
    }

    /// The position of the use of `property` met last (the one an error is about).
    fn last_property_position(&self, property: &str) -> super::Position {
        let n = self
            .seen
            .get(&format!("p:{property}"))
            .map_or(0, |n| n.saturating_sub(1));
        self.src.find(Target::Property(property), n)
    }

    /// The position of `op`'s use without counting it (for errors about an operation).
    fn op_position(&self, op: &str) -> super::Position {
        self.src.find(Target::Function(op), 0)
    }

    fn invalid(position: super::Position, reason: impl Into<String>) -> FilterError {
        FilterError::Invalid {
            position,
            reason: reason.into(),
        }
    }

    fn queryables_hint(&self) -> String {
        let names: Vec<&str> = self.layer.properties.iter().map(|p| p.name).collect();
        format!(
            "the queryables of `{}` are {GEOMETRY_QUERYABLE}, {} (/collections/{}/queryables)",
            self.layer.id,
            names.join(", "),
            self.layer.id
        )
    }

    /// Counts a property use and returns its position (for the error that follows, if any).
    fn property_position(&mut self, name: &str) -> super::Position {
        self.at(Target::Property(name))
    }

    fn args<'e>(
        &self,
        op: &str,
        args: &'e [Box<cql2::Expr>],
        n: usize,
    ) -> Result<&'e [Box<cql2::Expr>], FilterError> {
        if args.len() == n {
            Ok(args)
        } else {
            Err(Self::invalid(
                self.op_position(op),
                format!("{op} takes {n} operands, got {}", args.len()),
            ))
        }
    }

    fn pred(&mut self, e: &cql2::Expr) -> Result<Pred, FilterError> {
        use cql2::Expr;
        match e {
            Expr::Bool(b) => Ok(Pred::Const(Some(*b))),
            Expr::Null => Ok(Pred::Const(None)),
            Expr::Property { property } if property == GEOMETRY_QUERYABLE => {
                let pos = self.property_position(property);
                Err(Self::invalid(pos, "`geometry` is not a condition: compare it with S_INTERSECTS(geometry, ...) or another spatial function"))
            }
            Expr::Property { .. } => {
                let (s, ty) = self.scalar(e)?;
                if ty == Ty::Boolean {
                    Ok(Pred::Truth(s))
                } else {
                    let Expr::Property { property } = e else {
                        unreachable!()
                    };
                    Err(Self::invalid(
                        self.last_property_position(property),
                        format!("`{property}` is {}, not a condition: compare it, e.g. {property} = ...", ty.name()),
                    ))
                }
            }
            Expr::Operation { op, args } => self.operation(op, args),
            other => Err(Self::invalid(
                self.src.whole(),
                format!("{} is a value, not a condition", describe(other)),
            )),
        }
    }

    fn operation(&mut self, op: &str, args: &[Box<cql2::Expr>]) -> Result<Pred, FilterError> {
        match op {
            "and" | "or" => {
                let mut ps = Vec::with_capacity(args.len());
                for a in args {
                    ps.push(self.pred(a)?);
                }
                if op == "and" {
                    // Cheap conditions first: a failed one spares the geometry tests.
                    ps.sort_by_key(Pred::cost);
                    Ok(Pred::And(ps))
                } else {
                    Ok(Pred::Or(ps))
                }
            }
            "not" => {
                let a = self.args(op, args, 1)?;
                Ok(Pred::Not(Box::new(self.pred(&a[0])?)))
            }
            _ if cmp_op(op).is_some() => {
                let a = self.args(op, args, 2)?;
                let (l, lt) = self.scalar(&a[0])?;
                let (r, rt) = self.scalar(&a[1])?;
                self.same_type(op, &a[0], lt, &a[1], rt)?;
                let cmp = cmp_op(op).expect("checked");
                if lt == Ty::Boolean && !matches!(cmp, CmpOp::Eq | CmpOp::Ne) {
                    return Err(Self::invalid(self.op_position(op), "booleans compare with = and <> only"));
                }
                Ok(Pred::Cmp(cmp, l, r))
            }
            "like" => {
                let a = self.args(op, args, 2)?;
                let (v, vt) = self.scalar(&a[0])?;
                let (p, pt) = self.scalar(&a[1])?;
                for (x, t) in [(&a[0], vt), (&a[1], pt)] {
                    if !matches!(t, Ty::Text | Ty::Null) {
                        return Err(self.type_error(x, t, "LIKE matches text only"));
                    }
                }
                if let Scalar::Str(pattern) = &p {
                    if pattern.matches('%').count() > MAX_LIKE_WILDCARDS {
                        return Err(Self::invalid(
                            self.op_position("like"),
                            format!("a LIKE pattern may hold at most {MAX_LIKE_WILDCARDS} % wildcards"),
                        ));
                    }
                    let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
                    if trailing % 2 == 1 {
                        return Err(Self::invalid(
                            self.op_position("like"),
                            "the LIKE pattern ends with the escape character \\",
                        ));
                    }
                }
                Ok(Pred::Like(v, p))
            }
            "between" => {
                let a = self.args(op, args, 3)?;
                let mut s = Vec::with_capacity(3);
                for x in a {
                    let (v, t) = self.scalar(x)?;
                    if !matches!(t, Ty::Number | Ty::Null) {
                        return Err(self.type_error(x, t, "BETWEEN compares numbers"));
                    }
                    s.push(v);
                }
                let hi = s.pop().expect("3");
                let lo = s.pop().expect("3");
                let v = s.pop().expect("3");
                Ok(Pred::Between(v, lo, hi))
            }
            "in" => {
                let a = self.args(op, args, 2)?;
                let (v, vt) = self.scalar(&a[0])?;
                let cql2::Expr::Array(items) = a[1].as_ref() else {
                    return Err(Self::invalid(self.op_position("in"), "IN takes a list: value IN ('a', 'b')"));
                };
                let mut list = Vec::with_capacity(items.len());
                for x in items {
                    let (s, t) = self.scalar(x)?;
                    self.same_type("in", &a[0], vt, x, t)?;
                    list.push(s);
                }
                Ok(Pred::In(v, list))
            }
            "isNull" => {
                let a = self.args("IS NULL", args, 1)?;
                if let cql2::Expr::Property { property } = a[0].as_ref() {
                    if property == GEOMETRY_QUERYABLE {
                        self.property_position(property);
                        return Ok(Pred::GeometryIsNull);
                    }
                }
                Ok(Pred::IsNull(self.scalar(&a[0])?.0))
            }
            _ if spatial_op(op).is_some() => {
                let a = self.args(op, args, 2)?;
                self.spatial(op, spatial_op(op).expect("checked"), &a[0], &a[1])
            }
            _ if temporal_op(op).is_some() => {
                let a = self.args(op, args, 2)?;
                self.temporal(op, temporal_op(op).expect("checked"), &a[0], &a[1])
            }
            _ if arith_op(op).is_some() || matches!(op, "casei" | "accenti") => {
                let e = cql2::Expr::Operation { op: op.to_string(), args: args.to_vec() };
                let (s, ty) = self.scalar(&e)?;
                if ty == Ty::Boolean {
                    Ok(Pred::Truth(s))
                } else {
                    Err(Self::invalid(self.op_position(op), format!("{op}(...) is {}, not a condition", ty.name())))
                }
            }
            "a_equals" | "a_contains" | "a_containedBy" | "a_overlaps" => Err(Self::invalid(
                self.at(Target::Function(op)),
                format!("unsupported function {}: no property of `{}` is an array, so the array functions are not offered; {SUPPORTED}", op.to_uppercase(), self.layer.id),
            )),
            _ => Err(Self::invalid(
                self.at(Target::Function(op)),
                format!("unsupported function `{op}`; {SUPPORTED}"),
            )),
        }
    }

    fn type_error(&self, e: &cql2::Expr, t: Ty, reason: &str) -> FilterError {
        let pos = match e {
            cql2::Expr::Property { property } => self.last_property_position(property),
            _ => self.src.whole(),
        };
        Self::invalid(
            pos,
            format!("type mismatch: {} is {}; {reason}", describe(e), t.name()),
        )
    }

    /// Both sides of a comparison must have one type (null goes with any).
    fn same_type(
        &self,
        op: &str,
        a: &cql2::Expr,
        at: Ty,
        b: &cql2::Expr,
        bt: Ty,
    ) -> Result<(), FilterError> {
        if at == bt || at == Ty::Null || bt == Ty::Null {
            return Ok(());
        }
        // Point at the property when there is one; suggest the fix for the common case of
        // a code written as a number.
        let (prop, lit, pt) = match (a, b) {
            (cql2::Expr::Property { .. }, _) => (a, b, at),
            (_, cql2::Expr::Property { .. }) => (b, a, bt),
            _ => (a, b, at),
        };
        let hint = match (pt, lit) {
            (Ty::Text, cql2::Expr::Float(f)) => format!("; text values are quoted: '{f}'"),
            _ => String::new(),
        };
        let pos = match prop {
            cql2::Expr::Property { property } => self.last_property_position(property),
            _ => self.op_position(op),
        };
        Err(Self::invalid(
            pos,
            format!(
                "type mismatch: {} is {} and {} is {}{hint}",
                describe(a),
                at.name(),
                describe(b),
                bt.name()
            ),
        ))
    }

    fn scalar(&mut self, e: &cql2::Expr) -> Result<(Scalar, Ty), FilterError> {
        use cql2::Expr;
        match e {
            Expr::Float(f) => Ok((Scalar::Num(*f), Ty::Number)),
            Expr::Literal(s) => Ok((Scalar::Str(s.clone()), Ty::Text)),
            Expr::Bool(b) => Ok((Scalar::Bool(*b), Ty::Boolean)),
            Expr::Null => Ok((Scalar::Null, Ty::Null)),
            Expr::Property { property } => {
                let pos = self.property_position(property);
                if property == GEOMETRY_QUERYABLE {
                    return Err(Self::invalid(pos, "`geometry` can only be compared with the spatial functions (S_INTERSECTS, S_WITHIN, ...)"));
                }
                let Some(def) = self.layer.property(property) else {
                    return Err(Self::invalid(
                        pos,
                        format!("unknown property `{property}`; {}", self.queryables_hint()),
                    ));
                };
                let ty = match def.kind {
                    PropType::String => Ty::Text,
                    PropType::Integer | PropType::Number => Ty::Number,
                    PropType::Boolean => Ty::Boolean,
                };
                Ok((Scalar::Prop(property.clone()), ty))
            }
            Expr::Operation { op, args } if arith_op(op).is_some() => {
                if args.len() < 2 || (matches!(op.as_str(), "^" | "div") && args.len() != 2) {
                    return Err(Self::invalid(self.op_position(op), format!("`{op}` takes two operands")));
                }
                let mut acc: Option<Scalar> = None;
                for a in args {
                    let (s, t) = self.scalar(a)?;
                    if !matches!(t, Ty::Number | Ty::Null) {
                        return Err(self.type_error(a, t, "arithmetic works on numbers"));
                    }
                    acc = Some(match acc {
                        None => s,
                        Some(l) => Scalar::Arith(arith_op(op).expect("checked"), Box::new(l), Box::new(s)),
                    });
                }
                Ok((acc.expect("two or more"), Ty::Number))
            }
            Expr::Operation { op, args } if op == "casei" || op == "accenti" => {
                let a = self.args(&op.to_uppercase(), args, 1)?;
                let (s, t) = self.scalar(&a[0])?;
                if !matches!(t, Ty::Text | Ty::Null) {
                    return Err(self.type_error(&a[0], t, &format!("{} works on text", op.to_uppercase())));
                }
                let s = Box::new(s);
                Ok((if op == "casei" { Scalar::Casei(s) } else { Scalar::Accenti(s) }, Ty::Text))
            }
            Expr::Operation { op, .. } if spatial_op(op).is_some() || temporal_op(op).is_some() || cmp_op(op).is_some() || matches!(op.as_str(), "and" | "or" | "not" | "like" | "in" | "between" | "isNull") => {
                Err(Self::invalid(self.op_position(op), format!("a condition ({op}) cannot be used as a value")))
            }
            Expr::Operation { op, .. } => Err(Self::invalid(
                self.at(Target::Function(op)),
                format!("unsupported function `{op}`; {SUPPORTED}"),
            )),
            Expr::Date { .. } | Expr::Timestamp { .. } | Expr::Interval { .. } => {
                let date_prop = self.layer.temporal_property.map_or_else(
                    || format!("`{}` has no date property", self.layer.id),
                    |p| format!("compare dates with the T_ functions on `{p}`, e.g. T_AFTER({p}, DATE('2024-01-01'))"),
                );
                Err(Self::invalid(self.src.whole(), format!("a date or time is not a plain value here: {date_prop}")))
            }
            Expr::Geometry(_) | Expr::BBox { .. } => Err(Self::invalid(
                self.src.whole(),
                "a geometry is not a plain value: use it in a spatial function, e.g. S_INTERSECTS(geometry, POINT(87.6 43.8))",
            )),
            Expr::Array(_) => Err(Self::invalid(self.src.whole(), "a list is only allowed after IN")),
        }
    }

    fn spatial(
        &mut self,
        name: &str,
        op: SpatialOp,
        a: &cql2::Expr,
        b: &cql2::Expr,
    ) -> Result<Pred, FilterError> {
        let is_geom = |e: &cql2::Expr| matches!(e, cql2::Expr::Property { property } if property == GEOMETRY_QUERYABLE);
        match (is_geom(a), is_geom(b)) {
            (true, false) => {
                self.property_position(GEOMETRY_QUERYABLE);
                let lit = self.geometry(name, b)?;
                Ok(Pred::Spatial(op, Box::new(lit)))
            }
            (false, true) => {
                let lit = self.geometry(name, a)?;
                self.property_position(GEOMETRY_QUERYABLE);
                Ok(Pred::Spatial(swap_spatial(op), Box::new(lit)))
            }
            (false, false) => {
                if let cql2::Expr::Property { property } = a {
                    let pos = self.property_position(property);
                    let what = if self.layer.property(property).is_some() {
                        "is not a geometry"
                    } else {
                        "is not a property"
                    };
                    return Err(Self::invalid(pos, format!("`{property}` {what}: spatial functions compare `geometry` with a literal geometry")));
                }
                if let cql2::Expr::Property { property } = b {
                    let pos = self.property_position(property);
                    return Err(Self::invalid(pos, format!("`{property}` is not a geometry: spatial functions compare `geometry` with a literal geometry")));
                }
                let (x, y) = (self.geometry(name, a)?, self.geometry(name, b)?);
                Ok(Pred::Const(Some(spatial(op, &x, &y))))
            }
            (true, true) => Err(Self::invalid(
                self.op_position(name),
                "compare `geometry` with a literal geometry, not with itself",
            )),
        }
    }

    /// A literal geometry or BBOX in CRS84.
    fn geometry(&self, name: &str, e: &cql2::Expr) -> Result<Geometry<f64>, FilterError> {
        let pos = || self.op_position(name);
        let g: Geometry<f64> = match e {
            cql2::Expr::BBox { bbox } => {
                let mut v = Vec::with_capacity(bbox.len());
                for x in bbox {
                    match x.as_ref() {
                        cql2::Expr::Float(f) => v.push(*f),
                        _ => return Err(Self::invalid(pos(), "BBOX takes 4 (or 6) numbers")),
                    }
                }
                let (x0, y0, x1, y1) = match v.as_slice() {
                    [a, b, c, d] => (*a, *b, *c, *d),
                    [a, b, _, c, d, _] => (*a, *b, *c, *d),
                    _ => return Err(Self::invalid(pos(), format!("BBOX takes 4 (or 6) numbers, got {}", v.len()))),
                };
                // The rectangle in filter-crs, densified so that it stays the same area when
                // a projection bends its edges.
                let ring = densify(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], 16);
                let in_crs = Polygon::new(LineString::from(ring), Vec::new());
                let g = self.to_crs84(Geometry::Polygon(in_crs), &pos)?;
                if matches!(self.crs, Crs::Crs84 | Crs::Epsg(4326) | Crs::Epsg(4490) | Crs::Epsg(3857)) {
                    // Still a lon/lat rectangle in these: keep it one (faster tests).
                    use geo::BoundingRect;
                    if let Some(r) = g.bounding_rect() {
                        return Ok(Geometry::Rect(r));
                    }
                }
                g
            }
            cql2::Expr::Geometry(_) => {
                let g = Geometry::<f64>::try_from(e.clone())
                    .map_err(|err| Self::invalid(pos(), format!("the geometry cannot be read: {err}")))?;
                self.to_crs84(g, &pos)?
            }
            other => {
                return Err(Self::invalid(
                    pos(),
                    format!("{} is not a geometry: spatial functions take `geometry` and a literal such as POINT(87.6 43.8), BBOX(86,43,88,45) or POLYGON((...))", describe(other)),
                ))
            }
        };
        use geo::CoordsIter;
        if g.coords_iter()
            .any(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Err(Self::invalid(
                pos(),
                "the geometry has coordinates that are not finite numbers",
            ));
        }
        Ok(g)
    }

    fn to_crs84(
        &self,
        g: Geometry<f64>,
        pos: &dyn Fn() -> super::Position,
    ) -> Result<Geometry<f64>, FilterError> {
        if self.crs == Crs::Crs84 {
            return Ok(g);
        }
        let crs = self.crs;
        g.try_map_coords(|c| crs::to_crs84(crs, c.x, c.y).map(|(x, y)| coord! {x: x, y: y}))
            .map_err(|source| FilterError::Crs {
                position: pos(),
                source,
            })
    }

    fn temporal(
        &mut self,
        name: &str,
        op: TemporalOp,
        a: &cql2::Expr,
        b: &cql2::Expr,
    ) -> Result<Pred, FilterError> {
        let date_prop = self.layer.temporal_property;
        let is_prop = |e: &cql2::Expr| matches!(e, cql2::Expr::Property { .. });
        match (is_prop(a), is_prop(b)) {
            (true, false) => {
                self.date_property(a, date_prop)?;
                Ok(Pred::Temporal(op, self.span(name, b)?))
            }
            (false, true) => {
                let span = self.span(name, a)?;
                self.date_property(b, date_prop)?;
                Ok(Pred::Temporal(swap_temporal(op), span))
            }
            (false, false) => Ok(Pred::Const(Some(temporal(
                op,
                self.span(name, a)?,
                self.span(name, b)?,
            )))),
            (true, true) => Err(Self::invalid(
                self.op_position(name),
                "compare the date property with a DATE, TIMESTAMP or INTERVAL literal",
            )),
        }
    }

    fn date_property(
        &mut self,
        e: &cql2::Expr,
        date_prop: Option<&str>,
    ) -> Result<(), FilterError> {
        let cql2::Expr::Property { property } = e else {
            return Ok(());
        };
        let pos = self.property_position(property);
        match date_prop {
            Some(p) if p == property => Ok(()),
            Some(p) => Err(Self::invalid(pos, format!("`{property}` is not the date property of `{}`: temporal functions apply to `{p}`", self.layer.id))),
            None => Err(Self::invalid(pos, format!("`{}` has no date property, so no temporal functions; sites (reported_date) and power-plants (start_year) have one", self.layer.id))),
        }
    }

    fn span(&self, name: &str, e: &cql2::Expr) -> Result<(i64, i64), FilterError> {
        let r = cql2::DateRange::try_from(e.clone()).map_err(|err| {
            Self::invalid(
                self.op_position(name),
                format!("{} is not a date, timestamp or interval ({err}): write DATE('2024-01-31'), TIMESTAMP('2024-01-31T12:00:00Z') or INTERVAL('2023-01-01', '..')", describe(e)),
            )
        })?;
        let (s, t) = (r.start.as_millisecond(), r.end.as_millisecond());
        if s > t {
            return Err(Self::invalid(
                self.op_position(name),
                "the interval ends before it starts",
            ));
        }
        Ok((s, t))
    }
}

/// Points along each edge of `ring`, `n` per edge.
fn densify(ring: &[(f64, f64)], n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(ring.len() * n);
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        for i in 0..n {
            let t = i as f64 / n as f64;
            out.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
        }
    }
    if let Some(&last) = ring.last() {
        out.push(last);
    }
    out
}
