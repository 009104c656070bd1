/* Minsheng charts: small SVG bar and line charts for the supervisor dashboard.
 *
 * A chart is a <figure data-chart="bar|line" data-spec="{json}">. The spec is
 *   {labels: [..], series: [{name, values: [number|null, ..]}], percent: bool,
 *    stacked: bool (bar only), max: number (optional), empty: "text when no data"}
 * Text only ever enters the SVG through textContent, never as markup.
 */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var TICKS = 4;
  var W = 640, H = 280, PAD = { top: 16, right: 12, bottom: 52, left: 46 };
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
                 "#db2777", "#65a30d", "#475569", "#ea580c", "#0d9488", "#9333ea"];

  function svgEl(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function label(parent, x, y, str, cls, anchor) {
    var node = svgEl("text", { x: x, y: y, "class": cls || "ms-label",
                               "text-anchor": anchor || "middle" }, parent);
    node.textContent = String(str);
    return node;
  }

  function tooltip(node, str) {
    svgEl("title", {}, node).textContent = str;
  }

  function format(value, percent) {
    if (value === null || value === undefined) { return "–"; }
    if (percent) { return (value * 100).toFixed(1).replace(/\.0$/, "") + "%"; }
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }

  /* A "nice" tick step at or above v: 1, 2, 2.5 or 5 × 10^k (whole numbers for counts). */
  function niceStep(v, whole) {
    if (v <= 0) { return 1; }
    var base = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = whole && base < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * base >= v) { return Math.max(steps[i] * base, whole ? 1 : 0); }
    }
    return 10 * base;
  }

  function maxOf(spec) {
    if (spec.max) { return spec.max; }
    if (spec.percent) { return 1; }
    var top = 0, whole = true;
    spec.labels.forEach(function (_, i) {
      var stackTotal = 0;
      spec.series.forEach(function (s) {
        var v = s.values[i];
        if (typeof v === "number") {
          whole = whole && Number.isInteger(v);
          stackTotal += v;
          top = Math.max(top, spec.stacked ? stackTotal : v);
        }
      });
    });
    return niceStep(top / TICKS, whole) * TICKS;
  }

  function hasData(spec) {
    return spec.series.some(function (s) {
      return s.values.some(function (v) { return typeof v === "number"; });
    });
  }

  /* The frame: an svg with y gridlines, y tick labels and x category labels. */
  function frame(figure, spec, max) {
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, "class": "ms-chart",
                             role: "img", preserveAspectRatio: "xMidYMid meet" });
    var plot = { x: PAD.left, y: PAD.top, w: W - PAD.left - PAD.right,
                 h: H - PAD.top - PAD.bottom };
    var ticks = TICKS;
    for (var t = 0; t <= ticks; t++) {
      var value = max * t / ticks;
      var y = plot.y + plot.h - plot.h * t / ticks;
      svgEl("line", { x1: plot.x, x2: plot.x + plot.w, y1: y, y2: y,
                      "class": t === 0 ? "ms-axis" : "ms-grid" }, svg);
      label(svg, plot.x - 6, y + 4, format(value, spec.percent), "ms-tick", "end");
    }
    var step = plot.w / Math.max(spec.labels.length, 1);
    var every = Math.ceil(spec.labels.length / 12);
    spec.labels.forEach(function (text, i) {
      if (i % every !== 0) { return; }
      var x = plot.x + step * (i + 0.5);
      var node = label(svg, x, plot.y + plot.h + 16, shorten(text), "ms-tick", "middle");
      if (spec.labels.length > 6) {
        node.setAttribute("transform", "rotate(-30 " + x + " " + (plot.y + plot.h + 16) + ")");
        node.setAttribute("text-anchor", "end");
      }
      tooltip(node, text);
    });
    figure.appendChild(svg);
    return { svg: svg, plot: plot, step: step, scale: function (v) {
      return plot.y + plot.h - plot.h * Math.min(v, max) / max;
    } };
  }

  function shorten(text) {
    text = String(text);
    return text.length > 14 ? text.slice(0, 13) + "…" : text;
  }

  function legend(figure, series) {
    var list = document.createElement("ul");
    list.className = "ms-legend";
    series.forEach(function (s, i) {
      var item = document.createElement("li");
      var swatch = svgEl("svg", { width: 12, height: 12, "class": "ms-swatch" }, item);
      svgEl("rect", { width: 12, height: 12, rx: 2, fill: PALETTE[i % PALETTE.length] },
            swatch);
      item.appendChild(document.createTextNode(" " + s.name));
      list.appendChild(item);
    });
    figure.appendChild(list);
  }

  function empty(figure, spec) {
    var note = document.createElement("p");
    note.className = "ms-empty";
    note.textContent = spec.empty || "–";
    figure.appendChild(note);
  }

  function bar(figure, spec) {
    if (!hasData(spec)) { return empty(figure, spec); }
    var max = maxOf(spec);
    var f = frame(figure, spec, max);
    var groups = spec.stacked ? 1 : spec.series.length;
    var width = f.step * 0.8 / groups;
    spec.labels.forEach(function (text, i) {
      var base = f.plot.y + f.plot.h;
      spec.series.forEach(function (s, k) {
        var v = s.values[i];
        if (typeof v !== "number" || (spec.stacked && v === 0)) { return; }
        var x = f.plot.x + f.step * i + f.step * 0.1 + (spec.stacked ? 0 : k * width);
        var top = spec.stacked ? base - (f.plot.y + f.plot.h - f.scale(v)) : f.scale(v);
        var rect = svgEl("rect", { x: x.toFixed(1), y: top.toFixed(1),
                                   width: Math.max(width - 1, 1).toFixed(1),
                                   height: Math.max((spec.stacked ? base : f.plot.y + f.plot.h)
                                                    - top, 0).toFixed(1),
                                   fill: PALETTE[k % PALETTE.length], "class": "ms-bar",
                                   "data-value": v, "data-series": k, "data-index": i }, f.svg);
        tooltip(rect, text + " · " + s.name + ": " + format(v, spec.percent));
        if (spec.stacked) { base = top; }
      });
    });
    if (spec.series.length > 1) { legend(figure, spec.series); }
  }

  function line(figure, spec) {
    if (!hasData(spec)) { return empty(figure, spec); }
    var max = maxOf(spec);
    var f = frame(figure, spec, max);
    spec.series.forEach(function (s, k) {
      var color = PALETTE[k % PALETTE.length];
      var path = "", pen = false;
      s.values.forEach(function (v, i) {
        if (typeof v !== "number") { pen = false; return; }  // a gap: not enough data
        var x = f.plot.x + f.step * (i + 0.5), y = f.scale(v);
        path += (pen ? " L" : " M") + x.toFixed(1) + " " + y.toFixed(1);
        pen = true;
      });
      svgEl("path", { d: path.trim(), fill: "none", stroke: color, "stroke-width": 2,
                      "class": "ms-line" }, f.svg);
      s.values.forEach(function (v, i) {
        if (typeof v !== "number") { return; }
        var dot = svgEl("circle", { cx: (f.plot.x + f.step * (i + 0.5)).toFixed(1),
                                    cy: f.scale(v).toFixed(1), r: 4, fill: color,
                                    "class": "ms-point", "data-value": v, "data-series": k,
                                    "data-index": i }, f.svg);
        tooltip(dot, spec.labels[i] + " · " + s.name + ": " + format(v, spec.percent));
      });
    });
    legend(figure, spec.series);
  }

  var KINDS = { bar: bar, line: line };

  function render(root) {
    var figures = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(figures, function (figure) {
      var draw = KINDS[figure.getAttribute("data-chart")];
      if (!draw || figure.getAttribute("data-drawn")) { return; }
      var spec;
      try { spec = JSON.parse(figure.getAttribute("data-spec")); } catch (e) { return; }
      draw(figure, spec);
      figure.setAttribute("data-drawn", "1");
    });
  }

  window.MinshengCharts = { bar: bar, line: line, render: render };
  document.addEventListener("DOMContentLoaded", function () { render(document); });
}());
