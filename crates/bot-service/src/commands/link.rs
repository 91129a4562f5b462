use super::Reply;
use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::replies;

/// `/link`: a one-time link to the web page where the person confirms, signed
/// in to their email account, that this Telegram identity is theirs.
pub async fn run(ctx: &Context, person: &TelegramPerson) -> Result<Reply, BotError> {
    let link = ctx.auth.start_link(person).await?;
    Ok(Reply::text(replies::link(
        &link.link_url,
        link.expires_in / 60,
    )))
}
