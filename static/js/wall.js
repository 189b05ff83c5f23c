// Wall screen: rotates through the slides by itself, keeps the time, and reloads its figures every
// data-refresh-seconds — only once the server answers, so a screen that loses the network keeps its last figures
// (with a banner saying since when) instead of showing an error page.
(function () {
  "use strict";
  var body = document.body;
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide[data-seconds]"));
  var dots = Array.prototype.slice.call(document.querySelectorAll(".wall-dots .dot"));
  var key = "wall-" + body.dataset.link + "-slide";
  var refreshMs = Math.max(1, parseInt(body.dataset.refreshSeconds, 10) || 300) * 1000;
  var loadedAt = new Date();

  function remember(index, until) {
    try { sessionStorage.setItem(key, JSON.stringify({ index: index, until: until })); } catch (e) { /* private mode */ }
  }

  function recall() {
    try { return JSON.parse(sessionStorage.getItem(key)) || {}; } catch (e) { return {}; }
  }

  // Shows slide `index` for `ms` milliseconds (its full duration unless resuming after a reload), then the next.
  function show(index, ms) {
    var duration = ms || (parseInt(slides[index].dataset.seconds, 10) || 30) * 1000;
    slides.forEach(function (slide, i) { slide.hidden = i !== index; });
    dots.forEach(function (dot, i) { dot.classList.toggle("active", i === index); });
    remember(index, Date.now() + duration);
    // Charts drawn while their slide was hidden have no width yet.
    if (window.Plotly) {
      slides[index].querySelectorAll("[data-drawn]").forEach(function (el) { window.Plotly.Plots.resize(el); });
    }
    window.setTimeout(function () { show((index + 1) % slides.length); }, duration);
  }

  function startRotation() {
    if (slides.length === 0) { return; }
    // #slide=N (from 1) starts on a given slide, to preview it. Otherwise a reload carries on where the screen was:
    // the same slide for what was left of its time, so that reloads more frequent than slides still rotate.
    var asked = /slide=(\d+)/.exec(window.location.hash);
    if (asked && asked[1] >= 1 && asked[1] <= slides.length) { show(asked[1] - 1); return; }
    var last = recall();
    if (typeof last.index === "number" && last.index < slides.length) {
      var left = last.until - Date.now();
      if (left > 0) { show(last.index, left); } else { show((last.index + 1) % slides.length); }
      return;
    }
    show(0);
  }

  // The clock shows the network's time, wherever the screen's computer thinks it is.
  var clockFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: body.dataset.timeZone || undefined
  });

  function tick() {
    var clock = document.getElementById("wall-clock");
    if (clock) { clock.textContent = clockFormat.format(new Date()); }
  }

  function refresh() {
    fetch(window.location.href, { cache: "no-store", credentials: "omit" }).then(function (response) {
      if (response.ok) {
        window.location.reload();
      } else {
        offline();
      }
    }, offline);
  }

  function offline() {
    var banner = document.getElementById("wall-offline");
    document.getElementById("wall-offline-since").textContent = loadedAt.toLocaleString(document.documentElement.lang);
    banner.hidden = false;
    window.setTimeout(refresh, Math.min(refreshMs, 60000));
  }

  document.addEventListener("DOMContentLoaded", function () {
    startRotation();
    tick();
    window.setInterval(tick, 15000);
    window.setTimeout(refresh, refreshMs);
  });
})();
