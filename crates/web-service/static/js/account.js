import { api, goToLogin, logout, logoutEverywhere, restoreSession, user } from "./api.js";
import { showNav } from "./family.js";
import { $, describe, onSubmit, say } from "./ui.js";

const pageError = $("#page-error");

function showPageError(err) {
  if (err.status === 401) return; // already on the way to the login page
  say(pageError, describe(err), "error");
  pageError.focus();
}

function renderUser(u) {
  $("#display-name").textContent = u.display_name || "—";
  $("#email").textContent = u.email || "no email address";
  const state = $("#email-state");
  state.hidden = !u.email;
  state.textContent = u.email_verified ? "verified" : "not verified";
  state.dataset.kind = u.email_verified ? "success" : "warning";
  $("#verify").hidden = !u.email || u.email_verified;
  $("#telegram-state").textContent = u.telegram_id
    ? `Linked: ${u.telegram_username ? `@${u.telegram_username}` : `Telegram user ${u.telegram_id}`}.`
    : "Not linked. To link it, send /link to the bot in Telegram and open the link it sends you.";
  // Unlinking would leave an account without email no way in.
  $("#unlink-button").hidden = !u.telegram_id || !u.email;
}

/** "Chrome on Linux" from a User-Agent header, or the header itself. */
function device(agent) {
  if (!agent) return "Unknown device";
  const browser = [
    ["Edg/", "Edge"],
    ["Firefox/", "Firefox"],
    ["Chrome/", "Chrome"],
    ["Safari/", "Safari"],
  ].find(([mark]) => agent.includes(mark))?.[1];
  const system = [
    ["Android", "Android"],
    ["iPhone", "iPhone"],
    ["iPad", "iPad"],
    ["Windows", "Windows"],
    ["Mac OS X", "macOS"],
    ["Linux", "Linux"],
  ].find(([mark]) => agent.includes(mark))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser || system || agent.slice(0, 60);
}

/** "2 minutes ago", "yesterday", "3 weeks ago": how long ago `timestamp` was. */
function ago(timestamp, now = Date.now()) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  const secs = Math.round((date.getTime() - now) / 1000);
  const words = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const units = [
    ["year", 365 * 86400],
    ["month", 30 * 86400],
    ["week", 7 * 86400],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(secs) >= size) return words.format(Math.trunc(secs / size), unit);
  }
  return "just now";
}

function when(timestamp) {
  return ago(timestamp);
}

async function loadSessions() {
  const { sessions } = await api("GET", "/sessions");
  const list = $("#sessions");
  list.replaceChildren();
  for (const s of sessions) {
    const item = document.createElement("li");
    item.className = "session";
    item.dataset.sessionId = s.id;
    const about = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = device(s.user_agent);
    about.append(title);
    if (s.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.kind = "success";
      badge.textContent = "this device";
      about.append(" ", badge);
    }
    const details = document.createElement("p");
    details.className = "muted";
    details.textContent = `Signed in ${when(s.created_at)}${s.ip ? ` from ${s.ip}` : ""} · last active ${when(s.last_used_at)}`;
    // The exact times on hover and for assistive technology.
    details.title = `Signed in ${new Date(s.created_at).toLocaleString()}, last active ${new Date(s.last_used_at).toLocaleString()}`;
    about.append(details);
    const end = document.createElement("button");
    end.type = "button";
    end.className = "secondary";
    end.textContent = s.current ? "Log out here" : "End this session";
    end.setAttribute("aria-label", `${end.textContent}: ${title.textContent}, signed in ${when(s.created_at)}`);
    end.addEventListener("click", () => endSession(s, end));
    item.append(about, end);
    list.append(item);
  }
}

async function endSession(session, button) {
  button.disabled = true;
  const status = $("#sessions-status");
  try {
    if (session.current) {
      await logout();
      location.assign("/login?logged_out=here");
      return;
    }
    await api("DELETE", `/sessions/${encodeURIComponent(session.id)}`);
    say(status, "The session was ended: that device is signed out.", "success");
    await loadSessions();
  } catch (err) {
    say(status, describe(err, { not_found: "That session had ended already." }), "error");
    button.disabled = false;
    await loadSessions().catch(() => {});
  }
}

$("#logout-button").addEventListener("click", async () => {
  try {
    await logout();
  } catch {
    // Signed out here either way: the cookie is gone or the session was over.
  }
  location.assign("/login?logged_out=here");
});

$("#logout-all-button").addEventListener("click", async () => {
  try {
    await logoutEverywhere();
    location.assign("/login?logged_out=everywhere");
  } catch (err) {
    say($("#sessions-status"), describe(err), "error");
  }
});

$("#unlink-button").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  const status = $("#telegram-status");
  try {
    await api("DELETE", "/telegram");
    renderUser(await api("GET", "/me"));
    say(status, "Telegram is unlinked: the bot is signed out of your account.", "success");
    await loadSessions();
  } catch (err) {
    say(status, describe(err, { telegram_only: "Telegram is this account's only way in: it stays linked." }), "error");
  } finally {
    button.disabled = false;
  }
});

$("#resend-button").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  const status = $("#verify-status");
  try {
    await api("POST", "/email/verify/send");
    say(status, `We sent a new verification email to ${user().email}.`, "success");
  } catch (err) {
    say(status, describe(err), "error");
  } finally {
    button.disabled = false;
  }
});

onSubmit($("#password-form"), async (values) => {
  await api("POST", "/password/change", values);
  $("#password-form").reset();
  say($("#password-status"), "Your password is changed. Your other sessions were signed out.", "success");
  await loadSessions();
}, { invalid_credentials: "The current password is wrong." });

try {
  const u = await restoreSession();
  if (!u) {
    goToLogin();
  } else {
    showNav();
    renderUser(u);
    $("#account").hidden = false;
    await loadSessions();
  }
} catch (err) {
  showPageError(err);
} finally {
  $("#loading").hidden = true;
}
