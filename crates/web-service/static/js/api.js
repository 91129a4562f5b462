// The page's side of the auth API, through this origin's proxy (docs/web.md).
//
// The access token lives in this module's memory only. The refresh token is an
// HttpOnly cookie the page never sees: `refresh()` sends `{}` and the web service
// fills in the cookie's token. Tokens are renewed a minute before they expire,
// and on page load to restore the session.

const BASE = "/api/v1/auth";
/** The finance API, passed on by this origin as it is (docs/web.md). */
const FINANCE_BASE = "/api/v1";
const REFRESH_MARGIN_SECS = 60;

let accessToken = null;
let currentUser = null;
let refreshTimer = null;

/** An answer of the API that is not a success, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || (status === 0 ? "network" : "unknown");
    this.fieldErrors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.retryAfter = retryAfter;
  }
}

async function send(method, path, body, withToken, base = BASE, extra = {}) {
  const headers = { Accept: "application/json", ...extra };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (withToken && accessToken) {
    headers.Authorization = `Bearer ${accessToken}`;
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch {
    throw new ApiError(0, null, null);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, data, response.headers.get("Retry-After"));
  }
  return data;
}

function remember(tokens) {
  accessToken = tokens.access_token;
  currentUser = tokens.user;
  clearTimeout(refreshTimer);
  const inSecs = Math.max(5, (tokens.expires_in || 0) - REFRESH_MARGIN_SECS);
  refreshTimer = setTimeout(async () => {
    try {
      if (!(await refresh())) goToLogin();
    } catch {
      // Unreachable for now: try again later; a 401 on the next call decides.
      refreshTimer = setTimeout(() => refresh().catch(() => {}), 10_000);
    }
  }, inSecs * 1000);
}

function forget() {
  accessToken = null;
  currentUser = null;
  clearTimeout(refreshTimer);
}

/**
 * Renews the tokens from the cookie. True when signed in, false when there is no
 * live session. Refreshes of every tab are serialised (Web Locks), so two tabs never
 * present the same refresh token — that would end the session as a reuse.
 */
export async function refresh() {
  const work = async () => {
    try {
      remember(await send("POST", "/token/refresh", {}, false));
      return true;
    } catch (err) {
      if (err.status === 401) {
        forget();
        return false;
      }
      throw err;
    }
  };
  if (navigator.locks?.request) {
    return navigator.locks.request("fb-refresh", work);
  }
  return work();
}

/** The signed-in user after restoring the session from the cookie, or null. */
export async function restoreSession() {
  return (await refresh()) ? currentUser : null;
}

export function user() {
  return currentUser;
}

/** Runs `call` with the access token; renews it once on a 401, then gives up to the login page. */
async function authorised(call) {
  try {
    return await call();
  } catch (err) {
    // Only an expired or revoked token is renewed; a wrong password (401
    // invalid_credentials) is the caller's to show.
    if (err.code !== "unauthorized") throw err;
  }
  if (!(await refresh())) {
    goToLogin();
    throw new ApiError(401, { code: "unauthorized" }, null);
  }
  try {
    return await call();
  } catch (err) {
    if (err.code === "unauthorized") goToLogin();
    throw err;
  }
}

/** A call of the auth API that needs the access token. */
export function api(method, path, body) {
  return authorised(() => send(method, path, body, true));
}

/**
 * A call of the finance API (`path` from `/families…` or `/invites/…`) with the
 * access token; `headers` adds e.g. an `Idempotency-Key`.
 */
export function finance(method, path, body, headers = {}) {
  return authorised(() => send(method, path, body, true, FINANCE_BASE, headers));
}

/**
 * A file of the finance API (the report's CSV) with the access token: its text
 * and the file name the API gives it (`Content-Disposition`), or `fallback`.
 */
export function financeFile(path, fallback) {
  return authorised(async () => {
    let response;
    try {
      response = await fetch(FINANCE_BASE + path, {
        headers: { Authorization: `Bearer ${accessToken}` },
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, null, null);
    }
    if (!response.ok) {
      let problem = null;
      try {
        problem = await response.json();
      } catch {
        problem = null;
      }
      throw new ApiError(response.status, problem, response.headers.get("Retry-After"));
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || fallback;
    return { text: await response.text(), name };
  });
}

export async function login(email, password) {
  remember(await send("POST", "/login", { email, password }, false));
  return currentUser;
}

export async function register(fields) {
  remember(await send("POST", "/register", fields, false));
  return currentUser;
}

/** A public endpoint (no token): email verification, password recovery. */
export function publicCall(path, body) {
  return send("POST", path, body, false);
}

export async function logout() {
  try {
    await api("POST", "/logout");
  } finally {
    forget();
  }
}

export async function logoutEverywhere() {
  try {
    await api("POST", "/logout-all");
  } finally {
    forget();
  }
}

export function setUser(next) {
  currentUser = next;
}

/**
 * `raw` when it is a path of this site, otherwise `fallback` (no open
 * redirects). The fallback is the home page: the family's overview.
 */
export function safeNext(raw, fallback = "/") {
  if (typeof raw !== "string" || !raw.startsWith("/")) return fallback;
  // Parsed as the browser will parse it (tabs and newlines dropped, backslashes
  // read as slashes), and kept only when it stays on this origin.
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== location.origin) return fallback;
  return url.pathname + url.search + url.hash;
}

/** Sends the person to log in, coming back here afterwards. */
export function goToLogin(next = location.pathname + location.search) {
  forget();
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}
