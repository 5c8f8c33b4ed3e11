// Backup: the backup volumes, each volume's backups with live progress, backup, delete, restore, and the size chart.

import { list, post, del } from "./api.js";
import { bytes, time, escape, fail, done, clear, progress, stateBadge, loadFailed, loaded } from "./format.js";
import { update, busy, refreshSoon } from "./region.js";
import { backupSizes } from "./chart.js";

export const title = (params) => (params[0] ? `Backup volume ${params[0]}` : "Backup");

const volumeOf = (backupVolume) => backupVolume.volumeName || backupVolume.name;
const running = (b) => !["Completed", "Error", "Unknown"].includes(b.state);
// A backup URL names its volume in the query (nfs://host:/path?backup=b&volume=v).
const restoresOf = (volumes, name) => volumes.filter((v) => new URLSearchParams(v.fromBackup.split("?")[1] || "").get("volume") === name);

export function render(root, params) {
  if (params[0]) renderVolume(root, params[0]);
  else renderList(root);
}

export function refresh(root, params) {
  return params[0] ? refreshVolume(root, params[0]) : refreshList(root);
}

function renderList(root) {
  root.innerHTML = `
    <h1 tabindex="-1">Backup</h1>
    <section aria-labelledby="create-backup-title">
      <h2 id="create-backup-title">Create a backup</h2>
      <form id="create-backup" class="inline">
        <label for="backup-volume">Volume</label>
        <select id="backup-volume" required></select>
        <button type="submit">Create backup</button>
        <p id="create-backup-message" class="message" role="alert"></p>
      </form>
    </section>
    <section aria-labelledby="backup-volumes-title">
      <h2 id="backup-volumes-title">Backup volumes</h2>
      <div id="backup-volumes" aria-live="polite"></div>
      <p id="backup-volumes-message" class="message" role="alert"></p>
    </section>`;
  const form = root.querySelector("#create-backup");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const volume = root.querySelector("#backup-volume").value;
    const message = root.querySelector("#create-backup-message");
    busy(form.querySelector("button"), async () => {
      try {
        await post(`volumes/${encodeURIComponent(volume)}/backups`, {});
        location.hash = `#/backup/${encodeURIComponent(volume)}`;
      } catch (error) {
        fail(message, `Backup of ${volume}`, error);
      }
    });
  });
  root.querySelector("#backup-volumes").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-delete]");
    if (!button) return;
    const name = button.dataset.volume;
    const message = root.querySelector("#backup-volumes-message");
    if (!confirm(`Delete backup volume ${name} and every backup of it from the backup target? This cannot be undone.`)) return;
    busy(button, async () => {
      try {
        await del(`backupvolumes/${encodeURIComponent(button.dataset.delete)}`);
        done(message, `Deleting backup volume ${name}.`);
        refreshSoon();
      } catch (error) {
        fail(message, `Deleting backup volume ${name}`, error);
      }
    });
  });
}

async function refreshList(root) {
  const message = root.querySelector("#backup-volumes-message");
  let backupVolumes, backups, volumes;
  try {
    [backupVolumes, backups, volumes] = await Promise.all([list("backupvolumes"), list("backups"), list("volumes")]);
  } catch (error) {
    loadFailed(message, "Loading backup volumes", error);
    return false;
  }
  loaded(message);
  const select = root.querySelector("#backup-volume");
  const options = volumes.filter((v) => !v.standby).map((v) => `<option>${escape(v.name)}</option>`).join("");
  if (select.dataset.html !== options) {
    const chosen = select.value;
    select.innerHTML = options || `<option value="" disabled selected>no volumes yet</option>`;
    select.dataset.html = options;
    if (chosen) select.value = chosen;
  }
  // A backup volume's resource name carries its target's hash (vol1-912ea790); users know it by its volume.
  const names = [...new Set([...backupVolumes.map(volumeOf), ...backups.map((b) => b.volumeName)])].sort();
  const rows = names.map((name) => {
    const bv = backupVolumes.find((b) => volumeOf(b) === name);
    const own = backups.filter((b) => b.volumeName === name);
    const active = own.find(running);
    const error = bv && Object.values(bv.messages || {}).find(Boolean);
    const state = bv?.deletionTimestamp ? "Deleting" : active ? `Backing up ${active.progress} %` : error ? "Error" : bv ? "Ready" : "Pending";
    return `<tr data-volume="${escape(name)}">
      <th scope="row"><a href="#/backup/${encodeURIComponent(name)}" data-focus="open-${escape(name)}">${escape(name)}</a></th>
      <td>${bv ? bytes(bv.size) : ""}</td>
      <td>${escape(bv?.lastBackupName || "")}</td>
      <td>${time(bv?.lastBackupAt)}</td>
      <td>${own.length}</td>
      <td>${stateBadge(state)}${error ? `<div class="detail">${escape(error)}</div>` : ""}</td>
      <td>${bv ? `<button type="button" class="danger" data-delete="${escape(bv.name)}" data-volume="${escape(name)}" data-focus="delete-${escape(name)}" aria-label="Delete backup volume ${escape(name)}">Delete</button>` : ""}</td>
    </tr>`;
  }).join("");
  update(root.querySelector("#backup-volumes"), rows
    ? `<table><caption class="visually-hidden">Backup volumes</caption><thead><tr><th scope="col">Volume</th><th scope="col">Size</th><th scope="col">Last backup</th><th scope="col">Last backup at</th><th scope="col">Backups</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No backup volumes on the backup target yet. Create a backup of a volume above.</p>`);
  return backups.some(running);
}

