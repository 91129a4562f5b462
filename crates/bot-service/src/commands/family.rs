//! `/family`: the person's families (the chat's current one marked), the
//! current family's members and roles, buttons to switch family and — for an
//! owner — to make an invite (a Telegram deep link and a web link).
//! `/join <code>` and `/start join_<code>` accept an invite; a chat that is
//! not signed in yet is registered first, so a deep link is all a new member needs.

use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};
use uuid::Uuid;

use super::record::current_family;
use super::{Reply, register};
use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `callback_data` of the buttons: `fs:{family}` switches, `fi` invites.
pub fn switch_data(family: Uuid) -> String {
    format!("fs:{family}")
}
pub const INVITE_DATA: &str = "fi";

pub fn parse_switch(data: &str) -> Option<Uuid> {
    Uuid::parse_str(data.strip_prefix("fs:")?).ok()
}

pub async fn run(ctx: &Context, chat_id: i64, edit: Option<i64>) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let current = current_family(&mut signed).await?;
    let families = crate::finance!(signed, |api, token| api.families(token))?;
    let members = crate::finance!(signed, |api, token| api.members(token, current.id))?;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = families
        .iter()
        .filter(|f| f.id != current.id)
        .map(|f| {
            vec![
                InlineKeyboardButton::builder()
                    .text(replies::button_switch(&f.name))
                    .callback_data(switch_data(f.id))
                    .build(),
            ]
        })
        .collect();
    if current.role == "owner" {
        rows.push(vec![
            InlineKeyboardButton::builder()
                .text(replies::BUTTON_INVITE)
                .callback_data(INVITE_DATA)
                .build(),
        ]);
    }
    let text = replies::family(&families, current.id, &members);
    let reply = if rows.is_empty() {
        Reply::text(text)
    } else {
        Reply::with_markup(
            text,
            ReplyMarkup::InlineKeyboardMarkup(
                InlineKeyboardMarkup::builder()
                    .inline_keyboard(rows)
                    .build(),
            ),
        )
    };
    Ok(Reply { edit, ..reply })
}

/// A switch button: `family` becomes the chat's current family; the message
/// shows it.
pub async fn switch(
    ctx: &Context,
    chat_id: i64,
    button_message: i64,
    family: Uuid,
) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let families = crate::finance!(signed, |api, token| api.families(token))?;
    if !families.iter().any(|f| f.id == family) {
        return Ok(Reply::text(replies::NOT_A_MEMBER));
    }
    ctx.store.set_family(chat_id, &family.to_string()).await?;
    run(ctx, chat_id, Some(button_message)).await
}

/// The invite button: a new invite to the current family, as a member. The
/// key is the button press's, so the same press handled twice gives one invite.
pub async fn invite(ctx: &Context, chat_id: i64, press: &str) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let key = format!("tg-{chat_id}-press-{press}-invite");
    let invite = match crate::finance!(signed, |api, token| api
        .create_invite(token, family.id, &key))
    {
        Ok(invite) => invite,
        Err(BotError::Finance(err)) if err.is_refused("forbidden") => {
            return Ok(Reply::text(replies::OWNERS_ONLY));
        }
        Err(err) => return Err(err),
    };
    let deep_link = format!(
        "https://t.me/{}?start={}",
        ctx.username, invite.start_payload
    );
    Ok(Reply::text(replies::invite(
        &family.name,
        &invite.role,
        &deep_link,
        &invite.link_url,
    )))
}

/// Whether `code` can be an invite code (URL-safe characters), so nothing
/// else ends up in a path.
fn plausible(code: &str) -> bool {
    (1..=128).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `/join <code>`, `/start join_<code>`: joins the invite's family, which
/// becomes the chat's current one.
pub async fn join(
    ctx: &Context,
    chat_id: i64,
    person: &TelegramPerson,
    code: &str,
) -> Result<Reply, BotError> {
    let code = code.trim();
    if !plausible(code) {
        return Ok(Reply::text(replies::JOIN_USAGE));
    }
    let mut welcome = None;
    let mut signed = match session::signed_in(ctx, chat_id).await? {
        Some(signed) => signed,
        None => {
            welcome = Some(register::run(ctx, chat_id, person).await?.text);
            session::signed_in(ctx, chat_id)
                .await?
                .ok_or(BotError::SignedOut)?
        }
    };
    let family = match crate::finance!(signed, |api, token| api.accept_invite(token, code)) {
        Ok(family) => family,
        Err(BotError::Finance(err)) if err.is_not_found() => {
            return Ok(Reply::text(replies::INVITE_INVALID));
        }
        Err(err) => return Err(err),
    };
    ctx.store
        .set_family(chat_id, &family.id.to_string())
        .await?;
    let joined = replies::joined(&family.name, &family.role);
    Ok(Reply::text(match welcome {
        Some(welcome) => format!("{welcome}\n\n{joined}"),
        None => joined,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_url_safe_and_buttons_read_back() {
        assert!(plausible("aB3_-x"));
        for bad in ["", "a b", "a/b", "../x", "é", &"a".repeat(129)] {
            assert!(!plausible(bad), "{bad}");
        }
        let id = Uuid::new_v4();
        assert_eq!(parse_switch(&switch_data(id)), Some(id));
        assert_eq!(parse_switch("fs:nope"), None);
        assert_eq!(parse_switch(INVITE_DATA), None);
    }
}
