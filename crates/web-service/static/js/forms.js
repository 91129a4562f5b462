// Forms built by the family pages for editing in place: each field with its label
// and its error line (ids `{prefix}-{name}` and `{prefix}-{name}-error`, as
// ui.js's showFormError expects), Save and Cancel.

import { ApiError } from "./api.js";
import { el } from "./family.js";
import { onSubmit } from "./ui.js";

/** A 422 for `field` found before sending, shown as the API's would be. */
export function fieldProblem(field, code = "invalid_value", message = "is not valid") {
  return new ApiError(422, { code: "validation_failed", errors: [{ field, code, message }] });
}

/**
 * One field: `{name, label, value, type: "text" | "decimal" | "date" | "number" |
 * "select" | "checkbox", options: [[value, text]…], hint}`.
 */
export function formField(prefix, spec) {
  const id = `${prefix}-${spec.name}`;
  const div = el("div", undefined, "field");
  div.id = `${id}-field`;
  let input;
  if (spec.type === "select") {
    input = el("select");
    input.replaceChildren(...spec.options.map(([value, text]) => new Option(text, value)));
    input.value = spec.value ?? "";
  } else {
    input = el("input");
    input.type = spec.type === "decimal" ? "text" : spec.type || "text";
    if (spec.type === "decimal") input.inputMode = "decimal";
    if (spec.type === "checkbox") input.checked = Boolean(spec.value);
    else input.value = spec.value ?? "";
    input.autocomplete = "off";
  }
  input.id = id;
  input.name = spec.name;
  const label = el("label", spec.label);
  label.htmlFor = id;
  label.dataset.name = spec.label.replace(/ \(optional\)$/, "");
  const error = el("p", undefined, "field-error");
  error.id = `${id}-error`;
  error.setAttribute("role", "alert");
  error.hidden = true;
  const described = [error.id];
  if (spec.type === "checkbox") {
    label.className = "check";
    label.textContent = "";
    label.append(input, spec.label);
    div.append(label, error);
  } else {
    div.append(label);
    if (spec.hint) {
      const hint = el("p", spec.hint, "hint");
      hint.id = `${id}-hint`;
      described.unshift(hint.id);
      div.append(hint);
    }
    div.append(input, error);
  }
  input.setAttribute("aria-describedby", described.join(" "));
  return div;
}

/**
 * A form to edit something in place: `fields` (see formField), `save(values)` on
 * submit (errors shown on the form), `cancel()` on Cancel. Checkboxes give true/false.
 */
export function inlineForm(prefix, title, fields, save, cancel) {
  const form = el("form", undefined, "inline-form filters");
  form.noValidate = true;
  form.setAttribute("aria-label", title);
  const general = el("p", undefined, "form-error");
  general.setAttribute("role", "alert");
  general.tabIndex = -1;
  general.hidden = true;
  const saveButton = el("button", "Save");
  saveButton.type = "submit";
  const cancelButton = el("button", "Cancel", "secondary");
  cancelButton.type = "button";
  cancelButton.addEventListener("click", cancel);
  const actions = el("div", undefined, "actions");
  actions.append(general, saveButton, cancelButton);
  form.append(...fields.map((f) => formField(prefix, f)), actions);
  // Escape leaves the form as Cancel does.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel();
  });
  onSubmit(form, async (values) => {
    for (const f of fields) {
      if (f.type === "checkbox") values[f.name] = form.elements[f.name].checked;
    }
    await save(values);
  });
  return form;
}

/** A small button for a row: `text`, an accessible `label`, `action` on click. */
export function rowButton(text, label, action, className = "secondary") {
  const button = el("button", text, className);
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", action);
  return button;
}
