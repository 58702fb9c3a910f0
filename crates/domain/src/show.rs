//! Live shows and their states (Order 117 Art. 16, 26, 30, 37).
//!
//! scheduled → live → ended, and live → suspended → live/ended (suspension is a penalty measure).
//! Every transition is a function that either returns the new state or says why not; the server
//! answers the refusal with 409.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AnchorId, LineupItemId, RoomOperatorId, ShowId};
use crate::text::Text;
use crate::validation::{Errors, Invalid};

/// A pre-show script: up to 20,000 characters (a two-hour show's script; the speech scan takes
/// 64 KiB, about 21,000 Chinese characters).
pub type ScriptText = Text<20000>;
/// Where a show is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShowStatus {
    /// Announced, not started.
    Scheduled,
    /// On air.
    Live,
    /// Stopped by a measure; may resume or end.
    Suspended,
    /// Over; keeps its replay.
    Ended,
}

impl ShowStatus {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ShowStatus::Scheduled => "scheduled",
            ShowStatus::Live => "live",
            ShowStatus::Suspended => "suspended",
            ShowStatus::Ended => "ended",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [ShowStatus::Scheduled, ShowStatus::Live, ShowStatus::Suspended, ShowStatus::Ended]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The show is not in a state the transition starts from.
    #[error("the show is {current}; cannot {action}")]
    WrongState {
        /// The current state.
        current: &'static str,
        /// What was attempted.
        action: &'static str,
    },
}

impl TransitionError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        "invalid_show_state"
    }
}

/// A show as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowInput {
    /// The room operator running it (`rop_…`); defaults to the caller's own.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub room_operator_id: Option<String>,
    /// Title.
    pub title: String,
    /// When it is announced to start.
    pub scheduled_start: DateTime<Utc>,
    /// The anchors who will appear (`anc_…`); each must be on the room's roster.
    #[schema(value_type = Vec<String>)]
    pub roster: Vec<String>,
    /// HLS or RTMP URL of the stream (clearcast does not host video).
    pub stream_url: String,
    /// The presenter is AI-generated (Art. 37).
    #[serde(default)]
    pub ai_presenter: bool,
    /// The pre-show script (reviewed before start, Art. 30).
    #[serde(default)]
    pub script: Option<String>,
}

/// A validated show.
#[derive(Debug, Clone)]
pub struct NewShow {
    /// Title.
    pub title: Text<200>,
    /// Scheduled start.
    pub scheduled_start: DateTime<Utc>,
    /// Anchors.
    pub roster: Vec<AnchorId>,
    /// Stream URL.
    pub stream_url: String,
    /// AI presenter.
    pub ai_presenter: bool,
    /// Script.
    pub script: Option<ScriptText>,
}

/// Checks a stream URL: http(s) for HLS, rtmp(s) for RTMP; no spaces, at most 2000 characters.
pub fn parse_stream_url(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let ok_scheme =
        ["https://", "http://", "rtmp://", "rtmps://"].iter().any(|p| s.to_ascii_lowercase().starts_with(p));
    if !ok_scheme {
        return Err("must be an http(s) (HLS) or rtmp(s) URL");
    }
    if s.len() > 2000 || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>') {
        return Err("must be a single URL of at most 2000 characters");
    }
    let host = s.split("://").nth(1).unwrap_or("");
    if host.is_empty() || host.starts_with('/') {
        return Err("must name a host");
    }
    Ok(s.to_string())
}

/// Most anchors on one show.
pub const MAX_ROSTER: usize = 20;

impl NewShow {
    /// Parses a submission, naming every bad field.
    pub fn parse(input: &ShowInput) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let title = e.take("title", Text::<200>::parse(&input.title));
        let stream_url = match parse_stream_url(&input.stream_url) {
            Ok(u) => Some(u),
            Err(m) => {
                e.push("stream_url", "invalid_url", m);
                None
            }
        };
        let script = match &input.script {
            Some(s) if !s.trim().is_empty() => e.take("script", ScriptText::parse(s)).map(Some),
            _ => Some(None),
        };
        if input.roster.is_empty() {
            e.push("roster", "required", "a show needs at least one anchor");
        }
        if input.roster.len() > MAX_ROSTER {
            e.push("roster", "too_many", format!("at most {MAX_ROSTER} anchors"));
        }
        let mut roster = Vec::new();
        for (i, a) in input.roster.iter().enumerate() {
            if let Some(id) = e.take(&format!("roster[{i}]"), a.parse::<AnchorId>()) {
                if roster.contains(&id) {
                    e.push(format!("roster[{i}]"), "duplicate", "this anchor is listed twice");
                } else {
                    roster.push(id);
                }
            }
        }
        e.finish(|| NewShow {
            title: title.expect("checked by Errors::finish"),
            scheduled_start: input.scheduled_start,
            roster,
            stream_url: stream_url.expect("checked by Errors::finish"),
            ai_presenter: input.ai_presenter,
            script: script.expect("checked by Errors::finish"),
        })
    }
}

