// `/join?code=`: the web link of a family invite. Signed out: log in or sign up
// first, the code carried through `next`; signed in: Join, then the family is the
// one shown. docs/web.md#the-family

import { finance, restoreSession } from "./api.js";
import { $, describe, param, say } from "./ui.js";

const code = param("code");
const here = location.pathname + location.search;

function show(id) {
  for (const section of ["#need-account", "#confirm", "#result"]) $(section).hidden = section !== id;
  $("#loading").hidden = true;
}

function result(text, kind, joined) {
  show("#result");
  say($("#result-text"), text, kind);
  $("#to-overview").hidden = !joined;
  $("#result-text").focus();
}

async function start() {
  if (!code) {
    result("This link has no invite code. Ask for a new invite.", "error", false);
    return;
  }
  const user = await restoreSession();
  if (!user) {
    const next = encodeURIComponent(here);
    $("#login-link").href = `/login?next=${next}`;
    $("#signup-link").href = `/signup?next=${next}`;
    show("#need-account");
    return;
  }
  $("#who").textContent = user.display_name || user.email || user.telegram_username || "you";
  show("#confirm");
  $("#join-button").addEventListener("click", async () => {
    const button = $("#join-button");
    button.disabled = true;
    try {
      const family = await finance("POST", `/invites/${encodeURIComponent(code)}/accept`);
      // The family just joined is the one the pages show next.
      localStorage.setItem("fb-family", family.id);
      const role = { owner: "an owner", member: "a member", viewer: "a viewer" }[family.role] || family.role;
      result(`You are in ${family.name}, as ${role}.`, "success", true);
    } catch (err) {
      button.disabled = false;
      const text = describe(err, {
        invalid_code: "This invite has expired or was already used. Ask for a new one.",
        not_found: "This invite has expired or was already used. Ask for a new one.",
      });
      say($("#join-error"), text, "error");
      $("#join-error").focus();
    }
  });
}

try {
  await start();
} catch (err) {
  result(describe(err), "error", false);
}
