//! Orders and their life: placed → paid → shipped → delivered → completed, or cancelled before
//! shipping (stock comes back), or refunded after a return. Each transition names who may make it;
//! the server checks the caller, this module checks the state.
//!
//! An order carries an immutable order-time snapshot of the product page and the disclosure card
//! (Order 117 Art. 16): what the buyer saw is what the record keeps, whatever changes later.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure::DisclosureCard;
use crate::ids::{AccountId, AnchorId, LineupItemId, MerchantId, OrderId, ProductId, ShowId, VariantId};
use crate::money::Money;
use crate::text::{Address, Contact, Name};
use crate::validation::{CodedError, Errors, Invalid};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stock reserved, awaiting payment.
    Placed,
    /// Paid.
    Paid,
    /// Handed to the carrier.
    Shipped,
    /// Delivered to the buyer.
    Delivered,
    /// Confirmed by the buyer (or after the confirmation window).
    Completed,
    /// Cancelled before shipping; stock released.
    Cancelled,
    /// Refunded after a return.
    Refunded,
}

impl OrderStatus {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        use OrderStatus::*;
        [Placed, Paid, Shipped, Delivered, Completed, Cancelled, Refunded].into_iter().find(|x| x.as_str() == s)
    }
}

/// A shipping address as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingAddress {
    /// Recipient.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Full address.
    pub address: String,
}

impl ShippingAddress {
    /// Validates, naming every bad field under `shipping`.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        e.take("shipping.name", Name::parse(&self.name));
        if let Some(phone) = e.take("shipping.phone", Contact::parse(&self.phone)) {
            e.take("shipping.phone", check_phone(phone.as_str()));
        }
        e.take("shipping.address", Address::parse(&self.address));
        e.finish(|| ())
    }
}

/// Why a shipping phone is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be {PHONE_MIN_DIGITS}-{PHONE_MAX_DIGITS} digits, after an optional +, with spaces or hyphens between")]
pub struct PhoneError;

impl CodedError for PhoneError {
    fn code(&self) -> &'static str {
        "invalid_phone"
    }
}

/// Fewest digits a shipping phone has: short enough for an extension-less landline number
/// written without its area code, long enough to refuse a stray word or a typo.
pub const PHONE_MIN_DIGITS: usize = 5;
/// Most digits (E.164 allows 15; the margin covers an extension or a trunk prefix).
pub const PHONE_MAX_DIGITS: usize = 20;

/// Checks that a (trimmed) phone is plausible: the carrier has to be able to call the recipient,
/// so a word such as "abc" must not pass as a contact the way a free-text contact line would.
pub fn check_phone(phone: &str) -> Result<(), PhoneError> {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    // Separators only between digits: "-138", "138 " or "+ 138" are typos, not numbers.
    let starts_and_ends_with_digit = body.chars().next().is_some_and(|c| c.is_ascii_digit())
        && body.chars().next_back().is_some_and(|c| c.is_ascii_digit());
    let only_allowed = body.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if starts_and_ends_with_digit && only_allowed && (PHONE_MIN_DIGITS..=PHONE_MAX_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(PhoneError)
    }
}

/// An order as submitted by a consumer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The product (`prd_…`).
    #[schema(value_type = String)]
    pub product_id: String,
    /// The variant (`var_…`); may be omitted when the product has one.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub variant_id: Option<String>,
    /// Units, 1-999.
    pub quantity: u32,
    /// Where to ship.
    pub shipping: ShippingAddress,
    /// The show it is bought in (`shw_…`); attributes the order to the show and its anchors and
    /// applies the show price and the per-buyer limit.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub show_id: Option<String>,
}

/// Most units in one order.
pub const MAX_QUANTITY: u32 = 999;

/// What the buyer saw when ordering (Art. 16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderSnapshot {
    /// Product title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Variant label.
    pub variant: String,
    /// Unit price paid.
    pub unit_price: Money,
    /// Pricing unit.
    pub unit: String,
    /// The comparison price shown, with its basis, if any.
    pub reference: Option<crate::lineup::ReferencePrice>,
    /// The actual seller.
    pub seller: crate::disclosure::PartyCard,
    /// The goods owner.
    pub goods_owner: crate::disclosure::PartyCard,
    /// The show's disclosure card, for orders placed in a show.
    pub disclosure: Option<DisclosureCard>,
}

