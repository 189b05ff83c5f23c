// Draws every [data-figure] element with plotly.js (served from static/, no CDN).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var figure = JSON.parse(element.dataset.figure);
    Plotly.newPlot(element, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    element.dataset.drawn = "true";
  });
});
