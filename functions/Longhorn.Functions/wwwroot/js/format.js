// Small shared renderers: sizes, times, escaping, error messages next to an action.

const units = ["B", "KiB", "MiB", "GiB", "TiB"];

export function bytes(n) {
  let value = Number(n) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function time(text) {
  if (!text) return "";
  const date = new Date(text);
  return isNaN(date) ? text : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** Writes what went wrong into the message element beside the action (role=alert, so a screen reader says it). */
export function fail(element, what, error) {
  mark(element, "error");
  element.textContent = `${what} failed: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`;
}

/** A failed refresh: said like a failed action, and cleared by the next refresh that loads (see loaded). */
export function loadFailed(element, what, error) {
  fail(element, what, error);
  element.dataset.load = "failed";
}

export function loaded(element) {
  if (element?.dataset.load !== "failed") return;
  delete element.dataset.load;
  clear(element);
}

export function done(element, text) {
  mark(element, "ok");
  element.textContent = text;
}

export function clear(element) {
  mark(element, null);
  element.textContent = "";
}

function mark(element, kind) {
  element.classList.remove("error", "ok");
  if (kind) element.classList.add(kind);
}

/** A progress bar a screen reader announces with its value. */
export function progress(value, label) {
  const v = Math.max(0, Math.min(100, Number(value) || 0));
  return `<div class="progress" role="progressbar" aria-label="${escape(label)}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${v}">` +
    `<div class="bar" style="width:${v}%"></div><span>${v} %</span></div>`;
}

export function stateBadge(state) {
  const s = state || "Pending";
  const kind = /error|fail|unavailable/i.test(s) ? "bad" : /complete|ready|available/i.test(s) ? "good" : "busy";
  return `<span class="state ${kind}">${escape(s)}</span>`;
}
