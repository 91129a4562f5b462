import { publicCall } from "./api.js";
import { $, onSubmit, say } from "./ui.js";

onSubmit($("#forgot-form"), async (values) => {
  await publicCall("/password/forgot", { email: values.email });
  const status = $("#status");
  say(
    status,
    `If an account uses ${values.email.trim()}, we have sent it an email with a link to choose a new password. The link works for one hour.`,
    "success",
  );
});
