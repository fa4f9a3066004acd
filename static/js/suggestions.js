// The suggestion queue from the keyboard: j/k move, a accept, r reject, c accept as another code,
// t accept the whole turn, e edit the span, u undo, o open in the reader, ? shortcuts.
//
// Every action is one of the page's own forms (which work without this script: POST and
// redirect); here they are sent with fetch and `Accept: application/json`, the row is marked with
// the answer, the outcome is announced in an aria-live region and focus moves to the next open
// suggestion. Transcript text is never put into the page as HTML: only text nodes.
"use strict";
(() => {
  const list = document.getElementById("suggestion-list");
  const announcer = document.getElementById("suggestion-announcer");
  const help = document.getElementById("suggestion-help");
  const helpButton = document.getElementById("suggestion-help-button");
  const turns = JSON.parse((document.getElementById("suggestion-turns") || {}).textContent || "{}");
  const canCode = Boolean(list && list.dataset.canCode);
  const undoStack = []; // {row, url} of this page's decisions, latest last

  if (help) {
    document.getElementById("suggestion-help-close").addEventListener("click", () => help.close());
    if (helpButton) helpButton.addEventListener("click", () => help.showModal());
  }
  if (!list) return;

  let announced = 0;
  function announce(text) {
    // Cleared first and set on the next frame, so the same words twice are read twice.
    const turn = ++announced;
    announcer.textContent = "";
    window.requestAnimationFrame(() => {
      if (turn === announced) announcer.textContent = text;
    });
  }

  const rows = () => Array.from(list.querySelectorAll(".suggestion"));
  const isOpen = (row) => row.dataset.status === "open";
  let current = null;

  function focusRow(row) {
    if (!row) return;
    if (current) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function step(direction) {
    const all = rows();
    if (!all.length) return;
    const at = current ? all.indexOf(current) : -1;
    if (at === -1) return focusRow(direction > 0 ? all[0] : all[all.length - 1]);
    const next = all[at + direction];
    if (next) focusRow(next);
    else announce(direction > 0 ? "This is the last suggestion on this page." : "This is the first suggestion.");
  }

  function focusNextOpen(row) {
    const all = rows();
    const at = all.indexOf(row);
    const next = all.slice(at + 1).find(isOpen) || all.slice(0, at).find(isOpen);
    if (next) focusRow(next);
    else {
      focusRow(row);
      return false;
    }
    return true;
  }

  function csrfToken(form) {
    const field = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": body.get("csrfmiddlewaretoken") || csrfToken() },
    });
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  // "3 of this page's 12 left": the count in the heading stays what the page was loaded with.
  const progress = document.getElementById("suggestion-progress");
  function showProgress() {
    if (!progress) return;
    const open = rows().filter(isOpen).length;
    progress.textContent = `(${open} of this page’s ${rows().length} still open)`;
  }

  function mark(row, status, decision) {
    row.dataset.status = status;
    row.classList.remove("is-open", "is-accepted", "is-rejected", "is-superseded");
    row.classList.add(`is-${status}`);
    const line = row.querySelector(".decision");
    line.textContent = decision || "";
    line.hidden = status === "open";
    const actions = row.querySelector(".suggestion-actions");
    if (actions) actions.hidden = status !== "open";
    closeEditor(row);
    showProgress();
  }

  async function send(form, row) {
    if (!isOpen(row) || row.dataset.busy) return;
    row.dataset.busy = "1";
    try {
      const answer = await post(form.action, new FormData(form));
      if (!answer.ok) {
        announce(answer.data.error || `Nothing was saved (error ${answer.status}); reload the page and try again.`);
        return;
      }
      mark(row, answer.data.status, answer.data.decision);
      for (const uuid of answer.data.superseded || []) {
        const other = document.getElementById(`suggestion-${uuid}`);
        if (other && other !== row) mark(other, "superseded", "Superseded: the segment was coded from another suggestion.");
      }
      if (answer.data.undo_url) undoStack.push({ row, url: answer.data.undo_url });
      const more = focusNextOpen(row);
      announce(`${answer.data.message}${more ? "" : " Every suggestion on this page is decided."} Press u to undo.`);
    } catch {
      announce("The server could not be reached, so nothing was saved; check the connection and try again.");
    } finally {
      delete row.dataset.busy;
    }
  }

  async function undo() {
    const last = undoStack.pop();
    if (!last) return announce("Nothing to undo on this page.");
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken(last.row));
    try {
      const answer = await post(last.url, body);
      if (!answer.ok) {
        undoStack.push(last);
        return announce(answer.data.error || `Not undone (error ${answer.status}).`);
      }
      mark(last.row, "open", "");
      focusRow(last.row);
      announce(answer.data.message);
    } catch {
      undoStack.push(last);
      announce("The server could not be reached, so nothing was undone.");
    }
  }

  // --- choosing another code ------------------------------------------------------------------

  function chooseCode(row) {
    const select = row.querySelector("form[data-key=c] select");
    if (!select) return;
    select.focus();
    announce("Accept as another code: choose it with the arrow keys or by typing its name, Enter accepts, Escape goes back.");
  }

  // --- the span editor ------------------------------------------------------------------------

  const WORD = /[\p{L}\p{N}\p{M}]+(?:['’\-.][\p{L}\p{N}\p{M}]+)*/gu;

  function words(text) {
    // Word starts and ends in code points (offsets are code points, JavaScript strings UTF-16).
    const found = [];
    let units = 0;
    let points = 0;
    for (const match of text.matchAll(WORD)) {
      points += Array.from(text.slice(units, match.index)).length;
      const length = Array.from(match[0]).length;
      found.push([points, points + length]);
      points += length;
      units = match.index + match[0].length;
    }
    return found;
  }

  function closeEditor(row) {
    const editor = row.querySelector(".span-editor");
    if (editor) editor.remove();
  }

  function openEditor(row) {
    const turn = turns[row.dataset.uuid];
    const details = row.querySelector("details.span-edit");
    if (!turn || !details) return;
    details.open = true;
    closeEditor(row);
    const form = details.querySelector("form");
    const startInput = form.querySelector("input[name=start]");
    const endInput = form.querySelector("input[name=end]");
    const points = Array.from(turn.text);
    const spans = words(turn.text);
    let start = Number(startInput.value) - turn.start;
    let end = Number(endInput.value) - turn.start;
    const editor = document.createElement("div");
    editor.className = "span-editor";
    editor.tabIndex = 0;
    editor.setAttribute("role", "group");
    editor.setAttribute(
      "aria-label",
      "Span editor: left and right arrows move the start by a word, with Shift the end; Enter accepts, Escape cancels",
    );
    const render = () => {
      const marked = document.createElement("mark");
      marked.textContent = points.slice(start, end).join("");
      editor.replaceChildren(
        document.createTextNode(points.slice(0, start).join("")),
        marked,
        document.createTextNode(points.slice(end).join("")),
      );
      startInput.value = String(turn.start + start);
      endInput.value = String(turn.start + end);
    };
    const move = (which, direction) => {
      if (which === "start") {
        const candidates = spans.map(([s]) => s).filter((s) => (direction > 0 ? s > start && s < end : s < start));
        if (!candidates.length) return announce(direction > 0 ? "The span is one word." : "The start of the turn.");
        start = direction > 0 ? Math.min(...candidates) : Math.max(...candidates);
      } else {
        const candidates = spans.map(([, e]) => e).filter((e) => (direction > 0 ? e > end : e < end && e > start));
        if (!candidates.length) return announce(direction > 0 ? "The end of the turn." : "The span is one word.");
        end = direction > 0 ? Math.min(...candidates) : Math.max(...candidates);
      }
      render();
      announce(points.slice(start, end).join(""));
    };
    editor.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        move(event.shiftKey ? "end" : "start", event.key === "ArrowRight" ? 1 : -1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        send(form, row);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(row);
        details.open = false;
        focusRow(row);
        announce("Span not changed.");
      }
      event.stopPropagation();
    });
    form.before(editor);
    render();
    editor.focus();
    announce("Editing the span: left and right arrows move its start by a word, Shift with them its end. Enter accepts.");
  }

  // --- events ----------------------------------------------------------------------------------

  // Back from a decision sent without this script (or a link to a row): that row is the current one.
  if (window.location.hash.startsWith("#suggestion-")) {
    const target = document.getElementById(window.location.hash.slice(1));
    if (target && list.contains(target)) focusRow(target);
  }

  list.addEventListener("submit", (event) => {
    const form = event.target;
    const row = form.closest(".suggestion");
    if (!row) return;
    event.preventDefault();
    send(form, row);
  });

  list.addEventListener("focusin", (event) => {
    const row = event.target.closest(".suggestion");
    if (row && row !== current) {
      if (current) current.classList.remove("current");
      current = row;
      row.classList.add("current");
    }
  });

  list.addEventListener("keydown", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.closest("form[data-key=c]")) return;
    const row = select.closest(".suggestion");
    if (event.key === "Enter") {
      event.preventDefault();
      send(select.form, row);
    } else if (event.key === "Escape") {
      event.preventDefault();
      focusRow(row);
    }
  });

  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) || target.closest(".span-editor"));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (help && help.open) return;
    const row = current && document.contains(current) ? current : null;
    const act = (key) => {
      if (!row) {
        step(1);
        return;
      }
      if (!isOpen(row)) return announce("This suggestion is already decided; press u to undo your last decision.");
      const form = row.querySelector(`form[data-key=${key}]`);
      if (form) send(form, row);
      else if (key === "t") announce("This sentence is its whole turn: press a to accept it.");
    };
    switch (event.key) {
      case "j":
        step(1);
        break;
      case "k":
        step(-1);
        break;
      case "?":
        if (help) help.showModal();
        break;
      case "o":
        if (row) window.location.assign(row.querySelector(".suggestion-where a").href);
        break;
      default:
        if (!canCode) return;
        if (event.key === "a" || event.key === "r" || event.key === "t") act(event.key);
        else if (event.key === "c" && row && isOpen(row)) chooseCode(row);
        else if (event.key === "e" && row && isOpen(row)) openEditor(row);
        else if (event.key === "u") undo();
        else return;
    }
    event.preventDefault();
  });
})();
