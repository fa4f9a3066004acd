// The explainer sandbox's live demos (templates/explainers/_demo_panel.html).
//
// htmx does the work: a demo's form sends itself on every change and the result is swapped in,
// with the live region's one line (what changed) and, when the instance changed, the controls out of
// band. This marks a result busy while its update is on its way (aria-busy, so assistive
// technology waits for the new result instead of reading the old one; the style marks it too), and
// marks a what-if field edited as soon as it differs from the instance (the server draws the editor
// again only when the instance changes, so that the field being typed in is left alone).
(function () {
  "use strict";

  function markEdited(field) {
    var row = field.closest && field.closest(".editor-field");
    if (!row || !field.hasAttribute("data-base")) return;
    var base = field.getAttribute("data-base");
    var edited;
    if (field.type === "number") {
      edited = field.value.trim() !== "" && parseFloat(field.value) !== parseFloat(base);
    } else {
      edited = field.value !== base;
    }
    row.classList.toggle("edited", edited);
  }

  document.addEventListener("input", function (event) { markEdited(event.target); });
  document.addEventListener("change", function (event) { markEdited(event.target); });

  function resultOf(event) {
    var target = event.detail && event.detail.target;
    return target && target.classList && target.classList.contains("demo-result") ? target : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var result = resultOf(event);
    if (result) result.setAttribute("aria-busy", "true");
  });

  function done(event) {
    var result = resultOf(event);
    if (result) result.removeAttribute("aria-busy");
  }
  document.addEventListener("htmx:afterRequest", done);
  document.addEventListener("htmx:sendAbort", done);

  // Starting a heavy computation: without a broker it runs inside this request (up to a minute), so
  // say at once that it is running, in the panel's live region (htmx disables the button meanwhile,
  // hx-disabled-elt). The answer replaces the whole panel; on a failed request the line says so.
  function heavyForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.classList && elt.classList.contains("heavy-run") ? elt : null;
  }
  function heavyStatus(form) {
    var section = form.closest(".demo-heavy");
    return section ? section.querySelector(".heavy-running") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = heavyForm(event);
    var status = form && heavyStatus(form);
    if (!status) return;
    // No aria-busy on the panel: it would hold back the announcement of this very line.
    status.textContent = form.getAttribute("data-running") || "Running…";
  });
  function heavyFailed(event) {
    var form = heavyForm(event);
    var status = form && heavyStatus(form);
    if (!status) return;
    status.textContent = "It could not be started (the server did not answer); try again.";
  }
  document.addEventListener("htmx:responseError", heavyFailed);
  document.addEventListener("htmx:sendError", heavyFailed);
})();
