// Goals: each one's progress (a bar, and in words), and a writer puts money
// towards one or takes some back, changes or removes it. docs/web.md#goals

import { finance, goToLogin, restoreSession } from "./api.js";
import { el, startFamilyPage } from "./family.js";
import { fieldProblem, inlineForm, rowButton } from "./forms.js";
import { digitsOf, formatMoney, parseAmount } from "./money.js";
import { $, describe, onSubmit, say } from "./ui.js";

let family = null;

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

/** A positive amount typed as people write it, with the digits of `like` when known. */
function amountFrom(field, typed, like) {
  const text = String(typed ?? "").trim();
  const amount = like
    ? parseAmount(text, digitsOf(like))
    : /^[0-9]+([.,][0-9]+)?$/.test(text) && /[1-9]/.test(text)
      ? text.replace(",", ".")
      : null;
  if (amount === null) throw fieldProblem(field, "invalid_amount");
  return amount;
}

function contributeForm(g, li) {
  const form = inlineForm(
    `contribute-${g.id}`,
    `Put money towards ${g.name} or take some back`,
    [
      {
        name: "direction",
        label: "What",
        type: "select",
        options: [
          ["in", "Put money towards it"],
          ["out", "Take money back"],
        ],
      },
      { name: "amount", label: "Amount", type: "decimal" },
      { name: "note", label: "Note (optional)" },
    ],
    async (values) => {
      const amount = amountFrom("amount", values.amount, g.target);
      const body = { amount: values.direction === "out" ? `-${amount}` : amount };
      if (values.note.trim()) body.note = values.note.trim();
      await finance("POST", `${base()}/goals/${g.id}/contributions`, body);
      await show();
      const words = values.direction === "out" ? "Took back" : "Put";
      say($("#status"), `${words} ${formatMoney(amount, g.currency)} ${values.direction === "out" ? "from" : "towards"} ${g.name}.`, "success");
    },
    () => {
      form.remove();
      li.querySelector("button")?.focus();
    },
  );
  return form;
}

function editForm(g, li) {
  const form = inlineForm(
    `edit-goal-${g.id}`,
    `Change ${g.name}`,
    [
      { name: "name", label: "Name", value: g.name },
      { name: "target", label: "Target", type: "decimal", value: g.target },
      { name: "deadline", label: "By (optional)", type: "date", value: g.deadline || "" },
    ],
    async (values) => {
      const body = {
        name: values.name.trim(),
        target: amountFrom("target", values.target, g.target),
        deadline: values.deadline || null,
      };
      await finance("PATCH", `${base()}/goals/${g.id}`, body);
      await show();
      say($("#status"), `Saved the goal ${body.name}.`, "success");
    },
    () => {
      form.remove();
      li.querySelector("button")?.focus();
    },
  );
  return form;
}

function goalItem(g) {
  const li = el("li", undefined, "budget goal");
  li.dataset.id = g.id;
  li.dataset.state = g.progress_percent >= 100 ? "done" : "ok";
  const head = el("div", undefined, "budget-head");
  head.append(
    el("span", g.name, "budget-name"),
    el("span", `${formatMoney(g.saved, g.currency)} of ${formatMoney(g.target, g.currency)}`, "goal-amounts"),
  );
  const bar = el("div", undefined, "bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.setAttribute("aria-valuenow", String(Math.min(g.progress_percent, 100)));
  bar.setAttribute("aria-label", `${g.name}: ${g.progress_percent}% saved`);
  const fill = el("span", undefined, "fill");
  fill.style.width = `${Math.min(g.progress_percent, 100)}%`;
  bar.append(fill);
  const by = g.deadline ? `, by ${g.deadline}` : "";
  const words = g.progress_percent >= 100 ? `Reached: ${g.progress_percent}% saved` : `${g.progress_percent}% saved${by}`;
  li.append(head, bar, el("p", words, "budget-note"));
  if (writer()) {
    const buttons = el("div", undefined, "row-actions");
    const remove = rowButton("Remove", `Remove the goal ${g.name}`, () =>
      run(async () => {
        if (remove.dataset.confirm !== "true") {
          remove.dataset.confirm = "true";
          remove.textContent = "Really remove?";
          return;
        }
        await finance("DELETE", `${base()}/goals/${g.id}`);
        await show();
        say($("#status"), `Removed the goal ${g.name}.`, "success");
      }),
    );
    const open = (make) => () => {
      for (const f of li.querySelectorAll("form")) f.remove();
      const form = make(g, li);
      li.append(form);
      form.querySelector("input, select")?.focus();
    };
    buttons.append(
      rowButton("Add or take back", `Put money towards ${g.name} or take some back`, open(contributeForm), "contribute"),
      rowButton("Change", `Change the goal ${g.name}`, open(editForm)),
      remove,
    );
    li.append(buttons);
  }
  return li;
}

async function show() {
  $("#family-line").textContent = family.name;
  for (const section of document.querySelectorAll(".writer-only")) section.hidden = !writer();
  $("#goal-currency").placeholder = family.base_currency;
  const { items } = await finance("GET", `${base()}/goals`);
  $("#goal-list").replaceChildren(...items.map(goalItem));
  $("#no-goals").hidden = items.length > 0;
}

onSubmit($("#goal-form"), async (values) => {
  const body = { name: values.name.trim(), target: amountFrom("target", values.target) };
  if (!body.name) throw fieldProblem("name", "invalid_value", "is needed");
  if (values.currency.trim()) body.currency = values.currency.trim().toUpperCase();
  if (values.deadline) body.deadline = values.deadline;
  await finance("POST", `${base()}/goals`, body);
  $("#goal-form").reset();
  await show();
  say($("#status"), `Added the goal ${body.name}.`, "success");
});

run(async () => {
  family = await startFamilyPage(restoreSession, goToLogin, (chosen) => {
    family = chosen;
    say($("#status"), "");
    run(show);
  });
  if (family) await show();
});
