/* Time series of the focus-area indicators and the police's polygons on the kommun map (plotly, served locally).
 * Data come from JSON script blocks the page already carries: #series-data, #police-polygons, #evidence-labels.
 * Every figure drawn here is also in a table on the same page. */
"use strict";
(function () {
  const CONFIG = { responsive: true, displaylogo: false };
  const COLOURS = ["#08519c", "#e6550d", "#31a354", "#756bb1", "#636363"];
  const lang = document.documentElement.lang || "sv";

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function seriesCharts() {
    const data = readJSON("series-data");
    const labels = readJSON("evidence-labels") || {};
    if (!data) return;
    data.charts.forEach((chart) => {
      const el = document.querySelector('[data-chart="' + chart.id + '"]');
      if (!el) return;
      el.textContent = "";
      const traces = chart.lines.map((line, i) => ({
        type: "scatter", mode: line.years.length > 1 ? "lines+markers" : "markers", name: line.name,
        x: line.years, y: line.values, line: { color: COLOURS[i % COLOURS.length], width: i === 0 ? 2.5 : 1.5 },
        hovertemplate: "%{x}: %{y:" + (chart.unit === "share" ? ".1%" : ",.4~r") + "}<extra>" + line.name + "</extra>",
      }));
      const layout = {
        margin: { l: 50, r: 10, t: 10, b: 30 }, height: 220, showlegend: chart.lines.length > 1,
        legend: { orientation: "h", y: -0.2 }, separators: lang === "sv" ? ", " : ".,",
        yaxis: { tickformat: chart.unit === "share" ? ".0%" : "", rangemode: "tozero" },
        xaxis: { tickformat: "d" },
        shapes: [{ type: "line", xref: "x", yref: "paper", x0: data.start, x1: data.start, y0: 0, y1: 1,
                   line: { dash: "dash", color: "#b2182b", width: 1.5 } }],
        annotations: [{ x: data.start, xref: "x", y: 1, yref: "paper", yanchor: "bottom", showarrow: false,
                        text: (labels.start || "") + " " + data.start, font: { size: 10, color: "#b2182b" } }],
      };
      Plotly.newPlot(el, traces, layout, CONFIG).then(() => {
        el.dataset.rendered = "true";
        el.dataset.points = String(chart.lines[0].years.length);
      });
    });
  }

  function policeOnMap() {
    const el = document.getElementById("kommun-map");
    const polygons = readJSON("police-polygons");
    const labels = readJSON("evidence-labels") || {};
    if (!el || !polygons || !polygons.features.length) return;
    let added = false;
    const add = () => {
      if (added) return;
      added = true;
      const ids = polygons.features.map((f) => f.properties.id);
      Plotly.addTraces(el, {
        type: "choropleth", geojson: polygons, featureidkey: "properties.id", locations: ids,
        z: ids.map(() => 1), colorscale: [[0, "rgba(122,1,119,0.25)"], [1, "rgba(122,1,119,0.25)"]],
        showscale: false, marker: { line: { width: 3, color: "#7a0177" } }, name: labels.policeArea || "",
        text: polygons.features.map((f) => (labels.policeArea || "") + ": " + f.properties.name + " (" +
          f.properties.category + "; " + f.properties.years.join(", ") + ")"),
        hoverinfo: "text",
      }).then(() => {
        el.dataset.policePolygons = String(ids.length);
        el.dataset.policeNames = polygons.features.map((f) => f.properties.name).join("|");
      });
    };
    if (el.dataset.rendered === "true") add();
    else el.addEventListener("segreform:rendered", add);
  }

  function start() {
    if (typeof Plotly === "undefined") return;
    seriesCharts();
    policeOnMap();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
