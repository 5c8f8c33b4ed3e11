// System backups and restores: list with state, create, delete.

import { list, post, del } from "./api.js";
import { time, escape, fail, done, stateBadge, loadFailed, loaded } from "./format.js";
import { update, busy, refreshSoon } from "./region.js";

const stateCell = (state, error) => `${stateBadge(state)}${error ? `<div class="detail">${escape(error)}</div>` : ""}`;

export const title = () => "System backup";

const finalBackup = ["Ready", "Error"];
const finalRestore = ["Completed", "Error"];

export function render(root) {
  root.innerHTML = `
    <h1 tabindex="-1">System backup</h1>
    <p class="lead">A system backup bundles the cluster's Longhorn objects (volumes, recurring jobs, settings, targets) and uploads it to the backup target; a system restore brings them back.</p>
    <section aria-labelledby="system-backups-title">
      <h2 id="system-backups-title">System backups</h2>
      <form id="create-system-backup" class="inline">
        <label for="system-backup-name">Name</label><input id="system-backup-name" name="name" required autocomplete="off">
        <label for="system-backup-policy">Volume backup policy</label>
        <select id="system-backup-policy" name="policy"><option>if-not-present</option><option>always</option><option>disabled</option></select>
        <button type="submit">Create system backup</button>
        <span id="create-system-backup-message" class="message" role="alert"></span>
      </form>
      <div id="system-backups"></div>
      <p id="system-backups-message" class="message" role="alert"></p>
    </section>
    <section aria-labelledby="system-restores-title">
      <h2 id="system-restores-title">System restores</h2>
      <form id="create-system-restore" class="inline">
        <label for="system-restore-name">Name</label><input id="system-restore-name" name="name" required autocomplete="off">
        <label for="system-restore-from">From system backup</label><select id="system-restore-from" name="from" required></select>
        <button type="submit">Restore</button>
        <span id="create-system-restore-message" class="message" role="alert"></span>
      </form>
      <div id="system-restores"></div>
      <p id="system-restores-message" class="message" role="alert"></p>
    </section>`;
  const create = (formId, what, body, path) => {
    const form = root.querySelector(formId);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const message = root.querySelector(`${formId}-message`);
      busy(form.querySelector("button"), async () => {
        try {
          await post(path, body(form));
          done(message, `${what} ${form.name.value} created.`);
          form.name.value = "";
          refreshSoon();
        } catch (error) {
          fail(message, `Creating ${what.toLowerCase()} ${form.name.value}`, error);
        }
      });
    });
  };
  create("#create-system-backup", "System backup", (f) => ({ name: f.name.value.trim(), volumeBackupPolicy: f.policy.value }), "systembackups");
  create("#create-system-restore", "System restore", (f) => ({ name: f.name.value.trim(), systemBackup: f.from.value }), "systemrestores");
  for (const [region, path, what] of [["#system-backups", "systembackups", "system backup"], ["#system-restores", "systemrestores", "system restore"]]) {
    root.querySelector(region).addEventListener("click", (e) => {
      const button = e.target.closest("button[data-delete]");
      if (!button) return;
      const name = button.dataset.delete;
      const message = root.querySelector(`${region}-message`);
      if (!confirm(`Delete ${what} ${name}?${what === "system backup" ? " It is removed from the backup target too." : ""}`)) return;
      busy(button, async () => {
        try {
          await del(`${path}/${encodeURIComponent(name)}`);
          done(message, `Deleting ${what} ${name}.`);
          refreshSoon();
        } catch (error) {
          fail(message, `Deleting ${what} ${name}`, error);
        }
      });
    });
  }
}

const deleteButton = (name, what) =>
  `<button type="button" class="danger" data-delete="${escape(name)}" data-focus="delete-${escape(name)}" aria-label="Delete ${what} ${escape(name)}">Delete</button>`;

export async function refresh(root) {
  let backups, restores;
  try {
    [backups, restores] = await Promise.all([list("systembackups"), list("systemrestores")]);
  } catch (error) {
    loadFailed(root.querySelector("#system-backups-message"), "Loading system backups", error);
    return false;
  }
  loaded(root.querySelector("#system-backups-message"));
  const select = root.querySelector("#system-restore-from");
  const options = backups.filter((b) => b.state === "Ready").map((b) => `<option>${escape(b.name)}</option>`).join("");
  if (select.dataset.html !== options) {
    const chosen = select.value;
    select.innerHTML = options || `<option value="" disabled selected>no ready system backups</option>`;
    select.dataset.html = options;
    if (chosen) select.value = chosen;
  }
  const backupRows = backups.map((b) => `<tr data-system-backup="${escape(b.name)}"><th scope="row">${escape(b.name)}</th><td>${escape(b.version)}</td>
    <td>${escape(b.volumeBackupPolicy)}</td><td>${stateCell(b.state, b.error)}</td><td>${time(b.createdAt)}</td><td>${deleteButton(b.name, "system backup")}</td></tr>`).join("");
  update(root.querySelector("#system-backups"), backupRows
    ? `<table><caption class="visually-hidden">System backups</caption><thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Volume backup policy</th><th scope="col">State</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${backupRows}</tbody></table>`
    : `<p class="empty">No system backups.</p>`);
  const restoreRows = restores.map((r) => `<tr data-system-restore="${escape(r.name)}"><th scope="row">${escape(r.name)}</th><td>${escape(r.systemBackup)}</td>
    <td>${stateCell(r.state, r.error)}</td><td>${deleteButton(r.name, "system restore")}</td></tr>`).join("");
  update(root.querySelector("#system-restores"), restoreRows
    ? `<table><caption class="visually-hidden">System restores</caption><thead><tr><th scope="col">Name</th><th scope="col">System backup</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${restoreRows}</tbody></table>`
    : `<p class="empty">No system restores.</p>`);
  return backups.some((b) => !finalBackup.includes(b.state)) || restores.some((r) => !finalRestore.includes(r.state));
}
