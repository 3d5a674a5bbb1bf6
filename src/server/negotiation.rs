//! Parsing of `Accept` (media ranges with q-values, RFC 9110 §12.5.1) and `If-None-Match`
//! (entity-tag lists, §13.1.2), and choosing what to answer from them.

/// One range of an `Accept` header: `type/subtype` (either may be `*`) and its weight.
#[derive(Debug, Clone, PartialEq)]
struct MediaRange {
    ty: String,
    subtype: String,
    q: f32,
}

impl MediaRange {
    /// How closely this range names `ty/subtype`: 3 exact, 2 `type/*`, 1 `*/*`, `None` no match.
    fn specificity(&self, ty: &str, subtype: &str) -> Option<u8> {
        match (self.ty.as_str(), self.subtype.as_str()) {
            ("*", "*") => Some(1),
            (t, "*") if t.eq_ignore_ascii_case(ty) => Some(2),
            (t, s) if t.eq_ignore_ascii_case(ty) && s.eq_ignore_ascii_case(subtype) => Some(3),
            _ => None,
        }
    }
}

/// The ranges of an `Accept` value; a malformed range is skipped (as if not sent), and an
/// empty header means `*/*`.
fn parse_accept(header: &str) -> Vec<MediaRange> {
    let ranges: Vec<MediaRange> = header
        .split(',')
        .filter_map(|part| {
            let mut params = part.split(';');
            let (ty, subtype) = params.next()?.trim().split_once('/')?;
            let (ty, subtype) = (ty.trim(), subtype.trim());
            if ty.is_empty() || subtype.is_empty() || (ty == "*" && subtype != "*") {
                return None;
            }
            let mut q = 1.0;
            for p in params {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v
                            .trim()
                            .parse::<f32>()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))?;
                    }
                }
            }
            Some(MediaRange {
                ty: ty.to_string(),
                subtype: subtype.to_string(),
                q,
            })
        })
        .collect();
    if ranges.is_empty() && header.trim().is_empty() {
        return vec![MediaRange {
            ty: "*".into(),
            subtype: "*".into(),
            q: 1.0,
        }];
    }
    ranges
}

/// How an offer ranks: q, specificity of the range, then earlier range, then earlier offer.
type Rank = (f32, u8, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>);

/// Picks among `offers` (media types in the server's order of preference) the one the client
/// prefers: highest q of the most specific range naming it; ties go to the more specific
/// match, then to the range listed first, then to the server's order. `q=0` rules an offer out.
/// `None` when nothing offered is acceptable.
pub fn choose<'a>(accept: Option<&str>, offers: &[&'a str]) -> Option<&'a str> {
    let ranges = parse_accept(accept.unwrap_or(""));
    let mut best: Option<(Rank, &str)> = None;
    for (order, &offer) in offers.iter().enumerate() {
        let Some((ty, subtype)) = offer.split(';').next().and_then(|m| m.split_once('/')) else {
            continue;
        };
        // The most specific range naming the offer decides its weight.
        let matched = ranges
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.specificity(ty, subtype).map(|s| (s, i, r.q)))
            .max_by_key(|&(s, i, _)| (s, std::cmp::Reverse(i)));
        let Some((spec, index, q)) = matched else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        let rank = (q, spec, std::cmp::Reverse(index), std::cmp::Reverse(order));
        if best.as_ref().is_none_or(|(b, _)| rank > *b) {
            best = Some((rank, offer));
        }
    }
    best.map(|(_, offer)| offer)
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 requires for this
/// header) or is `*`.
pub fn none_match_hits(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t).to_string()
    };
    let ours = opaque(etag);
    if if_none_match.trim() == "*" {
        return true;
    }
    entity_tags(if_none_match).any(|t| opaque(t) == ours)
}

/// The entity tags of a list such as `"a", W/"b"`; a comma inside quotes does not split.
fn entity_tags(list: &str) -> impl Iterator<Item = &str> {
    let mut tags = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                tags.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tags.push(&list[start..]);
    tags.into_iter().map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERS: [&str; 3] = ["application/geo+json", "application/json", "text/csv"];

    #[test]
    fn q_zero_rules_a_type_out() {
        assert_eq!(
            choose(Some("text/csv;q=0, application/json"), &OFFERS),
            Some("application/json")
        );
        assert_eq!(choose(Some("text/csv;q=0"), &OFFERS), None);
        assert_eq!(
            choose(Some("*/*, text/csv;q=0"), &OFFERS),
            Some("application/geo+json")
        );
    }

    #[test]
    fn higher_q_wins_whatever_the_order() {
        assert_eq!(
            choose(Some("text/csv;q=0.5, application/geo+json;q=0.9"), &OFFERS),
            Some("application/geo+json")
        );
        assert_eq!(
            choose(Some("application/json;q=0.2, text/csv"), &OFFERS),
            Some("text/csv")
        );
    }

    #[test]
    fn ties_go_to_the_more_specific_range_then_the_first_listed() {
        assert_eq!(choose(Some("*/*, text/csv"), &OFFERS), Some("text/csv"));
        assert_eq!(
            choose(Some("text/csv, application/json"), &OFFERS),
            Some("text/csv")
        );
        assert_eq!(
            choose(Some("application/json, text/csv"), &OFFERS),
            Some("application/json")
        );
        assert_eq!(choose(Some("text/*"), &OFFERS), Some("text/csv"));
        assert_eq!(
            choose(Some("application/*"), &OFFERS),
            Some("application/geo+json")
        );
    }

    #[test]
    fn missing_or_empty_accept_takes_the_servers_first_choice() {
        assert_eq!(choose(None, &OFFERS), Some("application/geo+json"));
        assert_eq!(choose(Some(""), &OFFERS), Some("application/geo+json"));
    }

    #[test]
    fn unsupported_or_malformed_ranges_match_nothing() {
        assert_eq!(choose(Some("image/png"), &OFFERS), None);
        assert_eq!(choose(Some("text/csv;q=abc"), &OFFERS), None);
        assert_eq!(choose(Some("nonsense"), &OFFERS), None);
        // Parameters other than q do not stop a match.
        assert_eq!(
            choose(Some("application/json;charset=utf-8;q=0.8"), &OFFERS),
            Some("application/json")
        );
    }

    #[test]
    fn if_none_match_lists_star_and_weak_tags() {
        let etag = "W/\"v1-abc\"";
        assert!(none_match_hits("\"zzz\", W/\"v1-abc\"", etag));
        assert!(
            none_match_hits("\"v1-abc\"", etag),
            "weak comparison ignores W/"
        );
        assert!(none_match_hits("*", etag));
        assert!(!none_match_hits("\"v1-abd\", \"x,y\"", etag));
        assert!(none_match_hits("\"x,y\" , W/\"v1-abc\"", etag));
        assert!(!none_match_hits("", etag));
    }
}
