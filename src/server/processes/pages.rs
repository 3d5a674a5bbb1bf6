//! The HTML pages of the processes resources: the list of processes, a process description
//! (its inputs and outputs as tables) and a job's status. Each is drawn from the JSON document
//! of the same resource.

use serde_json::Value;

use super::super::html::{Cell, Link, Page, Table};

fn enc(s: &str) -> String {
    super::super::http::url_component(s)
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn crumbs(base: &str, process: Option<&str>) -> Vec<Link> {
    let mut v = vec![
        Link::new(format!("{base}/?f=html"), "compute-atlas"),
        Link::new(format!("{base}/processes?f=html"), "Processes"),
    ];
    if let Some(id) = process {
        v.push(Link::new(format!("{base}/processes/{id}?f=html"), id));
    }
    v
}

/// What a value of `schema` may be, in words: its type and default, or the media types of
/// its alternatives (`oneOf`).
fn schema_text(schema: &Value) -> String {
    if let Some(alts) = schema["oneOf"].as_array() {
        let media: Vec<String> = alts
            .iter()
            .map(|a| match a["contentMediaType"].as_str() {
                Some(m) => m.to_string(),
                None => text(&a["type"]),
            })
            .collect();
        return format!("one of: {}", media.join(", "));
    }
    let mut s = text(&schema["type"]);
    if let Some(m) = schema["contentMediaType"].as_str() {
        s.push_str(&format!(" ({m})"));
    }
    if !schema["default"].is_null() {
        s.push_str(&format!(", default {}", text(&schema["default"])));
    }
    s
}

fn occurs(io: &Value) -> String {
    let min = io["minOccurs"].as_u64().unwrap_or(1);
    match &io["maxOccurs"] {
        Value::Number(n) if n.as_u64() == Some(min) => format!("exactly {min}"),
        Value::Null => format!("at least {min}"),
        max => format!("{min} to {}", text(max)),
    }
}

pub fn processes(base: &str, doc: &Value) -> Page {
    let rows = doc["processes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let id = text(&p["id"]);
            vec![
                vec![Cell::link(
                    id.clone(),
                    format!("{base}/processes/{id}?f=html"),
                )],
                vec![Cell::text(text(&p["title"]))],
                vec![Cell::text(text(&p["version"]))],
                vec![Cell::text(
                    p["jobControlOptions"]
                        .as_array()
                        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                )],
                vec![Cell::text(text(&p["description"]))],
            ]
        })
        .collect();
    Page {
        title: "Processes".into(),
        description: "Processes this service runs on your own data (OGC API - Processes).".into(),
        crumbs: crumbs(base, None)[..1].to_vec(),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(format!("{base}/processes?f=json"), "JSON")],
        )],
        tables: vec![Table {
            caption: "Processes".into(),
            headers: vec![
                "Id".into(),
                "Title".into(),
                "Version".into(),
                "Execution".into(),
                "Description".into(),
            ],
            rows,
        }],
        ..Page::default()
    }
}

pub fn process(base: &str, d: &Value) -> Page {
    let id = text(&d["id"]);
    let inputs = d["inputs"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, i)| {
            vec![
                vec![Cell::text(name.clone())],
                vec![Cell::text(text(&i["title"]))],
                vec![Cell::text(schema_text(&i["schema"]))],
                vec![Cell::text(occurs(i))],
                vec![Cell::text(text(&i["description"]))],
            ]
        })
        .collect();
    let outputs = d["outputs"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, o)| {
            vec![
                vec![Cell::text(name.clone())],
                vec![Cell::text(text(&o["title"]))],
                vec![Cell::text(schema_text(&o["schema"]))],
                vec![Cell::text(text(&o["description"]))],
            ]
        })
        .collect();
    let execute = d["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/execute")
        .map(|l| text(&l["href"]))
        .unwrap_or_default();
    Page {
        title: text(&d["title"]),
        description: text(&d["description"]),
        notes: vec![
            format!("Id: {id}, version {}.", text(&d["version"])),
            format!(
                "Run it with POST {execute}: the points as the request body (with its Content-Type) and the other inputs as query parameters, or an OGC execute request (application/json) holding every input."
            ),
        ],
        crumbs: crumbs(base, None),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(
                format!("{base}/processes/{id}?f=json"),
                "OGC process description (JSON)",
            )],
        )],
        tables: vec![
            Table {
                caption: "Inputs".into(),
                headers: vec![
                    "Input".into(),
                    "Title".into(),
                    "Values".into(),
                    "Occurs".into(),
                    "Description".into(),
                ],
                rows: inputs,
            },
            Table {
                caption: "Outputs".into(),
                headers: vec![
                    "Output".into(),
                    "Title".into(),
                    "Values".into(),
                    "Description".into(),
                ],
                rows: outputs,
            },
        ],
        ..Page::default()
    }
}

pub fn job(base: &str, status: &Value) -> Page {
    let id = text(&status["jobID"]);
    let process = text(&status["processID"]);
    let mut rows: Vec<Vec<Vec<Cell>>> = [
        "status", "message", "created", "started", "finished", "updated", "progress",
    ]
    .iter()
    .filter(|k| !status[**k].is_null())
    .map(|k| vec![vec![Cell::text(*k)], vec![Cell::text(text(&status[*k]))]])
    .collect();
    if let Some(summary) = status["summary"].as_object() {
        rows.extend(summary.iter().map(|(k, v)| {
            vec![
                vec![Cell::text(format!("summary: {k}"))],
                vec![Cell::text(text(v))],
            ]
        }));
    }
    Page {
        title: format!("Job {id}"),
        description: format!("An execution of the process {process}."),
        crumbs: crumbs(base, Some(&process)),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(
                format!("{base}/jobs/{}?f=json", enc(&id)),
                "OGC status info (JSON)",
            )],
        )],
        tables: vec![Table {
            caption: "Status".into(),
            headers: vec!["Field".into(), "Value".into()],
            rows,
        }],
        ..Page::default()
    }
}
