//! The live channel across nodes: with `--nats-url`, every node publishes its shows' events to
//! NATS JetStream (subject `clearcast.live.<show>` in the stream `CLEARCAST_LIVE`, kept in memory
//! for an hour) and delivers to its own viewers what comes back from the stream — its own events
//! and other nodes' alike. The stream's sequence number is the event's `seq`, so the same event
//! carries the same number on every node and numbers only grow per show.
//!
//! Publishing goes through a bounded queue to one task (order kept); a saturated queue sheds the
//! event (counted in `relay_shed`) rather than stall the request that caused it.

use std::sync::Weak;
use std::time::Duration;

use async_nats::jetstream;
use clearcast_domain::ids::ShowId;
use clearcast_domain::live::Event;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::Hub;

/// The stream the nodes share.
pub const STREAM: &str = "CLEARCAST_LIVE";
/// Subjects: one per show.
pub const SUBJECT_PREFIX: &str = "clearcast.live.";

/// Events waiting to go out before new ones are shed.
const QUEUE: usize = 65_536;

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
#[error("NATS relay: {0}")]
pub struct RelayError(String);

fn err(e: impl std::fmt::Display) -> RelayError {
    RelayError(e.to_string())
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    show: ShowId,
    event: Event,
}

/// The sending side, held by the hub.
pub struct Relay {
    tx: mpsc::Sender<Envelope>,
}

impl Relay {
    /// Queues an event for every node; false when the queue is full.
    pub fn send(&self, show: ShowId, event: Event) -> bool {
        self.tx.try_send(Envelope { show, event }).is_ok()
    }
}

/// Connects, makes sure the stream exists, and starts the publishing and delivering tasks.
pub async fn start(url: &str, hub: Weak<Hub>) -> Result<Relay, RelayError> {
    let client = async_nats::connect(url).await.map_err(err)?;
    let js = jetstream::new(client.clone());
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: STREAM.to_string(),
            subjects: vec![format!("{SUBJECT_PREFIX}>")],
            max_age: Duration::from_secs(3600),
            storage: jetstream::stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .map_err(err)?;
    let consumer = stream
        .create_consumer(jetstream::consumer::push::OrderedConfig {
            deliver_subject: client.new_inbox(),
            filter_subject: format!("{SUBJECT_PREFIX}>"),
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(err)?;
    let mut messages = consumer.messages().await.map_err(err)?;
    tokio::spawn(async move {
        while let Some(m) = messages.next().await {
            let Some(h) = hub.upgrade() else { return };
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: consumer error");
                    continue;
                }
            };
            let seq = match m.info() {
                Ok(i) => i.stream_sequence,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: message without stream info");
                    continue;
                }
            };
            match serde_json::from_slice::<Envelope>(&m.payload) {
                Ok(env) => h.deliver(env.show, Some(seq), &env.event),
                Err(e) => tracing::warn!(error = %e, "live relay: undecodable event"),
            }
        }
        tracing::warn!("live relay: the consumer stopped");
    });
    let (tx, mut rx) = mpsc::channel::<Envelope>(QUEUE);
    tokio::spawn(async move {
        while let Some(env) = rx.recv().await {
            let subject = format!("{SUBJECT_PREFIX}{}", env.show);
            let payload = match serde_json::to_vec(&env) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: unencodable event");
                    continue;
                }
            };
            match js.publish(subject, payload.into()).await {
                // The acknowledgement is awaited apart, so publishing stays pipelined and in order.
                Ok(ack) => {
                    tokio::spawn(async move {
                        if let Err(e) = ack.await {
                            tracing::warn!(error = %e, "live relay: event not stored");
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, "live relay: publish failed"),
            }
        }
    });
    Ok(Relay { tx })
}
