import { register, safeNext } from "./api.js";
import { $, carryNext, onSubmit, param } from "./ui.js";

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
