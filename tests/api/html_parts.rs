//! HTML pages of the tiles and processes parts (tile matrix sets, tilesets, processes, a
//! process, a job) on the real data, their JSON forms' alternate links and the OpenAPI
//! document; and the map of the items and item pages: which GeoJSON it draws and that its
//! script and styles are served.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, WebConfig};
use serde_json::Value;

use crate::common::browser::assert_web_built;
use crate::common::http::{get, get_with, link, local, state, Resp};
use crate::html::{assert_page, BROWSER};

/// The page at `uri` with `f=html` and for a browser's Accept (the same page), and the JSON a
/// JSON client still gets there, whose `alternate` text/html link leads to the page.
async fn page_and_json(uri: &str) -> (String, Value) {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let by_f = get(&format!("{uri}{sep}f=html")).await;
    assert_page(&by_f, uri);
    let by_accept = get_with(uri, &[("Accept", BROWSER)]).await;
    assert_page(&by_accept, &format!("{uri} (Accept)"));
    assert_eq!(by_f.text(), by_accept.text(), "{uri}");
    let j = get_with(uri, &[("Accept", "application/json")]).await;
    assert_eq!(j.status, StatusCode::OK, "{uri}");
    assert_eq!(
        j.header("content-type").as_deref(),
        Some("application/json"),
        "{uri}"
    );
    let json = j.json();
    let alt = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "alternate" && l["type"] == "text/html")
        .unwrap_or_else(|| panic!("{uri}: no text/html alternate in {json}"));
    let linked = get(&local(alt["href"].as_str().unwrap())).await;
    assert_eq!(linked.text(), by_f.text(), "{uri}: the alternate link");
    (by_f.text(), json)
}

/// `<td>text</td>` with `text` escaped as the pages escape it.
fn cell(text: &str) -> String {
    let esc = text
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    format!("<td>{esc}</td>")
}

#[actix_web::test]
async fn tile_matrix_sets_have_pages() {
    let (html, json) = page_and_json("/tileMatrixSets").await;
    assert_eq!(json["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    assert!(html.contains("/tileMatrixSets/WebMercatorQuad?f=html\">WebMercatorQuad</a>"));
    assert!(
        html.contains("<nav><a href=\"http://"),
        "breadcrumbs: {html}"
    );

    let (html, json) = page_and_json("/tileMatrixSets/WebMercatorQuad").await;
    let matrices = json["tileMatrices"].as_array().unwrap();
    // A header row and one row per zoom level, each with its matrix size from the JSON.
    assert_eq!(html.matches("<tr>").count(), matrices.len() + 1);
    for m in matrices {
        let n = m["matrixWidth"].as_u64().unwrap();
        assert!(
            html.contains(&cell(&format!("{n} × {n}"))),
            "zoom {}",
            m["id"]
        );
    }
    assert!(html.contains(&cell("262144 × 262144")), "zoom 18");
    assert!(html.contains("http://www.opengis.net/def/crs/EPSG/0/3857"));
}

