//! Identifiers: UUIDv7 newtypes shown with a type prefix (`mer_…`, `prd_…`).
//!
//! The prefix makes an id self-describing in logs and URLs, and parsing rejects an id of the wrong
//! kind, so a product id can never be used where a merchant id is expected. UUIDv7 sorts by
//! creation time, which the store uses for stable cursor pagination.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Why a string is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix names another kind of object.
    #[error("expected an id starting with `{expected}_`, got `{found}`")]
    WrongPrefix {
        /// The prefix this id type carries.
        expected: &'static str,
        /// What was given.
        found: String,
    },
    /// The part after the prefix is not a UUID.
    #[error("`{0}` is not a well-formed id")]
    Malformed(String),
}

impl IdError {
    /// Stable machine code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::WrongPrefix { .. } => "wrong_id_prefix",
            IdError::Malformed(_) => "malformed_id",
        }
    }
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// The type prefix shown before the UUID.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh time-ordered id. Randomness and the wall clock are the only inputs; ids
            /// carry no meaning beyond ordering, so this is the one place the domain reads either.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0.simple())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                let Some((prefix, rest)) = s.split_once('_') else {
                    return Err(IdError::Malformed(s.to_string()));
                };
                if prefix != $prefix {
                    return Err(IdError::WrongPrefix { expected: $prefix, found: s.to_string() });
                }
                Uuid::try_parse(rest).map(Self).map_err(|_| IdError::Malformed(s.to_string()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!("Identifier: `", $prefix, "_` followed by a UUIDv7 in hex.")))
                    .pattern(Some(concat!("^", $prefix, "_[0-9a-f]{32}$")))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

prefixed_id!(/** A login account. */ AccountId, "acc");
prefixed_id!(/** A merchant: the actual seller of goods. */ MerchantId, "mer");
prefixed_id!(/** A goods owner: brand owner or manufacturer. */ GoodsOwnerId, "gdo");
prefixed_id!(/** A live-room operator. */ RoomOperatorId, "rop");
prefixed_id!(/** An anchor agency (MCN). */ AgencyId, "agy");
prefixed_id!(/** An anchor: the person on camera. */ AnchorId, "anc");
prefixed_id!(/** A product. */ ProductId, "prd");
prefixed_id!(/** A product variant (size, colour) with its own stock. */ VariantId, "var");
prefixed_id!(/** A product qualification (licence, certificate, filing). */ QualificationId, "qlf");
prefixed_id!(/** An inspection report for a product. */ InspectionId, "ins");
prefixed_id!(/** A training record of an anchor. */ TrainingId, "trn");
prefixed_id!(/** A live show. */ ShowId, "shw");
prefixed_id!(/** A product on a show's lineup. */ LineupItemId, "lni");
prefixed_id!(/** A reported change of disclosed party information. */ ChangeRequestId, "chg");
prefixed_id!(/** An order. */ OrderId, "ord");
prefixed_id!(/** A confirmed or pending violation of the speech rules. */ ViolationId, "vio");
prefixed_id!(/** A measure of the penalty ladder (warning … blacklist). */ MeasureId, "msr");
prefixed_id!(/** A viewer's comment in a live room. */ ChatMessageId, "cht");
prefixed_id!(/** A regulator's notice about a party (Art. 12, 22). */ NoticeId, "ntc");
prefixed_id!(/** A consumer's complaint (Art. 20). */ ComplaintId, "cmp");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_display_form() {
        let id = MerchantId::generate();
        let shown = id.to_string();
        assert!(shown.starts_with("mer_"));
        assert_eq!(shown.len(), 4 + 32);
        assert_eq!(shown.parse::<MerchantId>(), Ok(id));
    }

    #[test]
    fn rejects_the_wrong_prefix() {
        let product = ProductId::generate().to_string();
        let err = product.parse::<MerchantId>().unwrap_err();
        assert_eq!(err.code(), "wrong_id_prefix");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!("mer_nothex".parse::<MerchantId>().unwrap_err().code(), "malformed_id");
        assert_eq!("plain".parse::<MerchantId>().unwrap_err().code(), "malformed_id");
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = ProductId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = ProductId::generate();
        assert!(a.to_string() < b.to_string());
    }
}
