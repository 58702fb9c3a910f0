//! Accounts and roles. Every request acts as one account with one role; what a role may do is
//! decided per resource in the server, from the ownership recorded here and in the party records.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::AccountId;
use crate::validation::CodedError;

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Watches, buys, reviews, complains.
    Consumer,
    /// The actual seller: lists goods, uploads qualifications.
    Merchant,
    /// Owns live rooms and runs shows.
    RoomOperator,
    /// The person on camera.
    Anchor,
    /// Recruits and manages anchors (MCN).
    Agency,
    /// Platform staff: verify, review, adjudicate.
    Operator,
    /// Market regulator: reads everything, writes only notices.
    Regulator,
}

impl Role {
    /// All roles, in a stable order.
    pub const ALL: [Role; 7] = [
        Role::Consumer,
        Role::Merchant,
        Role::RoomOperator,
        Role::Anchor,
        Role::Agency,
        Role::Operator,
        Role::Regulator,
    ];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Merchant => "merchant",
            Role::RoomOperator => "room_operator",
            Role::Anchor => "anchor",
            Role::Agency => "agency",
            Role::Operator => "operator",
            Role::Regulator => "regulator",
        }
    }

    /// Whether anyone may sign up with this role; operators and regulators are created by an
    /// administrator (`clearcast admin create-operator`).
    pub fn self_service(&self) -> bool {
        !matches!(self, Role::Operator | Role::Regulator)
    }

    /// Staff roles see personal data in full (operators to verify, regulators for Art. 9 reports).
    pub fn sees_personal_data(&self) -> bool {
        matches!(self, Role::Operator | Role::Regulator)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// Why a user name or password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// User names are 3–64 ASCII letters, digits, `_`, `-`, `.`, starting with a letter or digit.
    #[error("user name must be 3-64 ASCII letters, digits, '_', '-', '.', starting with a letter or digit")]
    Username,
    /// Passwords are 10–128 characters, not all blank, without control characters.
    #[error("password must be 10-128 characters, not all spaces, without control characters")]
    PasswordLength,
}

impl CodedError for CredentialError {
    fn code(&self) -> &'static str {
        match self {
            CredentialError::Username => "invalid_username",
            CredentialError::PasswordLength => "weak_password",
        }
    }
}

/// A login name: case-insensitive, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    /// Parses and lower-cases. ASCII only: look-alike letters from other scripts (Cyrillic о,
    /// full-width ｏ) could otherwise impersonate another account's name.
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        let s = s.trim().to_ascii_lowercase();
        let ok_len = (3..=64).contains(&s.len());
        let ok_chars = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if ok_len && ok_chars && ok_start {
            Ok(Self(s))
        } else {
            Err(CredentialError::Username)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed; only its length is judged here (NIST 800-63B: length over composition).
pub struct Password(String);

impl Password {
    /// Parses.
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        if (10..=128).contains(&s.chars().count()) && !s.trim().is_empty() && !s.chars().any(char::is_control) {
            Ok(Self(s.to_string()))
        } else {
            Err(CredentialError::PasswordLength)
        }
    }

    /// The secret, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A login account as the rest of the system sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_case_insensitive_and_restricted() {
        assert_eq!(Username::parse(" Alice.W ").unwrap().as_str(), "alice.w");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("王小明").is_err(), "ASCII only");
        assert!(Username::parse("оperator").is_err(), "Cyrillic о");
        assert!(Username::parse("...").is_err());
        assert!(Password::parse("          ").is_err());
        assert!(Password::parse("abcdefghij\u{0}").is_err());
    }

    #[test]
    fn staff_roles_are_not_self_service() {
        assert!(!Role::Operator.self_service());
        assert!(!Role::Regulator.self_service());
        assert!(Role::Merchant.self_service());
        assert_eq!("room_operator".parse::<Role>(), Ok(Role::RoomOperator));
    }
}
