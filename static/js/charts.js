// The one chart helper of the analytics pages (themes/charts.py describes each chart).
//
// Each <figure data-chart="ID"> has a <script type="application/json" id="ID-data"> (Django's
// json_script: names stay text, never HTML) with {kind, spec, links}. Vega-Lite charts are drawn by
// vega-embed with `ast: true`, its CSP-safe expression interpreter (the page's CSP has no
// 'unsafe-eval'); the thematic map by Cytoscape.js. All from node_modules (static/vendor/), no CDN.
// The table beside each chart holds the same numbers for keyboards and screen readers.
// Charts in content htmx swaps in later (the explainer sandbox's results) are drawn when it
// arrives (`htmx:load`); each figure is drawn once.
(function () {
  "use strict";

  // Small multiples (the sandbox's image charts) wrap to the page: as many panels a row as the
  // chart's box holds (usermeta.wrap.panel is one panel's width in px, themes/charts.py), so a
  // phone shows two a row instead of cutting off the third.
  function wrapped(target, spec) {
    var wrap = spec.usermeta && spec.usermeta.wrap;
    if (!wrap || !(spec.facet || spec.concat) || !wrap.panel) return spec;
    var width = target.clientWidth || target.parentElement.clientWidth || 0;
    if (!width) return spec;
    var columns = Math.max(1, Math.min(wrap.count || 5, 5, Math.floor(width / wrap.panel)));
    return Object.assign({}, spec, { columns: columns });
  }

  function drawVega(target, chart) {
    if (typeof window.vegaEmbed !== "function") return Promise.reject(new Error("vega-embed missing"));
    return window.vegaEmbed(target, wrapped(target, chart.spec), {
      ast: true,            // no eval: expressions are interpreted
      actions: false,       // downloads are the page's own links (escaped CSV/XLSX, SVG)
      renderer: "svg",
      defaultStyle: false,  // no injected <style>
      tooltip: { theme: "light" },
    });
  }

  // Labels stay readable at any zoom: a theme's name is written inside its box (wrapped), top-level
  // themes biggest; a code's name (on white, under its dot) is drawn only once zoomed in far enough
  // to read it (min-zoomed-font-size), or for the node under the pointer and its neighbours.
  var CODE_LABEL_MIN = 10;  // px on screen: below this a code's name is not drawn
  var BOX = { top: [210, 84], sub: [150, 64] };  // theme boxes, model px: [width, height]
  var STYLE = [
    { selector: "node", style: { label: "data(label)", "font-size": 12, "text-wrap": "wrap",
      "text-max-width": 96, "text-valign": "bottom", "text-margin-y": 3, color: "#102a43",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2,
      "text-background-shape": "round-rectangle", "min-zoomed-font-size": CODE_LABEL_MIN } },
    { selector: "node.theme", style: { shape: "round-rectangle", "background-color": "#fff4d6",
      "border-color": "#b7791f", "border-width": 2, width: BOX.sub[0], height: BOX.sub[1],
      "text-valign": "center", "text-halign": "center", "text-margin-y": 0, "font-weight": "bold",
      "font-size": 14, "text-max-width": BOX.sub[0] - 10, "text-background-opacity": 0,
      "min-zoomed-font-size": 0 } },
    { selector: "node.theme.depth0", style: { "background-color": "#fde7a9", "border-width": 3,
      width: BOX.top[0], height: BOX.top[1], "font-size": 17, "text-max-width": BOX.top[0] - 14 } },
    { selector: "node.code", style: { "background-color": "data(colour)", width: "data(size)",
      height: "data(size)", "border-color": "#52606d", "border-width": 1, "text-valign": "center",
      "text-halign": "right", "text-margin-x": 4, "text-margin-y": 0, "text-justification": "left" } },
    { selector: "node.labelled", style: { "min-zoomed-font-size": 0, "z-index": 10 } },
    { selector: "edge", style: { "curve-style": "bezier", width: "data(width)", "line-color": "#bcccdc",
      opacity: 0.9 } },
    { selector: "edge.subtheme", style: { "line-color": "#b7791f", "line-style": "dashed" } },
    { selector: "edge.cooccurrence", style: { "line-color": "#2b6cb0", opacity: 0.55 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#d64545" } },
    { selector: ".faded", style: { opacity: 0.15 } },
  ];

  // Where each node starts: every top-level theme is a small tree drawn left to right (the theme,
  // its sub-themes in a column beside it, each theme's codes beside that theme), and the trees are
  // stacked in columns, as many columns as give the largest zoom at fit-to-view, so that names are
  // readable before anyone zooms. A code in several themes sits beside the first. Null when there
  // are no themes (the map of the most used codes): the force layout places those.
  function treePositions(cy) {
    var themes = cy.nodes(".theme");
    if (!themes.length) return null;
    var beside = {};  // theme id -> ids beside it: sub-themes, then its codes
    var hasParent = {};
    var placed = {};
    function add(parent, child) { (beside[parent] = beside[parent] || []).push(child); }
    cy.edges(".subtheme").forEach(function (e) { add(e.data("source"), e.data("target")); hasParent[e.data("target")] = true; });
    cy.edges(".member").forEach(function (e) {
      if (!placed[e.data("target")]) { placed[e.data("target")] = true; add(e.data("source"), e.data("target")); }
    });
    var GAP_X = 34, GAP_Y = 12, CODE = [20, 44], CODE_LABEL = 104, TREE_GAP = 30;
    function size(id) {  // [width, height] of a node's own box, model px
      var node = cy.getElementById(id);
      if (!node.hasClass("theme")) return CODE;
      return node.hasClass("depth0") ? BOX.top : BOX.sub;
    }
    var heights = {};
    function measure(id) {
      var sum = (beside[id] || []).reduce(function (total, child) { return total + measure(child); }, 0);
      heights[id] = Math.max(size(id)[1] + GAP_Y, sum);
      return heights[id];
    }
    var positions = {};
    var right = 0;  // the right edge of the tree being placed, labels included
    function place(id, top, x) {
      var children = beside[id] || [];
      var sum = children.reduce(function (total, child) { return total + heights[child]; }, 0);
      var y = top + (heights[id] - sum) / 2;
      children.forEach(function (child) {
        place(child, y, x + size(id)[0] / 2 + GAP_X + size(child)[0] / 2);
        y += heights[child];
      });
      positions[id] = { x: x, y: top + heights[id] / 2 };
      right = Math.max(right, x + size(id)[0] / 2 + (cy.getElementById(id).hasClass("theme") ? 0 : CODE_LABEL));
    }
    var roots = themes.filter(function (n) { return !hasParent[n.id()]; }).map(function (n) { return n.id(); });
    var widths = {};
    var total = 0;
    roots.forEach(function (root) {
      total += measure(root) + TREE_GAP;
      right = 0;
      place(root, 0, BOX.top[0] / 2);
      widths[root] = right;
    });
    // Stack the trees in columns; keep the column count that fits the canvas at the largest zoom.
    var canvasW = cy.width() || 1000, canvasH = cy.height() || 600;
    var best = null;
    for (var count = 1; count <= roots.length; count++) {
      var target = total / count, columns = [], column = [], columnHeight = 0;
      roots.forEach(function (root) {
        var h = heights[root] + TREE_GAP;
        if (column.length && columnHeight + h > target * 1.15) { columns.push(column); column = []; columnHeight = 0; }
        column.push(root); columnHeight += h;
      });
      if (column.length) columns.push(column);
      var width = 0, height = 0;
      columns.forEach(function (c) {
        width += Math.max.apply(null, c.map(function (root) { return widths[root]; })) + TREE_GAP;
        height = Math.max(height, c.reduce(function (s, root) { return s + heights[root] + TREE_GAP; }, 0));
      });
      var zoom = Math.min(canvasW / width, canvasH / height);
      if (!best || zoom > best.zoom) best = { zoom: zoom, columns: columns };
    }
    function shift(id, dx, dy) {
      positions[id].x += dx; positions[id].y += dy;
      (beside[id] || []).forEach(function (child) { shift(child, dx, dy); });
    }
    var left = 0;
    best.columns.forEach(function (c) {
      var top = 0;
      c.forEach(function (root) { shift(root, left, top); top += heights[root] + TREE_GAP; });
      left += Math.max.apply(null, c.map(function (root) { return widths[root]; })) + TREE_GAP;
    });
    cy.nodes().forEach(function (n, i) {  // anything left (a code whose theme is not drawn): a column after
      if (!positions[n.id()]) positions[n.id()] = { x: left + Math.floor(i / 14) * (CODE_LABEL + GAP_X), y: (i % 14) * CODE[1] };
    });
    return positions;
  }

  function drawNetwork(target, chart) {
    if (typeof window.cytoscape !== "function") return Promise.reject(new Error("cytoscape missing"));
    var cy = window.cytoscape({
      container: target,
      elements: chart.spec.elements,
      style: STYLE,
      minZoom: 0.2,
      maxZoom: 3,
    });
    var positions = treePositions(cy);
    cy.layout(positions
      ? { name: "preset", positions: function (node) { return positions[node.id()]; }, fit: true, padding: 30 }
      // Co-occurrence links pull only weakly, or every code would gather in the middle.
      : { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 20000; },
          idealEdgeLength: function () { return 220; }, edgeElasticity: function () { return 600; },
          nodeOverlap: 20, componentSpacing: 80, gravity: 0.6, numIter: 2500 }).run();
    var links = chart.links || {};
    cy.on("tap", "node", function (event) {
      var node = event.target;
      var pattern = links[node.data("kind")];
      if (pattern) window.location.assign(pattern.replace("{uuid}", encodeURIComponent(node.data("uuid"))));
    });
    cy.on("mouseover", "node", function (event) {
      var near = event.target.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
      near.nodes().addClass("labelled");
    });
    cy.on("mouseout", "node", function () { cy.elements().removeClass("faded"); cy.nodes().removeClass("labelled"); });
    var fit = target.parentElement.querySelector("[data-chart-fit]");
    if (fit) fit.addEventListener("click", function () { cy.fit(undefined, 30); });
    return Promise.resolve(cy);
  }

  function draw(figure) {
    if (figure.hasAttribute("data-chart-drawn")) return;
    figure.setAttribute("data-chart-drawn", "");
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

  function drawIn(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("figure[data-chart]")) draw(root);
    root.querySelectorAll("figure[data-chart]").forEach(draw);
  }

  function start() {
    drawIn(document);
  }

  // htmx fires htmx:load on each element it adds (and on the body once it has started).
  document.addEventListener("htmx:load", function (event) { drawIn(event.target); });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
