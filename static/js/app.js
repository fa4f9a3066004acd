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
