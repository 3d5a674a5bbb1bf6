//! Positions in the filter for error messages. cql2's expressions carry no spans, so a name the
//! compiler rejects is found again in the source: its n-th use as an identifier in cql2-text
//! (outside quoted strings), or the n-th object naming it in cql2-json (as a JSON pointer).

use serde_json::Value;

use super::{FilterError, FilterLang, Position};

/// The 1-based line and column, and 0-based character offset, of byte `byte` of `text`.
pub fn char_position(text: &str, byte: usize) -> Position {
    let byte = byte.min(text.len());
    let before = text.get(..byte).unwrap_or(text);
    let offset = before.chars().count();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position::Text {
        offset,
        line,
        column,
    }
}

/// A cql2-text parse error as a positioned error.
pub fn text_syntax(text: &str, e: cql2::Error) -> FilterError {
    let (position, reason) = match &e {
        cql2::Error::Pest(p) => {
            let byte = match p.location {
                pest::error::InputLocation::Pos(b) => b,
                pest::error::InputLocation::Span((b, _)) => b,
            };
            let found = text
                .get(byte..)
                .unwrap_or_default()
                .chars()
                .next()
                .map_or("the end of the filter".to_string(), |c| format!("`{c}`"));
            (
                char_position(text, byte),
                format!(
                    "unexpected {found}: expected an operand, an operator or a closing parenthesis (CQL2 text, e.g. status = 'operational' AND reported_pflops > 100)"
                ),
            )
        }
        other => (Position::Whole, other.to_string()),
    };
    FilterError::Syntax {
        lang: "cql2-text",
        position,
        reason,
        source: Some(Box::new(e)),
    }
}

/// A cql2-json parse error as a positioned error.
pub fn json_syntax(e: serde_json::Error) -> FilterError {
    let reason = if e.is_syntax() || e.is_eof() {
        format!("not JSON ({e})")
    } else {
        "not a CQL2 expression: expected an object such as {\"op\": \"=\", \"args\": [{\"property\": \"status\"}, \"operational\"]}".to_string()
    };
    FilterError::Syntax {
        lang: "cql2-json",
        position: Position::JsonLineColumn {
            line: e.line(),
            column: e.column(),
        },
        reason,
        source: Some(Box::new(cql2::Error::SerdeJson(e))),
    }
}

/// What the compiler looks for in the source.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A property reference.
    Property(&'a str),
    /// A function or operator call (`name(`, or `{"op": name}`).
    Function(&'a str),
}

/// The filter's source, for finding positions.
pub struct Source<'a> {
    text: &'a str,
    lang: FilterLang,
    json: Option<Value>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str, lang: FilterLang) -> Source<'a> {
        let json = match lang {
            FilterLang::Cql2Json => serde_json::from_str(text).ok(),
            FilterLang::Cql2Text => None,
        };
        Source { text, lang, json }
    }

    pub fn whole(&self) -> Position {
        Position::Whole
    }

    /// The position of the `nth` (0-based) use of `target`, or of its first use when there
    /// are fewer, or the whole filter when it cannot be found.
    pub fn find(&self, target: Target<'_>, nth: usize) -> Position {
        match self.lang {
            FilterLang::Cql2Text => {
                let hits = text_hits(self.text, target);
                hits.get(nth)
                    .or(hits.first())
                    .map_or(Position::Whole, |&b| char_position(self.text, b))
            }
            FilterLang::Cql2Json => {
                let mut hits = Vec::new();
                if let Some(v) = &self.json {
                    json_hits(v, target, &mut String::new(), &mut hits);
                }
                let hit = hits.get(nth).or(hits.first()).cloned();
                hit.map_or(Position::Whole, Position::Pointer)
            }
        }
    }
}

/// Byte offsets of the identifiers in cql2-text that match `target`.
fn text_hits(text: &str, target: Target<'_>) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut hits = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' {
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let start = i;
        let name: String = if c == b'"' {
            i += 1;
            let mut s = String::new();
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        s.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                let ch = text[i..].chars().next().unwrap_or('"');
                s.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            s
        } else if c.is_ascii_alphabetic() || c >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || matches!(bytes[i], b'_' | b'.' | b':')
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            text[start..i].to_string()
        } else {
            i += 1;
            continue;
        };
        let called = text[i.min(text.len())..].trim_start().starts_with('(');
        let hit = match target {
            Target::Property(p) => name == p && !called,
            Target::Function(f) => called && name.eq_ignore_ascii_case(f),
        };
        if hit {
            hits.push(start);
        }
    }
    hits
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// JSON pointers (document order) of the members that match `target`.
fn json_hits(v: &Value, target: Target<'_>, path: &mut String, hits: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            match target {
                Target::Property(p) if m.get("property").and_then(Value::as_str) == Some(p) => {
                    hits.push(format!("{path}/property"));
                }
                Target::Function(f)
                    if m.get("op")
                        .and_then(Value::as_str)
                        .is_some_and(|op| op.eq_ignore_ascii_case(f)) =>
                {
                    hits.push(format!("{path}/op"));
                }
                _ => {}
            }
            for (k, child) in m {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_pointer(k));
                json_hits(child, target, path, hits);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (n, child) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&n.to_string());
                json_hits(child, target, path, hits);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
