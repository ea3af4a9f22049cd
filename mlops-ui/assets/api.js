// The JSON API client. Every call resolves (never rejects) to
// {ok: true, data} or {ok: false, status, error: {code, message, position}},
// so a page shows failures in place instead of throwing to the console.

let infoPromise = null;

async function parse(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok) return { ok: true, status: res.status, data: body };
  const error = (body && body.error) || { code: "HTTP_" + res.status, message: res.statusText || "request failed" };
  return { ok: false, status: res.status, error };
}

/** GET a path of the API (e.g. "/api/runs?offset=0"). */
export async function get(path) {
  try {
    return await parse(await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" }));
  } catch (e) {
    return { ok: false, status: 0, error: { code: "NETWORK", message: String((e && e.message) || e) } };
  }
}

/** /api/info, asked once per page load (the CSRF token and `writes`). */
export function info() {
  if (!infoPromise) infoPromise = get("/api/info");
  return infoPromise;
}

/** POST JSON with the CSRF token /api/info gave (writes only). */
export async function post(path, body) {
  const i = await info();
  if (!i.ok) return i;
  try {
    return await parse(await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": i.data.csrf || "" },
      body: JSON.stringify(body),
    }));
  } catch (e) {
    return { ok: false, status: 0, error: { code: "NETWORK", message: String((e && e.message) || e) } };
  }
}

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    u.set(k, String(v));
  }
  const t = u.toString();
  return t ? "?" + t : "";
}

/** A path segment, escaped. */
export const seg = encodeURIComponent;
