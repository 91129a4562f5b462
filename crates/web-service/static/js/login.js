import { login, restoreSession, safeNext } from "./api.js";
import { $, carryNext, describe, onSubmit, param, say } from "./ui.js";

const next = param("next");
carryNext(next);

onSubmit($("#login-form"), async (values) => {
  await login(values.email, values.password);
  location.assign(safeNext(next));
});

// Already signed in (the cookie's session is alive): go on.
try {
  if (await restoreSession()) location.replace(safeNext(next));
} catch (err) {
  say($("#status"), describe(err), "error");
}
