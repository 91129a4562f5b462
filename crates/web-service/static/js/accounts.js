// Accounts and categories: a writer adds, renames and archives them, sets an
// account's opening balance; the categories as a tree (a category inside
// another of its kind). docs/web.md#accounts-and-categories

import { finance, goToLogin, restoreSession } from "./api.js";
import { el, fillSelect, signedAmount, startFamilyPage } from "./family.js";
import { fieldProblem, inlineForm, rowButton } from "./forms.js";
import { formatMoney } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

const KINDS = [
  ["cash", "Cash"],
  ["bank", "Bank account"],
  ["card", "Card"],
  ["savings", "Savings"],
];

let family = null;
let accounts = [];
let categories = [];

const writer = () => family.role !== "viewer";
const base = () => `/families/${family.id}`;

async function run(work) {
  try {
    await work();
  } catch (err) {
    say($("#status"), describe(err), "error");
    $("#status").focus();
  }
}

function archiveButton(kindWord, thing, path, after) {
  const verb = thing.archived ? "Restore" : "Archive";
  return rowButton(verb, `${verb} ${thing.name}`, () =>
    run(async () => {
      await finance("PATCH", path, { archived: !thing.archived });
      await after();
      say($("#status"), `${thing.archived ? "Restored" : "Archived"} the ${kindWord} ${thing.name}.`, "success");
    }),
  );
}

function accountRow(a) {
  const row = el("tr");
  row.dataset.id = a.id;
  const name = el("th");
  name.scope = "row";
  name.append(el("span", a.name, "account-name"), " ");
  name.append(el("span", `${KINDS.find(([k]) => k === a.kind)?.[1] || a.kind} · ${a.currency}`, "muted"));
  if (a.archived) name.append(" ", el("span", "archived", "badge"));
  const actions = el("td");
  if (writer()) {
    const buttons = el("div", undefined, "row-actions");
    buttons.append(
      rowButton("Edit", `Edit ${a.name}`, () => editAccount(a, row)),
      archiveButton("account", a, `${base()}/accounts/${a.id}`, showAccounts),
    );
    actions.append(buttons);
  }
  const opening = el("td", formatMoney(a.opening_balance, a.currency), "num");
  opening.dataset.label = "Opening balance";
  const balance = el("td", formatMoney(a.balance, a.currency), "num balance");
  balance.dataset.label = "Balance";
  row.append(name, opening, balance, actions);
  return row;
}

function editAccount(a, row) {
  const formRow = el("tr");
  const cell = el("td");
  cell.colSpan = 4;
  const close = () => {
    formRow.remove();
    row.hidden = false;
  };
  const form = inlineForm(
    "edit-account",
    `Edit ${a.name}`,
    [
      { name: "name", label: "Name", value: a.name },
      { name: "kind", label: "Kind", type: "select", options: KINDS, value: a.kind },
      { name: "opening_balance", label: "Opening balance", type: "decimal", value: a.opening_balance },
    ],
    async (values) => {
      const opening = signedAmount(values.opening_balance);
      if (opening === null) throw fieldProblem("opening_balance", "invalid_amount");
      await finance("PATCH", `${base()}/accounts/${a.id}`, {
        name: values.name.trim(),
        kind: values.kind,
        opening_balance: opening,
      });
      await showAccounts();
      say($("#status"), `Saved the account ${values.name.trim()}.`, "success");
    },
    () => {
      close();
      row.querySelector("button")?.focus();
    },
  );
  cell.append(form);
  formRow.append(cell);
  row.hidden = true;
  row.after(formRow);
  form.elements.name.focus();
}

async function showAccounts() {
  accounts = (await finance("GET", `${base()}/accounts`)).items;
  $("#account-rows").replaceChildren(...accounts.map(accountRow));
  $("#no-accounts").hidden = accounts.length > 0;
}

function categoryItem(c) {
  const li = el("li");
  li.dataset.id = c.id;
  const item = el("div", undefined, "item");
  const name = el("span", c.name, "category-name");
  item.append(name);
  if (c.archived) name.append(" ", el("span", "archived", "badge"));
  if (writer()) {
    const buttons = el("div", undefined, "row-actions");
    buttons.append(
      rowButton("Rename or move", `Rename or move ${c.name}`, () => renameCategory(c, li, item)),
      archiveButton("category", c, `${base()}/categories/${c.id}`, showCategories),
    );
    item.append(buttons);
  }
  li.append(item);
  const children = categories.filter((k) => k.parent_id === c.id);
  if (children.length) {
    const ul = el("ul");
    ul.append(...children.map(categoryItem));
    li.append(ul);
  }
  return li;
}

