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