function renderVolume(root, name) {
  root.innerHTML = `
    <p><a href="#/backup">← Backup volumes</a></p>
    <h1 tabindex="-1">Backup volume ${escape(name)}</h1>
    <div id="summary"></div>
    <p class="actions">
      <button type="button" id="backup-now">Create backup of ${escape(name)}</button>
      <span id="backup-now-message" class="message" role="alert"></span>
    </p>
    <section aria-labelledby="backups-title">
      <h2 id="backups-title">Backups</h2>
      <div id="backups"></div>
      <p id="backups-message" class="message" role="alert"></p>
    </section>
    <section aria-labelledby="restores-title">
      <h2 id="restores-title">Restores</h2>
      <div id="restores"></div>
    </section>
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">Backup sizes over time</h2>
      <div id="chart"></div>
    </section>
    <dialog id="restore-dialog" aria-labelledby="restore-title">
      <form id="restore-form" method="dialog">
        <h2 id="restore-title">Restore backup</h2>
        <p>Backup <strong id="restore-backup"></strong> (snapshot <span id="restore-snapshot"></span>)</p>
        <label for="restore-name">New volume name</label>
        <input id="restore-name" required pattern="[a-z0-9][a-z0-9.\\-]*" autocomplete="off">
        <label class="check"><input type="checkbox" id="restore-standby"> Standby (DR) volume: keeps restoring each new backup of ${escape(name)}</label>
        <p id="restore-message" class="message" role="alert"></p>
        <div class="actions">
          <button type="submit" id="restore-submit" value="restore">Restore</button>
          <button type="button" id="restore-cancel">Cancel</button>
        </div>
      </form>
    </dialog>`;
  const nowButton = root.querySelector("#backup-now");
  nowButton.addEventListener("click", () => busy(nowButton, async () => {
    const message = root.querySelector("#backup-now-message");
    try {
      const backup = await post(`volumes/${encodeURIComponent(name)}/backups`, {});
      done(message, `Backup ${backup.name} requested.`);
      refreshSoon();
    } catch (error) {
      fail(message, `Backup of ${name}`, error);
    }
  }));
  const dialog = root.querySelector("#restore-dialog");
  root.querySelector("#restore-cancel").addEventListener("click", () => dialog.close());
  root.querySelector("#restore-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const message = root.querySelector("#restore-message");
    const target = root.querySelector("#restore-name").value.trim();
    busy(root.querySelector("#restore-submit"), async () => {
      try {
        await post("volumes", { name: target, fromBackup: dialog.dataset.url, standby: root.querySelector("#restore-standby").checked });
        dialog.close();
        done(root.querySelector("#backups-message"), `Restoring ${dialog.dataset.backup} into volume ${target}.`);
        refreshSoon();
      } catch (error) {
        fail(message, `Restore into ${target}`, error);
      }
    });
  });
  root.querySelector("#backups").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const backup = button.dataset.backup;
    const message = root.querySelector("#backups-message");
    if (button.dataset.action === "restore") {
      clear(root.querySelector("#restore-message"));
      dialog.dataset.url = button.dataset.url;
      dialog.dataset.backup = backup;
      root.querySelector("#restore-backup").textContent = backup;
      root.querySelector("#restore-snapshot").textContent = button.dataset.snapshot;
      root.querySelector("#restore-name").value = `${name}-restored`;
      root.querySelector("#restore-standby").checked = false;
      dialog.showModal();
      root.querySelector("#restore-name").select();
    } else if (confirm(`Delete backup ${backup} of ${name} from the backup target? Blocks no other backup uses are removed.`)) {
      busy(button, async () => {
        try {
          await del(`backups/${encodeURIComponent(backup)}`);
          done(message, `Deleting backup ${backup}.`);
          refreshSoon();
        } catch (error) {
          fail(message, `Deleting backup ${backup}`, error);
        }
      });
    }
  });
}

