//! Limits checked before and after parsing. The cql2 parser (pest, a Pratt parser) and the
//! expression it returns are recursive: nesting depth turns into stack depth. Parentheses
//! (or JSON nesting) and operators are counted on the raw text, outside quoted strings, so a
//! filter that could exhaust a request worker's stack never reaches the parser.
//!
//! Balanced nesting is not enough: pest backtracks, and some short unbalanced texts (nested
//! open parentheses between `-` and `/`) make it try exponentially many alternatives. pest's
//! call budget turns that into an error after a bounded amount of work.

use super::locate::{char_position, Source};
use super::{FilterError, FilterLang};

/// Longest filter accepted, in bytes (after URL decoding).
pub const MAX_FILTER_BYTES: usize = 16 * 1024;
/// Deepest nesting of parentheses in cql2-text (cql2-json: twice this plus a geometry's own
/// arrays, as each level is an object and its `args` array).
pub const MAX_DEPTH: usize = 32;
/// Most operators (comparisons, arithmetic, AND, OR, NOT, LIKE, IN, BETWEEN, IS) in one
/// cql2-text filter. A chain of operators nests as deep as it is long.
pub const MAX_OPERATORS: usize = 256;
/// Most rule calls the cql2-text parser may make on one filter. Ordinary filters take about 25
/// calls per byte, so the longest accepted ({MAX_FILTER_BYTES}) needs about 400,000: five times
/// that leaves room, and pathological backtracking meets the budget within a few milliseconds
/// instead of running for minutes.
pub const MAX_PARSER_CALLS: usize = 2_000_000;

/// Deepest expression tree accepted after parsing (bounds the recursion of the compiler).
const MAX_TREE_DEPTH: usize = MAX_DEPTH + MAX_OPERATORS + 8;

const KEYWORDS: [&str; 9] = [
    "and", "or", "not", "like", "in", "between", "is", "div", "null",
];
const GEOMETRY_TAGS: [&str; 7] = [
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

/// Sets pest's call budget once per process. The setting is process-wide and read when each
/// parse starts, so every filter parse is bounded whichever thread runs it.
pub fn bound_parser() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(MAX_PARSER_CALLS)));
}

/// The error for a parse that ran out of pest's budget (calls or stack), if `e` is one.
pub fn parser_budget(e: &cql2::Error) -> Option<FilterError> {
    let cql2::Error::Pest(p) = e else {
        return None;
    };
    let pest::error::ErrorVariant::CustomError { message } = &p.variant else {
        return None;
    };
    message.ends_with("limit reached").then(|| FilterError::Limit {
        position: super::Position::Whole,
        reason: format!(
            "the filter is too complex to parse (more than {MAX_PARSER_CALLS} parser steps); check that its parentheses are balanced and nest less"
        ),
    })
}

fn limit(text: &str, byte: usize, reason: String) -> FilterError {
    FilterError::Limit {
        position: char_position(text, byte),
        reason,
    }
}

/// Refuses a filter that is too long, too deeply nested or has too many operators.
pub fn check(text: &str, lang: FilterLang) -> Result<(), FilterError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(FilterError::TooLong(text.len()));
    }
    match lang {
        FilterLang::Cql2Text => check_text(text),
        FilterLang::Cql2Json => check_json(text),
    }
}

fn check_text(text: &str) -> Result<(), FilterError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Parenthesis depth at which the geometry literal being read started: signs of its
    // coordinates are not operators.
    let mut geometry_at: Option<usize> = None;
    let mut operators = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                // Quoted string or identifier; a doubled quote stands for itself.
                let q = c;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Ok(()), // unterminated: the parser says so
                        Some(&b) if b == q && bytes.get(i + 1) == Some(&q) => i += 2,
                        Some(&b) if b == q => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(limit(
                        text,
                        i,
                        format!("the filter nests deeper than {MAX_DEPTH} parentheses"),
                    ));
                }
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if geometry_at.is_some_and(|d| depth <= d) {
                    geometry_at = None;
                }
            }
            b'=' | b'<' | b'>' | b'*' | b'/' | b'%' | b'^' | b'!' => operators += 1,
            b'+' | b'-' if geometry_at.is_none() => operators += 1,
            c if c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b':')
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &text[start..i];
                if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                    operators += 1;
                } else if geometry_at.is_none()
                    && GEOMETRY_TAGS.iter().any(|k| k.eq_ignore_ascii_case(word))
                {
                    geometry_at = Some(depth);
                }
                if operators > MAX_OPERATORS {
                    return Err(limit(
                        text,
                        start,
                        format!("the filter has more than {MAX_OPERATORS} operators"),
                    ));
                }
                continue;
            }
            _ => {}
        }
        if operators > MAX_OPERATORS {
            return Err(limit(
                text,
                i,
                format!("the filter has more than {MAX_OPERATORS} operators"),
            ));
        }
        i += 1;
    }
    Ok(())
}

fn check_json(text: &str) -> Result<(), FilterError> {
    let max = 2 * MAX_DEPTH + 6;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(limit(
                        text,
                        i,
                        format!("the filter nests deeper than {max} JSON arrays and objects"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Refuses an expression tree deeper than the compiler's recursion allows (a safety net: the
/// checks on the text already bound it).
pub fn check_tree(expr: &cql2::Expr, src: &Source<'_>) -> Result<(), FilterError> {
    let mut stack: Vec<(&cql2::Expr, usize)> = vec![(expr, 1)];
    while let Some((e, d)) = stack.pop() {
        if d > MAX_TREE_DEPTH {
            return Err(FilterError::Limit {
                position: src.whole(),
                reason: format!("the expression nests deeper than {MAX_TREE_DEPTH} levels"),
            });
        }
        let children: &[Box<cql2::Expr>] = match e {
            cql2::Expr::Operation { args, .. } => args,
            cql2::Expr::Interval { interval } => interval,
            cql2::Expr::BBox { bbox } => bbox,
            cql2::Expr::Array(items) => items,
            cql2::Expr::Timestamp { timestamp } => std::slice::from_ref(timestamp),
            cql2::Expr::Date { date } => std::slice::from_ref(date),
            _ => &[],
        };
        stack.extend(children.iter().map(|c| (c.as_ref(), d + 1)));
    }
    Ok(())
}
