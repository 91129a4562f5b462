// The home page: "sign up or log in" for a visitor; for a signed-in person, the
// family's overview — balances, this budget month's budgets, the latest
// transactions and a quick-add form (docs/web.md#the-overview).

import { ApiError, finance, restoreSession } from "./api.js";
import { budgetItem, chooseFamily, el, newKey, transactionItem } from "./family.js";
import { digitsOf, formatMoney, parseAmount, sum } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

const LATEST = 10;

let family = null;
let accounts = [];
let categories = [];
/** The key of the expense being recorded: the same for a retry, new once anything changes. */
let expenseKey = null;

/** A 422 for `field` found before sending, shown as the API's would be. */
function fieldProblem(field, code) {
  return new ApiError(422, {
    code: "validation_failed",
    errors: [{ field, code, message: "is not valid" }],
  });
}

function showBalances() {
  const rows = accounts
    .filter((a) => !a.archived)
    .map((a) => {
      const row = el("tr");
      const name = el("th", a.name);
      name.scope = "row";
      row.append(name, el("td", formatMoney(a.balance, a.currency), "num"));
      return row;
    });
  $("#account-rows").replaceChildren(...rows);
  const byCurrency = new Map();
  for (const a of accounts.filter((a) => !a.archived)) {
    byCurrency.set(a.currency, [...(byCurrency.get(a.currency) || []), a.balance]);
  }
  const totals = [...byCurrency].map(([currency, balances]) => {
    const row = el("tr", undefined, "total");
    const label = el("th", `Total ${currency}`);
    label.scope = "row";
    const total = el("td", formatMoney(sum(balances), currency), "num");
    total.dataset.currency = currency;
    row.append(label, total);
    return row;
  });
  $("#total-rows").replaceChildren(...totals);
}

function categoryName(id) {
  return categories.find((c) => c.id === id)?.name || "A category";
}

function showBudgets(status) {
  $("#budget-period").textContent = `${status.period.from} to ${status.period.to}`;
  const items = status.items.map((b) => budgetItem(b, categoryName(b.category_id)));
  $("#budget-list").replaceChildren(...items);
  $("#no-budgets").hidden = items.length > 0;
}

function showTransactions(list) {
  const accountName = (id) => accounts.find((a) => a.id === id)?.name || "An account";
  const items = list.items.map((t) => transactionItem(
    t,
    accountName,
    categoryName,
    (id) => accounts.find((a) => a.id === id)?.currency,
    family.time_zone,
  ));
  $("#transaction-list").replaceChildren(...items);
  $("#no-transactions").hidden = items.length > 0;
}

function fillQuickAdd() {
  const expense = categories.filter((c) => c.kind === "expense" && !c.archived);
  const open = accounts.filter((a) => !a.archived);
  const keep = (select, options) => {
    const before = select.value;
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === before)) select.value = before;
  };
  keep(
    $("#category_id"),
    expense.map((c) => new Option(c.name, c.id)),
  );
  keep(
    $("#account_id"),
    open.map((a) => new Option(`${a.name} (${a.currency})`, a.id)),
  );
}

/** Loads and shows the chosen family's overview. */
async function showOverview() {
  const base = `/families/${family.id}`;
  const [accountList, categoryList, status, latest] = await Promise.all([
    finance("GET", `${base}/accounts`),
    finance("GET", `${base}/categories`),
    finance("GET", `${base}/budgets/status`),
    finance("GET", `${base}/transactions?limit=${LATEST}`),
  ]);
  accounts = accountList.items;
  categories = categoryList.items;
  const writer = family.role !== "viewer";
  $("#family-line").textContent = `${family.name} · amounts in ${family.base_currency} unless marked`;
  const empty = accounts.length === 0;
  $("#empty-family").hidden = !empty || !writer;
  $("#overview").hidden = empty && writer;
  $("#quick-add").hidden = !writer;
  $("#viewer-note").hidden = writer;
  showBalances();
  fillQuickAdd();
  showBudgets(status);
  showTransactions(latest);
}

async function reload() {
  try {
    await showOverview();
  } catch (err) {
    say($("#overview-status"), describe(err), "error");
  }
}

function alertsInWords(alerts) {
  return alerts
    .map((a) =>
      a.threshold >= 100
        ? `${categoryName(a.category_id)} is over its budget.`
        : `${categoryName(a.category_id)} has used ${a.threshold}% of its budget.`,
    )
    .join(" ");
}

function wireForms() {
  const expenseForm = $("#expense-form");
  expenseForm.addEventListener("input", () => {
    expenseKey = null;
  });
  onSubmit(expenseForm, async (values) => {
    say($("#expense-status"), "");
    say($("#overview-status"), "");
    const account = accounts.find((a) => a.id === values.account_id);
    if (!account) throw fieldProblem("account_id", "invalid_value");
    const amount = parseAmount(values.amount, digitsOf(account.balance));
    if (amount === null) throw fieldProblem("amount", "invalid_amount");
    const body = {
      kind: "expense",
      account_id: account.id,
      category_id: values.category_id,
      amount,
    };
    if (values.note.trim()) body.note = values.note.trim();
    expenseKey ??= newKey();
    const made = await finance("POST", `/families/${family.id}/transactions`, body, {
      "Idempotency-Key": expenseKey,
    });
    expenseKey = null;
    expenseForm.elements.amount.value = "";
    expenseForm.elements.note.value = "";
    const recorded = `Recorded ${formatMoney(made.amount, made.currency)} for ${categoryName(made.category_id)} from ${account.name}.`;
    say($("#expense-status"), `${recorded} ${alertsInWords(made.budget_alerts || [])}`.trim(), "success");
    await reload();
    expenseForm.elements.amount.focus();
  });

  onSubmit($("#account-form"), async (values) => {
    const body = { name: values.name.trim(), kind: values.kind };
    if (values.opening_balance.trim()) {
      // The sign is the person's to give; the digits the currency's (the API checks them).
      const typed = values.opening_balance.trim();
      const negative = typed.startsWith("-");
      if (!/^-?[0-9]+([.,][0-9]+)?$/.test(typed)) throw fieldProblem("opening_balance", "invalid_amount");
      body.opening_balance = (negative ? "-" : "") + typed.replace("-", "").replace(",", ".");
    }
    await finance("POST", `/families/${family.id}/accounts`, body);
    $("#account-form").reset();
    await reload();
    say($("#overview-status"), `The account ${body.name} is ready. Record the first expense below.`, "success");
    $("#amount").focus();
  });
}

try {
  const user = await restoreSession();
  if (user) {
    const name = user.display_name || user.email || user.telegram_username;
    $("#welcome-name").textContent = name ? `, ${name}` : "";
    $("#lead").hidden = true;
    $("#signed-in").hidden = false;
    wireForms();
    try {
      family = await chooseFamily(async (chosen) => {
        family = chosen;
        say($("#overview-status"), "");
        await reload();
      });
      await showOverview();
    } catch (err) {
      say($("#overview-status"), describe(err), "error");
    }
  } else {
    $("#signed-out").hidden = false;
  }
} catch (err) {
  $("#signed-out").hidden = false;
  say($("#status"), describe(err), "error");
} finally {
  $("#loading").hidden = true;
}
