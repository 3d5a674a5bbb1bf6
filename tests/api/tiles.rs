//! OGC API - Tiles over HTTP: tile matrix sets, tilesets, TileJSON and vector tiles.

use actix_web::http::StatusCode;

use crate::common::http::{bad, get, link, local};

#[actix_web::test]
async fn vector_tiles_over_http() {
    use geozero::mvt::{Message, Tile};
    // Discovery, as an OGC API - Tiles client walks it.
    let conf = get("/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"));
    let c = get("/collections/counties").await.json();
    let sets =
        link(&c, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector").expect("tilesets link");
    let list = get(&local(sets["href"].as_str().unwrap())).await.json();
    let ts = &list["tilesets"][0];
    assert_eq!(ts["dataType"], "vector");
    let item = ts["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap();
    assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
    let template = local(item["href"].as_str().unwrap());
    assert!(
        template.ends_with("/{tileMatrix}/{tileRow}/{tileCol}"),
        "{template}"
    );
    let scheme = ts["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")
        .unwrap();
    let tms = get(&local(scheme["href"].as_str().unwrap())).await.json();
    assert_eq!(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 19);
    assert!((m[0]["cellSize"].as_f64().unwrap() - 156_543.033_928_041).abs() < 1e-6);
    assert_eq!(m[10]["matrixWidth"], 1024);
    let meta = get("/collections/counties/tiles/WebMercatorQuad")
        .await
        .json();
    assert_eq!(meta["layers"][0]["id"], "counties");
    assert_eq!(meta["layers"][0]["geometryDimension"], 2);
    // Yiwu's tile lies within the advertised limits at zoom 7.
    let lim = &meta["tileMatrixSetLimits"][7];
    assert_eq!(lim["tileMatrix"], "7");
    assert!(lim["minTileCol"].as_u64().unwrap() <= 97 && 97 <= lim["maxTileCol"].as_u64().unwrap());
    assert!(lim["minTileRow"].as_u64().unwrap() <= 46 && 46 <= lim["maxTileRow"].as_u64().unwrap());
    let tj = get("/collections/counties/tiles/WebMercatorQuad?f=tilejson")
        .await
        .json();
    assert_eq!(tj["tilejson"], "3.0.0");
    // Pinned to the data version, so a CDN may keep the tiles for good.
    let url = tj["tiles"][0].as_str().unwrap();
    assert!(url.contains("/{z}/{y}/{x}?v="), "{url}");
    assert_eq!(
        tj["vector_layers"][0]["fields"]["pflops_reported"],
        "Number"
    );
    assert_eq!(tj["vector_layers"][0]["id"], "counties");
    // Bounds and centre are arrays as TileJSON 3.0 writes them, inside the western provinces.
    let b: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
    assert!(
        b.len() == 4 && b[0] < 94.0 && b[2] > 94.0 && b[1] < 43.0 && b[3] > 43.0,
        "{b:?}"
    );
    assert_eq!(tj["center"][2], 4);
    assert_eq!(tj["minzoom"], 0);

    // The tile under Yiwu (z7, row 46, column 97): its county, with only the asked properties.
    let uri = template
        .replace("{tileMatrix}", "7")
        .replace("{tileRow}", "46")
        .replace("{tileCol}", "97");
    let r = get(&format!("{uri}?properties=adcode,name_en")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert!(r.header("etag").is_some());
    let tile = Tile::decode(&r.body[..]).unwrap();
    let l = &tile.layers[0];
    assert_eq!(l.name, "counties");
    let mut keys = l.keys.clone();
    keys.sort();
    assert_eq!(keys, ["adcode", "name_en"]);
    let names: Vec<&str> = l
        .values
        .iter()
        .filter_map(|v| v.string_value.as_deref())
        .collect();
    assert!(
        names.contains(&"650522") && names.contains(&"Yiwu County"),
        "{names:?}"
    );
    // Filters select features as for items; an empty tile is 204.
    let r = get("/collections/sites/tiles/WebMercatorQuad/7/46/97?status=operational").await;
    let t = Tile::decode(&r.body[..]).unwrap();
    let l = &t.layers[0];
    let status_key = l.keys.iter().position(|k| k == "status").unwrap() as u32;
    for f in &l.features {
        let v = f.tags.chunks(2).find(|kv| kv[0] == status_key).unwrap()[1];
        assert_eq!(
            l.values[v as usize].string_value.as_deref(),
            Some("operational")
        );
    }
    let r = get("/collections/counties/tiles/WebMercatorQuad/5/10/10").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    // Errors say what was wrong.
    bad(
        "/collections/counties/tiles/WebMercatorQuad/19/0/0",
        StatusCode::NOT_FOUND,
        "zoom 19",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/3/8/0",
        StatusCode::NOT_FOUND,
        "does not exist at zoom 3",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/a/0/0",
        StatusCode::BAD_REQUEST,
        "not a whole number",
    )
    .await;
    bad(
        "/collections/counties/tiles/WorldCRS84Quad/0/0/0",
        StatusCode::NOT_FOUND,
        "WebMercatorQuad",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?limit=5",
        StatusCode::BAD_REQUEST,
        "unknown parameter `limit`",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?properties=nope",
        StatusCode::BAD_REQUEST,
        "nope",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?f=json",
        StatusCode::NOT_ACCEPTABLE,
        "f=mvt",
    )
    .await;
    // The renewable bases have outlines since their rows name their counties or prefectures
    // (issue 16), so their tiles exist: this was a 404 "no geometry" before.
    assert_eq!(
        get("/collections/renewable-bases/tiles").await.status,
        StatusCode::OK
    );
    bad(
        "/collections/nope/tiles/WebMercatorQuad/0/0/0",
        StatusCode::NOT_FOUND,
        "no collection",
    )
    .await;
}
