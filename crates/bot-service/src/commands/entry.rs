//! Reading a money entry from a message: `/add 12,50 eating out lunch`,
//! `/income 5000 salary`, and quick entries (`250 coffee`, `-250 coffee`,
//! `+5000 salary`, `3+4.5 snacks`). Only the text is read here; the category
//! is matched against the family's, and the amount evaluated in the account's
//! currency, once those are known.

use money::Currency;
use serde::{Deserialize, Serialize};

use crate::api::finance::Category;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Expense,
    Income,
}

impl Kind {
    /// The contract's `kind`.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Expense => "expense",
            Self::Income => "income",
        }
    }
}

/// An entry as written: its kind, the amount (an expression such as
/// `3+4,5`) and the words after it (the category, then a note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub amount: String,
    pub rest: String,
}

/// Why an entry cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// No amount where one was expected (`/add coffee`, `/add`).
    NoAmount,
    /// An amount that is not a number or a calculation (`250-`, `1/0`).
    Unreadable(String),
    /// Zero or less.
    NotPositive(String),
}

/// Whether `text` is a quick entry: it starts with a number, or with `+`,
/// `-` or `(` before one.
pub fn is_quick(text: &str) -> bool {
    let text = text.trim_start();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text).trim_start();
    unsigned
        .trim_start_matches('(')
        .starts_with(|c: char| c.is_ascii_digit())
}

/// A quick entry: `+` makes it an income, anything else (`-` or no sign) an expense.
pub fn quick(text: &str) -> Result<Entry, EntryProblem> {
    let text = text.trim();
    let (kind, unsigned) = match text.strip_prefix('+') {
        Some(rest) => (Kind::Income, rest),
        None => (Kind::Expense, text.strip_prefix('-').unwrap_or(text)),
    };
    read(kind, unsigned)
}

/// The argument of `/add` (an expense) or `/income`.
pub fn command(kind: Kind, argument: &str) -> Result<Entry, EntryProblem> {
    read(kind, argument.trim())
}

fn read(kind: Kind, text: &str) -> Result<Entry, EntryProblem> {
    let (amount, rest) = split_amount(text.trim_start());
    if amount.is_empty() {
        return Err(EntryProblem::NoAmount);
    }
    // The syntax is checked now, in a currency with four decimals; the
    // account's currency (known later) may allow fewer.
    let loose = Currency::parse("CLF").map_err(|_| EntryProblem::Unreadable(amount.into()))?;
    match money::expression::evaluate_minor(amount, loose) {
        Ok(minor) if minor > 0 => Ok(Entry {
            kind,
            amount: amount.to_owned(),
            rest: rest.to_owned(),
        }),
        Ok(_) => Err(EntryProblem::NotPositive(amount.to_owned())),
        Err(_) => Err(EntryProblem::Unreadable(amount.to_owned())),
    }
}

fn is_operator(byte: u8) -> bool {
    matches!(byte, b'+' | b'-' | b'*' | b'/')
}

/// Splits `text` into the calculation it starts with and the rest. Spaces
/// belong to the calculation only next to an operator (`3 + 4.5 snacks`),
/// so `250 2 coffees` is `250` and `2 coffees`.
fn split_amount(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut end = 0;
    let mut at = 0;
    let mut last: Option<u8> = None;
    while let Some(&byte) = bytes.get(at) {
        if byte == b' ' || byte == b'\t' {
            let mut next = at;
            while bytes.get(next).is_some_and(|b| *b == b' ' || *b == b'\t') {
                next += 1;
            }
            let joins = last.is_some_and(|b| is_operator(b) || b == b'(')
                || bytes
                    .get(next)
                    .is_some_and(|b| is_operator(*b) || *b == b')');
            if !joins {
                break;
            }
            at = next;
            continue;
        }
        if byte.is_ascii_digit() || matches!(byte, b'.' | b',' | b'(' | b')') || is_operator(byte) {
            last = Some(byte);
            at += 1;
            end = at;
        } else {
            break;
        }
    }
    (&text[..end], text[end..].trim())
}

/// The words after the first `n` as a note (their own spacing and line
/// breaks kept), at most the contract's 1,000 characters; `None` when empty.
pub fn note_after(words: &str, n: usize) -> Option<String> {
    let mut rest = words.trim_start();
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    let note: String = rest.trim().chars().take(1000).collect();
    (!note.is_empty()).then_some(note)
}

