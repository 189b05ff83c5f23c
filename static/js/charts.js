// Draws every [data-figure] element with plotly.js (served from static/, no CDN). On a wall screen, type and chart
// heights follow the screen's height, so a 4K screen reads like a 1080p one from across the room.
document.addEventListener("DOMContentLoaded", function () {
  var wall = document.documentElement.classList.contains("wall");
  var scale = wall ? Math.max(1, window.innerHeight / 1080) : 1;
  // Decimal and thousands separators of the page's language: "1 234,5" in French, "1,234.5" in English.
  var separators = document.documentElement.lang === "fr" ? ",\u202f" : ".,";
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var figure = JSON.parse(element.dataset.figure);
    var layout = figure.layout || {};
    layout.separators = separators;
    if (scale !== 1) {
      if (layout.font && layout.font.size) { layout.font.size *= scale; }
      if (layout.height) { layout.height *= scale; }
      if (layout.margin) {
        Object.keys(layout.margin).forEach(function (side) { layout.margin[side] *= scale; });
      }
      figure.data.forEach(function (trace) {
        if (trace.line && trace.line.width) { trace.line.width *= scale; }
        if (trace.marker && trace.marker.size) { trace.marker.size *= scale; }
      });
    }
    Plotly.newPlot(element, figure.data, layout, { displayModeBar: false, responsive: true, staticPlot: wall });
    element.dataset.drawn = "true";
  });
});
