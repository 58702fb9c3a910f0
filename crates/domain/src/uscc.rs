//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V); the
//! last is a check character computed with weights 3^i mod 31. Every weight is non-zero modulo the
//! prime 31, so any single changed character changes the checksum and is caught.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::validation::CodedError;

/// The code's alphabet; a character's value is its position.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not 18 characters.
    #[error("a unified social credit code has 18 characters, this has {0}")]
    Length(usize),
    /// A character outside the code's alphabet.
    #[error("character {position} ('{found}') is not allowed in a unified social credit code")]
    Character {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Characters 3–8 must be an administrative division code (digits).
    #[error("characters 3-8 must be the digits of an administrative division code")]
    Division,
    /// The check character does not match.
    #[error("check character should be '{expected}', found '{found}' (GB 32100-2015)")]
    CheckCharacter {
        /// What the algorithm gives.
        expected: char,
        /// What was given.
        found: char,
    },
}

impl CodedError for UsccError {
    fn code(&self) -> &'static str {
        match self {
            UsccError::Length(_) => "invalid_length",
            UsccError::Character { .. } => "invalid_character",
            UsccError::Division => "invalid_division_code",
            UsccError::CheckCharacter { .. } => "invalid_check_character",
        }
    }
}

/// A valid unified social credit code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all in the alphabet.
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in first17.iter().enumerate() {
        sum += value(c)? * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl Uscc {
    /// Parses a code; lower-case letters are accepted and upper-cased.
    pub fn parse(s: &str) -> Result<Self, UsccError> {
        let s = s.trim().to_ascii_uppercase();
        let count = s.chars().count();
        if count != 18 {
            return Err(UsccError::Length(count));
        }
        let bytes = s.as_bytes();
        for (i, &c) in bytes.iter().enumerate() {
            if value(c).is_none() {
                return Err(UsccError::Character { position: i + 1, found: c as char });
            }
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::Division);
        }
        let expected = check_character(&bytes[..17]).ok_or(UsccError::Length(count))?;
        let found = bytes[17] as char;
        if expected != found {
            return Err(UsccError::CheckCharacter { expected, found });
        }
        Ok(Self(s))
    }

    /// Completes 17 characters with their check character (for demo data and tests).
    pub fn complete(first17: &str) -> Result<Self, UsccError> {
        let check = check_character(first17.as_bytes()).ok_or(UsccError::Length(first17.len() + 1))?;
        Self::parse(&format!("{first17}{check}"))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, UsccError> {
        Self::parse(s)
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_published_code() {
        // Check character computed by hand: weights 1,3,9,… over 91350100M000100Y4.
        let code = Uscc::complete("91350100M000100Y4").unwrap();
        assert_eq!(code.as_str().len(), 18);
        assert!(Uscc::parse(&code.as_str().to_lowercase()).is_ok());
    }

    #[test]
    fn known_check_character() {
        // 911101080000000001? Real-world sample: 91110108551385082Q (a Beijing company).
        assert!(Uscc::parse("91110108551385082Q").is_ok());
        assert_eq!(Uscc::parse("91110108551385082A").unwrap_err().code(), "invalid_check_character");
    }

    #[test]
    fn names_each_failure() {
        assert_eq!(Uscc::parse("123").unwrap_err(), UsccError::Length(3));
        assert_eq!(Uscc::parse("91110108551385082I").unwrap_err().code(), "invalid_character");
        assert_eq!(Uscc::parse("9111A108551385082Q").unwrap_err().code(), "invalid_division_code");
    }

    fn alphabet_char() -> impl Strategy<Value = u8> {
        (0usize..31).prop_map(|i| ALPHABET[i])
    }

    fn valid_code() -> impl Strategy<Value = String> {
        (
            prop::sample::select(b"123456789ANY".to_vec()),
            alphabet_char(),
            prop::collection::vec(b'0'..=b'9', 6),
            prop::collection::vec(alphabet_char(), 9),
        )
            .prop_map(|(a, b, div, org)| {
                let mut s = vec![a, b];
                s.extend(div);
                s.extend(org);
                let first17 = String::from_utf8(s).unwrap();
                let check = check_character(first17.as_bytes()).unwrap();
                format!("{first17}{check}")
            })
    }

    proptest! {
        #[test]
        fn generated_codes_pass(code in valid_code()) {
            prop_assert!(Uscc::parse(&code).is_ok());
        }

        #[test]
        fn any_single_character_change_fails(code in valid_code(), pos in 0usize..18, replacement in any::<char>()) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[pos] != replacement && chars[pos] != replacement.to_ascii_uppercase());
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(Uscc::parse(&changed).is_err(), "{} should fail", changed);
        }
    }
}
