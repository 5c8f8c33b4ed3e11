// The HTTP functions, as curl uses them: JSON in and out, problem+json errors turned into sentences.

let prefix = null;

/** An answer that was not 2xx: the problem's detail in words, its status, and the field at fault when the function named one. */
export class ApiError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

async function routePrefix() {
  if (prefix === null) {
    const answer = await fetch("page.json", { cache: "no-cache" });
    prefix = answer.ok ? (await answer.json()).routePrefix : "/api";
  }
  return prefix;
}

/** The function key the host asked for (only when it listens beyond loopback); kept for this browser tab. */
export function functionKey() {
  return sessionStorage.getItem("functionKey") || "";
}

export function setFunctionKey(key) {
  if (key) sessionStorage.setItem("functionKey", key);
  else sessionStorage.removeItem("functionKey");
}

export async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const key = functionKey();
  if (key) headers["x-functions-key"] = key;
  let answer;
  try {
    answer = await fetch(`${await routePrefix()}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, `the host did not answer (${e.message}); is it still running?`);
  }
  const text = await answer.text();
  if (!answer.ok) {
    let detail = text || answer.statusText;
    let field;
    try {
      const problem = JSON.parse(text);
      detail = problem.detail || problem.title || detail;
      field = problem.field;
    } catch {
      // Not problem+json (a proxy's page): keep the text.
    }
    if (answer.status === 401) document.dispatchEvent(new CustomEvent("functionkeyneeded"));
    throw new ApiError(answer.status, detail, field);
  }
  return text ? JSON.parse(text) : null;
}

export const get = (path) => call("GET", path);
export const list = async (path) => (await get(path)).data;
export const post = (path, body) => call("POST", path, body ?? {});
export const put = (path, body) => call("PUT", path, body);
export const del = (path) => call("DELETE", path);
