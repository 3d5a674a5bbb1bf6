//! Building blocks of the OpenAPI 3.0 document that every API part uses to describe its
//! paths; `openapi` assembles them. Imports no API part.

use serde_json::{json, Map, Value};

/// Paths and component schemas being assembled.
pub type Paths = Map<String, Value>;

pub fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

pub fn responses(media: &str, schema: Value) -> Value {
    json!({
        "200": {"description": "OK", "content": {media: {"schema": schema}}},
        "400": {"description": "A parameter is malformed or unknown", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
        "404": {"description": "Not found", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
        "406": {"description": "Format not offered", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
    })
}

/// A JSON document with only `f=json`.
pub fn simple(summary: &str, id: &str) -> Value {
    json!({"get": {"summary": summary, "operationId": id,
        "parameters": [param("f", "Output format", json!({"type": "string", "enum": ["json"]}))],
        "responses": responses("application/json", json!({"type": "object"}))}})
}

/// A JSON document that is also an HTML page for people (`f=html`, or a browser's Accept).
pub fn html_page(summary: &str, id: &str) -> Value {
    let mut v = simple(summary, id);
    add_html(&mut v);
    v
}

/// Marks the GET operation of `path_item` as also answering an HTML page: `html` among the
/// values of its `f` parameter (added when it has none) and text/html among its 200 contents.
pub fn add_html(path_item: &mut Value) {
    let op = &mut path_item["get"];
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    if let Some(params) = op["parameters"].as_array_mut() {
        match params
            .iter_mut()
            .find(|p| p["name"] == "f" && p["in"] == "query")
        {
            Some(f) => {
                if let Some(values) = f["schema"]["enum"].as_array_mut() {
                    values.push(json!("html"));
                }
            }
            None => params.push(param(
                "f",
                "Output format",
                json!({"type": "string", "enum": ["json", "html"]}),
            )),
        }
    }
    op["responses"]["200"]["content"]["text/html"] = json!({"schema": {"type": "string"}});
}

/// A read-only JSON document (and CSV when `csv`) with its query parameters (`f` is added).
pub fn get_with(summary: &str, id: &str, csv: bool, mut params: Vec<Value>) -> Value {
    let formats: &[&str] = if csv { &["json", "csv"] } else { &["json"] };
    params.insert(
        0,
        param(
            "f",
            "Output format",
            json!({"type": "string", "enum": formats}),
        ),
    );
    let mut r = responses("application/json", json!({"type": "object"}));
    if csv {
        r["200"]["content"]["text/csv"] = json!({"schema": {"type": "string"}});
    }
    json!({"get": {"summary": summary, "operationId": id, "parameters": params, "responses": r}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_html_page_is_one_more_format_of_the_same_operation() {
        let v = html_page("s", "id");
        assert_eq!(
            v["get"]["parameters"][0]["schema"]["enum"],
            json!(["json", "html"])
        );
        assert!(v["get"]["responses"]["200"]["content"]["application/json"].is_object());
        assert!(v["get"]["responses"]["200"]["content"]["text/html"].is_object());
        let mut bare = json!({"get": {"responses": responses("application/json", json!({}))}});
        add_html(&mut bare);
        assert_eq!(bare["get"]["parameters"][0]["name"], "f");
        assert_eq!(
            bare["get"]["parameters"][0]["schema"]["enum"],
            json!(["json", "html"])
        );
    }
}
