// Reports: a period's income, expenses and spending by category (a chart and its
// table), income against expenses over the last 12 budget months (a chart and its
// table), and the period's transactions as CSV. Charts are SVG drawn here from the
// API's numbers, with their values written on them: colour is never the only
// signal (expenses are hatched). docs/web.md#reports

import { finance, financeFile, goToLogin, restoreSession } from "./api.js";
import { el, startFamilyPage } from "./family.js";
import { fieldProblem } from "./forms.js";
import { formatMoney } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";

let family = null;
let period = { from: "", to: "" };

async function run(work) {
  try {
    await work();
  } catch (err) {
    say($("#status"), describe(err), "error");
    $("#status").focus();
  }
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A number for drawing a length only; the amounts shown are the API's strings. */
const size = (amount) => Math.abs(Number(amount)) || 0;

function hatchDefs(id) {
  const defs = svg("defs");
  const pattern = svg("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  pattern.append(svg("rect", { width: 6, height: 6, class: "hatch-bg" }), svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" }));
  defs.append(pattern);
  return defs;
}

/** Horizontal bars, one per category, with its name and total written beside it. */
function categoryChart(currency, categories) {
  const rows = categories.filter((c) => c.kind === "expense");
  const max = Math.max(...rows.map((c) => size(c.total)), 0) || 1;
  const line = 28;
  const chart = svg("svg", {
    viewBox: `0 0 600 ${rows.length * line + 8}`,
    role: "img",
    class: "chart",
    "aria-labelledby": `chart-${currency}-title`,
  });
  chart.append(svg("title", { id: `chart-${currency}-title` }, `Spending by category in ${currency}`));
  rows.forEach((c, i) => {
    const y = i * line + 4;
    const width = Math.max(2, (size(c.total) / max) * 300);
    const group = svg("g", { class: "chart-row" });
    group.append(
      svg("title", {}, `${c.name}: ${formatMoney(c.total, currency)}`),
      svg("text", { x: 150, y: y + 15, "text-anchor": "end", class: "chart-label" }, c.name),
      svg("rect", { x: 160, y, width, height: 20, class: "bar-expense" }),
      svg("text", { x: 160 + width + 6, y: y + 15, class: "chart-value" }, formatMoney(c.total, currency)),
    );
    chart.append(group);
  });
  return chart;
}

/** A number cell named by its column, which a phone shows beside it (see style.css). */
function labelled(label, text, className = "") {
  const td = el("td", text, `num ${className}`.trim());
  td.dataset.label = label;
  return td;
}

function summaryTable(currency, block) {
  const table = el("table", undefined, "money-table stack-table summary-table");
  table.dataset.currency = currency;
  const caption = el("caption", `In ${currency}`);
  const head = el("thead");
  const hr = el("tr");
  for (const [text, num] of [["Category", false], ["Total", true], ["Budget a month", true]]) {
    const th = el("th", text, num ? "num" : undefined);
    th.scope = "col";
    hr.append(th);
  }
  head.append(hr);
  const body = el("tbody");
  for (const c of block.categories) {
    const tr = el("tr");
    tr.dataset.kind = c.kind;
    const th = el("th");
    th.scope = "row";
    // The category's transactions of the period, one click away.
    const link = el("a", `${c.name}${c.kind === "income" ? " (income)" : ""}`);
    link.href = `/transactions?${new URLSearchParams({ category_id: c.category_id, from: period.from, to: period.to })}`;
    th.append(link);
    tr.append(th, labelled("Total", formatMoney(c.total, currency)), labelled("Budget a month", c.budget_limit ? formatMoney(c.budget_limit, currency) : "none"));
    body.append(tr);
  }
  const foot = el("tfoot");
  for (const [label, amount, name] of [["Income", block.income, "income"], ["Expenses", block.expense, "expense"], ["Net", block.net, "net"]]) {
    const tr = el("tr");
    const th = el("th", label);
    th.scope = "row";
    const td = el("td", formatMoney(amount, currency), "num");
    td.dataset.total = name;
    tr.append(th, td, el("td"));
    foot.append(tr);
  }
  table.append(caption, head, body, foot);
  return table;
}

