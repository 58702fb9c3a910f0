//! clearcast's domain: the rules of live commerce as pure types and functions.
//!
//! Nothing here performs I/O or reads a clock: every rule that depends on time takes `now` as an
//! argument, which is what makes the law testable. Each module owns one concept; the module docs
//! say which article of Order 117 (or other law) it implements.
#![forbid(unsafe_code)]

pub mod account;
pub mod anchor;
pub mod audit;
pub mod change_request;
pub mod chat;
pub mod complaint;
pub mod compliance;
pub mod dates;
pub mod disclosure;
pub mod eligibility;
pub mod feed;
pub mod gate;
pub mod id_number;
pub mod ids;
pub mod ledger;
pub mod lineup;
pub mod live;
pub mod money;
pub mod notice;
pub mod order;
pub mod party;
pub mod penalty;
pub mod policy;
pub mod product;
pub mod qualification;
pub mod rate;
pub mod records;
pub mod reputation;
pub mod returns;
pub mod review;
pub mod show;
pub mod silence;
pub mod text;
pub mod tier;
pub mod uscc;
pub mod validation;
pub mod verification;
pub mod violation;
pub mod workdays;
