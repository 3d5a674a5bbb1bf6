-- wrk script: a mix of items, analytics and plot requests, round-robin.
local paths = {
  "/collections/counties/items?limit=100&bbox=90,40,100,45",
  "/collections/sites/items?limit=100",
  "/collections/sites/items/xj-yiwu-acc",
  "/collections/counties/items?province=Xinjiang&limit=20&properties=adcode,name_en,pflops_reported",
  "/collections/power-plants/items?fuel=coal&bbox=93,42,96,44.5&limit=100",
  "/analytics/counties?province=Xinjiang&sort=-pflops_per_10k_km2&top=10",
  "/analytics/provinces?sort=-sites",
  "/analytics/sites/xj-yiwu-acc/power?radius_km=100",
  "/analytics/summary",
  "/plots/choropleth.png?width=800&height=600",
  "/plots/top-counties.svg?top=10",
  "/",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept-Encoding"] = "gzip" })
end
