//! Money in integer minor units (fen for CNY). Never a float; arithmetic never overflows silently.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validation::CodedError;

/// An ISO 4217 currency clearcast accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Currency {
    /// Chinese yuan; minor unit fen (1/100).
    #[default]
    CNY,
}

impl Currency {
    /// The ISO code.
    pub fn code(&self) -> &'static str {
        match self {
            Currency::CNY => "CNY",
        }
    }

    /// Parses an ISO code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CNY" => Some(Currency::CNY),
            _ => None,
        }
    }
}

/// Why an amount is not acceptable or an operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The result would not fit in 64 bits.
    #[error("amount out of range")]
    Overflow,
    /// Two amounts in different currencies were combined.
    #[error("currencies differ: {0:?} and {1:?}")]
    CurrencyMismatch(Currency, Currency),
    /// A price must be above zero.
    #[error("must be greater than zero")]
    NotPositive,
    /// The amount is above the platform's ceiling for a single price.
    #[error("must be at most {max} minor units")]
    TooLarge {
        /// The ceiling.
        max: i64,
    },
}

impl CodedError for MoneyError {
    fn code(&self) -> &'static str {
        match self {
            MoneyError::Overflow => "overflow",
            MoneyError::CurrencyMismatch(..) => "currency_mismatch",
            MoneyError::NotPositive => "must_be_positive",
            MoneyError::TooLarge { .. } => "too_large",
        }
    }
}

/// An amount of money: integer minor units and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// Amount in minor units (fen): 12900 is ¥129.00.
    pub minor: i64,
    /// Currency, CNY by default.
    #[serde(default)]
    pub currency: Currency,
}

/// The largest price a single item may carry: ¥100,000,000.00. Far above any real listing, far
/// below where sums of many prices could overflow.
pub const MAX_PRICE_MINOR: i64 = 10_000_000_000;

impl Money {
    /// An amount in CNY fen.
    pub const fn cny(minor: i64) -> Self {
        Self { minor, currency: Currency::CNY }
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Parses a price: strictly positive and at most [`MAX_PRICE_MINOR`].
    pub fn price(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        if minor > MAX_PRICE_MINOR {
            return Err(MoneyError::TooLarge { max: MAX_PRICE_MINOR });
        }
        Ok(Self { minor, currency })
    }

    /// Sum, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// Difference, refusing mixed currencies and overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// Multiplies by a count (quantity), refusing overflow.
    pub fn checked_mul(self, n: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(n).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_yuan_and_fen() {
        assert_eq!(Money::cny(12900).to_string(), "129.00 CNY");
        assert_eq!(Money::cny(-5).to_string(), "-0.05 CNY");
    }

    #[test]
    fn prices_are_positive_and_bounded() {
        assert_eq!(Money::price(0, Currency::CNY), Err(MoneyError::NotPositive));
        assert_eq!(Money::price(-1, Currency::CNY), Err(MoneyError::NotPositive));
        assert!(Money::price(MAX_PRICE_MINOR + 1, Currency::CNY).is_err());
        assert_eq!(Money::price(1, Currency::CNY), Ok(Money::cny(1)));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(Money::cny(i64::MAX).checked_add(Money::cny(1)), Err(MoneyError::Overflow));
        assert_eq!(Money::cny(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
    }

    proptest! {
        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let sum = Money::cny(a).checked_add(Money::cny(b)).unwrap();
            prop_assert_eq!(sum.checked_sub(Money::cny(b)).unwrap(), Money::cny(a));
        }
    }
}
