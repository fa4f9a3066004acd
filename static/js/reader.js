// The transcript reader: highlights, margin bars, selection → code point offsets,
// the code picker, the codings panel, keyboard shortcuts, search, #pos links, and polling
// for teammates' codings.
//
// Offsets are Unicode code points into the canonical text (what the server stores);
// DOM offsets are UTF-16 units. Each .turn-text holds exactly the text of its turn, and
// data-start is the code point offset of its first character. The text is one text node, or
// several when technique mentions are links inside it (explainers/marks.py): every conversion
// goes through the turn's list of text nodes, so a mention changes no offset.
// The speaker label between two turns is in the canonical text but in no turn: nothing
// is ever painted on it, and a coding across turns is drawn as one piece per turn.
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
  const tip = document.getElementById("bar-tip");
  const sheet = document.getElementById("shortcut-sheet");
  const supportsHighlights = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";
  const csrfToken = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

  // --- turns and offset conversion -----------------------------------------------------------
  // Where each text node of the reader starts, in UTF-16 units into its turn's text.
  const nodeStart = new WeakMap();

  function textNodes(el) {
    const nodes = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let unit = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.length) continue;
      nodes.push(node);
      nodeStart.set(node, unit);
      unit += node.data.length;
    }
    return nodes;
  }

  const turns = [...transcriptEl.querySelectorAll(".turn-text")].map((el, position) => {
    const text = el.textContent;
    const nodes = textNodes(el);
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
    const turnEl = el.closest(".turn");
    return {
      el,
      turnEl,
      position,
      index: Number(turnEl.dataset.index),
      barsEl: turnEl.querySelector(".turn-bars"),
      codesEl: turnEl.querySelector(".turn-codes"),
      start,
      end: start + length,
      unitIndex,
      text,
      nodes, // the text nodes in order (one unless mentions are marked); empty for an empty turn
    };
  });
  const turnOfElement = new Map();
  for (const turn of turns) {
    turnOfElement.set(turn.el, turn.position);
    turnOfElement.set(turn.turnEl, turn.position);
  }

  // The position of the turn holding `offset`, or of the first turn after it (labels between turns).
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

  // The DOM position (text node, offset) of UTF-16 unit `unit` of a turn's text. At the edge of two
  // nodes it is the start of the later one, so a range starting there does not begin in a mention
  // that ends there.
  function pointAt(turn, unit) {
    const nodes = turn.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (nodeStart.get(nodes[mid]) <= unit) lo = mid;
      else hi = mid - 1;
    }
    const node = nodes[lo];
    return [node, Math.min(unit - nodeStart.get(node), node.data.length)];
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

  // Each turn's part of [start, end): [{turn, start, end}] with start < end, in order.
  function pieces(start, end) {
    const found = [];
    if (!turns.length || end <= start) return found;
    for (let i = turnAt(start); i < turns.length && turns[i].start < end; i++) {
      const turn = turns[i];
      const s = Math.max(start, turn.start);
      const e = Math.min(end, turn.end);
      if (e > s && turn.nodes.length) found.push({ turn, start: s, end: e });
    }
    return found;
  }

  // DOM ranges of [start, end): one per turn, never over a speaker label or a button.
  function rangesFor(start, end) {
    return pieces(start, end).map((piece) => {
      const range = document.createRange();
      range.setStart(...pointAt(piece.turn, unitOf(piece.turn, piece.start)));
      range.setEnd(...pointAt(piece.turn, unitOf(piece.turn, piece.end)));
      return range;
    });
  }

  // The words of [start, end) as shown: the speech of each turn, one line per turn.
  function textOf(start, end) {
    return pieces(start, end)
      .map((p) => p.turn.text.slice(unitOf(p.turn, p.start), unitOf(p.turn, p.end)))
      .join("\n");
  }

  function shortText(start, end, max) {
    const text = textOf(start, end).replace(/\s+/g, " ").trim();
    return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
  }

  // [start, end) without the spaces (and gaps between turns) at its edges, or null if blank.
  function trimSpan(start, end) {
    const parts = pieces(start, end);
    let trimmedStart = null;
    for (const p of parts) {
      const data = p.turn.text;
      let unit = unitOf(p.turn, p.start);
      const stop = unitOf(p.turn, p.end);
      while (unit < stop && /\s/.test(data[unit])) unit++;
      if (unit < stop) {
        trimmedStart = codePointOf(p.turn, unit);
        break;
      }
    }
    if (trimmedStart === null) return null;
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i];
      const data = p.turn.text;
      const first = unitOf(p.turn, Math.max(p.start, trimmedStart));
      let unit = unitOf(p.turn, p.end);
      while (unit > first && /\s/.test(data[unit - 1])) unit--;
      if (unit > first) return { start: trimmedStart, end: codePointOf(p.turn, unit) };
    }
    return null;
  }

  // A DOM position (node, offset) → code point offset, or null outside the turns.
  function domToOffset(node, offset, preferEnd) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const textEl = el && el.closest(".turn-text");
    if (textEl) {
      const turn = turns[turnOfElement.get(textEl)];
      if (node.nodeType === Node.TEXT_NODE && nodeStart.has(node)) return codePointOf(turn, nodeStart.get(node) + offset);
      // A position between elements (around or inside a mention's link): count the text before it.
      const before = document.createRange();
      before.setStart(textEl, 0);
      before.setEnd(node, offset);
      return codePointOf(turn, before.toString().length);
    }
    // A position on a speaker label, a time or a bar snaps to the nearest speech: an end to the
    // speech before it, a start to the speech after it.
    const turnEl = el && el.closest(".turn");
    if (!turnEl || !turnOfElement.has(turnEl)) return null;
    const position = turnOfElement.get(turnEl);
    const turn = turns[position];
    const follows = (other) => Boolean(turn.el.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING);
    const child = node.nodeType === Node.TEXT_NODE ? null : node.childNodes[offset];
    let after;
    if (node.nodeType === Node.TEXT_NODE) after = follows(node);
    else if (child) after = child !== turn.el && !child.contains(turn.el) && follows(child);
    else after = node.contains(turn.el) || follows(node); // the end of an element
    if (after) return preferEnd ? turn.end : position + 1 < turns.length ? turns[position + 1].start : turn.end;
    return preferEnd && position > 0 ? turns[position - 1].end : turn.start;
  }

  // --- painting: highlights, margin bars, per-turn summaries ------------------------------------
  const styleSheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, styleSheet];

  function hexToRgba(hex, alpha) {
    const value = /^#[0-9a-f]{6}$/i.test(hex) ? hex : "#ffd166";
    const n = parseInt(value.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  // Codings of live codes in reading order (n/p, summaries).
  let ordered = [];

  function paint() {
    ordered = [...codings.values()]
      .filter((c) => codes.has(c.code))
      .sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1));
    const byCode = new Map();
    for (const coding of ordered) {
      if (!byCode.has(coding.code)) byCode.set(coding.code, []);
      byCode.get(coding.code).push(coding);
    }
    if (supportsHighlights) {
      for (const name of [...CSS.highlights.keys()]) if (name.startsWith("code-")) CSS.highlights.delete(name);
      const rules = [];
      for (const [codeId, list] of byCode) {
        const ranges = [];
        for (const c of list) ranges.push(...rangesFor(c.start, c.end));
        CSS.highlights.set(`code-${codeId}`, new Highlight(...ranges));
        rules.push(`::highlight(code-${codeId}) { background-color: ${hexToRgba(codes.get(codeId).colour, 0.38)}; }`);
      }
      styleSheet.replaceSync(rules.join("\n"));
    }
    updateSummaries(); // first: the summaries change the height of turns, which the bars measure
    drawBars();
    updateLegend(byCode);
  }

  // Margin bars: one per coding, in lanes; beside a crowded turn, bars beyond MAX_LANES collapse
  // into a "+k" button that shows them. Bars live in their turn (Tab order follows the text), are
  // buttons with the code's full name, and one bar per turn is in the Tab order (arrows move).
  const MAX_LANES = 4;
  const LANE = 16;
  const expandedTurns = new Set();
  let drawnWidth = null; // the transcript's width when the bars were measured
  let gutterSlots = MAX_LANES + 2; // lanes the gutter has room for ("+k" takes two)
  const rovingStop = new Map(); // turn position → key of the bar or group that takes Tab

  function barLabel(coding, code) {
    const coder = config.coders[coding.coder];
    const excerpt = shortText(coding.start, coding.end, 60);
    return `${code.name}: “${excerpt}”${coder ? ` (${coder})` : ""}${coding.review ? ", needs review" : ""}`;
  }

  // The gutter's width moves the text, so it is set before anything is measured: room for
  // MAX_LANES lanes and the "+k" button whenever there are codings, more for expanded groups.
  function gutterWidth(slots) {
    return 8 + slots * LANE;
  }

  function drawBars(pass = 0) {
    {
      const wanted = gutterWidth(ordered.length ? gutterSlots : 1);
      if (barsEl.style.width !== `${wanted}px`) barsEl.style.width = `${wanted}px`;
    }
    drawnWidth = transcriptEl.clientWidth;
    const box = transcriptEl.getBoundingClientRect();
    const originTop = box.top + transcriptEl.clientTop;
    const originLeft = box.left + transcriptEl.clientLeft;
    const gutter = barsEl.getBoundingClientRect().left - originLeft;
    const items = [];
    for (const coding of ordered) {
      const code = codes.get(coding.code);
      const ranges = rangesFor(coding.start, coding.end);
      if (!ranges.length) continue;
      const first = ranges[0].getBoundingClientRect();
      const last = ranges.length > 1 ? ranges[ranges.length - 1].getBoundingClientRect() : first;
      const top = first.top - originTop;
      const bottom = Math.max(last.bottom - originTop, top + 8);
      const turn = turnOfElement.get(ranges[0].startContainer.parentElement.closest(".turn-text"));
      items.push({ coding, code, top, bottom, turn });
    }
    items.sort((a, b) => a.top - b.top || b.bottom - a.bottom || a.coding.start - b.coding.start || a.coding.end - b.coding.end);
    // Greedy lanes: a bar goes in the first lane whose last bar ends above it.
    const laneEnds = [];
    const groups = new Map(); // turn position → items beyond MAX_LANES
    let widest = 0;
    for (const item of items) {
      let lane = 0;
      while (lane < laneEnds.length && laneEnds[lane] > item.top - 2) lane++;
      if (lane >= MAX_LANES) {
        if (!groups.has(item.turn)) groups.set(item.turn, []);
        groups.get(item.turn).push(item);
        if (!expandedTurns.has(item.turn)) {
          item.lane = -1; // collapsed: takes no lane
          continue;
        }
      }
      laneEnds[lane] = item.bottom;
      item.lane = lane;
      // Past the collapsed lanes comes the "+k" button (two lanes wide), then expanded bars.
      item.slot = lane < MAX_LANES ? lane : lane + 2;
      widest = Math.max(widest, item.slot + 1);
    }
    const needed = Math.max(MAX_LANES + 2, widest);
    if (needed !== gutterSlots && pass === 0) {
      // Expanded groups need a wider gutter (or no longer do), which re-wraps the text: measure again.
      gutterSlots = needed;
      drawBars(1);
      return;
    }

    // Keep keyboard focus on the same bar (or group) when bars are redrawn.
    const active = document.activeElement;
    const focusKey = active && transcriptEl.contains(active) ? barKey(active) : null;
    const perTurn = new Map();
    for (const item of items) {
      if (!perTurn.has(item.turn)) perTurn.set(item.turn, []);
      perTurn.get(item.turn).push(item);
    }
    for (const turn of turns) {
      const list = perTurn.get(turn.position);
      if (!list) {
        if (turn.barsEl.firstChild) turn.barsEl.replaceChildren();
        continue;
      }
      list.sort((a, b) => (a.lane === -1) - (b.lane === -1) || a.top - b.top || a.slot - b.slot);
      const fragment = document.createDocumentFragment();
      const stops = [];
      for (const item of list) {
        const bar = document.createElement("button");
        bar.type = "button";
        bar.className = item.coding.review ? "coding-bar review" : "coding-bar";
        bar.dataset.coding = item.coding.id;
        bar.tabIndex = -1;
        bar.setAttribute("aria-label", barLabel(item.coding, item.code));
        bar.setAttribute("aria-haspopup", "dialog");
        bar.style.background = item.code.colour;
        if (item.lane === -1) {
          bar.hidden = true;
        } else {
          bar.style.top = `${item.top}px`;
          bar.style.height = `${item.bottom - item.top}px`;
          bar.style.left = `${gutter + 4 + item.slot * LANE}px`;
          stops.push(bar);
        }
        fragment.appendChild(bar);
      }
      const grouped = groups.get(turn.position);
      if (grouped) {
        const expanded = expandedTurns.has(turn.position);
        const group = document.createElement("button");
        group.type = "button";
        group.className = "bar-group";
        group.dataset.turn = String(turn.position);
        group.tabIndex = -1;
        group.setAttribute("aria-expanded", String(expanded));
        const names = [...grouped].sort((a, b) => a.coding.start - b.coding.start || a.coding.end - b.coding.end).map((i) => i.code.name);
        group.textContent = expanded ? `−${grouped.length}` : `+${grouped.length}`;
        group.setAttribute(
          "aria-label",
          `${grouped.length} more coding${grouped.length === 1 ? "" : "s"}: ${names.join(", ")}`,
        );
        group.dataset.names = names.join(", ");
        group.style.top = `${Math.min(...grouped.map((i) => i.top))}px`;
        group.style.left = `${gutter + 4 + MAX_LANES * LANE}px`;
        fragment.appendChild(group);
        stops.push(group);
      }
      // One Tab stop per turn: the bar last used, else the first.
      const wanted = rovingStop.get(turn.position);
      const stop = stops.find((el) => barKey(el) === wanted) || stops[0];
      if (stop) stop.tabIndex = 0;
      turn.barsEl.replaceChildren(fragment);
    }
    if (focusKey && (document.activeElement === document.body || !document.activeElement)) {
      const again = findBarByKey(focusKey);
      if (again && !again.hidden) again.focus({ preventScroll: true });
    }
  }

  function barKey(el) {
    if (!el || !el.classList) return null;
    if (el.classList.contains("coding-bar")) return `bar:${el.dataset.coding}`;
    if (el.classList.contains("bar-group")) return `group:${el.dataset.turn}`;
    return null;
  }

  function findBarByKey(key) {
    const [kind, value] = key.split(":");
    return kind === "bar"
      ? transcriptEl.querySelector(`.coding-bar[data-coding="${CSS.escape(value)}"]`)
      : transcriptEl.querySelector(`.bar-group[data-turn="${CSS.escape(value)}"]`);
  }

  function barStops(turnBars) {
    return [...turnBars.querySelectorAll(".coding-bar:not([hidden]), .bar-group")];
  }

  function makeStop(el) {
    const container = el.closest(".turn-bars");
    for (const other of barStops(container)) other.tabIndex = other === el ? 0 : -1;
    rovingStop.set(turnOfElement.get(el.closest(".turn")), barKey(el));
  }

  // Each turn's codings as text: the accessible description of the turn, and a visible list.
  // The server draws the first ones (coding/selectors/reader.py, same markup and key), so the
  // first paint changes no turn's height; they are redrawn here when codings change.
  const summaryKeys = new Map();
  for (const turn of turns) if (turn.codesEl) summaryKeys.set(turn.position, turn.codesEl.dataset.key || "");
  const VISIBLE_SUMMARY = 6;
  // Keys hold code ids and counts; a renamed or recoloured code redraws every summary.
  const codesSignature = () => [...codes.values()].map((c) => `${c.id}:${c.name}:${c.colour}`).join("|");
  let summarySignature = codesSignature();

  function updateSummaries() {
    const signature = codesSignature();
    if (signature !== summarySignature) {
      summarySignature = signature;
      summaryKeys.clear();
    }
    const perTurn = turns.map(() => new Map());
    for (const coding of ordered) {
      for (const piece of pieces(coding.start, coding.end)) {
        const counts = perTurn[piece.turn.position];
        counts.set(coding.code, (counts.get(coding.code) || 0) + 1);
      }
    }
    for (const turn of turns) {
      if (!turn.codesEl) continue;
      const counts = perTurn[turn.position];
      const key = [...counts].map(([id, n]) => `${id}:${n}`).join("|");
      if (summaryKeys.get(turn.position) === key) continue;
      summaryKeys.set(turn.position, key);
      turn.codesEl.dataset.key = key;
      if (!counts.size) {
        turn.codesEl.replaceChildren();
        continue;
      }
      // Read out as one sentence (the turn's description); shown as a short coloured list. Plain
      // inline text keeps the layout of hundreds of turns cheap.
      const labels = [...counts].map(([id, n]) => (n > 1 ? `${codes.get(id).name} (${n})` : codes.get(id).name));
      const shown = document.createElement("span");
      shown.setAttribute("aria-hidden", "true");
      let i = 0;
      for (const [id] of counts) {
        if (i === VISIBLE_SUMMARY) break;
        const item = document.createElement("span");
        item.className = "tc";
        item.style.setProperty("--c", codes.get(id).colour);
        item.textContent = labels[i];
        shown.appendChild(item);
        i++;
      }
      if (counts.size > VISIBLE_SUMMARY) {
        const more = document.createElement("span");
        more.className = "tc more";
        more.textContent = `+${counts.size - VISIBLE_SUMMARY} more`;
        shown.appendChild(more);
      }
      const nodes = [hiddenText(`Coded: ${labels.join(", ")}`), shown];
      turn.codesEl.replaceChildren(...nodes);
    }
  }

  function hiddenText(text) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
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

  // Bars are measured against the text: draw them again when the transcript's width changes
  // (window, zoom, a scrollbar), which re-wraps every line.
  let resizeTimer = null;
  new ResizeObserver(() => {
    if (transcriptEl.clientWidth === drawnWidth) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => drawBars(), 100);
  }).observe(transcriptEl);

  // --- the tooltip of bars, and the coding they stand for ---------------------------------------
  function showTip(el) {
    tip.replaceChildren();
    if (el.classList.contains("bar-group")) {
      const strong = document.createElement("strong");
      strong.textContent = el.getAttribute("aria-label");
      const hint = document.createElement("div");
      hint.className = "tip-hint";
      hint.textContent = el.getAttribute("aria-expanded") === "true" ? "Enter hides them" : "Enter shows them";
      tip.append(strong, hint);
      markCoding(null);
    } else {
      const coding = codings.get(el.dataset.coding);
      const code = coding && codes.get(coding.code);
      if (!code) return;
      const head = codeHead(code);
      const meta = document.createElement("div");
      meta.className = "tip-hint";
      const coder = config.coders[coding.coder];
      meta.textContent = `${coder ? `${coder} · ` : ""}${coding.review ? "needs review · " : ""}Enter or click to open`;
      const excerpt = document.createElement("div");
      excerpt.className = "tip-excerpt";
      excerpt.textContent = `“${shortText(coding.start, coding.end, 90)}”`;
      tip.append(head, excerpt, meta);
      markCoding(coding);
    }
    tip.hidden = false;
    const r = el.getBoundingClientRect();
    const width = tip.offsetWidth;
    const height = tip.offsetHeight;
    const viewWidth = document.documentElement.clientWidth;
    let left = r.right + 8;
    let top = Math.max(r.top, 8);
    if (el.classList.contains("bar-group")) {
      // Below the button: beside it are the bars it shows.
      left = Math.min(r.left, viewWidth - width - 8);
      top = r.bottom + 6;
    } else if (left + width > viewWidth - 8) {
      left = Math.max(8, r.left - 8 - width);
    }
    top = Math.max(8, Math.min(top, window.innerHeight - height - 8));
    tip.style.left = `${window.scrollX + left}px`;
    tip.style.top = `${window.scrollY + top}px`;
  }

  function hideTip() {
    tip.hidden = true;
    markCoding(null);
  }

  // The text of the bar under the pointer or focus is underlined, to tell overlapping codings apart.
  function markCoding(coding) {
    if (!supportsHighlights) return;
    if (!coding) {
      CSS.highlights.delete("coding-focus");
      return;
    }
    const highlight = new Highlight(...rangesFor(coding.start, coding.end));
    highlight.priority = 1;
    CSS.highlights.set("coding-focus", highlight);
  }

  const barSelector = ".coding-bar, .bar-group";
  transcriptEl.addEventListener("mouseover", (event) => {
    const el = event.target.closest(barSelector);
    if (el) showTip(el);
  });
  transcriptEl.addEventListener("mouseout", (event) => {
    const el = event.target.closest(barSelector);
    if (!el || (event.relatedTarget && el.contains(event.relatedTarget))) return;
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(barSelector);
    if (focused && transcriptEl.contains(focused)) showTip(focused);
    else hideTip();
  });
  transcriptEl.addEventListener("focusin", (event) => {
    const el = event.target.closest(barSelector);
    if (el) {
      makeStop(el);
      showTip(el);
    }
  });
  transcriptEl.addEventListener("focusout", (event) => {
    if (event.target.closest(barSelector)) hideTip();
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

  // --- placing popovers: beside what they are about, never over it, inside the window ----------
  // `avoid` holds rectangles in page coordinates (they stay right when the page scrolls).
  function pageRects(rects) {
    return [...rects]
      .filter((r) => r.width || r.height)
      .map((r) => ({ left: r.left + window.scrollX, right: r.right + window.scrollX, top: r.top + window.scrollY, bottom: r.bottom + window.scrollY }));
  }

  // Returns the side chosen; passing it back keeps a popover there while it changes size.
  function place(el, avoid, side) {
    el.hidden = false;
    const width = el.offsetWidth;
    const height = el.offsetHeight;
    const viewWidth = document.documentElement.clientWidth;
    const viewHeight = window.innerHeight;
    const margin = 8;
    const gap = 6;
    const rects = avoid.map((r) => ({ left: r.left - window.scrollX, right: r.right - window.scrollX, top: r.top - window.scrollY, bottom: r.bottom - window.scrollY }));
    const union = rects.length
      ? rects.reduce((u, r) => ({ left: Math.min(u.left, r.left), right: Math.max(u.right, r.right), top: Math.min(u.top, r.top), bottom: Math.max(u.bottom, r.bottom) }))
      : { left: margin, right: margin, top: margin, bottom: margin };
    const clampX = (x) => Math.max(margin, Math.min(x, viewWidth - width - margin));
    const clampY = (y) => Math.max(margin, Math.min(y, viewHeight - height - margin));
    const candidates = [
      { side: "below", left: clampX(union.left), top: union.bottom + gap },
      { side: "above", left: clampX(union.left), top: union.top - gap - height },
      { side: "right", left: union.right + gap * 2, top: clampY(union.top) },
      { side: "left", left: union.left - gap * 2 - width, top: clampY(union.top) },
    ];
    const fits = (c) => c.left >= margin && c.top >= margin && c.left + width <= viewWidth - margin && c.top + height <= viewHeight - margin;
    const overlaps = (c) => rects.some((r) => c.left < r.right && r.left < c.left + width && c.top < r.bottom && r.top < c.top + height);
    const good = (c) => fits(c) && !overlaps(c);
    let chosen = candidates.find((c) => c.side === side && good(c)) || candidates.find(good);
    if (!chosen) {
      // The subject is taller than the window: the corner of the window that covers least of it.
      const corners = [
        { left: viewWidth - width - margin, top: viewHeight - height - margin },
        { left: viewWidth - width - margin, top: margin },
        { left: margin, top: viewHeight - height - margin },
      ];
      chosen = corners.find((c) => !overlaps(c)) || { left: clampX(union.left), top: clampY(union.bottom + gap) };
    }
    el.style.left = `${window.scrollX + chosen.left}px`;
    el.style.top = `${window.scrollY + chosen.top}px`;
    return chosen.side;
  }

  function restoreFocus(opener, fallback) {
    const target = opener && opener.isConnected && !opener.hidden ? opener : fallback;
    if (target && target.isConnected) target.focus({ preventScroll: true });
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
  let pickerAvoid = [];
  let pickerSide;
  let pickerOpener = null;
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
    if (!popover.hidden) pickerSide = place(popover, pickerAvoid, pickerSide);
  }

  // Open the picker for `target`, beside `rects` (client rectangles of what is being coded).
  function openPicker(target, rects, opener) {
    if (!config.canCode) return;
    closePanel(false);
    hideTip();
    pending = target;
    pickerAvoid = pageRects(rects);
    pickerSide = undefined;
    pickerOpener = opener || document.activeElement;
    filterInput.value = "";
    active = 0;
    popover.hidden = false;
    renderOptions();
    filterInput.focus({ preventScroll: true });
  }

  function closePicker(restore) {
    if (popover.hidden) return;
    popover.hidden = true;
    const target = pending;
    pending = null;
    if (restore) restoreFocus(pickerOpener, target && target.turn === undefined ? turns[turnAt(target.start)].el : null);
    pickerOpener = null;
  }

  async function choose(index) {
    const option = options[index];
    if (!option || !pending) return;
    const target = pending;
    closePicker(true);
    const body = option.create ? { new_code: option.create } : { code: option.code.uuid };
    // A whole turn also sends the range this page shows for it: if the turns were split or joined
    // since the page was opened, the server refuses instead of coding another turn.
    if (target.turn !== undefined) Object.assign(body, { turn: target.turn, start: target.start, end: target.end });
    else Object.assign(body, { start: target.start, end: target.end, text: target.text });
    window.getSelection().removeAllRanges();
    try {
      const data = await post(config.applyUrl, body);
      codes.set(data.code.id, data.code);
      // Your codings of this code that the new one overlaps or touches were joined into it.
      for (const id of data.joined || []) {
        codings.delete(id);
        moveMemos(id, data.coding.id);
      }
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
      event.preventDefault();
      closePicker(true);
    } else if (/^[1-9]$/.test(event.key) && !filterInput.value) {
      const recent = recentCodes();
      const id = recent[Number(event.key) - 1];
      if (id !== undefined) {
        event.preventDefault();
        choose(options.findIndex((o) => o.code && o.code.id === id));
      }
    }
  });
  filterInput.addEventListener("blur", () =>
    setTimeout(() => {
      if (!popover.contains(document.activeElement)) closePicker(false);
    }, 150),
  );

  function selectionTarget() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!transcriptEl.contains(range.commonAncestorContainer)) return null;
    const start = domToOffset(range.startContainer, range.startOffset, false);
    const end = domToOffset(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) return null;
    // Spaces at the edges of a selection, and labels at its ends, are never meant to be coded.
    const span = trimSpan(start, end);
    if (!span) return null;
    const parts = pieces(span.start, span.end);
    // Within one turn the server double-checks the words; across turns only the offsets are sent.
    const oneTurn = parts.length === 1;
    const rects = [];
    for (const r of rangesFor(span.start, span.end)) rects.push(...r.getClientRects());
    return { target: { start: span.start, end: span.end, text: oneTurn ? textOf(span.start, span.end) : null }, rects };
  }

  function maybeOpenFromSelection() {
    const found = selectionTarget();
    if (found) openPicker(found.target, found.rects);
    return Boolean(found);
  }

  function openTurnPicker(position, opener) {
    const turn = turns[position];
    openPicker({ turn: turn.index, start: turn.start, end: turn.end }, [turn.el.getBoundingClientRect()], opener);
  }

  if (config.canCode) {
    transcriptEl.addEventListener("mouseup", (event) => {
      if (event.target.closest(barSelector)) return;
      setTimeout(maybeOpenFromSelection, 0);
    });
    // Keyboard selection: in a turn, Shift+→/← selects by character (Ctrl/Alt+Shift by word),
    // Enter opens the code picker. Selection.modify moves the browser's own selection.
    transcriptEl.addEventListener("keydown", (event) => {
      const textEl = event.target instanceof HTMLElement ? event.target.closest(".turn-text") : null;
      if (!textEl) return;
      if (event.key === "Enter" && event.target.closest("a.mention[href]")) return; // follows the link
      const selection = window.getSelection();
      if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
        const forward = event.key === "ArrowRight";
        if (!selection.rangeCount || !textEl.contains(selection.anchorNode)) {
          const turn = turns[turnOfElement.get(textEl)];
          if (!turn.nodes.length) return;
          selection.collapse(...pointAt(turn, forward ? 0 : turn.text.length));
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
      openTurnPicker(turnOfElement.get(button.closest(".turn")), button);
    });
  }

  // --- the codings panel (click a highlight, or a bar, or Enter on a bar) -------------------------
  let panelOpener = null;
  let panelFallback = null;

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

  function openPanel(list, rects, opener) {
    closePicker(false);
    hideTip();
    panelOpener = opener || document.activeElement;
    panelFallback = turns[turnAt(list[0].start)].el;
    panelList.replaceChildren(...list.map(panelItem));
    place(panel, pageRects(rects));
    (panelList.querySelector("button, select, a[href]") || document.getElementById("panel-close")).focus({ preventScroll: true });
  }

  function closePanel(restore) {
    if (panel.hidden) return;
    panel.hidden = true;
    for (const bar of transcriptEl.querySelectorAll(".coding-bar.active")) bar.classList.remove("active");
    if (restore) restoreFocus(panelOpener, panelFallback);
    panelOpener = null;
  }

  // Memos on codings come rendered in the memo card (Markdown made safe by the server); the panel
  // shows copies of them.
  function memoArticles(codingId) {
    return [...document.querySelectorAll(`.memos .coding-memo[data-coding="${CSS.escape(codingId)}"]`)];
  }

  // Memos follow a coding to the one that replaced it (recode, new span, join).
  function moveMemos(oldId, newId) {
    for (const article of memoArticles(oldId)) article.dataset.coding = newId;
  }

  // A code's colour swatch and name (as text), in a <div>: the tooltip's and the panel's heading.
  function codeHead(code) {
    const head = document.createElement("div");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = code.colour;
    const name = document.createElement("strong");
    name.textContent = code.name;
    head.append(swatch, name);
    return head;
  }

  function panelItem(coding) {
    const code = codes.get(coding.code);
    const li = document.createElement("li");
    const head = codeHead(code);
    const meta = document.createElement("span");
    meta.className = "muted";
    const when = new Date(coding.at);
    meta.textContent = ` · ${config.coders[coding.coder] || "someone"} · ${when.toLocaleString()}${coding.review ? " · needs review" : ""}`;
    head.append(meta);
    const excerpt = document.createElement("div");
    excerpt.className = "excerpt";
    excerpt.textContent = textOf(coding.start, coding.end);
    li.append(head, excerpt);
    const memos = memoArticles(coding.id);
    if (memos.length) {
      const box = document.createElement("div");
      box.className = "panel-memos";
      for (const article of memos) {
        const copy = article.cloneNode(true);
        copy.removeAttribute("id");
        copy.querySelector(".quote")?.remove();
        box.appendChild(copy);
      }
      li.appendChild(box);
    }
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
        const data = await post(config.codingUrl.replace(ZERO_UUID, coding.id), body);
        codings.delete(data.replaced);
        moveMemos(data.replaced, data.coding.id);
        for (const id of data.joined || []) {
          codings.delete(id);
          moveMemos(id, data.coding.id);
        }
        codes.set(data.code.id, data.code);
        codings.set(data.coding.id, data.coding);
        closePanel(false);
        paint();
        say(message);
        focusCoding(data.coding.id);
      } catch (error) {
        say(error.message, true);
      }
    };
    button("◂ start", "Extend the start by one character", () => change({ start: coding.start - 1 }, "Span changed."));
    button("start ▸", "Shrink the start by one character", () => change({ start: coding.start + 1 }, "Span changed."));
    button("◂ end", "Shrink the end by one character", () => change({ end: coding.end - 1 }, "Span changed."));
    button("end ▸", "Extend the end by one character", () => change({ end: coding.end + 1 }, "Span changed."));
    button("Turn", "Extend to the whole turn", () => {
      const parts = pieces(coding.start, coding.end);
      const first = parts.length ? parts[0].turn : turns[turnAt(coding.start)];
      const last = parts.length ? parts[parts.length - 1].turn : first;
      change({ start: first.start, end: last.end }, "Span extended to the turn.");
    });
    const select = document.createElement("select");
    select.setAttribute("aria-label", "Change code");
    select.appendChild(new Option("Recode as…", ""));
    for (const code of [...codes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (code.id !== coding.code) select.appendChild(new Option(code.name, code.uuid));
    }
    select.addEventListener("change", () => {
      if (select.value) change({ code: select.value }, "Recoded.");
    });
    actions.appendChild(select);
    const memo = document.createElement("a");
    const back = `${window.location.pathname}#pos-${coding.start}-${coding.end}`;
    memo.href = `${config.memoUrl}?target=coding&uuid=${encodeURIComponent(coding.id)}&next=${encodeURIComponent(back)}`;
    memo.textContent = "Memo";
    memo.title = "Write a memo on this coding";
    memo.className = "button";
    actions.appendChild(memo);
    button("Remove", "Remove this coding", async () => {
      try {
        await post(config.removeUrl.replace(ZERO_UUID, coding.id), {});
        codings.delete(coding.id);
        paint();
        closePanel(true); // back to the opener, or to the turn when its bar is gone
        say("Coding removed.");
      } catch (error) {
        say(error.message, true);
      }
    }).classList.add("danger");
    return actions;
  }

  function openBar(bar) {
    const coding = codings.get(bar.dataset.coding);
    if (!coding) return;
    bar.classList.add("active");
    const ranges = rangesFor(coding.start, coding.end);
    // Beside the bar and the coding's first line, so the panel does not hide the words.
    const firstLine = ranges.length ? [...ranges[0].getClientRects()].slice(0, 1) : [];
    const barRect = bar.getBoundingClientRect();
    const top = Math.max(barRect.top, 0);
    openPanel([coding], [...firstLine, { left: barRect.left, right: barRect.right, top, bottom: Math.min(barRect.bottom, top + 24), width: 1, height: 1 }], bar);
  }

  function toggleGroup(group) {
    const position = Number(group.dataset.turn);
    if (expandedTurns.has(position)) expandedTurns.delete(position);
    else expandedTurns.add(position);
    rovingStop.set(position, barKey(group));
    group.focus({ preventScroll: true }); // drawBars puts focus back on the new button
    drawBars();
    const again = findBarByKey(`group:${position}`);
    if (again) {
      again.focus({ preventScroll: true });
      showTip(again);
    }
  }

  transcriptEl.addEventListener("click", (event) => {
    if (event.target.closest(".code-turn")) return;
    const group = event.target.closest(".bar-group");
    if (group) {
      toggleGroup(group);
      return;
    }
    const bar = event.target.closest(".coding-bar");
    if (bar) {
      openBar(bar);
      return;
    }
    if (!event.target.closest(".turn-text") || event.target.closest("a.mention[href]")) return;
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
    const offset = caretOffset(event.clientX, event.clientY);
    if (offset === null) return;
    const here = ordered.filter((c) => c.start <= offset && offset < c.end);
    if (here.length) openPanel(here, [{ left: event.clientX - 2, right: event.clientX + 2, top: event.clientY - 12, bottom: event.clientY + 12, width: 4, height: 24 }], event.target.closest(".turn-text"));
    else closePanel(false);
  });

  // Arrow keys move between the bars of one turn (one Tab stop per turn).
  transcriptEl.addEventListener("keydown", (event) => {
    const el = event.target instanceof Element ? event.target.closest(barSelector) : null;
    if (!el || event.altKey || event.ctrlKey || event.metaKey) return;
    const stops = barStops(el.closest(".turn-bars"));
    const at = stops.indexOf(el);
    let next = null;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") next = stops[Math.min(at + 1, stops.length - 1)];
    else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = stops[Math.max(at - 1, 0)];
    else if (event.key === "Home") next = stops[0];
    else if (event.key === "End") next = stops[stops.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
  });
  document.getElementById("panel-close").addEventListener("click", () => closePanel(true));

  // --- keyboard shortcuts ----------------------------------------------------------------------
  // Single keys that neither browsers nor screen readers (in focus mode) use; never while typing.
  function isTyping(target) {
    return target instanceof Element && Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  // The turn that holds the focus or the selection, else null.
  function currentTurn() {
    const focused = document.activeElement;
    const turnEl = focused && focused.closest && focused.closest(".turn");
    if (turnEl && turnOfElement.has(turnEl)) return turnOfElement.get(turnEl);
    const selection = window.getSelection();
    if (selection && selection.rangeCount && selection.anchorNode) {
      const node = selection.anchorNode;
      const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
      const selTurn = el && el.closest && el.closest(".turn");
      if (selTurn && turnOfElement.has(selTurn)) return turnOfElement.get(selTurn);
    }
    return null;
  }

  // The first turn whose bottom is inside the window.
  function firstVisibleTurn() {
    let lo = 0;
    let hi = turns.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (turns[mid].turnEl.getBoundingClientRect().bottom <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function focusTurn(position, caretAt) {
    const turn = turns[position];
    if (!turn) return;
    turn.el.focus({ preventScroll: true });
    // A caret at the start (or at `caretAt`): Shift+→ selects from there, c codes the turn.
    const selection = window.getSelection();
    if (turn.nodes.length) selection.collapse(...pointAt(turn, caretAt === undefined ? 0 : unitOf(turn, caretAt)));
    else selection.removeAllRanges();
    const r = turn.el.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 40) turn.el.scrollIntoView({ block: r.height > window.innerHeight ? "start" : "nearest" });
  }

  function moveTurn(step) {
    if (!turns.length) return;
    const now = currentTurn();
    const target = now === null ? firstVisibleTurn() : Math.max(0, Math.min(turns.length - 1, now + step));
    if (now !== null && target === now) say(step > 0 ? "This is the last turn." : "This is the first turn.");
    focusTurn(target);
  }

  function focusCoding(id) {
    const coding = codings.get(id);
    if (!coding) return;
    let bar = transcriptEl.querySelector(`.coding-bar[data-coding="${CSS.escape(id)}"]`);
    if (bar && bar.hidden) {
      expandedTurns.add(turnOfElement.get(bar.closest(".turn")));
      drawBars();
      bar = transcriptEl.querySelector(`.coding-bar[data-coding="${CSS.escape(id)}"]`);
    }
    if (!bar) return;
    bar.focus({ preventScroll: true });
    const ranges = rangesFor(coding.start, coding.end);
    const r = (ranges[0] || bar).getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) window.scrollBy(0, r.top - window.innerHeight / 3);
    showTip(bar);
  }

  function moveCoding(step) {
    if (!ordered.length) {
      say("No codings in this document.");
      return;
    }
    const focused = document.activeElement;
    let index;
    if (focused && focused.classList && focused.classList.contains("coding-bar") && codings.has(focused.dataset.coding)) {
      index = ordered.findIndex((c) => c.id === focused.dataset.coding) + step;
    } else {
      const now = currentTurn();
      const from = turns[now === null ? firstVisibleTurn() : now].start;
      index = step > 0 ? ordered.findIndex((c) => c.start >= from) : ordered.findLastIndex((c) => c.start < from);
    }
    if (index < 0 || index >= ordered.length) {
      say(step > 0 ? "No later coding." : "No earlier coding.");
      return;
    }
    focusCoding(ordered[index].id);
  }

  function codeHere() {
    if (!config.canCode) return;
    if (maybeOpenFromSelection()) return;
    const now = currentTurn();
    if (now === null) {
      say("Go to a turn first: t, then j or k.");
      return;
    }
    openTurnPicker(now, document.activeElement);
  }

  let sheetOpener = null;
  function openSheet() {
    if (sheet.open) return;
    closePicker(false);
    closePanel(false);
    hideTip();
    sheetOpener = document.activeElement;
    sheet.showModal();
    document.getElementById("shortcut-close").focus();
  }
  // Closed here, not in the dialog's own (asynchronous) close event, so that a key pressed right
  // after Escape already acts where the focus went back to.
  function closeSheet() {
    if (sheet.open) sheet.close();
    const opener = sheetOpener;
    sheetOpener = null;
    if (opener) restoreFocus(opener, null);
  }
  sheet.addEventListener("cancel", (event) => {
    event.preventDefault();
    closeSheet();
  });
  sheet.addEventListener("close", () => {
    if (sheetOpener) closeSheet();
  });
  document.getElementById("shortcut-close").addEventListener("click", closeSheet);
  document.getElementById("shortcuts-button").addEventListener("click", openSheet);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (sheet.open) return; // the dialog closes itself
      // Typing in a field outside the panel and the picker (the document search, say): close them
      // but leave the focus where the person is typing.
      const elsewhere = isTyping(event.target) && !panel.contains(event.target) && !popover.contains(event.target);
      if (!panel.hidden) closePanel(!elsewhere);
      else if (!popover.hidden) closePicker(!elsewhere);
      hideTip();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || sheet.open) return;
    if (isTyping(event.target)) return;
    switch (event.key) {
      case "?":
        openSheet();
        break;
      case "t": {
        const now = currentTurn();
        focusTurn(now === null ? firstVisibleTurn() : now);
        break;
      }
      case "j":
        moveTurn(1);
        break;
      case "k":
        moveTurn(-1);
        break;
      case "n":
        moveCoding(1);
        break;
      case "p":
        moveCoding(-1);
        break;
      case "c":
        if (!config.canCode) return;
        codeHere();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.getElementById("skip-to-text")?.addEventListener("click", (event) => {
    if (!turns.length) return;
    event.preventDefault();
    focusTurn(firstVisibleTurn());
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
        if (!turn.nodes.length) continue;
        const haystack = turn.el.textContent.toLocaleLowerCase();
        // Lower-casing can change lengths for a few characters; fall back to exact matching then.
        const exact = haystack.length !== turn.el.textContent.length;
        const source = exact ? turn.el.textContent : haystack;
        const target = exact ? query : needle;
        let at = source.indexOf(target);
        while (at !== -1 && matches.length < 5000) {
          const range = document.createRange();
          range.setStart(...pointAt(turn, at));
          range.setEnd(...pointAt(turn, at + target.length));
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

  // --- #pos-START-END links (retrieval, memos): scroll there, flash it, focus it ------------------
  let flashTimer = null;
  let flashedTurn = null;
  function showPosition() {
    const match = /^#pos-(\d+)(?:-(\d+))?$/.exec(window.location.hash);
    if (!match || !turns.length) return;
    const last = turns[turns.length - 1].end;
    const start = Math.min(Number(match[1]), last);
    const end = Math.min(Math.max(match[2] ? Number(match[2]) : start + 1, start + 1), Math.max(last, start + 1));
    const parts = pieces(start, end);
    const turn = parts.length ? parts[0].turn : turns[turnAt(start)];
    closePicker(false);
    closePanel(false);
    focusTurn(turn.position, Math.max(start, turn.start));
    const ranges = rangesFor(start, end);
    const r = (ranges[0] || turn.el).getBoundingClientRect();
    window.scrollBy(0, r.top - window.innerHeight / 3);
    if (flashedTurn) flashedTurn.classList.remove("flash");
    flashedTurn = turn.turnEl;
    flashedTurn.classList.add("flash");
    if (supportsHighlights && ranges.length) CSS.highlights.set("flash", new Highlight(...ranges));
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      if (flashedTurn) flashedTurn.classList.remove("flash");
      flashedTurn = null;
      if (supportsHighlights) CSS.highlights.delete("flash");
    }, 2500);
  }
  window.addEventListener("hashchange", showPosition);
  // A link to the position the page is already at shows it again.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#pos-"]');
    if (link && link.getAttribute("href") === window.location.hash) {
      event.preventDefault();
      showPosition();
    }
  });

  // --- technique mentions: links inside the text (explainers/marks.py) -------------------------
  // A click on a mention follows it, unless the mouse went down and up on it to select words
  // (a drag inside the link, or a selection that ends on it): then it is text being selected for
  // coding, as anywhere else in the turn. "Show technique mentions" turns them into plain text:
  // the links lose their href (so no Tab stop, no click), the text nodes stay as they are.
  const mentionLinks = [...transcriptEl.querySelectorAll("a.mention")];
  const mentionToggle = document.getElementById("show-mentions");
  const mentionKey = "thematica:mentions";

  // Chromium starts no text selection on a link, and a drag that begins on a selection drags the
  // words away: a press on a mention is taken over here, and the selection drawn from where it went
  // down to the pointer, inside the link or beyond it, as the browser does anywhere else.
  let mentionDrag = null;

  function caretPoint(x, y) {
    if (document.caretPositionFromPoint) {
      const pos = document.caretPositionFromPoint(x, y);
      return pos ? [pos.offsetNode, pos.offset] : null;
    }
    const range = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
    return range ? [range.startContainer, range.startOffset] : null;
  }

  transcriptEl.addEventListener("mousedown", (event) => {
    const link = event.target.closest && event.target.closest("a.mention[href]");
    if (!link || event.button !== 0 || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    const at = caretPoint(event.clientX, event.clientY);
    if (!at) return;
    event.preventDefault(); // no link drag, no focus on the link; a plain click still follows it
    window.getSelection().collapse(at[0], at[1]);
    mentionDrag = { at, x: event.clientX, y: event.clientY, moved: false };
  });
  document.addEventListener("mousemove", (event) => {
    if (!mentionDrag) return;
    if (!(event.buttons & 1)) {
      mentionDrag = null;
      return;
    }
    if (!mentionDrag.moved && Math.abs(event.clientX - mentionDrag.x) + Math.abs(event.clientY - mentionDrag.y) < 4) return;
    const to = caretPoint(event.clientX, event.clientY);
    if (!to || !transcriptEl.contains(to[0])) return;
    mentionDrag.moved = true;
    window.getSelection().setBaseAndExtent(mentionDrag.at[0], mentionDrag.at[1], to[0], to[1]);
  });
  document.addEventListener("mouseup", () => {
    mentionDrag = null;
  });

  transcriptEl.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest && event.target.closest("a.mention[href]");
      if (!link) return;
      const selection = window.getSelection();
      if (selection && !selection.isCollapsed && transcriptEl.contains(selection.anchorNode)) event.preventDefault();
    },
    true,
  );

  function showMentions(on) {
    transcriptEl.classList.toggle("hide-mentions", !on);
    for (const link of mentionLinks) {
      if (on && link.dataset.href !== undefined) {
        link.setAttribute("href", link.dataset.href);
        link.setAttribute("title", link.dataset.title || "");
        delete link.dataset.href;
      } else if (!on && link.hasAttribute("href")) {
        link.dataset.href = link.getAttribute("href");
        link.dataset.title = link.getAttribute("title") || "";
        link.removeAttribute("href");
        link.removeAttribute("title");
      }
    }
  }

  if (mentionToggle) {
    let stored = null;
    try {
      stored = localStorage.getItem(mentionKey);
    } catch (error) {
      /* private mode: shown by default */
    }
    if (stored === "off") {
      mentionToggle.checked = false;
      showMentions(false);
    }
    mentionToggle.addEventListener("change", () => {
      showMentions(mentionToggle.checked);
      try {
        localStorage.setItem(mentionKey, mentionToggle.checked ? "on" : "off");
      } catch (error) {
        /* private mode: the choice lasts for this page */
      }
    });
  }

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
