import { publicCall } from "./api.js";
import { $, describe, param, say } from "./ui.js";

const token = param("token");
// The token is used now; keep it out of the address bar and history.
history.replaceState(null, "", location.pathname);
const status = $("#status");

if (!token) {
  say(status, "This page needs the link from your email. Open the link in the email we sent you.", "error");
} else {
  try {
    const user = await publicCall("/email/verify", { token });
    say(status, `Thank you! Your email address ${user.email} is verified.`, "success");
    $("#next").hidden = false;
  } catch (err) {
    say(
      status,
      describe(err, {
        invalid_code:
          "This verification link has expired or was already used. Log in and send a new one from your account page.",
      }),
      "error",
    );
    $("#next").hidden = false;
  }
}
status.focus();