/// A show.
#[derive(Debug, Clone, PartialEq)]
pub struct Show {
    /// Id.
    pub id: ShowId,
    /// The room operator.
    pub room_operator: RoomOperatorId,
    /// Title.
    pub title: String,
    /// Scheduled start.
    pub scheduled_start: DateTime<Utc>,
    /// Anchors.
    pub roster: Vec<AnchorId>,
    /// Stream URL.
    pub stream_url: String,
    /// Replay URL (kept after the end, Art. 16).
    pub replay_url: Option<String>,
    /// AI presenter (Art. 37).
    pub ai_presenter: bool,
    /// Pre-show script.
    pub script: Option<String>,
    /// State.
    pub status: ShowStatus,
    /// The pinned lineup item.
    pub pinned: Option<LineupItemId>,
    /// When it went live.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl Show {
    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError::WrongState { current: self.status.as_str(), action }
    }

    /// Replaces the pre-show script before the show starts (an empty text removes it): the
    /// script a refused start asked to revise (Art. 30). Once live, what is said is supervised as
    /// it is spoken, and the script reviewed at the start stays on record.
    pub fn revise_script(&mut self, text: &str) -> Result<(), crate::validation::Invalid> {
        use crate::validation::{FieldError, Invalid};
        if self.status != ShowStatus::Scheduled {
            let why = format!("the show is {}; only a scheduled show's script is revised", self.status.as_str());
            return Err(Invalid(vec![FieldError::new("script", "not_scheduled", why)]));
        }
        self.script = if text.trim().is_empty() {
            None
        } else {
            let mut e = crate::validation::Errors::new();
            let parsed = e.take("script", ScriptText::parse(text));
            let t = e.finish(|| parsed)?;
            t.map(|t| t.to_string())
        };
        Ok(())
    }

    /// Goes live (only from scheduled; the gate is checked by the caller before).
    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if self.status != ShowStatus::Scheduled {
            return Err(self.refuse("start"));
        }
        self.status = ShowStatus::Live;
        self.started_at = Some(now);
        Ok(())
    }

    /// Ends (from live or suspended). The replay defaults to the stream URL.
    pub fn end(&mut self, now: DateTime<Utc>, replay_url: Option<String>) -> Result<(), TransitionError> {
        if !matches!(self.status, ShowStatus::Live | ShowStatus::Suspended) {
            return Err(self.refuse("end"));
        }
        self.status = ShowStatus::Ended;
        self.ended_at = Some(now);
        self.pinned = None;
        self.replay_url = Some(replay_url.unwrap_or_else(|| self.stream_url.clone()));
        Ok(())
    }

    /// Suspends a live show (a measure).
    pub fn suspend(&mut self) -> Result<(), TransitionError> {
        if self.status != ShowStatus::Live {
            return Err(self.refuse("suspend"));
        }
        self.status = ShowStatus::Suspended;
        self.pinned = None;
        Ok(())
    }

    /// Pins a lineup item (only while live).
    pub fn pin(&mut self, item: LineupItemId) -> Result<(), TransitionError> {
        if self.status != ShowStatus::Live {
            return Err(self.refuse("pin a product"));
        }
        self.pinned = Some(item);
        Ok(())
    }

    /// Whether the lineup and roster may still change (only before the show ends).
    pub fn editable(&self) -> Result<(), TransitionError> {
        if self.status == ShowStatus::Ended {
            return Err(self.refuse("be edited"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn show() -> Show {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        Show {
            id: ShowId::generate(),
            room_operator: RoomOperatorId::generate(),
            title: "双十一返场".into(),
            scheduled_start: t,
            roster: vec![AnchorId::generate()],
            stream_url: "https://live.example.com/a.m3u8".into(),
            replay_url: None,
            ai_presenter: false,
            script: None,
            status: ShowStatus::Scheduled,
            pinned: None,
            started_at: None,
            ended_at: None,
            created_at: t,
        }
    }

    #[test]
    fn a_show_runs_its_course_once() {
        let t = Utc::now();
        let mut s = show();
        assert!(s.end(t, None).is_err(), "a scheduled show cannot end");
        assert!(s.pin(LineupItemId::generate()).is_err(), "nothing is pinned before the start");
        s.start(t).unwrap();
        assert!(s.start(t).is_err(), "no second start");
        s.pin(LineupItemId::generate()).unwrap();
        s.suspend().unwrap();
        assert_eq!(s.pinned, None);
        s.end(t, None).unwrap();
        assert_eq!(s.replay_url.as_deref(), Some("https://live.example.com/a.m3u8"));
        assert!(s.editable().is_err());
        assert_eq!(s.end(t, None).unwrap_err().to_string(), "the show is ended; cannot end");
    }

    #[test]
    fn stream_urls_are_hls_or_rtmp() {
        assert!(parse_stream_url("rtmp://media.example.com/live/abc").is_ok());
        assert!(parse_stream_url("javascript:alert(1)").is_err());
        assert!(parse_stream_url("https://").is_err());
        assert!(parse_stream_url("https://a.com/x y").is_err());
    }

    #[test]
    fn the_roster_needs_distinct_anchors() {
        let a = AnchorId::generate().to_string();
        let input = ShowInput {
            room_operator_id: None,
            title: "t".into(),
            scheduled_start: Utc::now(),
            roster: vec![a.clone(), a],
            stream_url: "https://a.com/x.m3u8".into(),
            ai_presenter: false,
            script: None,
        };
        assert_eq!(NewShow::parse(&input).unwrap_err().0[0].code, "duplicate");
    }
}
