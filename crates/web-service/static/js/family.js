// What the family pages share: the family chosen in the header's switcher, and
// a transaction as a list item.

import { finance, logout } from "./api.js";
import { formatMoney, sum } from "./money.js";
import { $ } from "./ui.js";

const FAMILY_KEY = "fb-family";

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * The family to show: the one chosen last (kept in localStorage), else the first.
 * The header's switcher lists them when there are several; `onSwitch` runs after
 * the person picks another.
 */
let families = [];

export async function chooseFamily(onSwitch) {
  const { items } = await finance("GET", "/families");
  families = items;
  const saved = localStorage.getItem(FAMILY_KEY);
  const family = items.find((f) => f.id === saved) || items[0];
  const select = $("#family-select");
  select.replaceChildren(...items.map((f) => new Option(f.name, f.id, false, f.id === family.id)));
  $("#family-switch").hidden = items.length < 2;
  showNav();
  if (onSwitch && !select.dataset.wired) {
    select.dataset.wired = "true";
    select.addEventListener("change", () => {
      localStorage.setItem(FAMILY_KEY, select.value);
      // The list of the latest call: a family made or renamed since is found too.
      onSwitch(families.find((f) => f.id === select.value));
    });
  }
  return family;
}

/** The day of `instant` in the family's time zone (as its reports count it), in this browser's words. */
export function dayOf(instant, timeZone) {
  try {
    return new Date(instant).toLocaleDateString(undefined, { timeZone });
  } catch {
    return new Date(instant).toLocaleDateString();
  }
}

/** One transaction: date, what, note, signed amount (and what arrived, between currencies). */
export function transactionItem(t, accountName, categoryName, currencyOf, timeZone) {
  const li = el("li", undefined, "transaction");
  li.dataset.kind = t.kind;
  li.dataset.id = t.id;
  const what =
    t.kind === "transfer"
      ? `Transfer ${accountName(t.account_id)} → ${accountName(t.to_account_id)}`
      : `${categoryName(t.category_id)} · ${accountName(t.account_id)}`;
  const sign = t.kind === "expense" ? "−" : t.kind === "income" ? "+" : "";
  const main = el("div");
  main.append(el("span", what, "what"));
  if (t.note) main.append(el("span", t.note, "note muted"));
  const date = el("time", dayOf(t.occurred_at, timeZone), "muted");
  date.dateTime = t.occurred_at;
  // A transfer between currencies says what arrived too.
  const toCurrency = t.to_amount && currencyOf ? currencyOf(t.to_account_id) : null;
  const arrived = toCurrency ? ` → ${formatMoney(t.to_amount, toCurrency)}` : "";
  li.append(date, main, el("span", sign + formatMoney(t.amount, t.currency) + arrived, "num amount"));
  return li;
}

/** Shows the family pages' links in the header, the current one marked. */
export function showNav() {
  const nav = $("#app-nav");
  if (!nav) return;
  nav.hidden = false;
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === location.pathname) a.setAttribute("aria-current", "page");
  }
  const button = $("#nav-logout");
  if (button && !button.dataset.wired) {
    button.dataset.wired = "true";
    button.addEventListener("click", async () => {
      try {
        await logout();
      } catch {
        // Signed out here either way: the cookie is gone or the session was over.
      }
      location.assign("/login?logged_out=here");
    });
  }
}

/** A fresh Idempotency-Key: the same for a retry of one attempt, new for the next. */
export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fills `select` with `options`, keeping its choice when it is still offered. */
export function fillSelect(select, options) {
  const before = select.value;
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === before)) select.value = before;
}

/**
 * A typed amount that may be negative or zero (an opening balance, a withdrawal) as
 * the contract's decimal string, or null. The currency's digits are the API's to check.
 */
export function signedAmount(typed) {
  const text = String(typed ?? "").trim();
  if (!/^-?[0-9]+([.,][0-9]+)?$/.test(text)) return null;
  return text.replace(",", ".");
}

/** One budget of `GET …/budgets/status` as a bar, amber from 80%, red from 100%, in words too. */
export function budgetItem(b, name) {
  const limit = sum([b.limit, b.carried_over]);
  const state = b.percent >= 100 ? "over" : b.percent >= 80 ? "warning" : "ok";
  const li = el("li", undefined, "budget");
  li.dataset.state = state;
  li.dataset.category = name;
  const head = el("div", undefined, "budget-head");
  head.append(
    el("span", name, "budget-name"),
    el("span", `${formatMoney(b.spent, b.currency)} of ${formatMoney(limit, b.currency)}`),
  );
  const bar = el("div", undefined, "bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.setAttribute("aria-valuenow", String(Math.min(b.percent, 100)));
  bar.setAttribute("aria-label", `${name}: ${b.percent}% of the budget spent`);
  const fill = el("span", undefined, "fill");
  // CSSOM, not a style attribute: allowed by the Content-Security-Policy.
  fill.style.width = `${Math.min(b.percent, 100)}%`;
  bar.append(fill);
  const remaining = b.remaining.startsWith("-") ? b.remaining.slice(1) : b.remaining;
  const words = {
    ok: `${b.percent}% spent, ${formatMoney(remaining, b.currency)} left`,
    warning: `Nearly spent: ${b.percent}%, ${formatMoney(remaining, b.currency)} left`,
    over:
      b.percent === 100 && !b.remaining.startsWith("-")
        ? "Used up: 100% spent"
        : `Over budget: ${b.percent}% spent, ${formatMoney(remaining, b.currency)} over`,
  };
  li.append(head, bar, el("p", words[state], "budget-note"));
  if (b.carried_over !== "0" && !/^0\.0*$/.test(b.carried_over)) {
    li.append(el("p", `Includes ${formatMoney(b.carried_over, b.currency)} carried over from last month`, "muted budget-note"));
  }
  return li;
}

/** A page's start: signed in (else to log in), the nav shown, the family chosen. */
export async function startFamilyPage(restoreSession, goToLogin, onSwitch) {
  if (!(await restoreSession())) {
    goToLogin();
    return null;
  }
  showNav();
  return chooseFamily(onSwitch);
}
