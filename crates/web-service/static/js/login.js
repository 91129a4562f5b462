import { login, restoreSession, safeNext } from "./api.js";
import { $, carryNext, describe, onSubmit, param, say } from "./ui.js";

const next = param("next");
carryNext(next);

// Where a logout sends people: what happened, in words.
const LOGGED_OUT = {
  here: "You are logged out on this device.",
  everywhere: "You are logged out on all your devices.",
};
if (LOGGED_OUT[param("logged_out")]) say($("#status"), LOGGED_OUT[param("logged_out")], "success");

onSubmit($("#login-form"), async (values) => {
  await login(values.email, values.password);
  location.assign(safeNext(next));
});

// Already signed in (the cookie's session is alive): go on.
try {
  if (!param("logged_out") && (await restoreSession())) location.replace(safeNext(next));
} catch (err) {
  say($("#status"), describe(err), "error");
}
