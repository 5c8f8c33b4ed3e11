// The page's shell: navigation by URL hash, one page at a time, refreshed by polling while it is shown.

import { setFunctionKey, functionKey } from "./api.js";
import * as backup from "./backup.js";
import * as target from "./target.js";
import * as recurring from "./recurring.js";
import * as system from "./system.js";
import * as volumes from "./volumes.js";

const pages = { backup, target, recurring, system, volumes };
const main = document.getElementById("main");
let current = null;
let timer = null;
let inFlight = false;
let again = false;

function route() {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, "") || "backup").split("/");
  return { page: pages[name] ? name : "backup", params: rest.map(decodeURIComponent) };
}

function show() {
  const { page, params } = route();
  const module = pages[page];
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${module.title(params)} · Longhorn`;
  // Each page gets an element of its own: a refresh of the page left behind, still awaiting its requests, then
  // updates that detached element instead of finding the new page's markup where its own was.
  const root = document.createElement("div");
  main.replaceChildren(root);
  current = { module, params, root };
  module.render(root, params);
  main.querySelector("h1")?.focus();
  tick();
}

// One refresh at a time: a request while one runs (an action, a page change) runs right after it.
async function tick() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  clearTimeout(timer);
  const shown = current;
  let busy = false;
  try {
    busy = await shown.module.refresh(shown.root, shown.params);
  } catch (e) {
    // A page shows its own load errors beside its content; this only keeps the loop alive.
    console.error(e);
  }
  inFlight = false;
  if (again || shown !== current) {
    again = false;
    tick();
    return;
  }
  timer = setTimeout(tick, busy ? 250 : 1500);
}

// An action asks for a refresh now instead of at the next poll.
document.addEventListener("refreshpage", () => {
  tick();
});

document.addEventListener("functionkeyneeded", () => {
  document.getElementById("key-form").hidden = false;
});
document.getElementById("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setFunctionKey(document.getElementById("key").value.trim());
  document.getElementById("key-form").hidden = !functionKey();
  document.dispatchEvent(new Event("refreshpage"));
});
if (functionKey()) document.getElementById("key-form").hidden = false;
// The skip link focuses the content without touching the hash, which names the page.
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", show);
show();
