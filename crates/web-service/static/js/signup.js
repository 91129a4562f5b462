import { register, restoreSession, safeNext } from "./api.js";
import { $, carryNext, describe, onSubmit, param, say } from "./ui.js";

const next = param("next");
carryNext(next);

onSubmit($("#signup-form"), async (values) => {
  const name = values.display_name.trim();
  await register({
    email: values.email,
    password: values.password,
    display_name: name === "" ? null : name,
  });
  location.assign(safeNext(next));
});

// Already signed in: go on, as the login page does.
try {
  if (await restoreSession()) location.replace(safeNext(next));
} catch (err) {
  say($("#status"), describe(err), "error");
}
