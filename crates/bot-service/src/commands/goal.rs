//! `/goal`: the family's goals; `/goal new <target> <name>` makes one;
//! `/goal <name> +<amount>` saves toward it (`-<amount>` takes some back).

use super::budget::{currency, positive_amount};
use super::record::{current_family, idempotency_key};
use super::{Origin, Reply};
use crate::api::finance::Goal;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// The goal `name` names: exactly (ignoring case), else by a unique prefix.
fn find_goal<'a>(goals: &'a [Goal], name: &str) -> Option<&'a Goal> {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return None;
    }
    if let Some(exact) = goals.iter().find(|g| g.name.to_lowercase() == name) {
        return Some(exact);
    }
    let starting: Vec<&Goal> = goals
        .iter()
        .filter(|g| g.name.to_lowercase().starts_with(&name))
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
    let argument = argument.trim();
    let key = idempotency_key(chat_id, origin, "goal");
    if argument.is_empty() {
        let goals = crate::finance!(signed, |api, token| api.goals(token, family.id))?;
        return Ok(Reply::text(replies::goals(&goals)));
    }
    if let Some(rest) = argument
        .strip_prefix("new ")
        .or_else(|| argument.strip_prefix("New "))
    {
        let Some((target, name)) = rest.trim().split_once(char::is_whitespace) else {
            return Ok(Reply::text(replies::GOAL_USAGE));
        };
        let base = currency(&family.base_currency)?;
        let Some(target) = positive_amount(target, base) else {
            return Ok(Reply::text(replies::GOAL_USAGE));
        };
        let name: String = name.trim().chars().take(100).collect();
        let goal = crate::finance!(signed, |api, token| api
            .create_goal(token, family.id, &name, &target, &key))?;
        return Ok(Reply::text(replies::goal_made(&goal)));
    }
    let Some((name, amount)) = argument.rsplit_once(char::is_whitespace) else {
        return Ok(Reply::text(replies::GOAL_USAGE));
    };
    let (negative, unsigned) = match (amount.strip_prefix('+'), amount.strip_prefix('-')) {
        (Some(unsigned), _) => (false, unsigned),
        (_, Some(unsigned)) => (true, unsigned),
        _ => return Ok(Reply::text(replies::GOAL_USAGE)),
    };
    let goals = crate::finance!(signed, |api, token| api.goals(token, family.id))?;
    let Some(goal) = find_goal(&goals, name) else {
        let names: Vec<&str> = goals.iter().map(|g| g.name.as_str()).collect();
        return Ok(Reply::text(replies::no_goal(name.trim(), &names)));
    };
    let Some(amount) = positive_amount(unsigned, currency(&goal.currency)?) else {
        return Ok(Reply::text(replies::GOAL_USAGE));
    };
    let amount = if negative {
        format!("-{amount}")
    } else {
        amount
    };
    match crate::finance!(signed, |api, token| api
        .contribute(token, family.id, goal.id, &amount, &key))
    {
        Ok(_) => {}
        Err(BotError::Finance(err)) if err.is_refused("validation_failed") => {
            return Ok(Reply::text(replies::goal_too_much(goal)));
        }
        Err(err) => return Err(err),
    }
    let goal = crate::finance!(signed, |api, token| api.goal(token, family.id, goal.id))?;
    Ok(Reply::text(replies::goal_line(&goal)))
}
