// The console's charts, drawn as SVG in the browser from the JSON of a console endpoint
// (central/web/charts.py): {labels, values, texts, reference, unit}. Every word on a chart
// (title, axis names, legend, "no data") comes from the page's data- attributes, filled from
// the console catalogue, so a Chinese page has a Chinese chart. Two kinds: "line" (one point
// per bucket, null values left out) and "bars". No library, no CDN: this file is all of it.
//
// <figure data-chart="line|bars" data-src="/console/..." data-x-label data-y-label data-legend
//         data-reference-label data-empty data-error [data-live-refresh]><svg></svg></figure>
// After drawing, the figure has data-state="drawn" (or "empty", "error"); each bar or point is
// an element of class "bar" or "point" with data-index, data-label and data-value.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var HEIGHT = 300;
  var PAD = { top: 40, right: 16, bottom: 64, left: 64 };
  var LABEL_SPACE = 72; // least width per x-axis label, in pixels: "2025年10月" fits
  var LIVE_REFRESH_MS = 60000; // a live page's chart is fetched again at most this often

  function node(name, attrs, parent, text) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) { el.textContent = text; }
    parent.appendChild(el);
    return el;
  }

  function isNumber(value) { return typeof value === "number" && isFinite(value); }

  // The y axis: a round step (1, 2 or 5 times a power of ten) and a top that is a multiple of it.
  function yScale(values, reference) {
    var top = Math.max.apply(null, values.filter(isNumber).concat([reference || 0, 0]));
    if (top <= 0) { top = 1; }
    var raw = top / 5;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; })
      .filter(function (s) { return s >= raw; })[0];
    if (values.every(function (v) { return !isNumber(v) || Math.round(v) === v; })) {
      step = Math.max(1, Math.round(step));
    }
    return { top: Math.ceil(top / step) * step, step: step };
  }

  function tickText(value, unit) {
    var text = Math.round(value) === value ? String(value) : value.toFixed(1);
    return text + (unit || "");
  }

  function clear(svg) { while (svg.firstChild) { svg.removeChild(svg.firstChild); } }

  function frame(figure, svg) {
    var width = Math.max(320, Math.floor(figure.querySelector(".chart-area").clientWidth));
    svg.setAttribute("viewBox", "0 0 " + width + " " + HEIGHT);
    svg.setAttribute("width", width);
    svg.setAttribute("height", HEIGHT);
    return { x: PAD.left, y: PAD.top, w: width - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom,
      width: width };
  }

  function axes(svg, plot, scale, data, figure) {
    for (var v = 0; v <= scale.top + scale.step / 1000; v += scale.step) {
      var y = plot.y + plot.h - v / scale.top * plot.h;
      node("line", { x1: plot.x, x2: plot.x + plot.w, y1: y, y2: y, "class": "grid" }, svg);
      node("text", { x: plot.x - 8, y: y + 4, "text-anchor": "end", "class": "tick y-tick" }, svg,
        tickText(Math.round(v * 1000) / 1000, data.unit));
    }
    var slot = plot.w / data.labels.length;
    var every = Math.max(1, Math.ceil(data.labels.length / Math.max(1, Math.floor(plot.w / LABEL_SPACE))));
    data.labels.forEach(function (label, i) {
      if (i % every !== 0) { return; }
      node("text", { x: plot.x + slot * (i + 0.5), y: plot.y + plot.h + 20, "text-anchor": "middle",
        "class": "tick x-tick" }, svg, label);
    });
    node("line", { x1: plot.x, x2: plot.x + plot.w, y1: plot.y + plot.h, y2: plot.y + plot.h, "class": "axis" }, svg);
    node("text", { x: plot.x + plot.w / 2, y: HEIGHT - 12, "text-anchor": "middle", "class": "axis-title x-title" },
      svg, figure.getAttribute("data-x-label"));
    node("text", { x: 0, y: 0, "text-anchor": "middle", "class": "axis-title y-title",
      transform: "translate(16 " + (plot.y + plot.h / 2) + ") rotate(-90)" }, svg, figure.getAttribute("data-y-label"));
  }

  function legend(svg, plot, figure, withReference) {
    var x = plot.x;
    node("rect", { x: x, y: 12, width: 14, height: 14, rx: 3, "class": "swatch" }, svg);
    var text = node("text", { x: x + 20, y: 24, "class": "legend" }, svg, figure.getAttribute("data-legend"));
    if (withReference) {
      x += 40 + text.getComputedTextLength();
      node("line", { x1: x, x2: x + 20, y1: 19, y2: 19, "class": "reference" }, svg);
      node("text", { x: x + 26, y: 24, "class": "legend" }, svg, figure.getAttribute("data-reference-label"));
    }
  }

  function mark(el, data, i) {
    el.setAttribute("data-index", i);
    el.setAttribute("data-label", data.labels[i]);
    el.setAttribute("data-value", data.values[i]);
    node("title", {}, el, data.labels[i] + ": " + data.texts[i]);
  }

  function series(svg, plot, scale, data, kind) {
    var slot = plot.w / data.values.length;
    var y = function (v) { return plot.y + plot.h - v / scale.top * plot.h; };
    var path = "";
    data.values.forEach(function (value, i) {
      if (!isNumber(value)) { path += " "; return; }
      var cx = plot.x + slot * (i + 0.5);
      if (kind === "bars") {
        var w = Math.max(2, slot * 0.7);
        mark(node("rect", { x: cx - w / 2, y: y(value), width: w, height: plot.y + plot.h - y(value),
          "class": "bar" }, svg), data, i);
      } else {
        path += (path === "" || path.slice(-1) === " " ? "M" : "L") + cx + "," + y(value);
      }
    });
    if (kind !== "bars") {
      node("path", { d: path.trim(), "class": "line" }, svg);
      data.values.forEach(function (value, i) {
        if (isNumber(value)) {
          mark(node("circle", { cx: plot.x + slot * (i + 0.5), cy: y(value), r: 3.5, "class": "point" }, svg), data, i);
        }
      });
    }
    if (isNumber(data.reference)) {
      node("line", { x1: plot.x, x2: plot.x + plot.w, y1: y(data.reference), y2: y(data.reference),
        "class": "reference", "data-value": data.reference }, svg);
    }
  }

  function draw(figure, data) {
    var svg = figure.querySelector("svg");
    clear(svg);
    var plot = frame(figure, svg);
    if (!data.values.some(isNumber)) {
      node("text", { x: plot.width / 2, y: HEIGHT / 2, "text-anchor": "middle", "class": "chart-empty" }, svg,
        figure.getAttribute("data-empty"));
      figure.setAttribute("data-state", "empty");
      return;
    }
    var scale = yScale(data.values, data.reference);
    axes(svg, plot, scale, data, figure);
    series(svg, plot, scale, data, figure.getAttribute("data-chart"));
    legend(svg, plot, figure, isNumber(data.reference));
    figure.setAttribute("data-state", "drawn");
  }

  function failed(figure) {
    var svg = figure.querySelector("svg");
    clear(svg);
    var plot = frame(figure, svg);
    node("text", { x: plot.width / 2, y: HEIGHT / 2, "text-anchor": "middle", "class": "chart-error" }, svg,
      figure.getAttribute("data-error"));
    figure.setAttribute("data-state", "error");
  }

  function load(figure) {
    figure.parkingLoadedAt = Date.now();
    fetch(figure.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { figure.parkingData = data; draw(figure, data); })
      .catch(function () { failed(figure); });
  }

  var figures = Array.prototype.slice.call(document.querySelectorAll("figure[data-chart]"));
  figures.forEach(load);

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      figures.forEach(function (figure) { if (figure.parkingData) { draw(figure, figure.parkingData); } });
    }, 150);
  });
  // console-live.js announces each live update; a live chart follows, once a minute at most.
  document.addEventListener("parking:live", function () {
    figures.forEach(function (figure) {
      if (figure.hasAttribute("data-live-refresh") && Date.now() - figure.parkingLoadedAt >= LIVE_REFRESH_MS) {
        load(figure);
      }
    });
  });
  window.parkingCharts = { draw: draw, load: load };
}());
