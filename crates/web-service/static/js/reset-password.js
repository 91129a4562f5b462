import { publicCall } from "./api.js";
import { $, fieldError, onSubmit, param, say } from "./ui.js";

const token = param("token");
// Keep the token out of the address bar and history.
history.replaceState(null, "", location.pathname);
const form = $("#reset-form");
const status = $("#status");

if (!token) {
  say(status, "This page needs the link from your email. Ask for a new link on the “Forgot your password?” page.", "error");
  form.hidden = true;
}

onSubmit(
  form,
  async (values) => {
    if (values.password !== values.password_again) {
      form.password_again.value = "";
      fieldError(form.password_again, "The two passwords are not the same. Type the new password again.");
      form.password_again.focus();
      return;
    }
    await publicCall("/password/reset", { token, password: values.password });
    form.hidden = true;
    say(
      status,
      "Your password is changed, and every device that was signed in to your account has been signed out. Log in with your new password.",
      "success",
    );
    $("#after").hidden = false;
    status.focus();
  },
  {
    invalid_code:
      "This reset link has expired or was already used. Ask for a new one on the “Forgot your password?” page.",
  },
);
