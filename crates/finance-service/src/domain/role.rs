//! A member's role in a family.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    // Ordered by power, so the higher of two roles is their `max`.
    Viewer,
    Member,
    Owner,
}

impl Role {
    pub const NAMES: &'static [&'static str] = &["owner", "member", "viewer"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Member => "member",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "member" => Some(Self::Member),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    /// Owners and members write money; viewers only read.
    pub fn can_write(self) -> bool {
        self >= Self::Member
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_and_rank() {
        for name in Role::NAMES {
            assert_eq!(Role::parse(name).map(Role::as_str), Some(*name));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(Role::Viewer.max(Role::Owner), Role::Owner);
        assert!(Role::Member.can_write() && !Role::Viewer.can_write());
    }
}
