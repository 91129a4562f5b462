use super::{MENU, Reply};
use crate::replies;

/// `/help`: the commands and what they do.
pub fn run() -> Reply {
    Reply::text(replies::help(MENU))
}
