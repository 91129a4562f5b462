// Small helpers shared by the pages: messages in words, form errors next to
// their fields, busy buttons.

import { ApiError } from "./api.js";

export const $ = (selector, root = document) => root.querySelector(selector);

/** How long until `retryAfter` seconds have passed, in words. */
export function waitInWords(retryAfter) {
  const secs = Number.parseInt(retryAfter, 10);
  if (!Number.isFinite(secs) || secs <= 0) return "in a moment";
  if (secs < 60) return `in ${secs} second${secs === 1 ? "" : "s"}`;
  const mins = Math.ceil(secs / 60);
  if (mins < 60) return `in ${mins} minute${mins === 1 ? "" : "s"}`;
  const at = new Date(Date.now() + secs * 1000);
  return `at ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
}

const MESSAGES = {
  invalid_credentials: "The email or password is wrong.",
  email_taken: "An account with this email already exists. Log in instead, or reset its password.",
  invalid_code: "This link has expired or was already used.",
  telegram_already_linked:
    "This Telegram account is linked to another account, or your account is already linked to a different Telegram account.",
  no_email: "Your account has no email address.",
  unauthorized: "Your session has ended. Please log in again.",
  invalid_refresh_token: "Your session has ended. Please log in again.",
  token_reused: "Your session has ended. Please log in again.",
  validation_failed: "Please correct the fields marked below.",
  malformed_request: "The request could not be read. Please reload the page and try again.",
  payload_too_large: "What you entered is too long.",
  not_found: "That was not found. It may have been removed already.",
  unavailable: "The service is temporarily unavailable. Please try again in a moment.",
  network: "We could not reach the service. Check your connection and try again.",
  forbidden: "Your role in this family does not allow this. Ask an owner: the Family page lists them.",
  in_use: "This is still in use, so it cannot be changed that way.",
  name_taken: "That name is taken already. Choose another.",
  idempotency_in_flight: "This is still being saved. Please wait a moment.",
};

/** A sentence for an error of the API (never its code or JSON). */
export function describe(err, overrides = {}) {
  if (!(err instanceof ApiError)) {
    return "Something went wrong on our side. Please try again.";
  }
  if (err.code === "rate_limited" || err.status === 429) {
    return `Too many attempts. Please try again ${waitInWords(err.retryAfter)}.`;
  }
  return (
    overrides[err.code] ||
    MESSAGES[err.code] ||
    (err.status >= 500
      ? "Something went wrong on our side. Please try again."
      : "That did not work. Please check what you entered and try again.")
  );
}

const FIELD_MESSAGES = {
  invalid_email: "Enter an email address like name@example.com.",
  weak_password: "Use at least 8 characters.",
  password_too_long: "Use at most 72 characters (fewer with accents or emoji).",
  invalid_amount: "Enter an amount above zero like 12.50 or 12,50, with at most the currency's decimals.",
  invalid_currency: "Enter a currency code like EUR or USD.",
};

/** Pages a message may name: the name becomes a link to the page. */
const PAGE_LINKS = [
  ["log in again", "/login"],
  ["the Family page", "/family"],
  ["the Accounts page", "/accounts"],
  ["your account page", "/account"],
];

/** Shows `text` in the element `el` (a status or alert region); `kind` styles it. */
export function say(el, text, kind = "info") {
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
  for (const [words, href] of PAGE_LINKS) {
    const at = text.indexOf(words);
    if (at < 0) continue;
    const link = document.createElement("a");
    link.href = href === "/login" ? `/login?next=${encodeURIComponent(location.pathname + location.search)}` : href;
    link.textContent = words;
    el.replaceChildren(text.slice(0, at), link, text.slice(at + words.length));
    break;
  }
}

function fieldErrorElement(input) {
  return document.getElementById(`${input.id}-error`);
}

function clearErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const el = fieldErrorElement(input);
    if (el) say(el, "");
  }
  const general = $(".form-error", form);
  if (general) say(general, "");
}

/** Marks `input` invalid with `text` next to it. */
export function fieldError(input, text) {
  input.setAttribute("aria-invalid", "true");
  const el = fieldErrorElement(input);
  if (el) say(el, text, "error");
}

/** Shows an error of a form: per-field messages for a 422, one sentence otherwise. */
export function showFormError(form, err, overrides) {
  const general = $(".form-error", form);
  let first = null;
  for (const fe of err instanceof ApiError ? err.fieldErrors : []) {
    const input = form.elements.namedItem(fe.field);
    if (!(input instanceof HTMLElement)) continue;
    const label = form.querySelector(`label[for="${input.id}"]`);
    const name = (label?.dataset.name || label?.textContent || fe.field).trim();
    fieldError(input, FIELD_MESSAGES[fe.code] || `${name} ${fe.message}.`);
    first ??= input;
  }
  if (general) say(general, describe(err, overrides), "error");
  (first || general)?.focus();
}

/**
 * Handles `form`'s submit with `handler(values)`: errors cleared, button busy
 * while it runs; on an error the password fields are emptied (the rest is kept)
 * and the error is shown.
 */
export function onSubmit(form, handler, overrides) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = $("button[type=submit]", form);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await handler(Object.fromEntries(new FormData(form)));
    } catch (err) {
      for (const input of form.querySelectorAll("input[type=password], input[data-password]")) input.value = "";
      showFormError(form, err, overrides);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
}

/** The `name` query parameter of this page's URL. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Keeps `next` on the links to the other sign-in pages. */
export function carryNext(next) {
  if (!next) return;
  for (const a of document.querySelectorAll("a[data-keep-next]")) {
    const url = new URL(a.getAttribute("href"), location.origin);
    url.searchParams.set("next", next);
    a.setAttribute("href", url.pathname + url.search);
  }
}

/**
 * A "Show password" button after each password field, so a person can check what
 * they typed; pressed again, it hides it.
 */
export function passwordToggles(root = document) {
  for (const input of root.querySelectorAll("input[type=password]")) {
    if (input.dataset.password) continue;
    input.dataset.password = "true";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary show-password";
    button.textContent = "Show password";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", () => {
      const shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.setAttribute("aria-pressed", String(!shown));
      button.textContent = shown ? "Show password" : "Hide password";
    });
    input.after(button);
  }
}

// Every page with a password field gets its toggles.
passwordToggles();