async function refreshVolume(root, name) {
  const message = root.querySelector("#backups-message");
  let backupVolumes, backups, volumes;
  try {
    [backupVolumes, backups, volumes] = await Promise.all([list("backupvolumes"), list(`backups?volume=${encodeURIComponent(name)}`), list("volumes")]);
  } catch (error) {
    loadFailed(message, "Loading backups", error);
    return false;
  }
  loaded(message);
  const backupVolume = backupVolumes.find((b) => volumeOf(b) === name);
  update(root.querySelector("#summary"), backupVolume
    ? `<dl class="facts"><dt>Size</dt><dd>${bytes(backupVolume.size)}</dd><dt>Last backup</dt><dd>${escape(backupVolume.lastBackupName)}</dd>
       <dt>Last backup at</dt><dd>${time(backupVolume.lastBackupAt)}</dd><dt>Created</dt><dd>${time(backupVolume.created)}</dd>
       <dt>Data stored</dt><dd>${bytes(backupVolume.dataStored)}</dd><dt>Backup target</dt><dd>${escape(backupVolume.backupTargetName)}</dd><dt>Last synced</dt><dd>${time(backupVolume.lastSyncedAt)}</dd></dl>`
    : `<p class="empty">No backup volume ${escape(name)} on the backup target yet (it appears at the target's next sync).</p>`);
  root.querySelector("#backup-now").hidden = !volumes.some((v) => v.name === name && !v.standby);
  const sorted = [...backups].sort((a, b) => (b.created || b.creationTimestamp || "").localeCompare(a.created || a.creationTimestamp || ""));
  const rows = sorted.map((b) => {
    const value = b.state === "Completed" ? 100 : b.progress;
    return `<tr data-backup="${escape(b.name)}">
      <th scope="row">${escape(b.name)}</th>
      <td>${escape(b.snapshotName)}</td>
      <td>${time(b.created || b.creationTimestamp)}</td>
      <td>${b.state === "Completed" ? bytes(b.size) : ""}</td>
      <td>${stateBadge(b.state)}${b.error ? `<div class="detail">${escape(b.error)}</div>` : ""}</td>
      <td>${progress(value, `Progress of backup ${b.name}`)}</td>
      <td class="row-actions">${b.state === "Completed" && b.url
        ? `<button type="button" data-action="restore" data-backup="${escape(b.name)}" data-url="${escape(b.url)}" data-snapshot="${escape(b.snapshotName)}" data-focus="restore-${escape(b.name)}" aria-label="Restore backup ${escape(b.name)}">Restore</button>`
        : ""}<button type="button" class="danger" data-action="delete" data-backup="${escape(b.name)}" data-focus="delete-${escape(b.name)}" aria-label="Delete backup ${escape(b.name)}">Delete</button></td>
    </tr>`;
  }).join("");
  update(root.querySelector("#backups"), rows
    ? `<table><caption class="visually-hidden">Backups of ${escape(name)}</caption><thead><tr><th scope="col">Backup</th><th scope="col">Snapshot</th><th scope="col">Created</th><th scope="col">Size</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No backups of ${escape(name)}.</p>`);
  const restores = restoresOf(volumes, name);
  const restoreRows = restores.map((v) => {
    const status = v.restoreStatus || {};
    const value = status.state === "complete" ? 100 : status.progress || 0;
    const state = status.state || (v.restoreRequired ? "pending" : "");
    return `<tr data-restore="${escape(v.name)}"><th scope="row"><a href="#/volumes/${encodeURIComponent(v.name)}">${escape(v.name)}</a></th>
      <td>${v.standby ? "standby (DR)" : "volume"}</td><td>${escape(status.currentRestoringBackup || status.lastRestored || "")}</td>
      <td>${stateBadge(state === "complete" ? "Completed" : state === "error" ? "Error" : state || "Pending")}${status.error ? `<div class="detail">${escape(status.error)}</div>` : ""}</td>
      <td>${progress(value, `Restore of ${v.name}`)}</td></tr>`;
  }).join("");
  update(root.querySelector("#restores"), restoreRows
    ? `<table><caption class="visually-hidden">Volumes restored from ${escape(name)}</caption><thead><tr><th scope="col">Volume</th><th scope="col">Kind</th><th scope="col">Backup</th><th scope="col">State</th><th scope="col">Progress</th></tr></thead><tbody>${restoreRows}</tbody></table>`
    : `<p class="empty">No volumes restored from these backups.</p>`);
  update(root.querySelector("#chart"), backupSizes(backups));
  return backups.some(running) || restores.some((v) => v.restoreStatus?.isRestoring || v.restoreRequired && v.restoreStatus?.state !== "complete" && v.restoreStatus?.state !== "error");
}