function renameCategory(c, li, item) {
  const close = () => {
    form.remove();
    item.hidden = false;
  };
  // Any other main category of its kind may take it in (not one of its own subcategories).
  const parents = categories.filter((p) => p.kind === c.kind && !p.parent_id && p.id !== c.id && !p.archived);
  const fields = [{ name: "name", label: "Name", value: c.name }];
  if (!categories.some((k) => k.parent_id === c.id)) {
    fields.push({
      name: "parent_id",
      label: "Inside",
      type: "select",
      options: [["", "Nothing: a main category"], ...parents.map((p) => [p.id, p.name])],
      value: c.parent_id || "",
    });
  }
  const form = inlineForm(
    "rename-category",
    `Rename or move ${c.name}`,
    fields,
    async (values) => {
      const name = values.name.trim();
      const body = { name };
      if ("parent_id" in values) body.parent_id = values.parent_id || null;
      await finance("PATCH", `${base()}/categories/${c.id}`, body);
      await showCategories();
      const moved = "parent_id" in values && (values.parent_id || null) !== c.parent_id;
      say($("#status"), name === c.name ? `Saved ${name}.` : `Renamed ${c.name} to ${name}.`, "success");
      if (moved) say($("#status"), `${$("#status").textContent} It is ${values.parent_id ? "inside " + categories.find((p) => p.id === values.parent_id)?.name : "a main category"} now.`, "success");
    },
    () => {
      close();
      item.querySelector("button")?.focus();
    },
  );
  item.hidden = true;
  item.after(form);
  form.elements.name.focus();
}

function fillParents() {
  const kind = $("#category-kind").value;
  const tops = categories.filter((c) => c.kind === kind && !c.parent_id && !c.archived);
  fillSelect($("#category-parent"), [new Option("Nothing: a main category", ""), ...tops.map((c) => new Option(c.name, c.id))]);
}

async function showCategories() {
  categories = (await finance("GET", `${base()}/categories`)).items;
  const known = new Set(categories.map((c) => c.id));
  for (const kind of ["expense", "income"]) {
    const tops = categories.filter((c) => c.kind === kind && (!c.parent_id || !known.has(c.parent_id)));
    $(`#${kind}-tree`).replaceChildren(...tops.map(categoryItem));
  }
  fillParents();
}

async function show() {
  $("#family-line").textContent = writer()
    ? `${family.name} · new accounts in ${family.base_currency} unless you say otherwise`
    : family.name;
  for (const section of document.querySelectorAll(".writer-only")) section.hidden = !writer();
  $("#account-currency").placeholder = family.base_currency;
  await Promise.all([showAccounts(), showCategories()]);
}

onSubmit($("#account-form"), async (values) => {
  const body = { name: values.name.trim(), kind: values.kind };
  if (!body.name) throw fieldProblem("name", "invalid_value", "is needed");
  if (values.currency.trim()) body.currency = values.currency.trim().toUpperCase();
  if (values.opening_balance.trim()) {
    body.opening_balance = signedAmount(values.opening_balance);
    if (body.opening_balance === null) throw fieldProblem("opening_balance", "invalid_amount");
  }
  await finance("POST", `${base()}/accounts`, body);
  $("#account-form").reset();
  await showAccounts();
  say($("#status"), `Added the account ${body.name}.`, "success");
  $("#account-name").focus();
});

$("#category-kind").addEventListener("change", fillParents);
onSubmit($("#category-form"), async (values) => {
  const body = { name: values.name.trim(), kind: values.kind };
  if (!body.name) throw fieldProblem("name", "invalid_value", "is needed");
  if (values.parent_id) body.parent_id = values.parent_id;
  await finance("POST", `${base()}/categories`, body);
  $("#category-name").value = "";
  await showCategories();
  say($("#status"), `Added the category ${body.name}.`, "success");
  $("#category-name").focus();
});

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, (chosen) => {
    family = chosen;
    say($("#status"), "");
    run(show);
  });
  if (family) await show();
});
