import { api, restoreSession, setUser } from "./api.js";
import { $, describe, param, say } from "./ui.js";

const code = param("code");
const here = location.pathname + location.search;

function show(id) {
  for (const section of ["#need-account", "#confirm", "#result"]) {
    $(section).hidden = section !== id;
  }
  $("#loading").hidden = true;
}

function result(text, kind, backToTelegram) {
  show("#result");
  const el = $("#result-text");
  say(el, text, kind);
  $("#telegram-hint").hidden = !backToTelegram;
  el.focus();
}

/** "Ann (@ann)", "@ann", "Ann (Telegram user 42)" or "Telegram user 42". */
function telegramName(t) {
  if (t.username && t.first_name) return `${t.first_name} (@${t.username})`;
  if (t.username) return `@${t.username}`;
  if (t.first_name) return `${t.first_name} (Telegram user ${t.telegram_id})`;
  return `Telegram user ${t.telegram_id}`;
}

async function start() {
  if (!code) {
    result("This link has no code. Send /link to the bot in Telegram to get a new link.", "error", true);
    return;
  }
  let user;
  try {
    user = await restoreSession();
  } catch (err) {
    result(describe(err), "error", false);
    return;
  }
  if (!user) {
    $("#login-link").href = `/login?next=${encodeURIComponent(here)}`;
    $("#signup-link").href = `/signup?next=${encodeURIComponent(here)}`;
    show("#need-account");
    return;
  }
  $("#who").textContent = user.email || user.display_name || "you";
  // Whom the code would link, before anything is confirmed.
  let telegram;
  try {
    telegram = await api("POST", "/telegram/inspect", { code });
  } catch (err) {
    if (err.code === "invalid_code") {
      result(
        "This link has expired or was already used. Send /link to the bot in Telegram to get a new one.",
        "error",
        true,
      );
    } else if (err.status !== 401) {
      result(describe(err), "error", false);
    }
    return;
  }
  $("#telegram-who").textContent = telegramName(telegram);
  show("#confirm");
  const button = $("#confirm-button");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const before = user.telegram_id;
    try {
      const linked = await api("POST", "/telegram/confirm", { code });
      setUser(linked);
      const who = linked.telegram_username ? `@${linked.telegram_username}` : "Your Telegram account";
      if (before !== null && before === linked.telegram_id) {
        result(`${who} was already linked to your account. Nothing changed.`, "success", true);
      } else {
        result(`Linked! ${who} is now linked to your account.`, "success", true);
      }
    } catch (err) {
      if (err.code === "invalid_code") {
        result(
          "This link has expired or was already used. Send /link to the bot in Telegram to get a new one.",
          "error",
          true,
        );
      } else if (err.code === "telegram_already_linked") {
        result(
          before !== null
            ? "Your account is already linked to a different Telegram account. Nothing changed."
            : "This Telegram account is linked to another account. Log in to that account instead, or link a different Telegram account.",
          "error",
          true,
        );
      } else if (err.status !== 401) {
        say($("#confirm-error"), describe(err), "error");
        $("#confirm-error").focus();
        button.disabled = false;
      }
    }
  });
}

await start();
