import { restoreSession } from "./api.js";
import { $, describe, say } from "./ui.js";

try {
  const user = await restoreSession();
  if (user) {
    const name = user.display_name || user.email || user.telegram_username;
    $("#welcome-name").textContent = name ? `, ${name}` : "";
    $("#signed-in").hidden = false;
  } else {
    $("#signed-out").hidden = false;
  }
} catch (err) {
  $("#signed-out").hidden = false;
  say($("#status"), describe(err), "error");
} finally {
  $("#loading").hidden = true;
}
