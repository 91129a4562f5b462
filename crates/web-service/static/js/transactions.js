// The family's transactions, newest first: filters (account, category, kind,
// dates), "load more" by the API's cursor; a writer records one (an expense, an
// income or a transfer, between currencies too), edits one in place and deletes
// one (asked to confirm, on the same button). docs/web.md#transactions

import { finance, goToLogin, restoreSession } from "./api.js";
import { el, fillSelect, newKey, startFamilyPage, transactionItem } from "./family.js";
import { fieldProblem } from "./forms.js";
import { digitsOf, parseAmount } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

const PAGE = 20;

let family = null;
let accounts = [];
let categories = [];
let cursor = null;
let filters = new URLSearchParams();
/** The key of the transaction being recorded: the same for a retry, new once the form changes. */
let addKey = null;

const accountName = (id) => accounts.find((a) => a.id === id)?.name || "An account";
const categoryName = (id) => categories.find((c) => c.id === id)?.name || "A category";
const writer = () => family.role !== "viewer";

/** `YYYY-MM-DD` of `iso` in this browser's time zone. */
function localDate(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The instant for a date picked on the page: noon of that day here, so the family's
 * own day (its time zone may differ by some hours) is the same day.
 */
function dateToInstant(date) {
  return new Date(`${date}T12:00:00`).toISOString();
}

function accountOptions(list, withAll) {
  const options = list.map((a) => new Option(`${a.name} (${a.currency})${a.archived ? " · archived" : ""}`, a.id));
  return withAll ? [new Option("All accounts", ""), ...options] : options;
}

function categoryOptions(kind, withAll) {
  const list = categories.filter((c) => (kind ? c.kind === kind : true) && (withAll || !c.archived));
  const label = (c) => {
    const parent = c.parent_id ? categories.find((p) => p.id === c.parent_id) : null;
    const name = parent ? `${parent.name} › ${c.name}` : c.name;
    return withAll ? `${name} (${c.kind})` : name;
  };
  const options = list.map((c) => new Option(label(c), c.id));
  return withAll ? [new Option("All categories", ""), ...options] : options;
}

/** The body of a transaction from a form's `values` (`kind` given), checked on the page as the API would. */
function bodyFrom(kind, values) {
  const body = {};
  const account = accounts.find((a) => a.id === values.account_id);
  if (!account) throw fieldProblem("account_id");
  body.account_id = account.id;
  const amount = parseAmount(values.amount, digitsOf(account.balance));
  if (amount === null) throw fieldProblem("amount", "invalid_amount");
  body.amount = amount;
  if (kind === "transfer") {
    const to = accounts.find((a) => a.id === values.to_account_id);
    if (!to || to.id === account.id) {
      throw fieldProblem("to_account_id", "invalid_value", "must be another account");
    }
    body.to_account_id = to.id;
    if (to.currency !== account.currency) {
      const toAmount = parseAmount(values.to_amount, digitsOf(to.balance));
      if (toAmount === null) throw fieldProblem("to_amount", "invalid_amount");
      body.to_amount = toAmount;
    }
  } else {
    if (!values.category_id) throw fieldProblem("category_id", "invalid_value", "is needed");
    body.category_id = values.category_id;
  }
  const note = (values.note || "").trim();
  body.note = note || null;
  return body;
}

/** Shows the fields a kind needs: a category, or the account the money goes to. */
function showKindFields(form, prefix) {
  const kind = form.elements.kind.value;
  const transfer = kind === "transfer";
  $(`#${prefix}-category-field`, form).hidden = transfer;
  $(`#${prefix}-to-field`, form).hidden = !transfer;
  if (!transfer) fillSelect($(`#${prefix}-category`, form), categoryOptions(kind, false));
  const from = accounts.find((a) => a.id === form.elements.account_id.value);
  const to = accounts.find((a) => a.id === form.elements.to_account_id.value);
  $(`#${prefix}-to-amount-field`, form).hidden = !(transfer && from && to && from.currency !== to.currency);
  $(`#${prefix}-account-label`, form).textContent = transfer ? "From account" : "Account";
}

function deleteButton(t, li) {
  const button = el("button", "Delete", "secondary delete");
  button.type = "button";
  const what = `${li.querySelector(".what").textContent}, ${li.querySelector(".amount").textContent}`;
  button.setAttribute("aria-label", `Delete ${what}`);
  button.addEventListener("click", async () => {
    if (button.dataset.confirm !== "true") {
      button.dataset.confirm = "true";
      button.textContent = "Really delete?";
      button.setAttribute("aria-label", `Really delete ${what}?`);
      return;
    }
    button.disabled = true;
    try {
      await finance("DELETE", `/families/${family.id}/transactions/${t.id}`);
      li.remove();
      say($("#status"), `Deleted: ${what}.`, "success");
      $("#no-transactions").hidden = $("#transaction-list").children.length > 0;
      await refreshAccounts();
    } catch (err) {
      button.disabled = false;
      say($("#status"), describe(err), "error");
    }
    $("#status").focus();
  });
  return button;
}

function field(id, label, input, name = label) {
  const div = el("div", undefined, "field");
  div.id = `${id}-field`;
  const l = el("label", label);
  l.htmlFor = id;
  l.dataset.name = name;
  l.id = `${id}-label`;
  input.id = id;
  const error = el("p", undefined, "field-error");
  error.id = `${id}-error`;
  error.setAttribute("role", "alert");
  error.hidden = true;
  input.setAttribute("aria-describedby", error.id);
  div.append(l, input, error);
  return div;
}

function textInput(name, value, inputmode) {
  const input = el("input");
  input.type = "text";
  input.name = name;
  input.value = value ?? "";
  input.autocomplete = "off";
  if (inputmode) input.inputMode = inputmode;
  return input;
}

function selectInput(name, options, value) {
  const select = el("select");
  select.name = name;
  select.replaceChildren(...options);
  if (value) select.value = value;
  return select;
}

/** Edit in place: the row becomes a form with the transaction's fields; Save or Cancel. */
function editRow(t, li) {
  for (const open of document.querySelectorAll("#transaction-list .inline-form")) open.closest("li").cancelEdit?.();
  const form = el("form", undefined, "inline-form filters");
  form.noValidate = true;
  form.setAttribute("aria-label", "Edit the transaction");
  const kind = el("input");
  kind.type = "hidden";
  kind.name = "kind";
  kind.value = t.kind;
  const date = el("input");
  date.type = "date";
  date.name = "date";
  date.value = localDate(t.occurred_at);
  const general = el("p", undefined, "form-error");
  general.setAttribute("role", "alert");
  general.tabIndex = -1;
  general.hidden = true;
  const save = el("button", "Save");
  save.type = "submit";
  const cancel = el("button", "Cancel", "secondary");
  cancel.type = "button";
  const actions = el("div", undefined, "actions");
  actions.append(general, save, cancel);
  form.append(
    kind,
    field("edit-amount", "Amount", textInput("amount", t.amount, "decimal")),
    field("edit-account", "Account", selectInput("account_id", accountOptions(accounts, false), t.account_id)),
    field("edit-category", "Category", selectInput("category_id", categoryOptions(t.kind === "transfer" ? "expense" : t.kind, false), t.category_id)),
    field("edit-to", "To account", selectInput("to_account_id", accountOptions(accounts, false), t.to_account_id)),
    field("edit-to-amount", "Amount arriving", textInput("to_amount", t.to_amount, "decimal")),
    field("edit-date", "Date", date),
    field("edit-note", "Note (optional)", textInput("note", t.note), "Note"),
    actions,
  );
  // An archived category or account of this transaction stays choosable for it.
  const category = form.elements.category_id;
  if (t.category_id && category.value !== t.category_id) {
    category.append(new Option(categoryName(t.category_id), t.category_id, true, true));
  }
  showKindFields(form, "edit");
  form.addEventListener("change", () => showKindFields(form, "edit"));
  const shown = [...li.children];
  for (const child of shown) child.hidden = true;
  li.append(form);
  li.cancelEdit = () => {
    form.remove();
    for (const child of shown) child.hidden = false;
    li.cancelEdit = null;
  };
  const leave = () => {
    li.cancelEdit();
    li.querySelector("button.edit")?.focus();
  };
  cancel.addEventListener("click", leave);
  // Escape leaves the form as Cancel does.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") leave();
  });
  onSubmit(form, async (values) => {
    const body = bodyFrom(t.kind, values);
    if (t.kind === "transfer" && body.to_amount === undefined) delete body.to_amount;
    if (values.date && values.date !== localDate(t.occurred_at)) body.occurred_at = dateToInstant(values.date);
    const changed = await finance("PATCH", `/families/${family.id}/transactions/${t.id}`, body);
    const row = rowOf(changed);
    li.replaceWith(row);
    say($("#status"), "Saved.", "success");
    await refreshAccounts();
    row.querySelector("button.edit")?.focus();
  });
  form.elements.amount.focus();
}

