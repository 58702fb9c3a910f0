//! Bounded, trimmed text fields: names, addresses, contacts, titles.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::validation::CodedError;

/// Why a piece of text is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Contains control characters.
    #[error("must not contain control characters")]
    Control,
}

impl CodedError for TextError {
    fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "required",
            TextError::TooLong { .. } => "too_long",
            TextError::Control => "control_characters",
        }
    }
}

/// Non-empty trimmed text of at most `MAX` characters without control characters (newlines are
/// allowed only where `MAX` is large enough to be a description).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Parses and trims.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(TextError::Empty);
        }
        if t.chars().count() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        let multiline = MAX > 500;
        if t.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
            return Err(TextError::Control);
        }
        Ok(Self(t.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds from text the store wrote itself after validating it.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize> Serialize for Text<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A legal or personal name.
pub type Name = Text<200>;
/// A postal address.
pub type Address = Text<300>;
/// A phone number, e-mail or other contact line.
pub type Contact = Text<200>;
/// A short label (pricing unit, variant label, licence kind, lab name).
pub type Label = Text<100>;
/// A long free text (description, note).
pub type LongText = Text<5000>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(Name::parse("  杭州好物  ").map(|n| n.to_string()), Ok("杭州好物".into()));
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
        assert_eq!(Label::parse(&"x".repeat(101)), Err(TextError::TooLong { max: 100 }));
        assert_eq!(Name::parse("a\u{0}b"), Err(TextError::Control));
        assert!(LongText::parse("line one\nline two").is_ok());
    }
}
