// Site-wide behaviour. Page-specific scripts live beside this file.
"use strict";
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.classList.contains("copy")) {
    target.select();
  }
  if (target instanceof HTMLElement && target.dataset.confirm && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});

// Quick client-side filter: <input data-filter-target="selector for rows">.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.filterTarget) return;
  const needle = input.value.trim().toLowerCase();
  for (const row of document.querySelectorAll(input.dataset.filterTarget)) {
    row.hidden = Boolean(needle) && !row.textContent.toLowerCase().includes(needle);
  }
});

// Select all / none for a list of checkboxes: data-check-all="name" / data-check-none="name".
document.addEventListener("click", (event) => {
  const button = event.target;
  if (!(button instanceof HTMLElement)) return;
  const all = button.dataset.checkAll;
  const none = button.dataset.checkNone;
  const name = all || none;
  if (!name) return;
  for (const box of document.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`)) box.checked = Boolean(all);
});

// A part of the page that htmx could not update says so, instead of silently staying as it was.
// The server may explain why in an X-Thematica-Message header (e.g. an expired import preview).
function showUpdateError(text) {
  let box = document.getElementById("update-error");
  if (!box) {
    box = document.createElement("p");
    box.id = "update-error";
    box.className = "error";
    box.setAttribute("role", "alert");
    const main = document.getElementById("main");
    if (main) main.prepend(box);
    else document.body.prepend(box);
  }
  box.textContent = text;
  box.scrollIntoView({ block: "nearest" });
}
// The element whose update failed: the message goes once that element is updated, not when some
// other part of the page (a job's progress, polled every second) is.
let failedUpdate = null;
document.addEventListener("htmx:responseError", (event) => {
  failedUpdate = event.detail.elt;
  const xhr = event.detail.xhr;
  const message = xhr.getResponseHeader("X-Thematica-Message");
  showUpdateError(
    message
      ? decodeURIComponent(message)
      : `This part of the page could not be updated (error ${xhr.status}); reload the page and try again.`,
  );
});
document.addEventListener("htmx:sendError", (event) => {
  failedUpdate = event.detail.elt;
  showUpdateError("The server could not be reached, so nothing was updated; check the connection and try again.");
});
document.addEventListener("htmx:afterSwap", (event) => {
  const box = document.getElementById("update-error");
  if (box && failedUpdate && (event.detail.elt === failedUpdate || !document.contains(failedUpdate))) {
    box.remove();
    failedUpdate = null;
  }
});
