// Budgets: the chosen month's status as bars (amber from 80%, red from 100%, in
// words too), and a writer sets, changes (limit, rollover) and removes them.
// docs/web.md#budgets

import { finance, goToLogin, restoreSession } from "./api.js";
import { budgetItem, el, fillSelect, startFamilyPage } from "./family.js";
import { fieldProblem, inlineForm, rowButton } from "./forms.js";
import { digitsOf, formatMoney, parseAmount } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

let family = null;
let categories = [];
let budgets = [];
let month = "";

const writer = () => family.role !== "viewer";
const base = () => `/families/${family.id}`;
const categoryName = (id) => categories.find((c) => c.id === id)?.name || "A category";

/**
 * A limit typed as people write it: checked against the digits of `like` (an amount
 * the API wrote in that currency), else only its form (the API checks the digits).
 */
function limitFrom(typed, like) {
  const text = String(typed ?? "").trim();
  const amount = like
    ? parseAmount(text, digitsOf(like))
    : /^[0-9]+([.,][0-9]+)?$/.test(text) && /[1-9]/.test(text)
      ? text.replace(",", ".")
      : null;
  if (amount === null) throw fieldProblem("limit", "invalid_amount");
  return amount;
}

async function run(work) {
  try {
    await work();
  } catch (err) {
    say($("#status"), describe(err), "error");
    $("#status").focus();
  }
}

async function showStatus() {
  const query = month ? `?month=${month}` : "";
  const status = await finance("GET", `${base()}/budgets/status${query}`);
  $("#budget-period").textContent = `${status.period.from} to ${status.period.to}`;
  // The month shown, in the picker: a budget month is named by the month it starts in.
  $("#month").value = status.period.from.slice(0, 7);
  const items = status.items.map((b) => budgetItem(b, categoryName(b.category_id)));
  $("#budget-list").replaceChildren(...items);
  $("#no-budgets").hidden = items.length > 0;
}

function budgetRow(b) {
  const row = el("tr");
  row.dataset.id = b.id;
  const name = el("th", categoryName(b.category_id));
  name.scope = "row";
  const actions = el("td");
  if (writer()) {
    const buttons = el("div", undefined, "row-actions");
    const remove = rowButton("Remove", `Remove the budget for ${categoryName(b.category_id)}`, () =>
      run(async () => {
        if (remove.dataset.confirm !== "true") {
          remove.dataset.confirm = "true";
          remove.textContent = "Really remove?";
          return;
        }
        await finance("DELETE", `${base()}/budgets/${b.id}`);
        await show();
        say($("#status"), `Removed the budget for ${categoryName(b.category_id)}.`, "success");
      }),
    );
    buttons.append(rowButton("Change", `Change the budget for ${categoryName(b.category_id)}`, () => editBudget(b, row)), remove);
    actions.append(buttons);
  }
  const limit = el("td", formatMoney(b.limit, b.currency), "num");
  limit.dataset.label = "A month";
  const rollover = el("td", b.rollover ? "Yes" : "No");
  rollover.dataset.label = "Rollover";
  row.append(name, limit, rollover, actions);
  return row;
}

function editBudget(b, row) {
  const formRow = el("tr");
  const cell = el("td");
  cell.colSpan = 4;
  const form = inlineForm(
    "edit-budget",
    `Change the budget for ${categoryName(b.category_id)}`,
    [
      { name: "limit", label: "Limit a month", type: "decimal", value: b.limit },
      { name: "rollover", label: "Roll the unspent rest over", type: "checkbox", value: b.rollover },
    ],
    async (values) => {
      const limit = limitFrom(values.limit, b.limit);
      await finance("PATCH", `${base()}/budgets/${b.id}`, { limit, rollover: values.rollover });
      await show();
      say($("#status"), `Changed the budget for ${categoryName(b.category_id)}.`, "success");
    },
    () => {
      formRow.remove();
      row.hidden = false;
      row.querySelector("button")?.focus();
    },
  );
  cell.append(form);
  formRow.append(cell);
  row.hidden = true;
  row.after(formRow);
  form.elements.limit.focus();
}

async function show() {
  $("#family-line").textContent = `${family.name} · budget months start on day ${family.month_start_day}`;
  for (const section of document.querySelectorAll(".writer-only")) section.hidden = !writer();
  $("#budget-currency").placeholder = family.base_currency;
  const [categoryList, budgetList] = await Promise.all([
    finance("GET", `${base()}/categories`),
    finance("GET", `${base()}/budgets`),
  ]);
  categories = categoryList.items;
  budgets = budgetList.items;
  $("#budget-rows").replaceChildren(...budgets.map(budgetRow));
  fillSelect(
    $("#budget-category"),
    categories.filter((c) => c.kind === "expense" && !c.archived).map((c) => new Option(c.name, c.id)),
  );
  await showStatus();
}

onSubmit($("#month-form"), async (values) => {
  if (values.month && !/^[0-9]{4}-[0-9]{2}$/.test(values.month)) throw fieldProblem("month");
  month = values.month;
  await showStatus();
});

onSubmit($("#budget-form"), async (values) => {
  const currency = values.currency.trim().toUpperCase() || family.base_currency;
  const like = budgets.find((b) => b.currency === currency)?.limit;
  const body = { category_id: values.category_id, limit: limitFrom(values.limit, like), currency };
  body.rollover = $("#budget-rollover").checked;
  await finance("POST", `${base()}/budgets`, body);
  $("#budget-limit").value = "";
  await show();
  say($("#status"), `Set a budget of ${formatMoney(body.limit, currency)} a month for ${categoryName(body.category_id)}.`, "success");
});

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, (chosen) => {
    family = chosen;
    say($("#status"), "");
    run(show);
  });
  if (family) await show();
});
