/* Maps and charts of the barometer pages (plotly, served from the installed package).
 * Every figure is also in a table on the same page; these only draw what the page already says.
 * Geometry comes from /api/map/{level}.geojson (simplified, cached by ETag); values from inline JSON. */
"use strict";
window.segreform = (function () {
  const PLOTLY_CONFIG = { responsive: true, displaylogo: false, topojsonURL: "/static/topojson/" };
  // Light to dark; "higher is better" reverses it so that dark always means worse conditions.
  const SEQUENTIAL = [[0, "#ffffcc"], [0.25, "#fed976"], [0.5, "#fd8d3c"], [0.75, "#e31a1c"], [1, "#800026"]];
  const NEUTRAL = [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]];
  const TYPE_COLOURS = { 1: "#b2182b", 2: "#ef8a62", 3: "#e0e0e0", 4: "#67a9cf", 5: "#2166ac" };
  const geometryCache = {};
  const lang = document.documentElement.lang || "sv";

  function geometry(url) {
    if (!geometryCache[url]) geometryCache[url] = fetch(url).then((r) => r.json());
    return geometryCache[url];
  }
  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function formatValue(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const options = unit === "share" ? { style: "percent", maximumFractionDigits: 1 } : { maximumFractionDigits: 3 };
    return new Intl.NumberFormat(lang === "sv" ? "sv-SE" : "en-GB", options).format(value);
  }
  function geoLayout(bounds) {
    const geo = { visible: false, projection: { type: "mercator" }, bgcolor: "rgba(0,0,0,0)" };
    if (bounds) {
      const padLon = (bounds[2] - bounds[0]) * 0.05 + 0.01, padLat = (bounds[3] - bounds[1]) * 0.05 + 0.005;
      geo.lonaxis = { range: [bounds[0] - padLon, bounds[2] + padLon] };
      geo.lataxis = { range: [bounds[1] - padLat, bounds[3] + padLat] };
    } else {
      geo.fitbounds = "locations";
    }
    return { geo: geo, margin: { l: 0, r: 0, t: 0, b: 0 }, dragmode: "pan" };
  }
  function markRendered(el, count) {
    el.dataset.features = String(count);
    el.dataset.rendered = "true";
    el.dispatchEvent(new CustomEvent("segreform:rendered"));
  }
  function linkClicks(el, prefix) {
    el.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      if (point && point.location) window.location.href = prefix + point.location;
    });
  }

  function overviewMap(elementId, valuesId) {
    const el = document.getElementById(elementId);
    if (!el) return;
    const values = readJSON(valuesId) || {};
    el.textContent = "";
    geometry(el.dataset.geometry).then((geo) => {
      const codes = geo.features.map((f) => f.properties.code);
      const names = Object.fromEntries(geo.features.map((f) => [f.properties.code, f.properties.name]));
      const z = codes.map((c) => (values[c] === undefined ? null : values[c]));
      const direction = el.dataset.direction;
      const trace = {
        type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: codes, z: z,
        colorscale: direction === "neutral" ? NEUTRAL : SEQUENTIAL, reversescale: direction === "higher_is_better", marker: { line: { width: 0.3, color: "#fff" } },
        text: codes.map((c) => names[c] + ": " + formatValue(values[c], el.dataset.unit)), hoverinfo: "text",
        colorbar: { title: { text: el.dataset.label }, thickness: 12, len: 0.6, tickformat: el.dataset.unit === "share" ? ".0%" : "" },
      };
      return Plotly.newPlot(el, [trace], geoLayout(null), PLOTLY_CONFIG).then(() => {
        linkClicks(el, "/kommun/");
        markRendered(el, codes.length);
      });
    });
  }

  function kommunMap(elementId, dataId) {
    const el = document.getElementById(elementId);
    const data = readJSON(dataId);
    if (!el || !data) return;
    el.textContent = "";
    geometry(el.dataset.geometry).then((geo) => {
      const all = geo.features.map((f) => f.properties.code);
      const own = all.filter((c) => c.startsWith(data.kommun + "R"));
      const ownSet = new Set(own);
      const others = all.filter((c) => !ownSet.has(c));
      const context = {
        type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: others, z: others.map(() => 0),
        colorscale: [[0, "#f2f2f2"], [1, "#f2f2f2"]], showscale: false, hoverinfo: "skip",
        marker: { line: { width: 0.3, color: "#bbb" } },
      };
      const label = (c) => (data.names[c] || c) + ": " + (data.byType
        ? (data.typeNames[data.values[c]] || "–") : formatValue(data.values[c], data.unit));
      const main = {
        type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: own,
        z: own.map((c) => (data.values[c] === undefined ? null : data.values[c])),
        text: own.map(label), hoverinfo: "text", marker: { line: { width: 0.6, color: "#fff" } },
      };
      if (data.byType) {
        // Discrete colours: one band per type 1–5.
        const scale = [];
        [1, 2, 3, 4, 5].forEach((t, i) => { scale.push([i / 5, TYPE_COLOURS[t]], [(i + 1) / 5, TYPE_COLOURS[t]]); });
        Object.assign(main, { colorscale: scale, zmin: 0.5, zmax: 5.5,
          colorbar: { title: { text: data.label }, tickvals: [1, 2, 3, 4, 5], thickness: 12, len: 0.6 } });
      } else {
        Object.assign(main, { colorscale: data.direction === "neutral" ? NEUTRAL : SEQUENTIAL,
          reversescale: data.direction === "higher_is_better", colorbar: { title: { text: data.label }, thickness: 12, len: 0.6,
          tickformat: data.unit === "share" ? ".0%" : "" } });
      }
      const traces = [context, main];
      if (data.police.length) {
        traces.push({
          type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: data.police,
          z: data.police.map(() => 1), colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale: false,
          hoverinfo: "skip", marker: { line: { width: 2.5, color: "#000" } },
        });
      }
      return Plotly.newPlot(el, traces, geoLayout(data.bounds), PLOTLY_CONFIG).then(() => {
        linkClicks(el, "/area/");
        markRendered(el, all.length);
      });
    });
  }

  function areaMap(elementId, dataId) {
    const el = document.getElementById(elementId);
    const data = readJSON(dataId);
    if (!el || !data) return;
    el.textContent = "";
    geometry(el.dataset.geometry).then((geo) => {
      const own = geo.features.map((f) => f.properties.code).filter((c) => c.startsWith(data.kommun + "R"));
      const names = Object.fromEntries(geo.features.map((f) => [f.properties.code, f.properties.name]));
      const trace = {
        type: "choropleth", geojson: geo, featureidkey: "properties.code", locations: own,
        z: own.map((c) => (c === data.code ? 1 : 0)), colorscale: [[0, "#e6e6e6"], [1, "#00529b"]], showscale: false,
        text: own.map((c) => names[c]), hoverinfo: "text", marker: { line: { width: 0.6, color: "#fff" } },
      };
      return Plotly.newPlot(el, [trace], geoLayout(null), PLOTLY_CONFIG).then(() => {
        linkClicks(el, "/area/");
        markRendered(el, own.length);
      });
    });
  }

  function indexChart(elementId, dataId) {
    const el = document.getElementById(elementId);
    const data = readJSON(dataId);
    if (!el || !data || !data.series.length) return;
    el.textContent = "";
    const indexNames = Object.keys(data.indices);
    const palette = ["#00529b", "#e08214", "#555555", "#1b7837", "#762a83", "#b2182b"];
    const colourOf = {};
    const traces = data.series.map((s) => {
      if (!(s.code in colourOf)) colourOf[s.code] = palette[Object.keys(colourOf).length % palette.length];
      const axis = indexNames.indexOf(s.index) + 1;
      const trace = {
        type: "scatter", mode: "lines+markers", x: s.years, y: s.value, name: s.name, legendgroup: s.code,
        showlegend: axis === 1, line: { color: colourOf[s.code] },
        xaxis: axis === 1 ? "x" : "x" + axis, yaxis: axis === 1 ? "y" : "y" + axis,
      };
      if (s.low.some((v) => v !== null)) {
        trace.error_y = { type: "data", symmetric: false, array: s.high.map((h, i) => h - s.value[i]),
          arrayminus: s.low.map((l, i) => s.value[i] - l), thickness: 1.2, width: 3 };
      }
      return trace;
    });
    const layout = { margin: { l: 45, r: 10, t: 30, b: 30 }, legend: { orientation: "h", y: -0.15 },
      grid: { rows: 1, columns: indexNames.length, pattern: "independent" }, annotations: [] };
    indexNames.forEach((name, i) => {
      const suffix = i === 0 ? "" : String(i + 1);
      layout["xaxis" + suffix] = { dtick: 1 };
      layout.annotations.push({ text: data.indices[name], xref: "x" + suffix + " domain", yref: "y" + suffix + " domain",
        x: 0.5, y: 1.12, showarrow: false, font: { size: 12 } });
    });
    Plotly.newPlot(el, traces, layout, PLOTLY_CONFIG).then(() => markRendered(el, traces.length));
  }

  // Each page's figures start here rather than in an inline script, so that the Content-Security-Policy
  // needs no inline code and cached pages stay valid whatever the request's nonce.
  [["overview-map", "overview-values", overviewMap], ["kommun-map", "kommun-map-data", kommunMap],
   ["index-chart", "index-chart-data", indexChart], ["area-map", "area-map-data", areaMap]].forEach(([elementId, dataId, draw]) => {
    if (document.getElementById(elementId) && document.getElementById(dataId)) draw(elementId, dataId);
  });

  return { overviewMap: overviewMap, kommunMap: kommunMap, areaMap: areaMap, indexChart: indexChart };
})();
