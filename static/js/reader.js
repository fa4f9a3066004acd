// The transcript reader: highlights, margin bars, selection → code point offsets,
// the code picker, the codings panel, search, and polling for teammates' codings.
//
// Offsets are Unicode code points into the canonical text (what the server stores);
// DOM offsets are UTF-16 units. Each .turn-text holds exactly the text of its turn
// as one text node, and data-start is the code point offset of its first character.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("reader-config").textContent);
  const codes = new Map();
  for (const code of JSON.parse(document.getElementById("codes-data").textContent)) codes.set(code.id, code);
  const codings = new Map();
  for (const coding of JSON.parse(document.getElementById("codings-data").textContent)) codings.set(coding.id, coding);

  const transcriptEl = document.getElementById("transcript");
  const barsEl = document.getElementById("coding-bars");
  const popover = document.getElementById("coding-popover");
  const filterInput = document.getElementById("code-filter");
  const optionsEl = document.getElementById("code-options");
  const panel = document.getElementById("coding-panel");
  const panelList = document.getElementById("panel-list");
  const statusEl = document.getElementById("reader-status");
  const supportsHighlights = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";
  const csrfToken = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";

  // --- turns and offset conversion -----------------------------------------------------------
  const turns = [...transcriptEl.querySelectorAll(".turn-text")].map((el) => {
    const text = el.textContent;
    const start = Number(el.dataset.start);
    // unitIndex[i] = UTF-16 index of code point i; only built when the text has astral characters.
    let unitIndex = null;
    let length = text.length;
    if (/[\uD800-\uDBFF]/.test(text)) {
      unitIndex = [];
      let unit = 0;
      for (const ch of text) {
        unitIndex.push(unit);
        unit += ch.length;
      }
      unitIndex.push(unit);
      length = unitIndex.length - 1;
    }
    return { el, start, end: start + length, unitIndex, node: el.firstChild };
  });

  function turnAt(offset) {
    let lo = 0;
    let hi = turns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (turns[mid].end < offset) lo = mid + 1;
      else if (turns[mid].start > offset) hi = mid - 1;
      else return mid;
    }
    return Math.min(lo, turns.length - 1);
  }

  function unitOf(turn, codePoint) {
    const local = Math.max(0, Math.min(codePoint - turn.start, turn.end - turn.start));
    return turn.unitIndex ? turn.unitIndex[local] : local;
  }

  function codePointOf(turn, unit) {
    if (!turn.unitIndex) return turn.start + unit;
    let lo = 0;
    let hi = turn.unitIndex.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (turn.unitIndex[mid] <= unit) lo = mid;
      else hi = mid - 1;
    }
    return turn.start + lo;
  }

  // A DOM position (node, offset) → code point offset, or null outside the text.
  function domToOffset(node, offset, preferEnd) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const textEl = el && el.closest(".turn-text");
    if (textEl) {
      const turn = turns.find((t) => t.el === textEl);
      if (node.nodeType === Node.TEXT_NODE) return codePointOf(turn, offset);
      return offset === 0 ? turn.start : turn.end;
    }
    // Selections that start or end on a speaker label snap to the nearest speech.
    const turnEl = el && el.closest(".turn");
    if (!turnEl) return null;
    const index = turns.findIndex((t) => t.el.parentElement === turnEl);
    if (index === -1) return null;
    // An end on a speaker label belongs to the speech before it; a start, to the speech after.
    return preferEnd && index > 0 ? turns[index - 1].end : turns[index].start;
  }

  function rangeFor(start, end) {
    const first = turns[turnAt(start)];
    const last = turns[turnAt(Math.max(start, end - 1))];
    if (!first || !last || !first.node || !last.node) return null;
    const range = document.createRange();
    range.setStart(first.node, unitOf(first, Math.max(start, first.start)));
    range.setEnd(last.node, unitOf(last, Math.min(end, last.end)));
    return range;
  }

  function textOf(start, end) {
    const range = rangeFor(start, end);
    return range ? range.toString() : "";
  }

  // --- painting: highlights and margin bars --------------------------------------------------
  const styleSheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, styleSheet];

  function hexToRgba(hex, alpha) {
    const value = /^#[0-9a-f]{6}$/i.test(hex) ? hex : "#ffd166";
    const n = parseInt(value.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  function paint() {
    const byCode = new Map();
    for (const coding of codings.values()) {
      if (!codes.has(coding.code)) continue;
      if (!byCode.has(coding.code)) byCode.set(coding.code, []);
      byCode.get(coding.code).push(coding);
    }
    if (supportsHighlights) {
      for (const name of [...CSS.highlights.keys()]) if (name.startsWith("code-")) CSS.highlights.delete(name);
      const rules = [];
      for (const [codeId, list] of byCode) {
        const ranges = list.map((c) => rangeFor(c.start, c.end)).filter(Boolean);
        CSS.highlights.set(`code-${codeId}`, new Highlight(...ranges));
        rules.push(`::highlight(code-${codeId}) { background-color: ${hexToRgba(codes.get(codeId).colour, 0.38)}; }`);
      }
      styleSheet.replaceSync(rules.join("\n"));
    }
    drawBars();
    updateLegend(byCode);
  }

  function drawBars() {
    const box = transcriptEl.getBoundingClientRect();
    const items = [];
    for (const coding of codings.values()) {
      const code = codes.get(coding.code);
      if (!code) continue;
      const range = rangeFor(coding.start, coding.end);
      if (!range) continue;
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const top = rects[0].top - box.top;
      const bottom = rects[rects.length - 1].bottom - box.top;
      items.push({ coding, code, top, bottom: Math.max(bottom, top + 8) });
    }
    // Greedy lanes: a bar goes in the first lane whose last bar ends above it.
    items.sort((a, b) => a.top - b.top || b.bottom - a.bottom);
    const laneEnds = [];
    for (const item of items) {
      let lane = laneEnds.findIndex((end) => end <= item.top - 2);
      if (lane === -1) {
        lane = laneEnds.length;
        laneEnds.push(0);
      }
      laneEnds[lane] = item.bottom;
      item.lane = lane;
    }
    const fragment = document.createDocumentFragment();
    for (const item of items) {
      const bar = document.createElement("div");
      bar.className = "coding-bar" + (item.coding.review ? " review" : "");
      bar.style.top = `${item.top}px`;
      bar.style.height = `${item.bottom - item.top}px`;
      bar.style.left = `${4 + item.lane * 15}px`;
      bar.style.background = item.code.colour;
      bar.dataset.coding = item.coding.id;
      const coder = config.coders[item.coding.coder] || "";
      bar.title = `${item.code.name}${coder ? ` — ${coder}` : ""}`;
      if (item.bottom - item.top > 40) {
        const label = document.createElement("span");
        label.textContent = item.code.name;
        bar.appendChild(label);
      }
      fragment.appendChild(bar);
    }
    barsEl.replaceChildren(fragment);
    barsEl.style.width = `${8 + laneEnds.length * 15}px`;
  }

  function updateLegend(byCode) {
    const legend = document.getElementById("code-legend");
    const items = [...byCode.entries()]
      .map(([id, list]) => [codes.get(id), list.length])
      .sort((a, b) => a[0].name.localeCompare(b[0].name));
    legend.replaceChildren(
      ...items.map(([code, n]) => {
        const li = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = code.colour;
        const count = document.createElement("span");
        count.className = "muted";
        count.textContent = ` (${n})`;
        li.append(swatch, document.createTextNode(code.name), count);
        return li;
      }),
    );
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawBars, 150);
  });

  // --- messages ------------------------------------------------------------------------------
  let statusTimer = null;
  function say(message, isError) {
    statusEl.textContent = message;
    statusEl.classList.toggle("error", Boolean(isError));
    statusEl.hidden = false;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => (statusEl.hidden = true), isError ? 6000 : 2500);
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = { error: `The server answered ${response.status}.` };
    }
    if (!response.ok) throw new Error(data.error || `The server answered ${response.status}.`);
    return data;
  }

  // --- recent codes --------------------------------------------------------------------------
  const recentKey = `thematica:recent:${config.study}`;
  function recentCodes() {
    try {
      const ids = JSON.parse(localStorage.getItem(recentKey) || "[]");
      return ids.filter((id) => codes.has(id)).slice(0, 9);
    } catch (error) {
      return [];
    }
  }
  function remember(codeId) {
    const ids = [codeId, ...recentCodes().filter((id) => id !== codeId)].slice(0, 9);
    try {
      localStorage.setItem(recentKey, JSON.stringify(ids));
    } catch (error) {
      /* private mode: recent codes are a convenience */
    }
  }

  // --- the code picker -----------------------------------------------------------------------
  let pending = null; // {start, end, text} or {turn}
  let options = [];
  let active = 0;

  function codePath(code) {
    const names = [];
    let parent = codes.get(code.parent);
    while (parent) {
      names.unshift(parent.name);
      parent = codes.get(parent.parent);
    }
    return names.join(" › ");
  }

  function renderOptions() {
    const query = filterInput.value.trim().toLowerCase();
    const recent = recentCodes();
    let list;
    if (!query) {
      const rest = [...codes.values()].filter((c) => !recent.includes(c.id)).sort((a, b) => a.name.localeCompare(b.name));
      list = [...recent.map((id) => codes.get(id)), ...rest];
    } else {
      list = [...codes.values()]
        .filter((c) => c.name.toLowerCase().includes(query))
        .sort((a, b) => a.name.toLowerCase().indexOf(query) - b.name.toLowerCase().indexOf(query) || a.name.localeCompare(b.name));
    }
    options = list.map((code) => ({ code }));
    if (query && !list.some((c) => c.name.toLowerCase() === query)) options.push({ create: filterInput.value.trim() });
    active = Math.min(active, Math.max(0, options.length - 1));
    optionsEl.replaceChildren(
      ...options.map((option, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = `code-option-${i}`;
        li.setAttribute("aria-selected", String(i === active));
        if (option.create) {
          li.textContent = `Create code “${option.create}”`;
        } else {
          const recentIndex = !query ? recent.indexOf(option.code.id) : -1;
          if (recentIndex >= 0) {
            const key = document.createElement("span");
            key.className = "key";
            key.textContent = String(recentIndex + 1);
            li.appendChild(key);
          }
          const swatch = document.createElement("span");
          swatch.className = "swatch";
          swatch.style.background = option.code.colour;
          li.appendChild(swatch);
          li.appendChild(document.createTextNode(option.code.name));
          const path = codePath(option.code);
          if (path) {
            const span = document.createElement("span");
            span.className = "path";
            span.textContent = path;
            li.appendChild(span);
          }
        }
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(i);
        });
        return li;
      }),
    );
    filterInput.setAttribute("aria-activedescendant", options.length ? `code-option-${active}` : "");
  }

  function place(el, rect) {
    el.hidden = false;
    const width = el.offsetWidth;
    const left = Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8);
    el.style.left = `${Math.max(8, left)}px`;
    el.style.top = `${window.scrollY + rect.bottom + 6}px`;
  }

  function openPicker(target, rect) {
    if (!config.canCode) return;
    closePanel();
    pending = target;
    filterInput.value = "";
    active = 0;
    renderOptions();
    place(popover, rect);
    filterInput.focus({ preventScroll: true });
  }

  function closePicker() {
    popover.hidden = true;
    pending = null;
  }

  async function choose(index) {
    const option = options[index];
    if (!option || !pending) return;
    const target = pending;
    closePicker();
    const body = option.create ? { new_code: option.create } : { code: option.code.uuid };
    if (target.turn !== undefined) body.turn = target.turn;
    else Object.assign(body, { start: target.start, end: target.end, text: target.text });
    try {
      const data = await post(config.applyUrl, body);
      codes.set(data.code.id, data.code);
      // Your codings of this code that the new one overlaps or touches were joined into it.
      for (const id of data.joined || []) codings.delete(id);
      codings.set(data.coding.id, data.coding);
      remember(data.code.id);
      paint();
      const joined = (data.joined || []).length;
      say(
        !data.created
          ? `Already coded “${data.code.name}” there.`
          : joined
            ? `Coded “${data.code.name}”, joined with ${joined} of your overlapping codings.`
            : `Coded “${data.code.name}”.`,
      );
    } catch (error) {
      say(error.message, true);
    }
    window.getSelection().removeAllRanges();
  }

  filterInput.addEventListener("input", () => {
    active = 0;
    renderOptions();
  });
  filterInput.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      active = Math.min(active + 1, options.length - 1);
      renderOptions();
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      active = Math.max(active - 1, 0);
      renderOptions();
      event.preventDefault();
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      closePicker();
    } else if (/^[1-9]$/.test(event.key) && !filterInput.value) {
      const recent = recentCodes();
      const id = recent[Number(event.key) - 1];
      if (id !== undefined) {
        event.preventDefault();
        choose(options.findIndex((o) => o.code && o.code.id === id));
      }
    }
  });
  filterInput.addEventListener("blur", () => setTimeout(() => {
    if (!popover.contains(document.activeElement)) closePicker();
  }, 150));

  function selectionTarget() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!transcriptEl.contains(range.commonAncestorContainer)) return null;
    const start = domToOffset(range.startContainer, range.startOffset, false);
    const end = domToOffset(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) return null;
    // Spaces at the edges of a selection are never meant to be coded.
    const raw = textOf(start, end);
    const lead = [...raw].length - [...raw.trimStart()].length;
    const trail = [...raw].length - [...raw.trimEnd()].length;
    const trimmedStart = start + lead;
    const trimmedEnd = Math.max(trimmedStart, end - trail);
    // Within one turn the server double-checks the words; across turns the DOM also holds
    // speaker labels and buttons, so only the offsets are sent.
    const oneTurn = turnAt(trimmedStart) === turnAt(Math.max(trimmedStart, trimmedEnd - 1));
    return {
      target: { start: trimmedStart, end: trimmedEnd, text: oneTurn ? textOf(trimmedStart, trimmedEnd) : null },
      rect: range.getBoundingClientRect(),
    };
  }

  function maybeOpenFromSelection() {
    const found = selectionTarget();
    if (found && found.target.end > found.target.start) openPicker(found.target, found.rect);
  }

  if (config.canCode) {
    transcriptEl.addEventListener("mouseup", () => setTimeout(maybeOpenFromSelection, 0));
    // Keyboard selection: Tab to a turn, Shift+→/← selects by character (Ctrl/Alt+Shift by word),
    // Enter opens the code picker. Selection.modify moves the browser's own selection.
    transcriptEl.addEventListener("keydown", (event) => {
      const textEl = event.target instanceof HTMLElement ? event.target.closest(".turn-text") : null;
      if (!textEl) return;
      const selection = window.getSelection();
      if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
        const forward = event.key === "ArrowRight";
        if (!selection.rangeCount || !textEl.contains(selection.anchorNode)) {
          const node = textEl.firstChild;
          if (!node) return;
          selection.collapse(node, forward ? 0 : node.length);
        }
        selection.modify("extend", forward ? "forward" : "backward", event.ctrlKey || event.altKey ? "word" : "character");
        event.preventDefault();
      } else if (event.key === "Enter" && selection && !selection.isCollapsed) {
        event.preventDefault();
        maybeOpenFromSelection();
      }
    });
    transcriptEl.addEventListener("click", (event) => {
      const button = event.target.closest(".code-turn");
      if (!button) return;
      openPicker({ turn: Number(button.dataset.turn) }, button.getBoundingClientRect());
    });
  }

  // --- the codings panel (click a highlight or a bar) ----------------------------------------
  function caretOffset(x, y) {
    if (document.caretPositionFromPoint) {
      const pos = document.caretPositionFromPoint(x, y);
      return pos ? domToOffset(pos.offsetNode, pos.offset, false) : null;
    }
    if (document.caretRangeFromPoint) {
      const range = document.caretRangeFromPoint(x, y);
      return range ? domToOffset(range.startContainer, range.startOffset, false) : null;
    }
    return null;
  }

  function openPanel(list, rect) {
    closePicker();
    panelList.replaceChildren(...list.map(panelItem));
    place(panel, rect);
    panel.querySelector("button, select")?.focus({ preventScroll: true });
  }

  function closePanel() {
    panel.hidden = true;
    for (const bar of barsEl.querySelectorAll(".active")) bar.classList.remove("active");
  }

  function panelItem(coding) {
    const code = codes.get(coding.code);
    const li = document.createElement("li");
    const head = document.createElement("div");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = code.colour;
    const name = document.createElement("strong");
    name.textContent = code.name;
    const meta = document.createElement("span");
    meta.className = "muted";
    const when = new Date(coding.at);
    meta.textContent = ` · ${config.coders[coding.coder] || "someone"} · ${when.toLocaleString()}${coding.review ? " · needs review" : ""}`;
    head.append(swatch, name, meta);
    const excerpt = document.createElement("div");
    excerpt.className = "excerpt";
    excerpt.textContent = textOf(coding.start, coding.end);
    li.append(head, excerpt);
    if (config.canCode) li.appendChild(panelActions(coding));
    return li;
  }

  function panelActions(coding) {
    const actions = document.createElement("div");
    actions.className = "actions";
    const button = (label, title, handler) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.addEventListener("click", handler);
      actions.appendChild(b);
      return b;
    };
    const change = async (body, message) => {
      try {
        const data = await post(config.codingUrl.replace("00000000-0000-0000-0000-000000000000", coding.id), body);
        codings.delete(data.replaced);
        for (const id of data.joined || []) codings.delete(id);
        codes.set(data.code.id, data.code);
        codings.set(data.coding.id, data.coding);
        paint();
        say(message);
        closePanel();
      } catch (error) {
        say(error.message, true);
      }
    };
    button("◂ start", "Extend the start by one character", () => change({ start: coding.start - 1 }, "Span changed."));
    button("start ▸", "Shrink the start by one character", () => change({ start: coding.start + 1 }, "Span changed."));
    button("◂ end", "Shrink the end by one character", () => change({ end: coding.end - 1 }, "Span changed."));
    button("end ▸", "Extend the end by one character", () => change({ end: coding.end + 1 }, "Span changed."));
    button("Turn", "Extend to the whole turn", () => {
      const first = turns[turnAt(coding.start)];
      const last = turns[turnAt(coding.end - 1)];
      change({ start: first.start, end: last.end }, "Span extended to the turn.");
    });
    const select = document.createElement("select");
    select.setAttribute("aria-label", "Change code");
    const placeholder = new Option("Recode as…", "");
    select.appendChild(placeholder);
    for (const code of [...codes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (code.id !== coding.code) select.appendChild(new Option(code.name, code.uuid));
    }
    select.addEventListener("change", () => {
      if (select.value) change({ code: select.value }, "Recoded.");
    });
    actions.appendChild(select);
    const memo = document.createElement("a");
    memo.href = `${config.memoUrl}?target=coding&uuid=${encodeURIComponent(coding.id)}&next=${encodeURIComponent(window.location.pathname)}`;
    memo.textContent = "Memo";
    memo.className = "button";
    actions.appendChild(memo);
    button("Remove", "Remove this coding", async () => {
      try {
        await post(config.removeUrl.replace("00000000-0000-0000-0000-000000000000", coding.id), {});
        codings.delete(coding.id);
        paint();
        say("Coding removed.");
        closePanel();
      } catch (error) {
        say(error.message, true);
      }
    }).classList.add("danger");
    return actions;
  }

  transcriptEl.addEventListener("click", (event) => {
    if (event.target.closest(".code-turn")) return;
    const bar = event.target.closest(".coding-bar");
    if (bar) {
      const coding = codings.get(bar.dataset.coding);
      if (coding) {
        bar.classList.add("active");
        openPanel([coding], bar.getBoundingClientRect());
      }
      return;
    }
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
    const offset = caretOffset(event.clientX, event.clientY);
    if (offset === null) return;
    const here = [...codings.values()].filter((c) => c.start <= offset && offset < c.end && codes.has(c.code));
    if (here.length) openPanel(here, { left: event.clientX, bottom: event.clientY });
    else closePanel();
  });
  document.getElementById("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closePanel();
      closePicker();
    }
  });

  // --- search --------------------------------------------------------------------------------
  const searchInput = document.getElementById("search-input");
  const searchCount = document.getElementById("search-count");
  let matches = [];
  let current = -1;

  function runSearch() {
    const query = searchInput.value;
    matches = [];
    current = -1;
    if (query) {
      const needle = query.toLocaleLowerCase();
      for (const turn of turns) {
        const haystack = turn.el.textContent.toLocaleLowerCase();
        // Lower-casing can change lengths for a few characters; fall back to exact matching then.
        const exact = haystack.length !== turn.el.textContent.length;
        const source = exact ? turn.el.textContent : haystack;
        const target = exact ? query : needle;
        let at = source.indexOf(target);
        while (at !== -1 && matches.length < 5000) {
          const range = document.createRange();
          range.setStart(turn.node, at);
          range.setEnd(turn.node, at + target.length);
          matches.push(range);
          at = source.indexOf(target, at + Math.max(1, target.length));
        }
      }
    }
    if (supportsHighlights) CSS.highlights.set("search", new Highlight(...matches));
    step(1);
  }

  function step(direction) {
    if (!matches.length) {
      searchCount.textContent = searchInput.value ? "No matches" : "";
      if (supportsHighlights) CSS.highlights.delete("search-current");
      return;
    }
    current = (current + direction + matches.length) % matches.length;
    const range = matches[current];
    if (supportsHighlights) CSS.highlights.set("search-current", new Highlight(range));
    range.startContainer.parentElement.scrollIntoView({ block: "center" });
    searchCount.textContent = `${current + 1} of ${matches.length}`;
  }

  let searchTimer = null;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 200);
  });
  searchInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (!matches.length) runSearch();
      else step(event.shiftKey ? -1 : 1);
    }
  });
  document.getElementById("search-next").addEventListener("click", () => step(1));
  document.getElementById("search-prev").addEventListener("click", () => step(-1));
  document.getElementById("reader-search").addEventListener("submit", (event) => event.preventDefault());

  // --- #pos-123 links from retrieval ---------------------------------------------------------
  function showPosition() {
    const match = /^#pos-(\d+)(?:-(\d+))?$/.exec(window.location.hash);
    if (!match || !turns.length) return;
    const start = Number(match[1]);
    const end = match[2] ? Number(match[2]) : start + 1;
    const turn = turns[turnAt(start)];
    turn.el.parentElement.scrollIntoView({ block: "center" });
    turn.el.parentElement.classList.add("flash");
    const range = rangeFor(start, Math.max(end, start + 1));
    if (range && supportsHighlights) CSS.highlights.set("flash", new Highlight(range));
    setTimeout(() => turn.el.parentElement.classList.remove("flash"), 2500);
  }
  window.addEventListener("hashchange", showPosition);

  // --- teammates' codings --------------------------------------------------------------------
  let since = config.now;
  async function poll() {
    if (document.hidden) return;
    try {
      const response = await fetch(`${config.pollUrl}?since=${encodeURIComponent(since)}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      since = data.now;
      codes.clear();
      for (const code of data.codes) codes.set(code.id, code);
      let changed = false;
      for (const coding of data.added) {
        if (!codings.has(coding.id)) {
          codings.set(coding.id, coding);
          changed = true;
          if (!(coding.coder in config.coders)) config.coders[coding.coder] = "a teammate";
        }
      }
      for (const id of data.removed) changed = codings.delete(id) || changed;
      if (changed) paint();
    } catch (error) {
      /* offline for a moment: the next poll catches up */
    }
  }
  setInterval(poll, 5000);

  const startedAt = performance.now();
  paint();
  showPosition();
  transcriptEl.dataset.ready = String(Math.round(performance.now() - startedAt));
  // Milliseconds from navigation start until every highlight and bar is drawn.
  transcriptEl.dataset.readyAt = String(Math.round(performance.now()));
})();