function rowOf(t) {
  const li = transactionItem(
    t,
    accountName,
    categoryName,
    (id) => accounts.find((a) => a.id === id)?.currency,
    family.time_zone,
  );
  if (writer()) {
    const actions = el("div", undefined, "row-actions");
    const edit = el("button", "Edit", "secondary edit");
    edit.type = "button";
    edit.setAttribute("aria-label", `Edit ${li.querySelector(".what").textContent}, ${li.querySelector(".amount").textContent}`);
    edit.addEventListener("click", () => editRow(t, li));
    actions.append(edit, deleteButton(t, li));
    li.append(actions);
  }
  return li;
}

async function loadMore() {
  const query = new URLSearchParams(filters);
  query.set("limit", String(PAGE));
  if (cursor) query.set("cursor", cursor);
  const page = await finance("GET", `/families/${family.id}/transactions?${query}`);
  for (const t of page.items) $("#transaction-list").append(rowOf(t));
  cursor = page.next_cursor;
  $("#load-more").hidden = !cursor;
  $("#no-transactions").textContent = filters.size ? "Nothing matches these filters." : "Nothing recorded yet.";
  $("#no-transactions").hidden = $("#transaction-list").children.length > 0;
}

async function refreshAccounts() {
  accounts = (await finance("GET", `/families/${family.id}/accounts`)).items;
}

