//! The kinds of accounts, categories and transactions.

macro_rules! kind {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

kind!(
    /// What an account holds.
    AccountKind { Cash => "cash", Bank => "bank", Card => "card", Savings => "savings" }
);
kind!(
    /// Whether a category sorts spending or earning; never changes.
    CategoryKind { Expense => "expense", Income => "income" }
);
kind!(
    /// What a transaction does to its accounts.
    TransactionKind { Expense => "expense", Income => "income", Transfer => "transfer" }
);

impl TransactionKind {
    /// The category kind an expense or income needs; `None` for a transfer.
    pub fn category_kind(self) -> Option<CategoryKind> {
        match self {
            Self::Expense => Some(CategoryKind::Expense),
            Self::Income => Some(CategoryKind::Income),
            Self::Transfer => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_are_exact() {
        for name in TransactionKind::NAMES {
            assert_eq!(
                TransactionKind::parse(name).map(TransactionKind::as_str),
                Some(*name)
            );
        }
        assert_eq!(AccountKind::parse("Cash"), None);
        assert_eq!(TransactionKind::Transfer.category_kind(), None);
        assert_eq!(
            TransactionKind::Income.category_kind(),
            Some(CategoryKind::Income)
        );
    }
}
