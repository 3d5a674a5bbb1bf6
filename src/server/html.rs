//! HTML views of the OGC resources (landing, conformance, collections, items, queryables,
//! tilesets, processes, jobs) for people with a browser. One compiled askama template with
//! HTML auto-escaping renders every page from plain parts (links, lists, tables), so text from
//! the data is always escaped and no handler writes markup. No page carries inline script (the
//! content security policy, script-src 'self', forbids it; the schema.org JSON-LD block is
//! data): the small map of the items and item pages is the web bundle's `pagemap` entry,
//! loaded from this service, which reads what to draw from the map element's data- attributes.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use super::http::respond;
use super::{ApiError, Served};

/// The media type of the pages.
pub const HTML: &str = "text/html; charset=utf-8";

/// A link in a page.
#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub text: String,
}

impl Link {
    pub fn new(href: impl Into<String>, text: impl Into<String>) -> Link {
        Link {
            href: href.into(),
            text: text.into(),
        }
    }
}

/// A table cell: text, a link when `href` is set.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: None,
        }
    }

    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: Some(href.into()),
        }
    }

    /// A property value: null shows as "unknown" (never blank or zero); a text that is one
    /// http(s) URL is a link (lists of sources: [`value_cells`]).
    pub fn value(v: Option<&Value>) -> Cell {
        match v {
            None | Some(Value::Null) => Cell::text("unknown"),
            Some(Value::String(s)) if is_web_url(s) => Cell::link(s.clone(), s.clone()),
            Some(Value::String(s)) => Cell::text(s.clone()),
            Some(other) => Cell::text(other.to_string()),
        }
    }
}

/// The cells of one property value: the URLs of a ` | `-separated source list each a link,
/// any other text one cell.
pub fn value_cells(v: Option<&Value>) -> Vec<Cell> {
    if let Some(Value::String(s)) = v {
        let parts: Vec<&str> = s.split(" | ").map(str::trim).collect();
        if parts.len() > 1 && parts.iter().all(|p| is_web_url(p)) {
            return parts
                .into_iter()
                .map(|p| Cell::link(p.to_string(), p.to_string()))
                .collect();
        }
    }
    vec![Cell::value(v)]
}

/// Only http(s) URLs become links: a `javascript:` or `data:` text from the data stays text.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A table: a caption, column headers, rows of cells (a row's cell may hold several links).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Vec<Cell>>>,
}

/// A page: its title, a description, link lists, tables, and JSON-LD.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub description: String,
    /// Paragraphs under the description (notes, counts).
    pub notes: Vec<String>,
    /// Breadcrumb links at the top.
    pub crumbs: Vec<Link>,
    /// Named lists of links ("Formats", "Pages", ...).
    pub link_lists: Vec<(String, Vec<Link>)>,
    pub tables: Vec<Table>,
    /// schema.org JSON-LD (a Dataset or DataCatalog), if the page describes data.
    pub json_ld: Option<Value>,
    /// A map of the page's features, above the tables.
    pub map: Option<PageMap>,
}

/// The map of a page's features: the GeoJSON it draws and the bundle's script that draws it.
#[derive(Debug, Clone)]
pub struct PageMap {
    /// The GeoJSON of exactly the features the page lists (the page's request with f=json).
    pub features: String,
    /// A vector tile URL template of outlines to draw under the features, if any.
    pub backdrop: Option<String>,
    pub script: String,
    pub styles: Vec<String>,
}

