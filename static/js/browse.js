// Browse mode: ← / p and → / n follow the previous and next theme links (rel="prev" / rel="next").
// Keys typed into a field, or with a modifier, are left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = null;
    if (event.key === "ArrowRight" || event.key === "n") rel = "next";
    else if (event.key === "ArrowLeft" || event.key === "p") rel = "prev";
    if (!rel) return;
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
