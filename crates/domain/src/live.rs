//! The live channel's vocabulary (Order 117 Art. 26, 31, 37): the events a live room sends, who
//! may see each, what each changes in the room's state (from which a late or lagging viewer's
//! `snapshot` is built), and the frames a viewer may send.
//!
//! Counters are state, not history: a viewer who missed events gets the state again and
//! continues. Compliance warnings reach only the show's runners (the room operator and the
//! roster's anchors) and platform operators; a hidden comment reaches them and its author.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::AccountId;

/// What happened in a live room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The room's whole state (on connect, and to a viewer who fell behind).
    Snapshot,
    /// A product was pinned; carries the lineup item with its disclosure card.
    Pinned,
    /// The pinned product's stock.
    Stock,
    /// Sales and engagement counters (coalesced: at most a few per second).
    Sales,
    /// A viewer's comment, shown.
    Comment,
    /// A comment the chat rules hid, with why.
    CommentHidden,
    /// Compliance findings in the anchor's speech.
    Warning,
    /// A measure that affects the show (a suspension).
    Measure,
    /// The show ended.
    Ended,
    /// A notice from the platform to the show's viewers (a consumer-protection reminder, a
    /// review in progress).
    Notice,
}

impl Kind {
    /// The `type` on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Snapshot => "snapshot",
            Kind::Pinned => "pinned",
            Kind::Stock => "stock",
            Kind::Sales => "sales",
            Kind::Comment => "comment",
            Kind::CommentHidden => "comment_hidden",
            Kind::Warning => "warning",
            Kind::Measure => "measure",
            Kind::Ended => "ended",
            Kind::Notice => "notice",
        }
    }
}

/// Who an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "to", content = "account")]
pub enum Audience {
    /// Every viewer.
    All,
    /// The show's runners and platform operators.
    Staff,
    /// The runners, operators and one account (the author of a hidden comment).
    StaffAnd(AccountId),
}

/// Who is watching on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Watcher {
    /// The signed-in account, if any.
    pub account: Option<AccountId>,
    /// A runner of the show or an operator.
    pub staff: bool,
}

impl Audience {
    /// Whether the event reaches this watcher.
    pub fn reaches(self, w: Watcher) -> bool {
        match self {
            Audience::All => true,
            Audience::Staff => w.staff,
            Audience::StaffAnd(a) => w.staff || w.account == Some(a),
        }
    }
}

/// An event before it is numbered and framed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: Kind,
    /// Who sees it.
    pub audience: Audience,
    /// Its fields (merged into the frame beside `type`, `seq`, `ts`).
    pub body: Map<String, Value>,
}

impl Event {
    /// An event for every viewer.
    pub fn all(kind: Kind, body: Value) -> Self {
        Self::to(kind, Audience::All, body)
    }

    /// An event for an audience; a body that is not an object is put under `data`.
    pub fn to(kind: Kind, audience: Audience, body: Value) -> Self {
        let body = match body {
            Value::Object(m) => m,
            other => Map::from_iter([("data".to_string(), other)]),
        };
        Self { kind, audience, body }
    }
}

/// What a snapshot holds: the show (as `GET /api/v1/shows/{id}` returns it: status, pinned
/// product with its disclosure card, AI-presenter label), the pinned product's stock and the
/// counters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomState {
    /// The show.
    pub show: Value,
    /// `{"product_id", "available"}` of the pinned product, or null.
    pub stock: Value,
    /// `{"buyers", "viewers", "likes"}`.
    pub counters: Value,
}

impl RoomState {
    /// What an event changes in the state. Events that are not state (comments, warnings) change
    /// nothing.
    pub fn apply(&mut self, e: &Event) {
        let b = &e.body;
        match e.kind {
            Kind::Pinned => {
                if let (Some(item), Value::Object(show)) = (b.get("item"), &mut self.show) {
                    show.insert("pinned".into(), item.clone());
                    if let Some(card) = item.get("disclosure") {
                        show.insert("disclosure".into(), card.clone());
                    }
                }
            }
            Kind::Stock => self.stock = Value::Object(b.clone()),
            Kind::Sales => self.counters = Value::Object(b.clone()),
            Kind::Measure | Kind::Ended => {
                if let Value::Object(show) = &mut self.show {
                    for key in ["status", "ended_at", "replay_url"] {
                        if let Some(v) = b.get(key) {
                            show.insert(key.into(), v.clone());
                        }
                    }
                }
            }
            Kind::Snapshot | Kind::Comment | Kind::CommentHidden | Kind::Warning | Kind::Notice => {}
        }
    }

    /// The snapshot's fields.
    pub fn body(&self) -> Map<String, Value> {
        Map::from_iter([
            ("show".to_string(), self.show.clone()),
            ("stock".to_string(), self.stock.clone()),
            ("counters".to_string(), self.counters.clone()),
        ])
    }
}

