//! Resident identity card number (公民身份号码), GB 11643-1999.
//!
//! 17 digits (address code, birth date, sequence) and a check character `0`–`9` or `X` computed
//! with ISO 7064 MOD 11-2. ID numbers are personal data: the type's `Debug` masks them, and
//! [`IdNumber::masked`] is what everyone but the owner, operators and regulators sees.

use std::fmt;

use chrono::NaiveDate;

use crate::validation::CodedError;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";

/// Why a string is not an ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters.
    #[error("an ID number has 18 characters, this has {0}")]
    Length(usize),
    /// A non-digit among the first 17, or a bad final character.
    #[error("character {0} must be a digit (the last may be X)")]
    Character(usize),
    /// Characters 7–14 are not a real date.
    #[error("characters 7-14 are not a valid birth date")]
    BirthDate,
    /// The check character does not match.
    #[error("check character does not match (ISO 7064 MOD 11-2)")]
    CheckCharacter,
}

impl CodedError for IdNumberError {
    fn code(&self) -> &'static str {
        match self {
            IdNumberError::Length(_) => "invalid_length",
            IdNumberError::Character(_) => "invalid_character",
            IdNumberError::BirthDate => "invalid_birth_date",
            IdNumberError::CheckCharacter => "invalid_check_character",
        }
    }
}

/// The check character for 17 digits.
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECKS[(sum % 11) as usize] as char)
}

/// A valid resident ID number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses; a lower-case `x` is accepted.
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        let s = s.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length(n));
        }
        let b = s.as_bytes();
        if let Some(i) = b[..17].iter().position(|c| !c.is_ascii_digit()) {
            return Err(IdNumberError::Character(i + 1));
        }
        if !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Character(18));
        }
        let expected = check_character(&b[..17]).ok_or(IdNumberError::Character(1))?;
        if expected as u8 != b[17] {
            return Err(IdNumberError::CheckCharacter);
        }
        let id = Self(s);
        let born = id.birth_date().ok_or(IdNumberError::BirthDate)?;
        // Resident ID numbers exist for people born from 1900; a later birth date than 2099 is a
        // typo. (Births in the future relative to today are refused where today is known.)
        if !(1900..=2099).contains(&chrono::Datelike::year(&born)) {
            return Err(IdNumberError::BirthDate);
        }
        Ok(id)
    }

    /// Completes 17 digits with their check character (for demo data and tests).
    pub fn complete(first17: &str) -> Result<Self, IdNumberError> {
        let c = check_character(first17.as_bytes()).ok_or(IdNumberError::Character(1))?;
        Self::parse(&format!("{first17}{c}"))
    }

    /// The birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let d = self.0.get(6..14)?;
        NaiveDate::parse_from_str(d, "%Y%m%d").ok()
    }

    /// The full number; only for its owner, operators, regulators and the store's cipher.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First 3 and last 2 characters, the rest hidden: `110***********123X` style.
    pub fn masked(&self) -> String {
        format!("{}*************{}", &self.0[..3], &self.0[16..])
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_standard_example() {
        // The example from GB 11643-1999.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.masked(), "110*************2X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn names_each_failure() {
        assert_eq!(IdNumber::parse("110105").unwrap_err().code(), "invalid_length");
        assert_eq!(IdNumber::parse("1101051949123100AX").unwrap_err().code(), "invalid_character");
        assert_eq!(IdNumber::parse("110105194912310021").unwrap_err().code(), "invalid_check_character");
        let bad_date = format!("{}", IdNumber::complete("11010519491332002").map(|_| ()).unwrap_err());
        assert!(bad_date.contains("birth date"));
    }

    #[test]
    fn impossible_birth_years_are_refused() {
        assert_eq!(IdNumber::complete("11010518000101002").unwrap_err().code(), "invalid_birth_date");
        assert!(IdNumber::complete("11010519000101002").is_ok());
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(b'0'..=b'9', 6),
            1900i32..2020,
            1u32..=12,
            1u32..=28,
            prop::collection::vec(b'0'..=b'9', 3),
        )
            .prop_map(|(area, y, m, d, seq)| {
                let mut s = String::from_utf8(area).unwrap();
                s.push_str(&format!("{y:04}{m:02}{d:02}"));
                s.push_str(std::str::from_utf8(&seq).unwrap());
                let c = check_character(s.as_bytes()).unwrap();
                format!("{s}{c}")
            })
    }

    proptest! {
        #[test]
        fn generated_numbers_pass(id in valid_id()) {
            prop_assert!(IdNumber::parse(&id).is_ok());
        }

        #[test]
        fn any_single_character_change_fails(id in valid_id(), pos in 0usize..18, replacement in any::<char>()) {
            let mut chars: Vec<char> = id.chars().collect();
            prop_assume!(chars[pos] != replacement && chars[pos] != replacement.to_ascii_uppercase());
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(IdNumber::parse(&changed).is_err(), "{} should fail", changed);
        }
    }
}
