// Retrieval: expand a segment in place to its whole turn or to the turns around it.
// htmx fetches the server-rendered context into the segment's region; this script keeps the
// buttons' aria-expanded in step, swaps the bare excerpt for its context and back, and
// collapses on a second press without asking the server again.
"use strict";
(() => {
  const isContextButton = (element) => element instanceof HTMLElement && element.matches("[data-context]");

  function show(segment, button) {
    const region = segment.querySelector(".segment-context");
    for (const other of segment.querySelectorAll("[data-context]")) {
      other.setAttribute("aria-expanded", other === button ? "true" : "false");
    }
    region.hidden = false;
    segment.querySelector(".segment-text").hidden = true;
  }

  function collapse(segment) {
    for (const button of segment.querySelectorAll("[data-context]")) button.setAttribute("aria-expanded", "false");
    segment.querySelector(".segment-context").hidden = true;
    segment.querySelector(".segment-text").hidden = false;
  }

  // A second press on an expanded button collapses the segment instead of fetching again.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const button = event.detail.elt;
    if (!isContextButton(button) || button.getAttribute("aria-expanded") !== "true") return;
    event.preventDefault();
    collapse(button.closest(".segment"));
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const button = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!isContextButton(button)) return;
    show(button.closest(".segment"), button);
  });

  // A failed request says so in the segment rather than doing nothing.
  document.addEventListener("htmx:responseError", (event) => {
    const button = event.detail.elt;
    if (!isContextButton(button)) return;
    const segment = button.closest(".segment");
    const region = segment.querySelector(".segment-context");
    const message = document.createElement("p");
    message.className = "error";
    message.setAttribute("role", "alert");
    message.textContent = "The surrounding text could not be loaded; reload the page and try again.";
    region.replaceChildren(message);
    region.hidden = false;
  });
})();
