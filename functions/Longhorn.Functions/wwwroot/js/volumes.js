// Volumes and their snapshots: list, create, delete; a volume's snapshot chain.

import { list, post, del } from "./api.js";
import { bytes, time, escape, fail, done, progress, stateBadge, loadFailed, loaded } from "./format.js";
import { update, busy, refreshSoon } from "./region.js";

export const title = (params) => (params[0] ? `Volume ${params[0]}` : "Volumes");

const mib = 1024 * 1024;

export function render(root, params) {
  if (params[0]) renderSnapshots(root, params[0]);
  else renderVolumes(root);
}

export function refresh(root, params) {
  return params[0] ? refreshSnapshots(root, params[0]) : refreshVolumes(root);
}

function onDelete(root, region, what, path) {
  root.querySelector(region).addEventListener("click", (e) => {
    const button = e.target.closest("button[data-delete]");
    if (!button) return;
    const name = button.dataset.delete;
    const message = root.querySelector(`${region}-message`);
    if (!confirm(`Delete ${what} ${name}? Its data is gone afterwards (backups stay on the target).`)) return;
    busy(button, async () => {
      try {
        await del(path(name));
        done(message, `${what[0].toUpperCase()}${what.slice(1)} ${name} deleted.`);
        refreshSoon();
      } catch (error) {
        fail(message, `Deleting ${what} ${name}`, error);
      }
    });
  });
}

function renderVolumes(root) {
  root.innerHTML = `
    <h1 tabindex="-1">Volumes</h1>
    <div id="volumes"></div>
    <p id="volumes-message" class="message" role="alert"></p>
    <section aria-labelledby="create-volume-title">
      <h2 id="create-volume-title">Create a volume</h2>
      <form id="create-volume" class="inline">
        <label for="volume-name">Name</label><input id="volume-name" name="name" required autocomplete="off">
        <label for="volume-size">Size (MiB)</label><input id="volume-size" name="size" type="number" min="2" step="2" value="64" required>
        <button type="submit">Create volume</button>
        <span id="create-volume-message" class="message" role="alert"></span>
      </form>
    </section>`;
  const form = root.querySelector("#create-volume");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const message = root.querySelector("#create-volume-message");
    busy(form.querySelector("button"), async () => {
      try {
        await post("volumes", { name: form.name.value.trim(), size: Number(form.size.value) * mib });
        done(message, `Volume ${form.name.value} created.`);
        form.name.value = "";
        refreshSoon();
      } catch (error) {
        fail(message, `Creating volume ${form.name.value}`, error);
      }
    });
  });
  onDelete(root, "#volumes", "volume", (name) => `volumes/${encodeURIComponent(name)}`);
}

async function refreshVolumes(root) {
  let volumes;
  try {
    volumes = await list("volumes");
  } catch (error) {
    loadFailed(root.querySelector("#volumes-message"), "Loading volumes", error);
    return false;
  }
  loaded(root.querySelector("#volumes-message"));
  const rows = volumes.map((v) => {
    const restore = v.restoreStatus;
    return `<tr data-volume="${escape(v.name)}"><th scope="row"><a href="#/volumes/${encodeURIComponent(v.name)}" data-focus="open-${escape(v.name)}">${escape(v.name)}</a></th>
      <td>${bytes(v.size)}</td><td>${stateBadge(v.state)}</td><td>${escape(v.robustness)}</td><td>${v.standby ? "standby (DR)" : ""}</td>
      <td>${restore ? progress(restore.state === "complete" ? 100 : restore.progress, `Restore of ${v.name}`) : ""}</td>
      <td>${escape(v.lastBackup)}${v.lastBackupAt ? `<div class="detail">${time(v.lastBackupAt)}</div>` : ""}</td>
      <td><button type="button" class="danger" data-delete="${escape(v.name)}" data-focus="delete-${escape(v.name)}" aria-label="Delete volume ${escape(v.name)}">Delete</button></td></tr>`;
  }).join("");
  update(root.querySelector("#volumes"), rows
    ? `<table><caption class="visually-hidden">Volumes</caption><thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">State</th><th scope="col">Robustness</th><th scope="col">Kind</th><th scope="col">Restore</th><th scope="col">Last backup</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No volumes.</p>`);
  return volumes.some((v) => v.restoreStatus?.isRestoring);
}

function renderSnapshots(root, name) {
  root.innerHTML = `
    <p><a href="#/volumes">← Volumes</a> · <a href="#/backup/${encodeURIComponent(name)}">Backups of ${escape(name)}</a></p>
    <h1 tabindex="-1">Volume ${escape(name)}</h1>
    <section aria-labelledby="snapshots-title">
      <h2 id="snapshots-title">Snapshots</h2>
      <form id="create-snapshot" class="inline">
        <label for="snapshot-name">Name (optional)</label><input id="snapshot-name" name="name" autocomplete="off">
        <button type="submit">Take snapshot</button>
        <span id="create-snapshot-message" class="message" role="alert"></span>
      </form>
      <div id="snapshots"></div>
      <p id="snapshots-message" class="message" role="alert"></p>
    </section>`;
  const form = root.querySelector("#create-snapshot");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const message = root.querySelector("#create-snapshot-message");
    busy(form.querySelector("button"), async () => {
      try {
        const snapshot = await post(`volumes/${encodeURIComponent(name)}/snapshots`, form.name.value.trim() ? { name: form.name.value.trim() } : {});
        done(message, `Snapshot ${snapshot.name} taken.`);
        form.name.value = "";
        refreshSoon();
      } catch (error) {
        fail(message, "Taking the snapshot", error);
      }
    });
  });
  onDelete(root, "#snapshots", "snapshot", (snapshot) => `volumes/${encodeURIComponent(name)}/snapshots/${encodeURIComponent(snapshot)}`);
}

async function refreshSnapshots(root, name) {
  let snapshots;
  try {
    snapshots = await list(`volumes/${encodeURIComponent(name)}/snapshots`);
  } catch (error) {
    loadFailed(root.querySelector("#snapshots-message"), "Loading snapshots", error);
    return false;
  }
  loaded(root.querySelector("#snapshots-message"));
  const rows = snapshots.filter((s) => !s.markRemoved).map((s) => {
    const labels = Object.entries(s.labels || {}).map(([k, v]) => `${escape(k)}=${escape(v)}`).join(", ");
    return `<tr data-snapshot="${escape(s.name)}"><th scope="row">${escape(s.name)}</th><td>${time(s.creationTime || s.crCreationTime)}</td>
      <td>${escape(s.parent)}</td><td>${s.userCreated ? "user" : "system"}</td><td>${s.readyToUse ? "yes" : "no"}</td><td>${labels}</td>
      <td><button type="button" class="danger" data-delete="${escape(s.name)}" data-focus="delete-${escape(s.name)}" aria-label="Delete snapshot ${escape(s.name)}">Delete</button></td></tr>`;
  }).join("");
  update(root.querySelector("#snapshots"), rows
    ? `<table><caption class="visually-hidden">Snapshots of ${escape(name)}</caption><thead><tr><th scope="col">Snapshot</th><th scope="col">Created</th><th scope="col">Parent</th><th scope="col">Taken by</th><th scope="col">Ready</th><th scope="col">Labels</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No snapshots of ${escape(name)}.</p>`);
  return false;
}