/// Carrier and tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Buyer.
    pub consumer: AccountId,
    /// Seller.
    pub merchant: MerchantId,
    /// Product.
    pub product: ProductId,
    /// Variant.
    pub variant: VariantId,
    /// Units.
    pub quantity: u32,
    /// Total charged.
    pub total: Money,
    /// The show it was bought in.
    pub show: Option<ShowId>,
    /// The lineup item it was bought from.
    pub lineup_item: Option<LineupItemId>,
    /// The show's anchors at the time.
    pub anchors: Vec<AnchorId>,
    /// Commission to the room, basis points.
    pub commission_bps: u32,
    /// Where to ship.
    pub shipping: ShippingAddress,
    /// What the buyer saw.
    pub snapshot: OrderSnapshot,
    /// State.
    pub status: OrderStatus,
    /// Shipment, once shipped.
    pub shipment: Option<Shipment>,
    /// When placed.
    pub placed_at: DateTime<Utc>,
    /// When the state last changed.
    pub updated_at: DateTime<Utc>,
    /// When paid.
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
    /// When handed to the carrier (late shipments count against the seller's reputation).
    #[serde(default)]
    pub shipped_at: Option<DateTime<Utc>>,
    /// When delivered (starts the return windows).
    pub delivered_at: Option<DateTime<Utc>>,
    /// The buyer's return request, if any.
    #[serde(default)]
    pub return_request: Option<crate::returns::ReturnRequest>,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the order is {current}; cannot {action}")]
pub struct OrderStateError {
    /// Current state.
    pub current: &'static str,
    /// What was attempted.
    pub action: &'static str,
}

impl Order {
    fn go(
        &mut self,
        from: &[OrderStatus],
        to: OrderStatus,
        action: &'static str,
        now: DateTime<Utc>,
    ) -> Result<(), OrderStateError> {
        if !from.contains(&self.status) {
            return Err(OrderStateError { current: self.status.as_str(), action });
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }

    /// The consumer pays a placed order.
    pub fn pay(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        self.go(&[OrderStatus::Placed], OrderStatus::Paid, "pay", now)?;
        self.paid_at = Some(now);
        Ok(())
    }

    /// The merchant ships a paid order.
    pub fn ship(&mut self, s: Shipment, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        self.go(&[OrderStatus::Paid], OrderStatus::Shipped, "ship", now)?;
        self.shipment = Some(s);
        self.shipped_at = Some(now);
        Ok(())
    }

    /// The carrier (or an operator) reports delivery.
    pub fn deliver(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        self.go(&[OrderStatus::Shipped], OrderStatus::Delivered, "deliver", now)?;
        self.delivered_at = Some(now);
        Ok(())
    }

    /// The consumer confirms receipt.
    ///
    /// Not while a return awaits the seller's decision: confirming would close the order the
    /// buyer is asking to send back.
    pub fn confirm(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        if self.return_pending() {
            return Err(OrderStateError { current: "delivered, with a return awaiting a decision", action: "confirm" });
        }
        self.go(&[OrderStatus::Delivered], OrderStatus::Completed, "confirm", now)
    }

    /// A return request awaits the seller's (or an operator's) decision.
    pub fn return_pending(&self) -> bool {
        self.return_request.as_ref().is_some_and(|r| r.status == crate::returns::ReturnStatus::Requested)
    }

    /// Whether the buyer may complain about this order: only once it was paid for (a placed or
    /// cancelled order cost nothing). One complaint per order is the complaints module's rule.
    pub fn may_be_complained_about(&self) -> bool {
        !matches!(self.status, OrderStatus::Placed | OrderStatus::Cancelled)
    }

    /// Cancels before shipping; the caller releases the stock.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        self.go(&[OrderStatus::Placed, OrderStatus::Paid], OrderStatus::Cancelled, "cancel", now)
    }

    /// Refunds a delivered order after an accepted return.
    pub fn refund(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        self.go(&[OrderStatus::Delivered, OrderStatus::Completed], OrderStatus::Refunded, "refund", now)
    }

    /// Refunds a paid order because a complaint about it was upheld (whatever the goods' way:
    /// not shipped, in transit, delivered or completed). The goods are not restocked.
    pub fn refund_on_complaint(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        use OrderStatus::*;
        self.go(&[Paid, Shipped, Delivered, Completed], Refunded, "refund on an upheld complaint", now)
    }

    /// Whether an unpaid order has outlived the payment window.
    pub fn payment_expired(&self, now: DateTime<Utc>, window_minutes: u32) -> bool {
        self.status == OrderStatus::Placed && now >= self.placed_at + Duration::minutes(i64::from(window_minutes))
    }
}