/// The WebSocket close codes the channel uses (RFC 6455 §7.4).
pub mod close {
    /// The server is going away, or the connection was idle too long.
    pub const GOING_AWAY: u16 = 1001;
    /// A binary frame (the channel speaks JSON text).
    pub const UNSUPPORTED: u16 = 1003;
    /// A frame that is not a JSON object with a known `type` and valid fields.
    pub const INVALID: u16 = 1007;
    /// Too many frames: the rate limit was passed again and again.
    pub const POLICY: u16 = 1008;
    /// A frame over the size limit.
    pub const TOO_BIG: u16 = 1009;
}

/// The largest frame a viewer may send, in bytes.
pub const MAX_CLIENT_FRAME: usize = 4096;

/// What a viewer may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    /// A comment (signed-in viewers), 1-500 characters.
    Comment(String),
    /// Likes, 1-100 at once (signed-in viewers).
    Like(u32),
}

/// Why a viewer's frame closes the connection: the close code and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// RFC 6455 close code.
    pub code: u16,
    /// Why (at most 123 bytes, the limit of a close frame's reason).
    pub reason: &'static str,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Wire {
    Comment { text: String },
    Like { count: Option<u32> },
}

/// Parses a text frame.
pub fn parse_client(text: &str) -> Result<ClientFrame, Refused> {
    if text.len() > MAX_CLIENT_FRAME {
        return Err(Refused { code: close::TOO_BIG, reason: "frame over 4096 bytes" });
    }
    let invalid = |reason| Refused { code: close::INVALID, reason };
    match serde_json::from_str::<Wire>(text) {
        Ok(Wire::Comment { text }) => Ok(ClientFrame::Comment(text)),
        Ok(Wire::Like { count }) => match count.unwrap_or(1) {
            n @ 1..=100 => Ok(ClientFrame::Like(n)),
            _ => Err(invalid("like count must be 1-100")),
        },
        Err(_) => Err(invalid("expected {\"type\":\"comment\",\"text\"} or {\"type\":\"like\",\"count\"?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn warnings_reach_only_staff_and_a_hidden_comment_its_author_too() {
        let me = AccountId::generate();
        let viewer = Watcher { account: Some(AccountId::generate()), staff: false };
        let author = Watcher { account: Some(me), staff: false };
        let anchor = Watcher { account: Some(AccountId::generate()), staff: true };
        assert!(Audience::All.reaches(Watcher::default()));
        assert!(!Audience::Staff.reaches(viewer) && Audience::Staff.reaches(anchor));
        assert!(Audience::StaffAnd(me).reaches(author) && !Audience::StaffAnd(me).reaches(viewer));
        assert!(!Audience::Staff.reaches(Watcher::default()), "anonymous viewers never see warnings");
    }

    #[test]
    fn state_follows_the_events() {
        let mut s = RoomState {
            show: json!({"status": "live", "pinned": null, "disclosure": {"seller": "room only"}}),
            ..Default::default()
        };
        let item = json!({"id": "lni_1", "disclosure": {"seller": "杭州好物"}});
        s.apply(&Event::all(Kind::Pinned, json!({"item": item})));
        assert_eq!(s.show["pinned"]["id"], "lni_1");
        assert_eq!(s.show["disclosure"]["seller"], "杭州好物", "the card follows the pinned product");
        s.apply(&Event::all(Kind::Sales, json!({"buyers": 3, "viewers": 9, "likes": 40})));
        s.apply(&Event::all(Kind::Comment, json!({"text": "好"})));
        assert_eq!(s.counters["buyers"], 3);
        s.apply(&Event::all(Kind::Ended, json!({"status": "ended", "ended_at": "2026-12-04T12:00:00Z"})));
        assert_eq!((s.show["status"].as_str(), s.show["pinned"]["id"].as_str()), (Some("ended"), Some("lni_1")));
        assert_eq!(s.body().len(), 3);
    }

    #[test]
    fn client_frames_are_json_with_a_known_type_and_fields() {
        assert_eq!(parse_client(r#"{"type":"comment","text":"好看"}"#), Ok(ClientFrame::Comment("好看".into())));
        assert_eq!(parse_client(r#"{"type":"like"}"#), Ok(ClientFrame::Like(1)));
        assert_eq!(parse_client(r#"{"type":"like","count":100}"#), Ok(ClientFrame::Like(100)));
        for bad in [
            r#"{"type":"like","count":0}"#,
            r#"{"type":"like","count":101}"#,
            "not json",
            r#"{"type":"warning"}"#,
            r#"{"type":"comment"}"#,
            r#"{"type":"comment","text":"x","extra":1}"#,
            "[]",
        ] {
            assert_eq!(parse_client(bad).map_err(|r| r.code), Err(close::INVALID), "{bad}");
        }
        let big = format!(r#"{{"type":"comment","text":"{}"}}"#, "好".repeat(2000));
        assert_eq!(parse_client(&big).map_err(|r| r.code), Err(close::TOO_BIG));
    }
}
