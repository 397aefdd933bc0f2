// Draws the research page's plotly figures from their JSON data blocks (no inline code: CSP).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("script[type='application/json'][data-figure]").forEach(function (block) {
    var spec = JSON.parse(block.textContent);
    var target = document.getElementById(block.getAttribute("data-figure"));
    if (target && window.Plotly) {
      window.Plotly.newPlot(target, spec.data, spec.layout, {responsive: true, displaylogo: false});
    }
  });
});
