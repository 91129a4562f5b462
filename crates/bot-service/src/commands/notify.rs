//! Telling the rest of the family: a budget alert goes to every other member
//! with a signed-in chat (unless they turned alerts off in `/settings`), and
//! every expense to those who asked for them. Best effort: the transaction is
//! recorded whatever happens here, and each transaction is told once.

use crate::api::finance::{Family, Transaction};
use crate::context::Context;
use crate::replies;
use crate::session::Signed;

pub async fn tell_family(
    ctx: &Context,
    signed: &mut Signed<'_>,
    family: &Family,
    transaction: &Transaction,
    category: &str,
) {
    let expense = transaction.kind == "expense";
    if transaction.budget_alerts.is_empty() && !expense {
        return;
    }
    // The members first: if they cannot be read, a retry of the update may
    // still tell the family.
    let members = match crate::finance!(*signed, |api, token| api.members(token, family.id)) {
        Ok(members) => members,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the family's members");
            return;
        }
    };
    if members.len() < 2 {
        return;
    }
    match ctx.store.first_notice(&transaction.id.to_string()).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(err) => {
            tracing::warn!(error = %err, "could not tell whether the family was told");
            return;
        }
    }
    let who = members
        .iter()
        .find(|m| Some(m.user_id) == transaction.created_by)
        .and_then(|m| m.display_name.clone())
        .unwrap_or_else(|| replies::SOMEONE.to_owned());
    for member in &members {
        let chat = match ctx.store.user_chat(&member.user_id.to_string()).await {
            Ok(Some(chat)) if chat != signed.chat_id() => chat,
            Ok(_) => continue,
            Err(err) => {
                tracing::warn!(error = %err, "could not find a member's chat");
                continue;
            }
        };
        let alerts = ctx.store.notify(chat, "alerts").await.ok().flatten();
        let every = ctx.store.notify(chat, "every").await.ok().flatten();
        let mut lines = Vec::new();
        if every == Some(true) && expense {
            lines.push(replies::family_expense(
                &who,
                &family.name,
                transaction,
                category,
            ));
        }
        if alerts != Some(false) {
            for alert in &transaction.budget_alerts {
                lines.push(replies::family_alert(
                    &who,
                    &family.name,
                    category,
                    alert,
                    &transaction.currency,
                ));
            }
        }
        if lines.is_empty() {
            continue;
        }
        if let Err(err) = ctx.telegram.send(chat, &lines.join("\n"), None).await {
            tracing::warn!(error = %err, chat_id = chat, "could not tell a family member");
        }
    }
}