async function showSummary() {
  const query = period.from && period.to ? `?from=${period.from}&to=${period.to}` : "";
  const summary = await finance("GET", `/families/${family.id}/reports/summary${query}`);
  period = { from: summary.from, to: summary.to };
  $("#period-from").value = summary.from;
  $("#period-to").value = summary.to;
  $("#summary-period").textContent = `${summary.from} to ${summary.to}`;
  const parts = [];
  for (const block of summary.currencies) {
    const section = el("div", undefined, "report-currency");
    section.dataset.currency = block.currency;
    if (block.categories.some((c) => c.kind === "expense")) section.append(categoryChart(block.currency, block.categories));
    section.append(summaryTable(block.currency, block));
    parts.push(section);
  }
  $("#summary").replaceChildren(...parts);
  $("#no-summary").hidden = parts.length > 0;
  return summary;
}

/** Zero in `currency` with its digits ("0.00"), for a month without any of it. */
function zeroIn(currency) {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    digits = 2;
  }
  return digits ? `0.${"0".repeat(digits)}` : "0";
}

/** `YYYY-MM-DD` of a UTC date. */
const iso = (d) => d.toISOString().slice(0, 10);

/** The 12 budget months up to the one starting at `currentFrom`, oldest first. */
function lastMonths(currentFrom) {
  const [y, m] = currentFrom.split("-").map(Number);
  const day = family.month_start_day;
  const months = [];
  for (let back = 11; back >= 0; back--) {
    const from = new Date(Date.UTC(y, m - 1 - back, day));
    const to = new Date(Date.UTC(y, m - back, day - 1));
    months.push({ from: iso(from), to: iso(to), label: from.toLocaleDateString(undefined, { month: "short", year: "2-digit", timeZone: "UTC" }) });
  }
  return months;
}

function monthsChart(currency, months) {
  const max = Math.max(...months.flatMap((m) => [size(m.income), size(m.expense)]), 0) || 1;
  const column = 50;
  const height = 200;
  const chart = svg("svg", { viewBox: `0 0 ${months.length * column + 10} ${height + 60}`, role: "img", class: "chart", "aria-labelledby": "months-chart-title" });
  chart.append(svg("title", { id: "months-chart-title" }, `Income and expenses by month in ${currency}`), hatchDefs("hatch"));
  months.forEach((m, i) => {
    const x = i * column + 8;
    const income = (size(m.income) / max) * height;
    const expense = (size(m.expense) / max) * height;
    const group = svg("g", { class: "chart-month" });
    group.append(
      svg("title", {}, `${m.label}: income ${formatMoney(m.income, currency)}, expenses ${formatMoney(m.expense, currency)}`),
      svg("rect", { x, y: height - income + 20, width: 18, height: Math.max(income, 1), class: "bar-income" }),
      svg("rect", { x: x + 20, y: height - expense + 20, width: 18, height: Math.max(expense, 1), fill: "url(#hatch)", class: "bar-expense-hatched" }),
      svg("text", { x: x + 19, y: height + 38, "text-anchor": "middle", class: "chart-label" }, m.label),
    );
    chart.append(group);
  });
  const legend = el("p", undefined, "legend");
  const key = (cls, text) => {
    const swatch = svg("svg", { width: 14, height: 14, "aria-hidden": "true", class: "swatch" });
    swatch.append(hatchDefs(`${cls}-key`), svg("rect", { width: 14, height: 14, class: cls, fill: cls === "bar-expense-hatched" ? `url(#${cls}-key)` : "" }));
    const span = el("span");
    span.append(swatch, ` ${text}`);
    return span;
  };
  legend.append(key("bar-income", "Income (left, solid)"), " ", key("bar-expense-hatched", "Expenses (right, hatched)"));
  return [chart, legend];
}

