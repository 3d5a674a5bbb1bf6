//! The names of CQL2's operators and functions as the evaluator's enums, and how an operand is
//! named in an error message.

use super::eval::{ArithOp, CmpOp, SpatialOp, TemporalOp};

pub(super) fn cmp_op(op: &str) -> Option<CmpOp> {
    Some(match op {
        "=" => CmpOp::Eq,
        "<>" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}

pub(super) fn arith_op(op: &str) -> Option<ArithOp> {
    Some(match op {
        "+" => ArithOp::Add,
        "-" => ArithOp::Sub,
        "*" => ArithOp::Mul,
        "/" => ArithOp::Div,
        "%" => ArithOp::Mod,
        "^" => ArithOp::Pow,
        "div" => ArithOp::IntDiv,
        _ => return None,
    })
}

pub(super) fn spatial_op(op: &str) -> Option<SpatialOp> {
    Some(match op {
        "s_intersects" => SpatialOp::Intersects,
        "s_disjoint" => SpatialOp::Disjoint,
        "s_within" => SpatialOp::Within,
        "s_contains" => SpatialOp::Contains,
        "s_touches" => SpatialOp::Touches,
        "s_crosses" => SpatialOp::Crosses,
        "s_overlaps" => SpatialOp::Overlaps,
        "s_equals" => SpatialOp::Equals,
        _ => return None,
    })
}

pub(super) fn temporal_op(op: &str) -> Option<TemporalOp> {
    Some(match op {
        "t_after" => TemporalOp::After,
        "t_before" => TemporalOp::Before,
        "t_contains" => TemporalOp::Contains,
        "t_disjoint" => TemporalOp::Disjoint,
        "t_during" => TemporalOp::During,
        "t_equals" => TemporalOp::Equals,
        "t_finishedBy" => TemporalOp::FinishedBy,
        "t_finishes" => TemporalOp::Finishes,
        "t_intersects" => TemporalOp::Intersects,
        "t_meets" => TemporalOp::Meets,
        "t_metBy" => TemporalOp::MetBy,
        "t_overlappedBy" => TemporalOp::OverlappedBy,
        "t_overlaps" => TemporalOp::Overlaps,
        "t_startedBy" => TemporalOp::StartedBy,
        "t_starts" => TemporalOp::Starts,
        _ => return None,
    })
}

/// The relation with its operands exchanged: `a within b` is `b contains a`.
pub(super) fn swap_spatial(op: SpatialOp) -> SpatialOp {
    match op {
        SpatialOp::Within => SpatialOp::Contains,
        SpatialOp::Contains => SpatialOp::Within,
        o => o,
    }
}

pub(super) fn swap_temporal(op: TemporalOp) -> TemporalOp {
    use TemporalOp::*;
    match op {
        After => Before,
        Before => After,
        Contains => During,
        During => Contains,
        FinishedBy => Finishes,
        Finishes => FinishedBy,
        Meets => MetBy,
        MetBy => Meets,
        OverlappedBy => Overlaps,
        Overlaps => OverlappedBy,
        StartedBy => Starts,
        Starts => StartedBy,
        o => o,
    }
}

pub(super) const SUPPORTED: &str = "this service offers AND, OR, NOT, =, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL, + - * / % ^ div, CASEI, ACCENTI, the spatial functions S_INTERSECTS, S_DISJOINT, S_WITHIN, S_CONTAINS, S_TOUCHES, S_CROSSES, S_OVERLAPS, S_EQUALS and the temporal functions T_AFTER, T_BEFORE, T_CONTAINS, T_DISJOINT, T_DURING, T_EQUALS, T_FINISHEDBY, T_FINISHES, T_INTERSECTS, T_MEETS, T_METBY, T_OVERLAPPEDBY, T_OVERLAPS, T_STARTEDBY, T_STARTS";

/// A short description of an operand for messages.
pub(super) fn describe(e: &cql2::Expr) -> String {
    use cql2::Expr;
    match e {
        Expr::Property { property } => format!("`{property}`"),
        Expr::Float(f) => format!("{f}"),
        Expr::Literal(s) => format!("'{s}'"),
        Expr::Bool(b) => format!("{b}"),
        Expr::Null => "NULL".into(),
        Expr::Operation { op, .. } => format!("{op}(...)"),
        Expr::Date { .. } => "a DATE".into(),
        Expr::Timestamp { .. } => "a TIMESTAMP".into(),
        Expr::Interval { .. } => "an INTERVAL".into(),
        Expr::Geometry(_) => "a geometry".into(),
        Expr::BBox { .. } => "a BBOX".into(),
        Expr::Array(_) => "a list".into(),
    }
}
