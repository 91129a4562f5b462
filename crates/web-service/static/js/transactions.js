// The family's transactions, newest first: "load more" follows the API's
// cursor; a writer deletes one in place (asked to confirm, on the same button).

import { finance, goToLogin, restoreSession } from "./api.js";
import { chooseFamily, transactionItem } from "./family.js";
import { $, describe, say } from "./ui.js";

const PAGE = 20;

let family = null;
let accounts = [];
let categories = [];
let cursor = null;

const accountName = (id) => accounts.find((a) => a.id === id)?.name || "An account";
const categoryName = (id) => categories.find((c) => c.id === id)?.name || "A category";

function deleteButton(t, li) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary delete";
  button.textContent = "Delete";
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
    } catch (err) {
      button.disabled = false;
      say($("#status"), describe(err), "error");
    }
    $("#status").focus();
  });
  return button;
}

async function loadMore() {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (cursor) query.set("cursor", cursor);
  const page = await finance("GET", `/families/${family.id}/transactions?${query}`);
  const writer = family.role !== "viewer";
  for (const t of page.items) {
    const li = transactionItem(t, accountName, categoryName);
    if (writer) li.append(deleteButton(t, li));
    $("#transaction-list").append(li);
  }
  cursor = page.next_cursor;
  $("#load-more").hidden = !cursor;
  $("#no-transactions").hidden = $("#transaction-list").children.length > 0;
}

async function show() {
  cursor = null;
  $("#transaction-list").replaceChildren();
  const base = `/families/${family.id}`;
  const [accountList, categoryList] = await Promise.all([
    finance("GET", `${base}/accounts`),
    finance("GET", `${base}/categories`),
  ]);
  accounts = accountList.items;
  categories = categoryList.items;
  $("#family-line").textContent = family.name;
  await loadMore();
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

run(async () => {
  if (!(await restoreSession())) {
    goToLogin();
    return;
  }
  family = await chooseFamily((chosen) => {
    family = chosen;
    say($("#status"), "");
    run(show);
  });
  await show();
});