/// Sample orders for the domain's own tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A placed CNY order of `total` fen with a commission of `commission_bps`.
    pub(crate) fn sample_order(total: i64, commission_bps: u32) -> Order {
        let now = Utc::now();
        Order {
            id: OrderId::generate(),
            consumer: AccountId::generate(),
            merchant: MerchantId::generate(),
            product: ProductId::generate(),
            variant: VariantId::generate(),
            quantity: 1,
            total: Money::cny(total),
            show: None,
            lineup_item: None,
            anchors: vec![],
            commission_bps,
            shipping: ShippingAddress { name: "张三".into(), phone: "138".into(), address: "北京".into() },
            snapshot: OrderSnapshot {
                title: "t".into(),
                category: "food".into(),
                variant: "default".into(),
                unit_price: Money::cny(total),
                unit: "件".into(),
                reference: None,
                seller: card(),
                goods_owner: card(),
                disclosure: None,
            },
            status: OrderStatus::Placed,
            shipment: None,
            placed_at: now,
            updated_at: now,
            paid_at: None,
            shipped_at: None,
            delivered_at: None,
            return_request: None,
        }
    }

    fn card() -> crate::disclosure::PartyCard {
        crate::disclosure::PartyCard {
            name: String::new(),
            uscc: String::new(),
            address: String::new(),
            contact: String::new(),
            natural_person: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_is_not_confirmed_while_a_return_awaits_a_decision() {
        let mut o = sample();
        o.status = OrderStatus::Delivered;
        o.return_request = Some(crate::returns::ReturnRequest {
            kind: crate::returns::ReturnKind::NoReason,
            reason: None,
            requested_at: Utc::now(),
            window_ends: Utc::now().date_naive(),
            status: crate::returns::ReturnStatus::Requested,
            decided_by: None,
            decided_at: None,
            note: None,
        });
        let e = o.confirm(Utc::now()).unwrap_err();
        assert_eq!(e.current, "delivered, with a return awaiting a decision");
        assert_eq!(o.status, OrderStatus::Delivered);
        if let Some(r) = o.return_request.as_mut() {
            r.status = crate::returns::ReturnStatus::Rejected;
        }
        o.confirm(Utc::now()).unwrap();
        assert_eq!(o.status, OrderStatus::Completed);
    }

    #[test]
    fn only_paid_orders_are_complained_about() {
        let mut o = sample();
        for (s, ok) in [
            (OrderStatus::Placed, false),
            (OrderStatus::Cancelled, false),
            (OrderStatus::Paid, true),
            (OrderStatus::Delivered, true),
            (OrderStatus::Refunded, true),
        ] {
            o.status = s;
            assert_eq!(o.may_be_complained_about(), ok, "{s:?}");
        }
    }

    #[test]
    fn state_machine_allows_only_its_arrows() {
        use OrderStatus::*;
        let all = [Placed, Paid, Shipped, Delivered, Completed, Cancelled, Refunded];
        type Step = fn(&mut Order, DateTime<Utc>) -> Result<(), OrderStateError>;
        let steps: [(&str, Step, &[OrderStatus], OrderStatus); 5] = [
            ("pay", |o, t| o.pay(t), &[Placed], Paid),
            (
                "ship",
                |o, t| o.ship(Shipment { carrier: "SF".into(), tracking_number: "1".into() }, t),
                &[Paid],
                Shipped,
            ),
            ("deliver", |o, t| o.deliver(t), &[Shipped], Delivered),
            ("confirm", |o, t| o.confirm(t), &[Delivered], Completed),
            ("cancel", |o, t| o.cancel(t), &[Placed, Paid], Cancelled),
        ];
        for (name, step, from, to) in steps {
            for s in all {
                let mut o = sample();
                o.status = s;
                let r = step(&mut o, Utc::now());
                assert_eq!(r.is_ok(), from.contains(&s), "{name} from {s:?}");
                assert_eq!(o.status, if from.contains(&s) { to } else { s });
            }
        }
    }

    fn sample() -> Order {
        super::tests_support::sample_order(100, 0)
    }

    #[test]
    fn shipping_phone_must_be_a_plausible_number() {
        for ok in
            ["13800138000", "+86 138 0013 8000", "021-6234-5678", "12345", "  13800138000  ", "1".repeat(20).as_str()]
        {
            assert_eq!(check_phone(ok.trim()), Ok(()), "{ok:?}");
        }
        for bad in [
            "abc",
            "1234",
            "138a0013800",
            "+",
            "++8613800138000",
            "-13800138000",
            "13800138000-",
            "+ 138001",
            "138.0013.8000",
            "(021) 62345678",
            "１３８００１３８０００",
            "1".repeat(21).as_str(),
        ] {
            assert_eq!(check_phone(bad), Err(PhoneError), "{bad:?}");
        }
        let with =
            |phone: &str| ShippingAddress { name: "张三".into(), phone: phone.into(), address: "北京".into() };
        assert!(with(" 138 0013 8000 ").validate().is_ok());
        let fields = |phone: &str| with(phone).validate().unwrap_err().0;
        let abc = fields("abc");
        assert_eq!((abc.len(), abc[0].field.as_str(), abc[0].code.as_str()), (1, "shipping.phone", "invalid_phone"));
        // An empty phone is reported once, as missing, not also as malformed.
        let empty = fields(" ");
        assert_eq!((empty.len(), empty[0].code.as_str()), (1, "required"));
    }

    #[test]
    fn unpaid_orders_expire_after_the_window() {
        let o = sample();
        assert!(!o.payment_expired(o.placed_at + Duration::minutes(14), 15));
        assert!(o.payment_expired(o.placed_at + Duration::minutes(15), 15));
    }
}
