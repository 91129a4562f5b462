//! `/settings`: the current family's currency, time zone and payday (owners
//! change them), this chat's default account, and the chat's notifications
//! (budget alerts from the family, every expense of the family).

use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};

use super::record::{current_family, idempotency_key};
use super::{Origin, Reply};
use crate::api::finance::{Account, FamilyChange};
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `callback_data` of the toggles: `st:{alerts|every}:{on|off}`.
pub fn parse_toggle(data: &str) -> Option<(&'static str, bool)> {
    let rest = data.strip_prefix("st:")?;
    let (what, on) = rest.split_once(':')?;
    let what = match what {
        "alerts" => "alerts",
        "every" => "every",
        _ => return None,
    };
    let on = match on {
        "on" => true,
        "off" => false,
        _ => return None,
    };
    Some((what, on))
}

fn on_off(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "on" | "yes" => Some(true),
        "off" | "no" => Some(false),
        _ => None,
    }
}

/// The account `name` names: exactly (ignoring case), else by a unique prefix.
fn find_account<'a>(accounts: &'a [Account], name: &str) -> Option<&'a Account> {
    let name = name.to_lowercase();
    let active = accounts.iter().filter(|a| !a.archived);
    if let Some(exact) = active.clone().find(|a| a.name.to_lowercase() == name) {
        return Some(exact);
    }
    let starting: Vec<&Account> = active
        .filter(|a| a.name.to_lowercase().starts_with(&name))
        .collect();
    match starting.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

pub async fn run(
    ctx: &Context,
    chat_id: i64,
    origin: &Origin,
    argument: &str,
) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let (what, value) = argument
        .trim()
        .split_once(char::is_whitespace)
        .map_or((argument.trim(), ""), |(w, v)| (w, v.trim()));
    match what.to_ascii_lowercase().as_str() {
        "" => {}
        "alerts" | "every" => {
            let Some(on) = on_off(value) else {
                return Ok(Reply::text(replies::SETTINGS_USAGE));
            };
            let what = if what.eq_ignore_ascii_case("alerts") {
                "alerts"
            } else {
                "every"
            };
            ctx.store.set_notify(chat_id, what, on).await?;
        }
        "account" => {
            let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
            let Some(account) = find_account(&accounts, value) else {
                let names: Vec<&str> = accounts
                    .iter()
                    .filter(|a| !a.archived)
                    .map(|a| a.name.as_str())
                    .collect();
                return Ok(Reply::text(replies::no_account(value, &names)));
            };
            ctx.store
                .set_default_account(chat_id, &family.id.to_string(), &account.id.to_string())
                .await?;
        }
        "currency" | "timezone" | "payday" => {
            let mut change = FamilyChange::default();
            match what.to_ascii_lowercase().as_str() {
                "currency" => change.base_currency = Some(value),
                "timezone" => change.time_zone = Some(value),
                _ => match value.parse::<u32>() {
                    Ok(day) if (1..=28).contains(&day) => change.month_start_day = Some(day),
                    _ => return Ok(Reply::text(replies::PAYDAY_USAGE)),
                },
            }
            if value.is_empty() {
                return Ok(Reply::text(replies::SETTINGS_USAGE));
            }
            let key = idempotency_key(chat_id, origin, "family");
            match crate::finance!(signed, |api, token| api
                .update_family(token, family.id, &change, &key))
            {
                Ok(_) => {}
                Err(BotError::Finance(err)) if err.is_refused("forbidden") => {
                    return Ok(Reply::text(replies::OWNERS_ONLY));
                }
                Err(BotError::Finance(err)) if err.is_refused("validation_failed") => {
                    return Ok(Reply::text(replies::setting_invalid(what, value)));
                }
                Err(err) => return Err(err),
            }
        }
        _ => return Ok(Reply::text(replies::SETTINGS_USAGE)),
    }
    show(ctx, chat_id, None).await
}

/// A toggle button: sets the notification, shows the settings in its place.
pub async fn toggle(
    ctx: &Context,
    chat_id: i64,
    button_message: i64,
    what: &str,
    on: bool,
) -> Result<Reply, BotError> {
    ctx.store.set_notify(chat_id, what, on).await?;
    show(ctx, chat_id, Some(button_message)).await
}

async fn show(ctx: &Context, chat_id: i64, edit: Option<i64>) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
    let default = ctx
        .store
        .default_account(chat_id, &family.id.to_string())
        .await?;
    let account = default
        .and_then(|id| accounts.iter().find(|a| a.id.to_string() == id))
        .map(|a| a.name.as_str());
    let alerts = ctx.store.notify(chat_id, "alerts").await?.unwrap_or(true);
    let every = ctx.store.notify(chat_id, "every").await?.unwrap_or(false);
    let toggle = |what: &str, now: bool, label: String| {
        InlineKeyboardButton::builder()
            .text(label)
            .callback_data(format!("st:{what}:{}", if now { "off" } else { "on" }))
            .build()
    };
    let keyboard = InlineKeyboardMarkup::builder()
        .inline_keyboard(vec![
            vec![toggle("alerts", alerts, replies::button_alerts(alerts))],
            vec![toggle("every", every, replies::button_every(every))],
        ])
        .build();
    Ok(Reply {
        edit,
        ..Reply::with_markup(
            replies::settings(&family, account, alerts, every),
            ReplyMarkup::InlineKeyboardMarkup(keyboard),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_read_back_and_nothing_else_does() {
        assert_eq!(parse_toggle("st:alerts:off"), Some(("alerts", false)));
        assert_eq!(parse_toggle("st:every:on"), Some(("every", true)));
        for bad in ["st:", "st:alerts", "st:other:on", "st:every:maybe", "x"] {
            assert_eq!(parse_toggle(bad), None, "{bad}");
        }
    }
}
