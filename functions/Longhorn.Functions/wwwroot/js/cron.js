// Recurring-job schedules as the host reads them (robfig/cron's standard parser, in UTC): 5 fields, @hourly-style
// descriptors, or @every <duration>. Used only for the preview; the host validates what is saved.

const descriptors = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};
const monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const fields = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames, offset: 1 },
  { name: "day of week", min: 0, max: 6, names: dayNames, offset: 0, wrap7: true },
];

function value(text, field) {
  const lower = text.toLowerCase();
  if (field.names && field.names.includes(lower)) return field.names.indexOf(lower) + field.offset;
  if (!/^\d+$/.test(text)) throw new Error(`${field.name} "${text}" is not a number`);
  let v = Number(text);
  if (field.wrap7 && v === 7) v = 0;
  if (v < field.min || v > field.max) throw new Error(`${field.name} ${v} is outside ${field.min}–${field.max}`);
  return v;
}

function parseField(text, field) {
  const set = new Set();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) throw new Error(`${field.name} step "${stepText}" is not a positive number`);
    let low, high;
    if (range === "*" || range === "?") [low, high] = [field.min, field.max];
    else if (range.includes("-")) [low, high] = range.split("-").map((t) => value(t, field));
    else [low, high] = [value(range, field), stepText === undefined ? value(range, field) : field.max];
    if (low > high) throw new Error(`${field.name} range ${range} runs backwards`);
    for (let v = low; v <= high; v += step) set.add(v);
  }
  return { set, any: text === "*" || text === "?" };
}

function parseDuration(text) {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  const scale = { h: 3600e3, m: 60e3, s: 1e3, ms: 1 };
  let total = 0, used = 0, match;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * scale[match[2]];
    used += match[0].length;
  }
  if (used !== text.length || total <= 0) throw new Error(`@every needs a positive duration such as 1h30m, not "${text}"`);
  return total;
}

/** The schedule, or an Error saying what is wrong with it. */
export function parse(expression) {
  const text = (expression || "").trim();
  if (text.startsWith("@every ")) return { every: parseDuration(text.slice(7).trim()), everyText: text.slice(7).trim() };
  const standard = descriptors[text] || text;
  const parts = standard.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) throw new Error("a cron needs 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @hourly");
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, fields[i]));
  return { minute, hour, dom, month, dow, parts };
}

function matches(s, d) {
  if (!s.minute.set.has(d.getUTCMinutes()) || !s.hour.set.has(d.getUTCHours()) || !s.month.set.has(d.getUTCMonth() + 1)) return false;
  const domOk = s.dom.set.has(d.getUTCDate());
  const dowOk = s.dow.set.has(d.getUTCDay());
  // As cron: when both day fields are restricted, either may match.
  if (s.dom.any || s.dow.any) return domOk && dowOk;
  return domOk || dowOk;
}

/** The next runs after a time (UTC, as the host evaluates schedules). */
export function nextRuns(schedule, after = new Date(), count = 3) {
  const runs = [];
  if (schedule.every) {
    for (let i = 1; i <= count; i++) runs.push(new Date(after.getTime() + i * schedule.every));
    return runs;
  }
  const d = new Date(after.getTime());
  d.setUTCSeconds(0, 0);
  // Four years of minutes bounds the search (February 29th); an impossible date such as "0 0 31 2 *" ends it.
  for (let i = 0; i < 4 * 366 * 24 * 60 && runs.length < count; i++) {
    d.setUTCMinutes(d.getUTCMinutes() + 1);
    if (!hourMayMatch(schedule, d)) {
      d.setUTCMinutes(59);
      continue;
    }
    if (matches(schedule, d)) runs.push(new Date(d.getTime()));
  }
  return runs;
}

// Skips a whole hour when the hour, day or month cannot match, so a yearly schedule is found quickly.
function hourMayMatch(s, d) {
  return s.hour.set.has(d.getUTCHours()) && s.month.set.has(d.getUTCMonth() + 1) && (s.dom.set.has(d.getUTCDate()) || s.dow.set.has(d.getUTCDay()));
}

function list(set, field) {
  const values = [...set].sort((a, b) => a - b);
  const name = (v) => (field.names ? field.names[v - field.offset].replace(/^./, (c) => c.toUpperCase()) : String(v).padStart(2, "0"));
  return values.map(name).join(", ");
}

function stepOf(text) {
  const m = /^\*\/(\d+)$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** The schedule in words, e.g. "every 5 minutes" or "at 02:00 on Sun". */
export function describe(schedule) {
  if (schedule.every) return `every ${schedule.everyText}, counted from the last run`;
  const [minute, hour, dom, month, dow] = schedule.parts;
  let when;
  const minuteStep = stepOf(minute);
  if (minute === "*" && hour === "*") when = "every minute";
  else if (minuteStep && hour === "*") when = `every ${minuteStep} minutes`;
  else if (/^\d+$/.test(minute) && hour === "*") when = `every hour at minute ${minute}`;
  else if (/^\d+$/.test(minute) && stepOf(hour)) when = `every ${stepOf(hour)} hours at minute ${minute}`;
  else if (/^\d+$/.test(minute) && /^[\d,]+$/.test(hour)) when = `at ${hour.split(",").map((h) => `${h.padStart(2, "0")}:${minute.padStart(2, "0")}`).join(", ")}`;
  else when = `at minute ${list(schedule.minute.set, fields[0])} of hour ${list(schedule.hour.set, fields[1])}`;
  const days = [];
  if (dom !== "*" && dom !== "?") days.push(`on day ${list(schedule.dom.set, fields[2])} of the month`);
  if (dow !== "*" && dow !== "?") days.push(`on ${list(schedule.dow.set, fields[4])}`);
  if (month !== "*") days.push(`in ${list(schedule.month.set, fields[3])}`);
  return `${when}${days.length ? " " + days.join(" ") : dom === "*" && /^at /.test(when) ? " every day" : ""} (UTC)`;
}
