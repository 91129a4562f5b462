//! Every text the bot sends, in one place (so they can be translated).

pub const WELCOME: &str = "Hi! I'm Finance Bot: I help your family keep track of its money.\n\n\
Tap Register to start with your Telegram account, or Link account if you already \
have an account on the web.";
pub const BUTTON_REGISTER: &str = "Register";
pub const BUTTON_LINK: &str = "Link account";

pub const UNAVAILABLE: &str = "Sorry, I'm temporarily unavailable. Please try again in a minute.";
pub const NOT_SIGNED_IN: &str = "This chat is not signed in. Send /register to create your account \
(or sign in to the one you already have).";
pub const SIGNED_OUT: &str = "You are signed out in this chat. Send /register to sign in again.";
pub const PRIVATE_ONLY: &str =
    "Let's talk in a private chat: open a chat with me and send /start there.";
pub const PLAIN_TEXT: &str = "I understand commands. Send /help to see what I can do.";

pub fn registered(created: bool, name: &str) -> String {
    if created {
        format!(
            "Welcome, {name}! Your account is ready. Send /me to see it, or /link to connect it to an account on the web."
        )
    } else {
        format!("Welcome back, {name}! You are signed in to your existing account.")
    }
}

pub fn link(url: &str, minutes: u64) -> String {
    format!(
        "Open this link to connect this Telegram account to your account on the web \
(sign in or sign up there first if needed):\n\n{url}\n\nThe link works once and expires in {minutes} minutes."
    )
}

pub fn me(user: &auth_types::dto::UserResponse) -> String {
    let name = user.display_name.as_deref().unwrap_or("(no name)");
    match &user.email {
        Some(email) => {
            let verified = if user.email_verified {
                "verified"
            } else {
                "not verified yet"
            };
            format!("Signed in as {name}.\nLinked to the email account {email} ({verified}).")
        }
        None => format!(
            "Signed in as {name}.\nTelegram-only account: send /link to connect it to an email account on the web."
        ),
    }
}

pub fn unknown_command(command: &str) -> String {
    format!("I don't know the command /{command}. Send /help to see what I can do.")
}

pub fn help(commands: &[(&str, &str)]) -> String {
    let mut text = String::from("Here is what I can do:\n");
    for (command, description) in commands {
        text.push_str(&format!("\n/{command} — {description}"));
    }
    text
}