/// What the words of an entry name among the family's categories of its kind.
#[derive(Debug)]
pub enum CategoryMatch<'a> {
    /// One category, and the note after its name (if any).
    One(&'a Category, Option<String>),
    /// No category word, or none matches: every category of the kind.
    None(Vec<&'a Category>),
    /// The first word begins several names: those.
    Several(String, Vec<&'a Category>),
}

/// Matches the start of `words` against the categories of `kind`, ignoring
/// case: the longest run of words that is a name exactly, else a unique
/// category whose name starts with the first word.
pub fn match_category<'a>(
    categories: &'a [Category],
    kind: Kind,
    words: &str,
) -> CategoryMatch<'a> {
    let candidates: Vec<&Category> = categories
        .iter()
        .filter(|c| c.kind == kind.wire() && !c.archived)
        .collect();
    let split: Vec<&str> = words.split_whitespace().collect();
    if split.is_empty() {
        return CategoryMatch::None(candidates);
    }
    let note_after = |n: usize| note_after(words, n);
    for n in (1..=split.len()).rev() {
        let name = split[..n].join(" ");
        if let Some(found) = candidates.iter().find(|c| {
            c.name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
                == name.to_lowercase()
        }) {
            return CategoryMatch::One(found, note_after(n));
        }
    }
    let first = split[0].to_lowercase();
    let starting: Vec<&Category> = candidates
        .iter()
        .copied()
        .filter(|c| c.name.to_lowercase().starts_with(&first))
        .collect();
    match starting.as_slice() {
        [one] => CategoryMatch::One(one, note_after(1)),
        [] => CategoryMatch::None(candidates),
        _ => CategoryMatch::Several(split[0].to_owned(), starting),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, amount: &str, rest: &str) -> Result<Entry, EntryProblem> {
        Ok(Entry {
            kind,
            amount: amount.into(),
            rest: rest.into(),
        })
    }

    #[test]
    fn quick_entries_are_told_from_text() {
        for text in [
            "250 coffee",
            "-250 coffee",
            "+5000 salary",
            "12,50 lunch",
            "(2+3)*2 x",
        ] {
            assert!(is_quick(text), "{text}");
        }
        for text in ["coffee 250", "hello", "+ salary", "-", ""] {
            assert!(!is_quick(text), "{text}");
        }
    }

    #[test]
    fn the_sign_gives_the_kind_and_the_amount_may_be_a_calculation() {
        assert_eq!(quick("250 coffee"), entry(Kind::Expense, "250", "coffee"));
        assert_eq!(quick("-250 coffee"), entry(Kind::Expense, "250", "coffee"));
        assert_eq!(quick("+5000 salary"), entry(Kind::Income, "5000", "salary"));
        assert_eq!(quick("12,50 lunch"), entry(Kind::Expense, "12,50", "lunch"));
        assert_eq!(
            quick("3+4.5 snacks"),
            entry(Kind::Expense, "3+4.5", "snacks")
        );
        assert_eq!(
            quick("3 + 4.5 snacks at noon"),
            entry(Kind::Expense, "3 + 4.5", "snacks at noon")
        );
        assert_eq!(
            quick("250 2 coffees"),
            entry(Kind::Expense, "250", "2 coffees")
        );
        assert_eq!(quick("12*3"), entry(Kind::Expense, "12*3", ""));
    }

    #[test]
    fn amounts_that_cannot_be_read_say_so() {
        assert_eq!(
            quick("250- coffee"),
            Err(EntryProblem::Unreadable("250-".into()))
        );
        assert_eq!(quick("1/0 x"), Err(EntryProblem::Unreadable("1/0".into())));
        assert_eq!(
            quick("0 coffee"),
            Err(EntryProblem::NotPositive("0".into()))
        );
        assert_eq!(
            command(Kind::Expense, "coffee"),
            Err(EntryProblem::NoAmount)
        );
        assert_eq!(command(Kind::Income, ""), Err(EntryProblem::NoAmount));
        assert_eq!(
            command(Kind::Income, "5000 salary may"),
            entry(Kind::Income, "5000", "salary may")
        );
    }

    fn categories() -> Vec<Category> {
        let category = |name: &str, kind: &str| Category {
            id: uuid::Uuid::new_v4(),
            name: name.into(),
            kind: kind.into(),
            archived: false,
        };
        vec![
            category("Groceries", "expense"),
            category("Eating out", "expense"),
            category("Education", "expense"),
            category("Gifts", "expense"),
            category("Gifts", "income"),
            category("Salary", "income"),
        ]
    }

    fn name(found: &CategoryMatch<'_>) -> (String, Option<String>) {
        match found {
            CategoryMatch::One(category, note) => (category.name.clone(), note.clone()),
            other => panic!("no single match: {other:?}"),
        }
    }

    #[test]
    fn categories_match_by_exact_name_then_unique_prefix_ignoring_case() {
        let all = categories();
        let find = |kind, words| name(&match_category(&all, kind, words));
        assert_eq!(find(Kind::Expense, "groceries"), ("Groceries".into(), None));
        assert_eq!(
            find(Kind::Expense, "EATING OUT with  Bob"),
            ("Eating out".into(), Some("with  Bob".into()))
        );
        assert_eq!(
            find(Kind::Expense, "groc milk"),
            ("Groceries".into(), Some("milk".into()))
        );
        assert_eq!(find(Kind::Income, "sal"), ("Salary".into(), None));
        match match_category(&all, Kind::Expense, "e lunch") {
            CategoryMatch::Several(word, several) => {
                assert_eq!(word, "e");
                assert_eq!(several.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        match match_category(&all, Kind::Expense, "coffee") {
            CategoryMatch::None(choices) => assert_eq!(choices.len(), 4),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            match_category(&all, Kind::Income, ""),
            CategoryMatch::None(choices) if choices.len() == 2
        ));
    }
}
