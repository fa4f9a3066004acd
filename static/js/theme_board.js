// The theme board: drag code chips into themes (or back to "Unassigned codes"), drag a theme's
// title onto another theme to nest it. The keyboard does the same: Enter or Space on a code picks
// it up, each theme then shows a "Put the chosen code in …" button, Escape puts it down.
// Every action posts the same form the page's plain (no-JS) forms post, asking for JSON.
"use strict";
(() => {
  const board = document.getElementById("theme-board");
  if (!board) return;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  const status = document.getElementById("board-status");
  const NIL = "00000000-0000-0000-0000-000000000000";
  let dragged = null; // {kind: "code", code, source} | {kind: "theme", theme}
  let picked = null; // keyboard: {code, source, chip}

  const say = (text) => { if (status) status.textContent = text; };

  async function post(url, fields) {
    const body = new FormData();
    for (const [key, value] of Object.entries(fields)) body.append(key, value ?? "");
    const response = await fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
    if (response.ok) {
      // Reload at the same scroll position: the server renders the board (counts, nesting).
      sessionStorage.setItem("theme-board-scroll", String(window.scrollY));
      window.location.reload();
      return;
    }
    const data = await response.json().catch(() => ({}));
    say(data.error || "That could not be done.");
    window.alert(data.error || "That could not be done.");
  }

  function moveCode(code, source, target, position) {
    if ((source || "") === (target || "") && position === undefined) return;
    const fields = { code, source, target };
    if (position !== undefined && position !== null) fields.position = String(position);
    return post(board.dataset.codeMoveUrl, fields);
  }

  // --- drag and drop ----------------------------------------------------------------------
  board.addEventListener("dragstart", (event) => {
    const chip = event.target.closest?.(".code-chip-item[data-code]");
    const head = event.target.closest?.("[data-drag-theme]");
    if (chip) {
      dragged = { kind: "code", code: chip.dataset.code, source: chip.dataset.source };
      chip.classList.add("dragging");
      event.dataTransfer.setData("text/plain", chip.textContent.trim());
    } else if (head) {
      dragged = { kind: "theme", theme: head.dataset.dragTheme };
      head.closest(".theme-card").classList.add("dragging");
      event.dataTransfer.setData("text/plain", head.textContent.trim());
    } else {
      return;
    }
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragend", () => {
    dragged = null;
    for (const el of board.querySelectorAll(".dragging, .drop-target")) el.classList.remove("dragging", "drop-target");
  });

  function dropZone(target) {
    if (!dragged) return null;
    if (dragged.kind === "code") return target.closest("[data-drop-theme]") || target.closest(".theme-card");
    const top = target.closest("[data-drop-top]");
    if (top) return top;
    const card = target.closest(".theme-card");
    if (!card || card.dataset.theme === dragged.theme) return null;
    // Not into one of its own sub-themes (the server refuses that too).
    if (card.closest(`.theme-card[data-theme="${dragged.theme}"]`)) return null;
    return card;
  }

  board.addEventListener("dragover", (event) => {
    const zone = dropZone(event.target);
    if (!zone) return;
    event.preventDefault();
    for (const el of board.querySelectorAll(".drop-target")) if (el !== zone) el.classList.remove("drop-target");
    zone.classList.add("drop-target");
  });

  board.addEventListener("drop", (event) => {
    const zone = dropZone(event.target);
    if (!zone || !dragged) return;
    event.preventDefault();
    if (dragged.kind === "code") {
      const target = zone.dataset.dropTheme ?? zone.dataset.theme ?? "";
      // Dropped on a chip: take its place in that theme's order.
      const onChip = event.target.closest(".code-chip-item[data-code]");
      let position;
      if (onChip && zone.contains(onChip)) {
        position = [...zone.querySelectorAll(":scope > .code-chip-item")].indexOf(onChip);
      }
      moveCode(dragged.code, dragged.source, target, position);
    } else {
      const url = board.dataset.themeMoveUrl.replace(NIL, dragged.theme);
      post(url, { parent: zone.dataset.theme || "" });
    }
  });

  // --- keyboard: pick up a code, put it in a theme ------------------------------------------
  const putButtons = () => board.querySelectorAll("button.put-here");

  function drop() {
    if (picked) picked.chip.setAttribute("aria-pressed", "false");
    picked = null;
    for (const button of putButtons()) button.hidden = true;
  }

  function pick(chip) {
    const item = chip.closest(".code-chip-item");
    drop();
    picked = { code: item.dataset.code, source: item.dataset.source, chip };
    chip.setAttribute("aria-pressed", "true");
    for (const button of putButtons()) {
      // Not the theme it is already in; "take out" only when it is in a theme.
      button.hidden = button.dataset.putTheme === picked.source;
    }
    say(`Picked up ${chip.textContent.trim()}. Tab to a theme's “Put the chosen code in” button and press Enter; Escape to cancel.`);
  }

  board.addEventListener("keydown", (event) => {
    const chip = event.target.closest?.(".board-chip");
    if (chip && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      if (picked && picked.chip === chip) {
        drop();
        say("Put down.");
      } else {
        pick(chip);
      }
    } else if (event.key === "Escape" && picked) {
      const chipToFocus = picked.chip;
      drop();
      say("Put down.");
      chipToFocus.focus();
    }
  });
  board.addEventListener("click", (event) => {
    const button = event.target.closest?.("button.put-here");
    if (button && picked) moveCode(picked.code, picked.source, button.dataset.putTheme);
    const chip = event.target.closest?.(".board-chip");
    if (chip && !event.target.closest("a")) (picked && picked.chip === chip ? drop() : pick(chip));
  });

  const scroll = sessionStorage.getItem("theme-board-scroll");
  if (scroll !== null) {
    sessionStorage.removeItem("theme-board-scroll");
    window.scrollTo(0, Number(scroll));
  }
})();
