// A volume's backups over time as stacked bars (SVG, drawn here): what each backup uploaded and what it reused.
//
// A backup's size is its whole block map (uncompressed); newlyUploadDataSize and reUploadedDataSize are the bytes it
// wrote to the store (after compression). Uploaded = new + re-uploaded; reused = size − uploaded, the blocks it shares
// with earlier backups (and, for compressible data, what compression saved).

import { bytes, escape, time } from "./format.js";

const width = 640, height = 220, left = 64, right = 12, top = 12, bottom = 40;

export function backupSizes(backups) {
  const done = backups.filter((b) => b.state === "Completed").sort((a, b) => (a.created || "").localeCompare(b.created || ""));
  if (done.length === 0) return `<p class="empty">No completed backups to chart yet.</p>`;
  const uploaded = (b) => Math.min(b.size, (b.newlyUploadDataSize || 0) + (b.reUploadedDataSize || 0));
  const max = Math.max(...done.map((b) => b.size), 1);
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const slot = plotWidth / done.length;
  const barWidth = Math.max(4, Math.min(48, slot * 0.6));
  const y = (v) => top + plotHeight - (v / max) * plotHeight;
  const ticks = [0, 0.5, 1].map((f) => f * max);
  const bars = done.map((b, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    const up = uploaded(b), reused = b.size - up;
    const tip = `${b.name} at ${time(b.created)}: ${bytes(up)} uploaded, ${bytes(reused)} reused of ${bytes(b.size)}`;
    return `<g><title>${escape(tip)}</title>` +
      `<rect class="reused" x="${x}" y="${y(b.size)}" width="${barWidth}" height="${y(up) - y(b.size)}"></rect>` +
      `<rect class="uploaded" x="${x}" y="${y(up)}" width="${barWidth}" height="${y(0) - y(up)}"></rect>` +
      `<text class="tick" x="${x + barWidth / 2}" y="${height - bottom + 14}" text-anchor="middle">${escape((b.created || "").slice(5, 16).replace("T", " "))}</text></g>`;
  }).join("");
  const axis = ticks.map((t) => `<line class="grid" x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}"></line>` +
    `<text class="tick" x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${bytes(t)}</text>`).join("");
  const total = done.reduce((s, b) => s + uploaded(b), 0);
  const summary = `${done.length} completed backups; ${bytes(total)} uploaded in all; the last one ${bytes(done[done.length - 1].size)}, ` +
    `of which ${bytes(uploaded(done[done.length - 1]))} uploaded`;
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(summary)}">${axis}${bars}` +
    `<text class="tick" x="${left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">backup created (UTC)</text></svg>` +
    `<figcaption><span class="key uploaded"></span> uploaded (new blocks, as stored) <span class="key reused"></span> reused from earlier backups` +
    `<span class="visually-hidden">. ${escape(summary)}</span></figcaption></figure>`;
}
