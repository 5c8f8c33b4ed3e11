// Recurring jobs: list with their schedule in words and next runs, the volumes each applies to; create; delete.

import { list, post, del } from "./api.js";
import { time, escape, fail, done, loadFailed, loaded } from "./format.js";
import { update, busy, refreshSoon } from "./region.js";
import * as cron from "./cron.js";

export const title = () => "Recurring jobs";

const tasks = ["snapshot", "snapshot-force-create", "snapshot-cleanup", "snapshot-delete", "backup", "backup-force-create", "filesystem-trim", "system-backup"];

function preview(expression) {
  try {
    const schedule = cron.parse(expression);
    const runs = cron.nextRuns(schedule);
    return { ok: true, text: `Runs ${cron.describe(schedule)}. Next: ${runs.length ? runs.map((d) => time(d.toISOString())).join(", ") : "never (no such date)"}` };
  } catch (error) {
    return { ok: false, text: `Not a schedule: ${error.message}` };
  }
}

/** "a=1, b=2" into a map; an entry without "=" is an error the form shows. */
function pairs(text, what) {
  const map = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf("=");
    if (at <= 0) throw new Error(`${what} "${part}" needs the form key=value`);
    map[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return map;
}

export function render(root) {
  root.innerHTML = `
    <h1 tabindex="-1">Recurring jobs</h1>
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <div id="jobs"></div>
      <p id="jobs-message" class="message" role="alert"></p>
    </section>
    <section aria-labelledby="create-job-title">
      <h2 id="create-job-title">Create a recurring job</h2>
      <form id="create-job" class="grid">
        <label for="job-name">Name</label><input id="job-name" name="name" required autocomplete="off" pattern="[a-z0-9][a-z0-9.\\-]*">
        <label for="job-task">Task</label>
        <select id="job-task" name="task">${tasks.map((t) => `<option${t === "backup" ? " selected" : ""}>${t}</option>`).join("")}</select>
        <label for="job-cron">Cron</label>
        <div><input id="job-cron" name="cron" required value="0 2 * * *" autocomplete="off" spellcheck="false" aria-describedby="job-cron-preview">
          <p id="job-cron-preview" class="hint" aria-live="polite"></p></div>
        <label for="job-retain">Retain</label><input id="job-retain" name="retain" type="number" min="0" value="7" aria-describedby="job-retain-hint">
        <span></span><p id="job-retain-hint" class="hint">How many snapshots or backups the job keeps per volume.</p>
        <label for="job-concurrency">Concurrency</label><input id="job-concurrency" name="concurrency" type="number" min="1" value="1">
        <label for="job-groups">Groups</label><input id="job-groups" name="groups" autocomplete="off" placeholder="default, nightly" aria-describedby="job-groups-hint">
        <span></span><p id="job-groups-hint" class="hint">Comma-separated; volumes in any of these groups run the job.</p>
        <label for="job-parameters">Parameters</label><input id="job-parameters" name="parameters" autocomplete="off" placeholder="full-backup-interval=5" aria-describedby="job-parameters-hint">
        <span></span><p id="job-parameters-hint" class="hint">Comma-separated key=value pairs, e.g. full-backup-interval=5 or volume-backup-policy=if-not-present.</p>
        <span></span><div class="actions"><button type="submit">Create job</button><span id="create-job-message" class="message" role="alert"></span></div>
      </form>
    </section>`;
  const form = root.querySelector("#create-job");
  const show = () => {
    const p = preview(form.cron.value);
    const element = root.querySelector("#job-cron-preview");
    element.textContent = p.text;
    element.className = p.ok ? "hint" : "hint error";
    form.cron.setAttribute("aria-invalid", String(!p.ok));
  };
  form.cron.addEventListener("input", show);
  show();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const message = root.querySelector("#create-job-message");
    busy(form.querySelector("button[type=submit]"), async () => {
      try {
        const job = {
          name: form.name.value.trim(), task: form.task.value, cron: form.cron.value.trim(), retain: Number(form.retain.value || 0),
          concurrency: Number(form.concurrency.value || 0), groups: form.groups.value.split(",").map((g) => g.trim()).filter(Boolean),
          parameters: pairs(form.parameters.value, "parameter"),
        };
        await post("recurringjobs", job);
        done(message, `Recurring job ${job.name} created.`);
        form.name.value = "";
        refreshSoon();
      } catch (error) {
        fail(message, "Creating the job", error);
      }
    });
  });
  root.querySelector("#jobs").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-delete]");
    if (!button) return;
    const name = button.dataset.delete;
    const message = root.querySelector("#jobs-message");
    if (!confirm(`Delete recurring job ${name}? Its snapshots and backups stay.`)) return;
    busy(button, async () => {
      try {
        await del(`recurringjobs/${encodeURIComponent(name)}`);
        done(message, `Recurring job ${name} deleted.`);
        refreshSoon();
      } catch (error) {
        fail(message, `Deleting job ${name}`, error);
      }
    });
  });
}

// A volume runs a job when it carries the job's label or a label of one of the job's groups (recurringJobSelector).
function appliesTo(job, volumes) {
  if (job.task === "system-backup") return "the whole system";
  const names = volumes.filter((v) => (v.recurringJobSelector || []).some((s) => (s.isGroup ? job.groups.includes(s.name) : s.name === job.name)))
    .map((v) => v.name);
  return names.length ? names.map(escape).join(", ") : "<em>no volumes</em>";
}

export async function refresh(root) {
  let jobs, volumes;
  try {
    [jobs, volumes] = await Promise.all([list("recurringjobs"), list("volumes")]);
  } catch (error) {
    loadFailed(root.querySelector("#jobs-message"), "Loading the recurring jobs", error);
    return false;
  }
  loaded(root.querySelector("#jobs-message"));
  const rows = jobs.map((j) => {
    const p = preview(j.cron);
    const params = Object.entries(j.parameters || {}).map(([k, v]) => `${escape(k)}=${escape(v)}`).join(", ");
    return `<tr data-job="${escape(j.name)}"><th scope="row">${escape(j.name)}</th><td>${escape(j.task)}</td>
      <td><code>${escape(j.cron)}</code><div class="detail">${escape(p.text)}</div></td>
      <td>${j.retain}</td><td>${j.concurrency}</td><td>${j.groups.map(escape).join(", ")}</td><td>${params}</td>
      <td>${appliesTo(j, volumes)}</td><td>${j.executionCount}</td>
      <td><button type="button" class="danger" data-delete="${escape(j.name)}" data-focus="delete-${escape(j.name)}" aria-label="Delete recurring job ${escape(j.name)}">Delete</button></td></tr>`;
  }).join("");
  update(root.querySelector("#jobs"), rows
    ? `<table><caption class="visually-hidden">Recurring jobs</caption><thead><tr><th scope="col">Name</th><th scope="col">Task</th><th scope="col">Schedule</th><th scope="col">Retain</th><th scope="col">Concurrency</th><th scope="col">Groups</th><th scope="col">Parameters</th><th scope="col">Applies to</th><th scope="col">Runs</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No recurring jobs.</p>`);
  return false;
}