impl PageMap {
    /// `None` when the web bundle was not built: the page is then the table alone.
    pub fn new(base: &str, features: String, backdrop: Option<String>) -> Option<PageMap> {
        let assets = super::webmap::entry_assets("src/pagemap.js")?;
        Some(PageMap {
            features,
            backdrop,
            script: format!("{base}{}", assets.script),
            styles: assets.styles.iter().map(|s| format!("{base}{s}")).collect(),
        })
    }
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page.title }} · compute-atlas</title>
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
nav a{margin-right:.5rem}
td a{display:block;word-break:break-all}
#features-map{height:24rem;margin:1rem 0;border:1px solid #ccc;background:#0b1118}
</style>
{% if let Some(m) = page.map %}{% for s in m.styles %}<link rel="stylesheet" href="{{ s }}">
{% endfor %}<script type="module" src="{{ m.script }}"></script>
{% endif %}{% if let Some(ld) = json_ld %}<script type="application/ld+json">{{ ld|safe }}</script>
{% endif %}</head>
<body>
<nav>{% for c in page.crumbs %}<a href="{{ c.href }}">{{ c.text }}</a> › {% endfor %}</nav>
<h1>{{ page.title }}</h1>
{% if !page.description.is_empty() %}<p>{{ page.description }}</p>{% endif %}
{% for n in page.notes %}<p>{{ n }}</p>
{% endfor %}
{% for (name, links) in page.link_lists %}<h2>{{ name }}</h2>
<ul>{% for l in links %}<li><a href="{{ l.href }}">{{ l.text }}</a></li>{% endfor %}</ul>
{% endfor %}
{% if let Some(m) = page.map %}<div id="features-map" role="region" aria-label="Map of the features listed below" data-features="{{ m.features }}"{% if let Some(b) = m.backdrop %} data-backdrop="{{ b }}"{% endif %}></div>
{% endif %}{% for t in page.tables %}<table>
<caption>{{ t.caption }}</caption>
<thead><tr>{% for h in t.headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}<tr>{% for cell in row %}<td>{% for c in cell %}{% if let Some(href) = c.href %}<a href="{{ href }}">{{ c.text }}</a>{% else %}{{ c.text }}{% endif %}{% endfor %}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% endfor %}
</body>
</html>
"#
)]
struct PageTemplate<'a> {
    page: &'a Page,
    /// The JSON-LD, serialised so that it cannot end the script element.
    json_ld: Option<String>,
}

/// JSON safe inside `<script>`: `<`, `>` and `&` as JSON escapes, which parse back the same.
fn script_safe_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

impl Page {
    /// The page as HTML.
    pub fn render(&self) -> Result<String, ApiError> {
        PageTemplate {
            page: self,
            json_ld: self.json_ld.as_ref().map(script_safe_json),
        }
        .render()
        .map_err(|e| ApiError::internal(format!("rendering HTML failed: {e}")))
    }
}

/// Answers `page` as HTML with the caching of [`respond`] and the security headers of pages.
pub fn respond_html(
    req: &HttpRequest,
    served: &Served,
    page: &Page,
) -> Result<HttpResponse, ApiError> {
    let body = page.render()?;
    let mut resp = respond(req, served, HTML, body);
    for (name, value) in super::security::html_headers(None, super::security::Framing::Denied) {
        resp.headers_mut().insert(name, value);
    }
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(resp)
}

/// A schema.org Dataset describing `name` (a collection or the whole atlas).
pub fn dataset_ld(name: &str, description: &str, url: &str, attribution: &str) -> Value {
    serde_json::json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": name,
        "description": description,
        "url": url,
        "creditText": attribution,
        "isAccessibleForFree": true,
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "application/geo+json", "contentUrl": format!("{url}?f=json")},
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_script_cannot_be_closed() {
        let page = Page {
            title: "<b>x</b>".into(),
            tables: vec![Table {
                caption: "c".into(),
                headers: vec!["h".into()],
                rows: vec![vec![
                    value_cells(Some(&Value::String("<script>alert(1)</script>".into()))),
                    value_cells(Some(&Value::String("javascript:alert(1)".into()))),
                    value_cells(Some(&Value::String(
                        "https://a.example/x?a=1&b=\"2\" | http://b.example/".into(),
                    ))),
                ]],
            }],
            json_ld: Some(serde_json::json!({"name": "</script><script>alert(1)</script>"})),
            ..Page::default()
        };
        let html = page.render().unwrap();
        assert!(!html.contains("<b>x</b>"));
        assert!(html.contains("&#60;b&#62;x&#60;/b&#62;"), "{html}");
        assert!(!html.contains("<script>alert(1)"));
        assert!(!html.contains("href=\"javascript:"));
        assert!(html.contains("href=\"http://b.example/\""));
        assert!(html.contains("a=1&#38;b=&#34;2&#34;"), "{html}");
        assert_eq!(html.matches("</script>").count(), 1);
    }
}
