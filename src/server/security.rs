//! Security headers: `nosniff` on every response, and on HTML a content security policy that
//! runs no inline script, so text from the data or from editors can never become code. No
//! response may be framed by another page (`frame-ancestors 'none'`) except the embeddable map
//! (`/embed`), which any page may frame.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// `X-Content-Type-Options: nosniff` on every response: a CSV or JSON body is never run as
/// script or shown as HTML because a browser guessed its type.
/// `Content-Security-Policy: frame-ancestors 'none'` on every response that sets no policy of
/// its own (HTML pages set theirs, with the same `frame-ancestors` unless embeddable).
pub fn default_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
}

/// Who may show a page in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No one (the full map, every other route): no clickjacking.
    Denied,
    /// Any page (`/embed`, made to sit in an article).
    Anyone,
}

/// The origin (`scheme://host[:port]`) of a URL template such as
/// `https://tile.example/{z}/{x}/{y}.png`, or `None` when it is not an absolute http(s) URL.
fn origin(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    // A host with characters outside a plain authority would widen or break the policy.
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then(|| &url[..url.len() - rest.len() + host_end])
}

/// The policy of an HTML page. Scripts and styles come from the service itself; MapLibre runs
/// its worker from a `blob:` URL and draws images from `data:`/`blob:`; inline `style`
/// attributes are allowed (MapLibre and the panels set positions), inline script is not.
/// A configured raster basemap adds its origin to the images and fetches allowed.
pub fn content_security_policy(basemap: Option<&str>, framing: Framing) -> String {
    let extra = basemap
        .and_then(origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; \
         img-src 'self' data: blob:{extra}; connect-src 'self'{extra}; style-src 'self' 'unsafe-inline'; \
         font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors {}",
        match framing {
            Framing::Denied => "'none'",
            Framing::Anyone => "*",
        }
    )
}

/// The headers every HTML response carries besides `nosniff`.
pub fn html_headers(basemap: Option<&str>, framing: Framing) -> [(HeaderName, HeaderValue); 2] {
    let csp =
        HeaderValue::from_str(&content_security_policy(basemap, framing)).unwrap_or_else(|_| {
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
            )
        });
    [
        (HeaderName::from_static("content-security-policy"), csp),
        (
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basemap_origin_joins_the_policy() {
        let p = content_security_policy(
            Some("https://tiles.example.org:8443/{z}/{x}/{y}.png"),
            Framing::Denied,
        );
        assert!(
            p.contains("img-src 'self' data: blob: https://tiles.example.org:8443;"),
            "{p}"
        );
        assert!(
            p.contains("connect-src 'self' https://tiles.example.org:8443;"),
            "{p}"
        );
        assert!(p.contains("script-src 'self';"));
        assert!(p.ends_with("frame-ancestors 'none'"), "{p}");
        assert!(content_security_policy(None, Framing::Anyone).ends_with("frame-ancestors *"));
    }

    #[test]
    fn odd_basemaps_add_nothing() {
        let plain = content_security_policy(None, Framing::Denied);
        for url in [
            "javascript:alert(1)",
            "https://",
            "https://a b/{z}",
            "https://x;script-src *",
        ] {
            assert_eq!(
                content_security_policy(Some(url), Framing::Denied),
                plain,
                "{url}"
            );
        }
    }
}
