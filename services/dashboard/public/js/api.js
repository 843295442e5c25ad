// Thin fetch helpers over the Qingshan API (same origin).

// Whether the API answered the last request, and when data last arrived: main.js shows a
// "disconnected, data as of …" banner from these (a fetch that fails without an answer — the
// server down or the network gone — or a gateway's 502/503/504 counts as unreachable).
const listeners = new Set();
export const connection = { reachable: true, lastDataAt: null };

/** Calls `fn(connection)` whenever the API becomes reachable or unreachable. */
export function onConnection(fn) {
  listeners.add(fn);
}

/** Records whether the API answered (main.js also calls it for the live feed). */
export function reportReachable(reachable) {
  if (reachable) connection.lastDataAt = Date.now();
  if (connection.reachable === reachable) return;
  connection.reachable = reachable;
  for (const fn of listeners) fn(connection);
}

async function request(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (error) {
    reportReachable(false);
    throw error;
  }
  reportReachable(![502, 503, 504].includes(res.status));
  return res;
}

/** GET a JSON document; throws with the API's error message on a non-2xx answer. */
export async function getJson(path, params = {}) {
  const res = await request(withParams(path, params), { headers: { accept: "application/json" } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/** POST JSON; throws with the API's error message on a non-2xx answer. */
export async function postJson(path, payload) {
  const res = await request(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/** A path with its query string (undefined values left out). */
export function withParams(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}
