// The one chart helper of the analytics pages (themes/charts.py describes each chart).
//
// Each <figure data-chart="ID"> has a <script type="application/json" id="ID-data"> (Django's
// json_script: names stay text, never HTML) with {kind, spec, links}. Vega-Lite charts are drawn by
// vega-embed with `ast: true`, its CSP-safe expression interpreter (the page's CSP has no
// 'unsafe-eval'); the thematic map by Cytoscape.js. All from node_modules (static/vendor/), no CDN.
// The table beside each chart holds the same numbers for keyboards and screen readers.
(function () {
  "use strict";

  function drawVega(target, chart) {
    if (typeof window.vegaEmbed !== "function") return Promise.reject(new Error("vega-embed missing"));
    return window.vegaEmbed(target, chart.spec, {
      ast: true,            // no eval: expressions are interpreted
      actions: false,       // downloads are the page's own links (escaped CSV/XLSX, SVG)
      renderer: "svg",
      defaultStyle: false,  // no injected <style>
      tooltip: { theme: "light" },
    });
  }

  var STYLE = [
    { selector: "node", style: { label: "data(label)", "font-size": 11, "text-wrap": "ellipsis",
      "text-max-width": 160, "text-valign": "bottom", "text-margin-y": 4, color: "#243b53" } },
    { selector: "node.theme", style: { shape: "round-rectangle", "background-color": "#fff4d6",
      "border-color": "#b7791f", "border-width": 2, width: 34, height: 22, "font-weight": "bold",
      "font-size": 12 } },
    { selector: "node.theme.depth0", style: { width: 46, height: 28, "background-color": "#fde7a9",
      "font-size": 14 } },
    { selector: "node.code", style: { "background-color": "data(colour)", width: "data(size)",
      height: "data(size)", "border-color": "#52606d", "border-width": 1 } },
    { selector: "edge", style: { "curve-style": "bezier", width: "data(width)", "line-color": "#bcccdc",
      opacity: 0.9 } },
    { selector: "edge.subtheme", style: { "line-color": "#b7791f", "line-style": "dashed" } },
    { selector: "edge.cooccurrence", style: { "line-color": "#2b6cb0", opacity: 0.55 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#d64545" } },
    { selector: ".faded", style: { opacity: 0.15 } },
  ];

  function drawNetwork(target, chart) {
    if (typeof window.cytoscape !== "function") return Promise.reject(new Error("cytoscape missing"));
    var cy = window.cytoscape({
      container: target,
      elements: chart.spec.elements,
      style: STYLE,
      // Themes hold their codes close (short, stiff edges); co-occurrence links pull only weakly, or
      // every code would gather in the middle.
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 20000; },
        idealEdgeLength: function (edge) { return edge.hasClass("cooccurrence") ? 220 : 60; },
        edgeElasticity: function (edge) { return edge.hasClass("cooccurrence") ? 600 : 40; },
        nodeOverlap: 20, componentSpacing: 80, gravity: 0.6, numIter: 2500 },
      minZoom: 0.2,
      maxZoom: 3,
    });
    var links = chart.links || {};
    cy.on("tap", "node", function (event) {
      var node = event.target;
      var pattern = links[node.data("kind")];
      if (pattern) window.location.assign(pattern.replace("{uuid}", encodeURIComponent(node.data("uuid"))));
    });
    cy.on("mouseover", "node", function (event) {
      var near = event.target.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
    });
    cy.on("mouseout", "node", function () { cy.elements().removeClass("faded"); });
    var fit = target.parentElement.querySelector("[data-chart-fit]");
    if (fit) fit.addEventListener("click", function () { cy.fit(undefined, 30); });
    return Promise.resolve(cy);
  }

  function draw(figure) {
    var id = figure.getAttribute("data-chart");
    var source = document.getElementById(id + "-data");
    var target = figure.querySelector(".chart-canvas");
    if (!source || !target) return;
    var chart = JSON.parse(source.textContent);
    var drawing = chart.kind === "cytoscape" ? drawNetwork(target, chart) : drawVega(target, chart);
    drawing.then(function () {
      figure.classList.add("chart-ready");
    }).catch(function (error) {
      figure.classList.add("chart-failed");
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The chart could not be drawn here; the table below has the same figures.";
      target.replaceChildren(note);
      if (window.console) window.console.error(error);
    });
  }

  function start() {
    document.querySelectorAll("figure[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