#[actix_web::test]
async fn tilesets_have_pages() {
    // Reached from the landing page and the collection's page.
    assert!(get("/?f=html")
        .await
        .text()
        .contains("/tileMatrixSets?f=html\">"));
    let collection = get("/collections/sites?f=html").await.text();
    assert!(collection.contains("/collections/sites/tiles?f=html\">Vector tilesets</a>"));
    let (html, json) = page_and_json("/collections/sites/tiles").await;
    let template = json["tilesets"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(template
        .ends_with("/collections/sites/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"));
    assert!(html.contains(&cell(&template)), "{html}");
    assert!(html.contains("/collections/sites/tiles/WebMercatorQuad?f=html\">"));
    assert!(
        html.contains("/collections?f=html\">Collections</a> › <a href=\"")
            && html.contains("/collections/sites?f=html\">"),
        "breadcrumbs: {html}"
    );

    let (html, json) = page_and_json("/collections/counties/tiles/WebMercatorQuad").await;
    // Every zoom's rows and columns, as the JSON gives them.
    let limits = json["tileMatrixSetLimits"].as_array().unwrap();
    assert_eq!(limits.len(), 19);
    for l in limits {
        let row = format!(
            "<tr>{}{}{}</tr>",
            cell(l["tileMatrix"].as_str().unwrap()),
            cell(&format!("{} to {}", l["minTileRow"], l["maxTileRow"])),
            cell(&format!("{} to {}", l["minTileCol"], l["maxTileCol"])),
        );
        assert!(html.contains(&row), "{row}");
    }
    for p in json["layers"][0]["propertiesSchema"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "geometry")
    {
        assert!(html.contains(&cell(p)), "property {p}");
    }
    assert!(html.contains(&cell("adcode")));
    assert!(html.contains("WebMercatorQuad?f=tilejson\">TileJSON 3.0</a>"));
    // TileJSON is still there, and a collection without geometry still has no tiles.
    let tj = get("/collections/counties/tiles/WebMercatorQuad?f=tilejson").await;
    assert_eq!(tj.json()["tilejson"], "3.0.0");
    let r = get("/collections/sites/tiles/WebMercatorQuad?f=xml").await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
}

#[actix_web::test]
async fn processes_have_pages() {
    assert!(get("/?f=html")
        .await
        .text()
        .contains("/processes?f=html\">"));
    let (html, json) = page_and_json("/processes").await;
    assert_eq!(json["processes"][0]["id"], "locate");
    assert!(html.contains("/processes/locate?f=html\">locate</a>"));
    assert!(html.contains(&cell("Locate points in counties")));

    let (html, d) = page_and_json("/processes/locate").await;
    // Every input and output of the description is a row: name, title, values, occurrences.
    let inputs = d["inputs"].as_object().unwrap();
    assert_eq!(
        inputs.keys().collect::<Vec<_>>(),
        ["points", "lon_column", "lat_column", "nearest"]
    );
    for (name, i) in inputs {
        let row = format!("<tr>{}{}", cell(name), cell(i["title"].as_str().unwrap()));
        assert!(html.contains(&row), "input {name}");
        assert!(
            html.contains(&cell(i["description"].as_str().unwrap())),
            "{name}"
        );
    }
    assert!(html.contains(&cell(
        "one of: text/csv, application/geo+json, application/vnd.apache.parquet"
    )));
    assert!(html.contains(&cell("string, default lon")));
    assert!(html.contains(&cell("boolean, default false")));
    assert!(html.contains(&cell("exactly 1")) && html.contains(&cell("0 to 1")));
    for name in d["outputs"].as_object().unwrap().keys() {
        assert!(html.contains(&cell(name)), "output {name}");
    }
    assert!(
        html.contains("<caption>Inputs</caption>") && html.contains("<caption>Outputs</caption>")
    );
    assert!(html.contains("/processes/locate/execution"));
    let conf = get("/conformance").await.json();
    assert!(conf["conformsTo"]
        .as_array()
        .unwrap()
        .contains(&"http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html".into()));
}

async fn post_csv(uri: &str, body: &str) -> Resp {
    let svc = atest::init_service(app(state(), Data::new(WebConfig::default()), None)).await;
    let req = atest::TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", "text/csv"))
        .set_payload(body.to_string())
        .to_request();
    let resp = atest::call_service(&svc, req).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = atest::read_body(resp).await.to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

#[actix_web::test]
async fn a_job_has_a_page() {
    // Two points: a site in a county, and one at sea.
    let served = state().snapshot();
    let (site, _) = served
        .atlas
        .sites
        .iter()
        .zip(&served.atlas.site_places)
        .find(|(_, p)| p.county.is_some())
        .unwrap();
    let csv = format!("name,lon,lat\nsite,{},{}\nsea,150,10\n", site.lon, site.lat);
    let r = post_csv("/processes/locate/execution", &csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let monitor = r.header("link").unwrap();
    let job = &monitor[monitor.find("/jobs/").unwrap()..monitor.find('>').unwrap()];
    // The job ends once the body has been written, which may be just after it was read.
    let mut tries = 0;
    while get(job).await.json()["status"] == "running" && tries < 50 {
        tries += 1;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (html, json) = page_and_json(job).await;
    assert_eq!(json["status"], "successful");
    assert_eq!(json["summary"]["rows"], 2);
    assert!(html.contains(&cell("successful")), "{html}");
    assert!(html.contains(&format!("{}{}", cell("summary: rows"), cell("2"))));
    assert!(html.contains(&format!("{}{}", cell("summary: outside"), cell("1"))));
    assert!(
        html.contains("/processes/locate?f=html\">locate</a>"),
        "crumbs"
    );
    let page = get(&format!("{job}?f=html")).await;
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        get("/jobs/locate-nope?f=html").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn the_api_document_offers_the_pages() {
    let api = get("/api").await.json();
    for path in [
        "/tileMatrixSets",
        "/tileMatrixSets/{tileMatrixSetId}",
        "/collections/sites/tiles",
        "/collections/sites/tiles/{tileMatrixSetId}",
        "/processes",
        "/processes/locate",
        "/jobs/{jobId}",
        "/collections",
        "/collections/sites",
        "/collections/sites/queryables",
        "/collections/sites/items",
        "/collections/sites/items/{featureId}",
    ] {
        let op = &api["paths"][path]["get"];
        let f = op["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {op}"))
            .iter()
            .find(|p| p["name"] == "f")
            .unwrap_or_else(|| panic!("{path}: no f"));
        assert!(
            f["schema"]["enum"]
                .as_array()
                .unwrap()
                .contains(&"html".into()),
            "{path}: {f}"
        );
        assert!(
            op["responses"]["200"]["content"]["text/html"].is_object(),
            "{path}"
        );
    }
}

/// The `data-features` URL and script of a page's map.
fn map_of(html: &str) -> (String, String) {
    let attr = |name: &str| {
        let start = html
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name}: {html}"))
            + name.len()
            + 2;
        html[start..start + html[start..].find('"').unwrap()].replace("&#38;", "&")
    };
    (
        local(&attr("data-features")),
        local(&attr("<script type=\"module\" src")),
    )
}

#[actix_web::test]
async fn items_pages_map_the_features_of_the_page() {
    assert_web_built(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    let uri = "/collections/sites/items?f=html&limit=7&offset=3&sortby=-id";
    let r = get(uri).await;
    assert_page(&r, uri);
    let html = r.text();
    let (data, script) = map_of(&html);
    assert_eq!(
        data,
        "/collections/sites/items?limit=7&offset=3&sortby=-id&f=json"
    );
    // The map draws exactly the rows of the table.
    let page = get(&data).await.json();
    let ids = crate::common::http::ids(&page);
    assert_eq!(ids.len(), 7);
    for id in &ids {
        assert!(
            html.contains(&format!("?f=html\">{id}</a></td>")),
            "{id} not in the table"
        );
    }
    assert_eq!(html.matches("<tr>").count(), 8);
    // The bundle's script and styles are served, and the county outlines' tiles exist.
    let js = get(&script).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert!(js.text().contains("features-map"));
    let css = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap();
    let css = get(&local(&css[..css.find('"').unwrap()])).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.text().contains(".maplibregl-map"));
    let backdrop = html.split("data-backdrop=\"").nth(1).unwrap();
    let backdrop = local(&backdrop[..backdrop.find('"').unwrap()].replace("&#38;", "&"));
    assert!(backdrop.starts_with(
        "/collections/counties/tiles/WebMercatorQuad/{z}/{y}/{x}?properties=adcode&v="
    ));
    let tile = get(&backdrop.replace("{z}/{y}/{x}", "4/6/11")).await;
    assert_eq!(tile.status, StatusCode::OK, "{backdrop}");

    // Asked in another CRS, the map still gets longitudes and latitudes of the same features.
    let r = get(
        "/collections/counties/items?f=html&limit=3&crs=http://www.opengis.net/def/crs/EPSG/0/3857",
    )
    .await;
    let (data, _) = map_of(&r.text());
    assert!(
        data.contains("crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FOGC%2F1.3%2FCRS84"),
        "{data}"
    );
    let page = get(&data).await;
    assert_eq!(
        page.header("content-crs").as_deref(),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    assert_eq!(crate::common::http::ids(&page.json()).len(), 3);

    // An item page maps its one feature; its JSON links back to the page.
    let r = get("/collections/sites/items/xj-yiwu-acc?f=html").await;
    assert_page(&r, "item");
    let (data, _) = map_of(&r.text());
    assert_eq!(data, "/collections/sites/items/xj-yiwu-acc?f=json");
    let item = get(&data).await.json();
    assert_eq!(item["id"], "xj-yiwu-acc");
    let alt = link(&item, "alternate").unwrap();
    assert_eq!(alt["type"], "text/html");
    assert_eq!(
        local(alt["href"].as_str().unwrap()),
        "/collections/sites/items/xj-yiwu-acc?f=html"
    );
    // Pages without features to map have no map.
    assert!(!get("/collections/sites?f=html")
        .await
        .text()
        .contains("id=\"features-map\""));
}
