//! Reading a command from a message text.

/// What a person asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with the deep-link payload of `t.me/<bot>?start=<payload>`.
    Start(Option<String>),
    Register,
    Link,
    Me,
    Logout,
    Help,
    /// `/add <amount> <category> [note]`: an expense (the argument as written).
    Add(String),
    /// `/income <amount> <category> [note]`.
    Income(String),
    /// A message that starts with a number: `250 coffee`, `+5000 salary`.
    Quick(String),
    Undo,
    Balance,
    /// `/history [n]` (the argument as written).
    History(String),
    /// `/budget [category limit]`, `/goal [...]`, `/report [YYYY-MM]` (arguments as written).
    Budget(String),
    Goal(String),
    Report(String),
    Accounts,
    Categories,
    /// `/settings [what value]` (the argument as written).
    Settings(String),
    /// A notification toggle under `/settings`.
    Toggle(&'static str, bool),
    /// `/family`: members, switching, invites.
    Family,
    /// `/join <code>` (the code as written).
    Join(String),
    /// A family switch button.
    SwitchFamily(uuid::Uuid),
    /// The invite button (the press's id).
    Invite(String),
    /// A button of an entry: the person's message it completes, and the choice.
    Choose(i64, crate::commands::record::Choice),
    /// The delete button of a transaction under `/history`.
    Delete(uuid::Uuid),
    /// An edited message: its new text.
    Edited(String),
    /// A command we do not have (without its slash).
    Unknown(String),
    /// Text that is not a command.
    Text,
}

/// The commands shown in Telegram's menu and in `/help`.
pub const MENU: &[(&str, &str)] = &[
    ("add", "record an expense: /add 12.50 groceries milk"),
    ("income", "record an income: /income 5000 salary"),
    ("balance", "each account's balance and the totals"),
    ("history", "the last transactions: /history 20"),
    ("undo", "remove the last transaction you recorded here"),
    (
        "report",
        "the month by category against budgets: /report 2026-11",
    ),
    ("budget", "list budgets, or set one: /budget groceries 400"),
    (
        "goal",
        "list goals, /goal new 1000 Holiday, /goal holiday +50",
    ),
    ("accounts", "the family's accounts"),
    ("categories", "the family's categories"),
    (
        "family",
        "members, switching family, inviting someone (owners)",
    ),
    ("join", "join a family with an invite code: /join CODE"),
    (
        "settings",
        "currency, time zone, payday, default account, notifications",
    ),
    (
        "register",
        "create your account, or sign in to the one you have",
    ),
    (
        "link",
        "connect this Telegram account to an account on the web",
    ),
    ("me", "show your account"),
    ("logout", "sign out in this chat"),
    ("help", "show this help"),
];

impl Command {
    /// The command's name in metrics: a fixed set, whatever people type.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Start(_) => "start",
            Self::Register => "register",
            Self::Link => "link",
            Self::Me => "me",
            Self::Logout => "logout",
            Self::Help => "help",
            Self::Add(_) => "add",
            Self::Income(_) => "income",
            Self::Quick(_) => "quick",
            Self::Undo => "undo",
            Self::Balance => "balance",
            Self::History(_) => "history",
            Self::Budget(_) => "budget",
            Self::Goal(_) => "goal",
            Self::Report(_) => "report",
            Self::Accounts => "accounts",
            Self::Categories => "categories",
            Self::Settings(_) => "settings",
            Self::Toggle(..) => "toggle",
            Self::Family => "family",
            Self::Join(_) => "join",
            Self::SwitchFamily(_) => "switch_family",
            Self::Invite(_) => "invite",
            Self::Choose(..) => "choose",
            Self::Delete(_) => "delete",
            Self::Edited(_) => "edit",
            Self::Unknown(_) => "unknown",
            Self::Text => "text",
        }
    }

    /// Parses `text` as Telegram sends it: the first word is the command, which
    /// may carry `@botname` (only ours counts); the rest is the argument.
    pub fn parse(text: &str, bot_username: &str) -> Self {
        let text = text.trim();
        let Some(rest) = text.strip_prefix('/') else {
            if crate::commands::entry::is_quick(text) {
                return Self::Quick(text.to_owned());
            }
            return Self::Text;
        };
        let (word, argument) = rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(w, a)| (w, a.trim()));
        let command = match word.split_once('@') {
            Some((command, target)) if target.eq_ignore_ascii_case(bot_username) => command,
            // A command for another bot in a group: not ours.
            Some(_) => return Self::Text,
            None => word,
        };
        match command.to_ascii_lowercase().as_str() {
            "start" => Self::Start(Some(argument.to_owned()).filter(|a| !a.is_empty())),
            "register" => Self::Register,
            "link" => Self::Link,
            "me" => Self::Me,
            "logout" => Self::Logout,
            "help" => Self::Help,
            "add" => Self::Add(argument.to_owned()),
            "income" => Self::Income(argument.to_owned()),
            "undo" => Self::Undo,
            "balance" => Self::Balance,
            "history" => Self::History(argument.to_owned()),
            "family" => Self::Family,
            "settings" => Self::Settings(argument.to_owned()),
            "budget" => Self::Budget(argument.to_owned()),
            "goal" => Self::Goal(argument.to_owned()),
            "report" => Self::Report(argument.to_owned()),
            "accounts" => Self::Accounts,
            "categories" => Self::Categories,
            "join" => Self::Join(argument.to_owned()),
            _ => Self::Unknown(command.chars().take(64).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: &str = "finance_bot";

    #[test]
    fn commands_are_read_from_the_first_word_only() {
        assert_eq!(Command::parse("/register", BOT), Command::Register);
        assert_eq!(Command::parse("  /ME  ", BOT), Command::Me);
        assert_eq!(Command::parse("/link please", BOT), Command::Link);
        // No prefix matching: /registerme is not /register.
        assert_eq!(
            Command::parse("/registerme", BOT),
            Command::Unknown("registerme".into())
        );
        assert_eq!(Command::parse("hello /register", BOT), Command::Text);
    }

    #[test]
    fn money_commands_carry_their_argument_and_numbers_are_quick_entries() {
        assert_eq!(
            Command::parse("/add 12,50 eating out", BOT),
            Command::Add("12,50 eating out".into())
        );
        assert_eq!(
            Command::parse("/income 5000 salary", BOT),
            Command::Income("5000 salary".into())
        );
        assert_eq!(
            Command::parse("/history", BOT),
            Command::History(String::new())
        );
        assert_eq!(Command::parse("/undo", BOT), Command::Undo);
        assert_eq!(
            Command::parse(" +5000 salary ", BOT),
            Command::Quick("+5000 salary".into())
        );
        assert_eq!(Command::parse("coffee 250", BOT), Command::Text);
    }

    #[test]
    fn start_carries_its_deep_link_payload() {
        assert_eq!(Command::parse("/start", BOT), Command::Start(None));
        assert_eq!(
            Command::parse("/start link", BOT),
            Command::Start(Some("link".into()))
        );
    }

    #[test]
    fn a_bot_mention_must_be_ours() {
        assert_eq!(Command::parse("/help@Finance_Bot", BOT), Command::Help);
        assert_eq!(Command::parse("/help@other_bot", BOT), Command::Text);
    }
}
