// Browse mode: ← / p and → / n follow the previous and next theme links (rel="prev" / rel="next");
// when presenting, Escape leaves (the present bar's link).
// Keys typed into a field, or with a modifier, are left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "Escape") {  // presenting: back to the app (the bar's link)
      var leave = document.querySelector("a[data-leave-present]");
      if (leave) window.location.assign(leave.href);
      return;
    }
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
