// Replaces a region's markup only when it changed, keeping keyboard focus on the same control.

export function update(region, html) {
  if (region.dataset.html === html) return;
  const focused = region.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  region.innerHTML = html;
  region.dataset.html = html;
  if (focused) region.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
}

/** Runs an async action from a button, disabling it meanwhile; a keyboard user's focus comes back to it. */
export async function busy(button, action) {
  const focused = document.activeElement === button;
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
    if (focused && button.isConnected && document.activeElement === document.body) button.focus();
  }
}

/** Asks the shown page to refresh now (after an action) instead of at its next poll. */
export function refreshSoon() {
  document.dispatchEvent(new Event("refreshpage"));
}
