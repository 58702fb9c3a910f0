//! Viewers' comments in a live room (Order 117 Art. 31: the platform manages the room's
//! interactions in real time). A comment the chat rules flag (off-platform inducement, abuse) is
//! hidden from other viewers, never silently dropped: it is kept, with the findings that hid it,
//! and its author is told.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::compliance::Finding;
use crate::ids::{AccountId, ChatMessageId, ShowId};

/// Longest comment, in characters.
pub const MAX_CHARS: usize = 500;

/// One comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatMessage {
    /// Id.
    pub id: ChatMessageId,
    /// The room's show.
    pub show: ShowId,
    /// Who wrote it.
    pub author: AccountId,
    /// What was written.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Hidden from other viewers.
    pub hidden: bool,
    /// Why it was hidden: the findings of the chat rules.
    pub findings: Vec<Finding>,
}

impl ChatMessage {
    /// A comment judged by its findings: any finding hides it.
    pub fn judged(show: ShowId, author: AccountId, text: String, findings: Vec<Finding>, at: DateTime<Utc>) -> Self {
        ChatMessage { id: ChatMessageId::generate(), show, author, text, at, hidden: !findings.is_empty(), findings }
    }
}
