// What the family pages share: the family chosen in the header's switcher, and
// a transaction as a list item.

import { finance } from "./api.js";
import { formatMoney } from "./money.js";
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
export async function chooseFamily(onSwitch) {
  const { items } = await finance("GET", "/families");
  const saved = localStorage.getItem(FAMILY_KEY);
  const family = items.find((f) => f.id === saved) || items[0];
  const select = $("#family-select");
  select.replaceChildren(...items.map((f) => new Option(f.name, f.id, false, f.id === family.id)));
  $("#family-switch").hidden = items.length < 2;
  if (onSwitch && !select.dataset.wired) {
    select.dataset.wired = "true";
    select.addEventListener("change", () => {
      localStorage.setItem(FAMILY_KEY, select.value);
      onSwitch(items.find((f) => f.id === select.value));
    });
  }
  return family;
}

/** One transaction: date, what, note, signed amount. */
export function transactionItem(t, accountName, categoryName) {
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
  const date = el("time", new Date(t.occurred_at).toLocaleDateString(), "muted");
  date.dateTime = t.occurred_at;
  li.append(date, main, el("span", sign + formatMoney(t.amount, t.currency), "num amount"));
  return li;
}
