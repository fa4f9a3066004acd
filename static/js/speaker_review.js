// Speaker review page: the "new speaker" label fields, and choosing where to split a turn by
// clicking in its text. Offsets sent to the server are Unicode code points into the document's
// text (the turn's data-start plus the code points before the click), never UTF-16 units.
(function () {
  "use strict";

  const NEW = "new";
  const PREVIEW = 48;

  // A label field is only needed when "New speaker…" is chosen.
  function syncLabel(select) {
    const input = select.form && select.form.querySelector(".new-label");
    if (!input) return;
    const wanted = select.value === NEW;
    input.hidden = !wanted;
    if (!wanted) input.value = "";
  }

  document.querySelectorAll("select.speaker-choice").forEach((select) => {
    syncLabel(select);
    select.addEventListener("change", () => {
      syncLabel(select);
      if (select.value === NEW) select.form.querySelector(".new-label").focus();
    });
  });

  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      const position = document.caretPositionFromPoint(x, y);
      return position ? { node: position.offsetNode, offset: position.offset } : null;
    }
    if (document.caretRangeFromPoint) {
      const range = document.caretRangeFromPoint(x, y);
      return range ? { node: range.startContainer, offset: range.startOffset } : null;
    }
    return null;
  }

  const isSpace = (ch) => /\s/.test(ch);

  // The UTF-16 index where a split at `index` of `text` really falls: the start of the word
  // clicked in, then past any white space (the server leaves white space to neither part).
  function snap(text, index) {
    let at = index;
    while (at > 0 && at < text.length && !isSpace(text[at - 1]) && !isSpace(text[at])) at -= 1;
    while (at < text.length && isSpace(text[at])) at += 1;
    return at;
  }

  function preview(text) {
    const words = text.replace(/\s+/g, " ").trim();
    return words.length <= PREVIEW ? words : words.slice(0, PREVIEW).trimEnd() + "…";
  }

  function showSplit(paragraph, node, index) {
    if (window.CSS && CSS.highlights && window.Highlight) {
      const range = document.createRange();
      range.setStart(node, index);
      range.setEnd(node, node.data.length);
      CSS.highlights.set("split-preview", new Highlight(range));
    }
    paragraph.closest(".review-turn").classList.add("splitting");
  }

  document.querySelectorAll(".review-text").forEach((paragraph) => {
    paragraph.addEventListener("click", (event) => {
      const selection = window.getSelection();
      if (selection && !selection.isCollapsed) return; // selecting words to read or copy them
      const caret = caretAt(event.clientX, event.clientY);
      const node = paragraph.firstChild;
      if (!caret || !node || caret.node !== node) return;
      const text = node.data;
      const index = snap(text, caret.offset);
      const turn = paragraph.closest(".review-turn");
      const details = turn.querySelector("details.split");
      const select = turn.querySelector("select.split-at");
      const hint = turn.querySelector(".split-hint");
      if (index <= 0 || index >= text.length || !text.slice(0, index).trim()) {
        if (hint) hint.textContent = "Click between two words inside the turn.";
        return;
      }
      const at = Number(paragraph.dataset.start) + Array.from(text.slice(0, index)).length;
      let option = select.querySelector("option.clicked");
      if (!option) {
        option = document.createElement("option");
        option.className = "clicked";
        select.prepend(option);
      }
      select.querySelectorAll("option.placeholder").forEach((o) => o.remove());
      option.value = String(at);
      option.textContent = "where you clicked: “" + preview(text.slice(index)) + "”";
      select.value = option.value;
      details.open = true;
      if (hint) hint.textContent = "";
      document.querySelectorAll(".review-turn.splitting").forEach((other) => other.classList.remove("splitting"));
      showSplit(paragraph, node, index);
    });
  });

  // Choosing a sentence (or opening "Split…") shows where the new turn would begin, too.
  document.querySelectorAll("select.split-at").forEach((select) => {
    const details = select.closest("details");
    details.addEventListener("toggle", () => {
      if (details.open) select.dispatchEvent(new Event("change"));
      else {
        select.closest(".review-turn").classList.remove("splitting");
        if (window.CSS && CSS.highlights) CSS.highlights.delete("split-preview");
      }
    });
    select.addEventListener("change", () => {
      if (!select.value) return;
      const turn = select.closest(".review-turn");
      const paragraph = turn.querySelector(".review-text");
      const node = paragraph.firstChild;
      const at = Number(select.value);
      if (!node || !Number.isFinite(at)) return;
      const points = Array.from(node.data);
      const index = points.slice(0, at - Number(paragraph.dataset.start)).join("").length;
      showSplit(paragraph, node, index);
    });
  });

  // A refused change to a turn: show that turn (the message is at the top of the page as well).
  const refused = document.querySelector(".review-turn .turn-error");
  if (refused) refused.closest(".review-turn").scrollIntoView({ block: "center" });
})();
