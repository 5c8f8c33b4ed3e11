// Backup target: URL, credential secret, availability and its error, last sync; sync now; edit URL and secret.

import { list, post, put } from "./api.js";
import { time, escape, fail, done, stateBadge, loadFailed, loaded } from "./format.js";
import { update, busy, refreshSoon } from "./region.js";

export const title = () => "Backup target";

export function render(root) {
  root.innerHTML = `
    <h1 tabindex="-1">Backup target</h1>
    <p class="lead">Where backups are stored: an NFS export (<code>nfs://host:/path</code>), an S3 bucket
      (<code>s3://bucket@region/path/</code>, with a credential secret), CIFS, or a local directory (<code>vfs:///dir</code>).</p>
    <div id="targets"></div>
    <p id="targets-message" class="message" role="alert"></p>`;
}

function section(root, target) {
  const id = `target-${target.name}`;
  let element = root.querySelector(`section[data-target="${CSS.escape(target.name)}"]`);
  if (element) return element;
  element = document.createElement("section");
  element.dataset.target = target.name;
  element.setAttribute("aria-labelledby", `${id}-title`);
  element.innerHTML = `
    <h2 id="${id}-title">Target ${escape(target.name)}</h2>
    <div class="status" role="status" aria-live="polite"></div>
    <p class="actions">
      <button type="button" class="sync">Sync now</button>
      <span class="message sync-message" role="alert"></span>
    </p>
    <form class="edit">
      <h3>Edit</h3>
      <label for="${id}-url">Backup target URL</label>
      <input id="${id}-url" name="url" required autocomplete="off" spellcheck="false">
      <label for="${id}-secret">Credential secret</label>
      <input id="${id}-secret" name="secret" autocomplete="off" spellcheck="false" aria-describedby="${id}-secret-hint">
      <p id="${id}-secret-hint" class="hint">The name of a secret with the store's keys (for S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINTS); empty for NFS.</p>
      <label for="${id}-poll">Poll interval (seconds, 0 never)</label>
      <input id="${id}-poll" name="poll" type="number" min="0" step="1">
      <div class="actions"><button type="submit">Save</button><span class="message save-message" role="alert"></span></div>
    </form>`;
  const form = element.querySelector("form");
  form.url.value = target.backupTargetURL;
  form.secret.value = target.credentialSecret;
  form.poll.value = target.pollInterval;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const message = element.querySelector(".save-message");
    busy(form.querySelector("button"), async () => {
      try {
        await put(`backuptargets/${encodeURIComponent(target.name)}`, {
          backupTargetURL: form.url.value.trim(), credentialSecret: form.secret.value.trim(), pollInterval: Number(form.poll.value || 0),
        });
        done(message, "Saved; the target is checked again.");
        refreshSoon();
      } catch (error) {
        fail(message, "Saving the target", error);
      }
    });
  });
  const sync = element.querySelector(".sync");
  sync.addEventListener("click", () => busy(sync, async () => {
    const message = element.querySelector(".sync-message");
    try {
      await post(`backuptargets/${encodeURIComponent(target.name)}/sync`);
      done(message, "Sync requested.");
      refreshSoon();
    } catch (error) {
      fail(message, "Sync", error);
    }
  }));
  root.querySelector("#targets").append(element);
  return element;
}

export async function refresh(root) {
  let targets;
  try {
    targets = await list("backuptargets");
  } catch (error) {
    loadFailed(root.querySelector("#targets-message"), "Loading the backup targets", error);
    return false;
  }
  loaded(root.querySelector("#targets-message"));
  if (targets.length === 0) update(root.querySelector("#targets"), `<p class="empty">No backup target is set.</p>`);
  for (const target of targets) {
    const element = section(root, target);
    const syncing = target.syncRequestedAt && (!target.lastSyncedAt || target.lastSyncedAt < target.syncRequestedAt);
    update(element.querySelector(".status"), `
      <dl class="facts">
        <dt>URL</dt><dd class="url">${escape(target.backupTargetURL) || "<em>not set</em>"}</dd>
        <dt>Credential secret</dt><dd>${escape(target.credentialSecret) || "<em>none</em>"}</dd>
        <dt>Availability</dt><dd class="availability">${stateBadge(target.available ? "Available" : "Unavailable")}</dd>
        <dt>Last sync</dt><dd>${time(target.lastSyncedAt) || "never"}${syncing ? " (syncing…)" : ""}</dd>
        <dt>Poll interval</dt><dd>${target.pollInterval ? `${target.pollInterval} s` : "never"}</dd>
      </dl>
      ${target.available ? "" : `<p class="message error unavailable">The backup target is not available${target.message ? `: ${escape(target.message)}` : "."}</p>`}`);
  }
  return targets.some((t) => t.syncRequestedAt && (!t.lastSyncedAt || t.lastSyncedAt < t.syncRequestedAt));
}
