// The family: its members and their roles (an owner changes them, removes a
// member; anyone leaves), invites with a link to copy and the bot's deep link (or
// the message to send it, when the service does not know the bot's username), the
// family's settings (an owner's), and starting another family.
// docs/web.md#the-family

import { finance, goToLogin, restoreSession, user } from "./api.js";
import { chooseFamily, el, startFamilyPage } from "./family.js";
import { fieldProblem, rowButton } from "./forms.js";
import { $, describe, onSubmit, say } from "./ui.js";

const ROLES = [
  ["owner", "Owner"],
  ["member", "Member"],
  ["viewer", "Viewer"],
];
const roleName = (role) => ROLES.find(([r]) => r === role)?.[1] || role;
const aRole = (role) => ({ owner: "an owner", member: "a member", viewer: "a viewer" })[role] || role;

let family = null;

const owner = () => family.role === "owner";
const base = () => `/families/${family.id}`;

async function run(work) {
  try {
    await work();
  } catch (err) {
    say($("#status"), describe(err, { in_use: "A family always keeps one owner: make someone else an owner first." }), "error");
    $("#status").focus();
  }
}

function memberItem(m) {
  const me = m.user_id === user()?.id;
  // The API gives only display names; for oneself the email stands in for a missing one.
  const name = m.display_name || (me && user()?.email) || "A member without a name";
  const li = el("li", undefined, "session member");
  li.dataset.id = m.user_id;
  const who = el("div");
  who.append(el("strong", me ? `${name} (you)` : name), el("p", `${roleName(m.role)} · joined ${new Date(m.joined_at).toLocaleDateString()}`, "muted role"));
  li.append(who);
  const actions = el("div", undefined, "row-actions");
  if (owner()) {
    const select = el("select");
    select.id = `role-${m.user_id}`;
    select.replaceChildren(...ROLES.map(([value, text]) => new Option(text, value, false, value === m.role)));
    const label = el("label", `Role of ${name}`, "visually-hidden");
    label.htmlFor = select.id;
    const change = rowButton("Change the role", `Change the role of ${name}`, () =>
      run(async () => {
        await finance("PATCH", `${base()}/members/${m.user_id}`, { role: select.value });
        say($("#status"), `${name} is ${aRole(select.value)} now.`, "success");
        await showMembers();
      }),
    );
    actions.append(label, select, change);
  }
  if (owner() && !me) {
    const remove = rowButton("Remove", `Remove ${name} from the family`, () =>
      run(async () => {
        if (remove.dataset.confirm !== "true") {
          remove.dataset.confirm = "true";
          remove.textContent = "Really remove?";
          return;
        }
        await finance("DELETE", `${base()}/members/${m.user_id}`);
        say($("#status"), `Removed ${name} from the family.`, "success");
        await showMembers();
      }),
    );
    actions.append(remove);
  }
  if (me) {
    const leave = rowButton("Leave the family", `Leave ${family.name}`, () =>
      run(async () => {
        if (leave.dataset.confirm !== "true") {
          leave.dataset.confirm = "true";
          leave.textContent = "Really leave?";
          return;
        }
        await finance("DELETE", `${base()}/members/${m.user_id}`);
        localStorage.removeItem("fb-family");
        location.assign("/");
      }),
    );
    actions.append(leave);
  }
  li.append(actions);
  return li;
}

async function showMembers() {
  const { items } = await finance("GET", `${base()}/members`);
  $("#member-list").replaceChildren(...items.map(memberItem));
}

function fillSettings() {
  const form = $("#settings-form");
  form.elements.name.value = family.name;
  form.elements.base_currency.value = family.base_currency;
  form.elements.time_zone.value = family.time_zone;
  form.elements.month_start_day.value = String(family.month_start_day);
}

async function show() {
  $("#family-line").textContent = `${family.name} · you are ${aRole(family.role)} here`;
  for (const section of document.querySelectorAll(".owner-only")) section.hidden = !owner();
  $("#invite").hidden = true;
  fillSettings();
  await showMembers();
}

async function copy(input) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    say($("#copy-status"), "Copied.", "success");
  } catch {
    say($("#copy-status"), "Copy it from the field: it is selected.", "info");
  }
}

// The bot's username (TELEGRAM_BOT_USERNAME), from GET /config.json; null when the
// service is not told it, or the answer does not come.
let botUsername = null;
const pageConfig = fetch("/config.json")
  .then((response) => (response.ok ? response.json() : {}))
  .then((config) => {
    botUsername = typeof config.telegram_bot_username === "string" ? config.telegram_bot_username : null;
  })
  .catch(() => {});

// With the bot's username, its deep link; without, the message that does the same:
// /start with this payload, sent to the bot, joins.
function showTelegram(startPayload) {
  const open = $("#invite-telegram-open");
  if (botUsername) {
    const link = `https://t.me/${encodeURIComponent(botUsername)}?start=${encodeURIComponent(startPayload)}`;
    $("#invite-telegram-label").textContent = "Or the link for Telegram: it opens the bot, which joins them";
    $("#invite-telegram").value = link;
    $("#copy-telegram").textContent = "Copy the Telegram link";
    open.href = link;
    open.hidden = false;
  } else {
    $("#invite-telegram").value = `/start ${startPayload}`;
    open.hidden = true;
  }
}

onSubmit($("#invite-form"), async (values) => {
  const invite = await finance("POST", `${base()}/invites`, { role: values.role });
  await pageConfig;
  $("#invite-link").value = invite.link_url;
  showTelegram(invite.start_payload);
  $("#invite-expires").textContent = new Date(invite.expires_at).toLocaleString();
  say($("#copy-status"), "");
  $("#invite").hidden = false;
  $("#invite-link").focus();
  $("#invite-link").select();
});
$("#copy-link").addEventListener("click", () => copy($("#invite-link")));
$("#copy-telegram").addEventListener("click", () => copy($("#invite-telegram")));

onSubmit($("#settings-form"), async (values) => {
  const day = Number(values.month_start_day);
  if (!Number.isInteger(day) || day < 1 || day > 28) {
    throw fieldProblem("month_start_day", "invalid_value", "must be a day from 1 to 28");
  }
  family = await finance("PATCH", base(), {
    name: values.name.trim(),
    base_currency: values.base_currency.trim().toUpperCase(),
    time_zone: values.time_zone.trim(),
    month_start_day: day,
  });
  await chooseFamily(switched);
  await show();
  say($("#status"), "Saved the settings.", "success");
});

onSubmit($("#new-family-form"), async (values) => {
  const made = await finance("POST", "/families", {
    name: values.name.trim(),
    base_currency: values.base_currency.trim().toUpperCase() || "EUR",
  });
  localStorage.setItem("fb-family", made.id);
  $("#new-family-form").reset();
  family = await chooseFamily(switched);
  await show();
  say($("#status"), `Started ${made.name}. It is the family shown now.`, "success");
});

function switched(chosen) {
  family = chosen;
  say($("#status"), "");
  run(show);
}

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, switched);
  if (family) await show();
});