function monthsTable(currency, months) {
  const table = el("table", undefined, "money-table stack-table months-table");
  const caption = el("caption", `By month, in ${currency}`);
  const head = el("thead");
  const hr = el("tr");
  for (const [text, num] of [["Month", false], ["Income", true], ["Expenses", true], ["Net", true]]) {
    const th = el("th", text, num ? "num" : undefined);
    th.scope = "col";
    hr.append(th);
  }
  head.append(hr);
  const body = el("tbody");
  for (const m of months) {
    const tr = el("tr");
    tr.dataset.from = m.from;
    const th = el("th", `${m.label} (${m.from} to ${m.to})`);
    th.scope = "row";
    tr.append(
      th,
      labelled("Income", formatMoney(m.income, currency), "income"),
      labelled("Expenses", formatMoney(m.expense, currency), "expense"),
      labelled("Net", formatMoney(m.net, currency), "net"),
    );
    body.append(tr);
  }
  table.append(caption, head, body);
  return table;
}

/** The last 12 months' summaries, kept to draw them again in another currency. */
let monthAnswers = null;
let monthList = [];

async function showMonths() {
  const current = await finance("GET", `/families/${family.id}/reports/summary`);
  monthList = lastMonths(current.from);
  monthAnswers = await Promise.all(
    monthList.map((m) => finance("GET", `/families/${family.id}/reports/summary?from=${m.from}&to=${m.to}`)),
  );
  const seen = new Set(monthAnswers.flatMap((a) => a.currencies.map((c) => c.currency)));
  seen.delete(family.base_currency);
  const currencies = [family.base_currency, ...[...seen].sort()];
  const select = $("#months-currency");
  select.replaceChildren(...currencies.map((c) => new Option(c === family.base_currency ? `${c} (the family's main currency)` : c, c)));
  $("#months-currency-field").hidden = currencies.length < 2;
  drawMonths(family.base_currency);
}

function drawMonths(currency) {
  const zero = zeroIn(currency);
  const filled = monthList.map((m, i) => {
    const block = monthAnswers[i].currencies.find((c) => c.currency === currency);
    return { ...m, income: block?.income ?? zero, expense: block?.expense ?? zero, net: block?.net ?? zero };
  });
  $("#months-note").textContent =
    currency === family.base_currency ? `In ${currency}, the family's main currency.` : `In ${currency}.`;
  $("#months").replaceChildren(...monthsChart(currency, filled), monthsTable(currency, filled));
}

$("#months-currency").addEventListener("change", () => drawMonths($("#months-currency").value));

async function show() {
  $("#family-line").textContent = `${family.name} · months start on day ${family.month_start_day}`;
  period = { from: "", to: "" };
  await showSummary();
  await showMonths();
}

onSubmit($("#period-form"), async (values) => {
  if (!values.from) throw fieldProblem("from", "invalid_value", "is needed");
  if (!values.to) throw fieldProblem("to", "invalid_value", "is needed");
  if (values.from > values.to) throw fieldProblem("to", "invalid_value", "must be on or after From");
  period = { from: values.from, to: values.to };
  await showSummary();
});

$("#download-csv").addEventListener("click", () =>
  run(async () => {
    const from = $("#period-from").value || period.from;
    const to = $("#period-to").value || period.to;
    const file = await financeFile(
      `/families/${family.id}/reports/transactions.csv?from=${from}&to=${to}`,
      `transactions-${from}-${to}.csv`,
    );
    const url = URL.createObjectURL(new Blob([file.text], { type: "text/csv" }));
    const a = el("a");
    a.href = url;
    a.download = file.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    say($("#csv-status"), `Downloaded ${file.name}: the transactions from ${from} to ${to}.`, "success");
  }),
);

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, (chosen) => {
    family = chosen;
    say($("#status"), "");
    run(show);
  });
  if (family) await show();
});
