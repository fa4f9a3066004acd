// Drag a code onto another to make it a sub-code, or onto the top-level zone.
// The ↑ ↓ ← → buttons beside each code do the same from the keyboard.
"use strict";
(() => {
  const tree = document.getElementById("codebook-tree");
  if (!tree) return;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  let dragged = null;

  tree.addEventListener("dragstart", (event) => {
    const row = event.target.closest(".code-row");
    if (!row) return;
    dragged = row.dataset.uuid;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    row.classList.add("dragging");
  });
  document.addEventListener("dragend", () => {
    for (const el of document.querySelectorAll(".dragging, .drop-target")) el.classList.remove("dragging", "drop-target");
  });
  for (const zone of [tree, document.getElementById("drop-top")]) {
    if (!zone) continue;
    zone.addEventListener("dragover", (event) => {
      const target = event.target.closest(".code-row, #drop-top");
      if (!target || !dragged || target.dataset.uuid === dragged) return;
      event.preventDefault();
      for (const el of document.querySelectorAll(".drop-target")) el.classList.remove("drop-target");
      target.classList.add("drop-target");
    });
    zone.addEventListener("drop", async (event) => {
      const target = event.target.closest(".code-row, #drop-top");
      if (!target || !dragged) return;
      event.preventDefault();
      const body = new FormData();
      body.append("parent", target.dataset.uuid || "");
      const url = tree.dataset.moveUrl.replace("00000000-0000-0000-0000-000000000000", dragged);
      const response = await fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
      if (response.ok) {
        window.location.reload();
      } else {
        const data = await response.json().catch(() => ({}));
        window.alert(data.error || "The code could not be moved.");
      }
    });
  }
})();