async function relist() {
  cursor = null;
  $("#transaction-list").replaceChildren();
  await loadMore();
}

async function show() {
  await prepare();
  await relist();
}

/** The family's accounts and categories, into the filters and the form. */
async function prepare() {
  const base = `/families/${family.id}`;
  const [accountList, categoryList] = await Promise.all([
    finance("GET", `${base}/accounts`),
    finance("GET", `${base}/categories`),
  ]);
  accounts = accountList.items;
  categories = categoryList.items;
  $("#family-line").textContent = family.name;
  fillSelect($("#filter-account"), accountOptions(accounts, true));
  fillSelect($("#filter-category"), categoryOptions(null, true));
  const open = accounts.filter((a) => !a.archived);
  $("#add").hidden = !writer() || open.length === 0;
  $("#need-account").hidden = !writer() || open.length > 0;
  const form = $("#add-form");
  fillSelect($("#add-account"), accountOptions(open, false));
  fillSelect($("#add-to"), accountOptions(open, false));
  if (form.elements.to_account_id.value === form.elements.account_id.value && open.length > 1) {
    form.elements.to_account_id.value = open.find((a) => a.id !== form.elements.account_id.value).id;
  }
  showKindFields(form, "add");
}

async function run(work) {
  try {
    await work();
  } catch (err) {
    say($("#status"), describe(err), "error");
  }
}

$("#load-more").addEventListener("click", () =>
  run(async () => {
    const before = $("#transaction-list").children.length;
    await loadMore();
    // The first new one gets the focus, so a keyboard goes on from there.
    const first = $("#transaction-list").children[before];
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  }),
);

const FILTERS = ["account_id", "category_id", "kind", "from", "to"];

/** The filters in the address too, so a filtered list can be linked to and reloaded. */
function keepInAddress() {
  const query = filters.toString();
  history.replaceState(null, "", query ? `/transactions?${query}` : "/transactions");
}

/** The filters a link came with (the reports' and budgets' links), put into the form. */
function filtersFromAddress() {
  const given = new URLSearchParams(location.search);
  filters = new URLSearchParams();
  for (const name of FILTERS) {
    const value = given.get(name);
    if (!value) continue;
    filters.set(name, value);
    const input = $("#filter-form").elements[name];
    if (input) input.value = value;
  }
}

onSubmit($("#filter-form"), async (values) => {
  const next = new URLSearchParams();
  for (const name of FILTERS) {
    if (values[name]) next.set(name, values[name]);
  }
  if (values.from && values.to && values.from > values.to) {
    throw fieldProblem("to", "invalid_value", "must be on or after From");
  }
  filters = next;
  keepInAddress();
  say($("#status"), "");
  await relist();
});

$("#filter-clear").addEventListener("click", () =>
  run(async () => {
    $("#filter-form").reset();
    filters = new URLSearchParams();
    keepInAddress();
    await relist();
  }),
);

const addForm = $("#add-form");
addForm.addEventListener("input", () => {
  addKey = null;
});
addForm.addEventListener("change", () => showKindFields(addForm, "add"));
onSubmit(addForm, async (values) => {
  say($("#status"), "");
  const body = { kind: values.kind, ...bodyFrom(values.kind, values) };
  if (body.note === null) delete body.note;
  if (values.date) body.occurred_at = dateToInstant(values.date);
  addKey ??= newKey();
  await finance("POST", `/families/${family.id}/transactions`, body, { "Idempotency-Key": addKey });
  addKey = null;
  for (const name of ["amount", "to_amount", "note"]) addForm.elements[name].value = "";
  await refreshAccounts();
  await relist();
  say($("#status"), "Recorded.", "success");
  addForm.elements.amount.focus();
});

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, (chosen) => {
    family = chosen;
    filters = new URLSearchParams();
    keepInAddress();
    $("#filter-form").reset();
    say($("#status"), "");
    run(show);
  });
  if (!family) return;
  // The selects get their options first, then the choice the address names.
  await prepare();
  filtersFromAddress();
  await relist();
});
