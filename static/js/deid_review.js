// De-identification review from the keyboard: j/k move between proposals (in the text and the list),
// a accepts, r rejects, u puts back to undecided, e edits the pseudonym. Each action submits the
// proposal's own form (the server redirects to the next undecided proposal's #p-ID). No text is
// ever written as HTML here: only classes, focus and form submission. When a scan finishes, htmx
// replaces #deid-main with the page's new proposals: the list of spans is read again then.
(function () {
  "use strict";
  let spans = [];
  let current = -1;

  function row(id) { return document.getElementById("row-" + id); }

  function collect() {
    spans = Array.from(document.querySelectorAll(".deid-span[data-proposal]"));
    current = -1;
  }

  function select(index, focus) {
    if (index < 0 || index >= spans.length) return;
    if (current >= 0 && spans[current]) {
      spans[current].classList.remove("current");
      const old = row(spans[current].dataset.proposal);
      if (old) old.classList.remove("current");
    }
    current = index;
    const span = spans[current];
    span.classList.add("current");
    const r = row(span.dataset.proposal);
    if (r) { r.classList.add("current"); r.scrollIntoView({ block: "nearest" }); }
    if (focus) span.focus();
  }

  function submit(key) {
    if (current < 0) return false;
    const r = row(spans[current].dataset.proposal);
    if (!r) return false;
    const control = r.querySelector('[data-key="' + key + '"]');
    if (!control) return false;
    if (key === "e") { control.focus(); control.select(); return true; }
    control.form.requestSubmit(control);
    return true;
  }

  function spanOf(target) {
    return target instanceof Element ? target.closest(".deid-span[data-proposal]") : null;
  }

  // Delegated, so spans swapped in after a scan are handled like those the page came with.
  document.addEventListener("focusin", function (event) {
    const span = spanOf(event.target);
    if (span) select(spans.indexOf(span), false);
  });
  document.addEventListener("click", function (event) {
    const span = spanOf(event.target);
    if (span) select(spans.indexOf(span), true);
  });

  document.addEventListener("keydown", function (event) {
    if (!spans.length || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) {
      if (event.key === "Escape" && current >= 0) spans[current].focus();
      return;
    }
    let handled = false;
    if (event.key === "j") { select(Math.min(spans.length - 1, current + 1), true); handled = true; }
    else if (event.key === "k") { select(Math.max(0, current - 1), true); handled = true; }
    else if (["a", "r", "u", "e"].includes(event.key)) { handled = submit(event.key); }
    if (handled) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function () {
    // Also fired by the job status polled every second: read again only when the spans changed.
    const fresh = document.querySelectorAll(".deid-span[data-proposal]");
    if (fresh.length !== spans.length || (fresh.length && fresh[0] !== spans[0])) collect();
  });

  collect();
  // Back from an action: the server's #p-ID names the next proposal to decide.
  const hash = window.location.hash.match(/^#p-(\d+)$/);
  const start = hash ? spans.findIndex(function (s) { return s.dataset.proposal === hash[1]; }) : -1;
  if (start >= 0) select(start, true);
  // The keys work from here on (a browser test waits for this before pressing them).
  document.body.dataset.deidKeys = "ready";
})();
