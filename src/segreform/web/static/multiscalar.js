/* The kommun page's multi-scalar section: a profile chart across k and a map of local shares.
 * Data come from the JSON block #multiscalar-data rendered into the page; geometry from the map API. */
"use strict";
(function () {
  const PLOTLY_CONFIG = { responsive: true, displaylogo: false, topojsonURL: "/static/topojson/" };
  const SEQUENTIAL = [[0, "#ffffcc"], [0.25, "#fed976"], [0.5, "#fd8d3c"], [0.75, "#e31a1c"], [1, "#800026"]];
  const lang = document.documentElement.lang || "sv";
  const percent = new Intl.NumberFormat(lang === "sv" ? "sv-SE" : "en-GB", { style: "percent", maximumFractionDigits: 1 });

  function rendered(el, count) {
    el.dataset.features = String(count);
    el.dataset.rendered = "true";
    el.dispatchEvent(new CustomEvent("segreform:rendered"));
  }

  function chart(data) {
    const el = document.getElementById("multiscalar-chart");
    if (!el) return;
    el.textContent = "";
    const p = data.profile;
    const traces = [
      { type: "scatter", mode: "lines+markers", x: p.k, y: p.dissimilarity, name: data.labels.dissimilarity, line: { color: "#00529b" } },
      { type: "scatter", mode: "lines+markers", x: p.k, y: p.isolation, name: data.labels.isolation, line: { color: "#e08214" } },
    ];
    const layout = {
      margin: { l: 45, r: 10, t: 10, b: 45 }, legend: { orientation: "h", y: -0.25 },
      xaxis: { type: "log", title: { text: data.labels.k }, tickvals: p.k },
      yaxis: { rangemode: "tozero" },
    };
    Plotly.newPlot(el, traces, layout, PLOTLY_CONFIG).then(() => rendered(el, traces.length));
  }

  function map(data) {
    const el = document.getElementById("multiscalar-map");
    if (!el) return;
    el.textContent = "";
    const p = data.profile;
    fetch(el.dataset.geometry).then((r) => r.json()).then((geo) => {
      const own = Object.keys(p.map);
      const names = Object.fromEntries(geo.features.map((f) => [f.properties.code, f.properties.name]));
      const trace = {
        type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: own,
        z: own.map((c) => p.map[c]), text: own.map((c) => (names[c] || c) + ": " + percent.format(p.map[c])),
        hoverinfo: "text", colorscale: SEQUENTIAL, zmin: 0, marker: { line: { width: 0.6, color: "#fff" } },
        colorbar: { title: { text: data.labels.share }, tickformat: ".0%", thickness: 12, len: 0.6 },
      };
      const layout = { geo: { visible: false, projection: { type: "mercator" }, fitbounds: "locations" },
        margin: { l: 0, r: 0, t: 0, b: 0 }, dragmode: "pan" };
      return Plotly.newPlot(el, [trace], layout, PLOTLY_CONFIG).then(() => rendered(el, own.length));
    });
  }

  function start() {
    const node = document.getElementById("multiscalar-data");
    if (!node || typeof Plotly === "undefined") return;
    const data = JSON.parse(node.textContent);
    if (!data.profile) return;
    chart(data);
    map(data);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
