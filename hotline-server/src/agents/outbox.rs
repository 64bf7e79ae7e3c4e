//! A workstation's outgoing events: one ordered channel for everything, and beside it the
//! latest snapshot of each queue. A newer snapshot replaces one not yet taken, so a slow
//! workstation holds at most one snapshot per queue instead of a backlog of stale ones.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use hotline_protocol::{self as proto, Event};
use tokio::sync::{Notify, mpsc};

/// The distributor's end.
#[derive(Clone, Debug)]
pub struct Outbox {
    events: mpsc::Sender<Event>,
    latest: Arc<Latest>,
}

/// The session's end.
#[derive(Debug)]
pub struct Inbox {
    events: mpsc::Receiver<Event>,
    latest: Arc<Latest>,
}

#[derive(Debug, Default)]
struct Latest {
    /// Few queues: a short list searched by name beats a map.
    waiting: Mutex<Vec<Arc<SharedSnapshot>>>,
    notify: Notify,
}

/// One queue snapshot on its way to every workstation that follows the queue. Its JSON is made
/// by the first session that sends it and reused by the others: a snapshot goes to hundreds of
/// agents up to four times a second, and serialising it for each was a tenth of the server's
/// time at 200 calls.
#[derive(Debug)]
pub struct SharedSnapshot {
    pub snapshot: proto::QueueSnapshot,
    json: OnceLock<String>,
}

impl SharedSnapshot {
    pub fn new(snapshot: proto::QueueSnapshot) -> Arc<Self> {
        Arc::new(SharedSnapshot {
            snapshot,
            json: OnceLock::new(),
        })
    }

    /// The event's JSON body (see [`proto::encode_event_with`]).
    pub fn json(&self) -> &str {
        self.json
            .get_or_init(|| proto::encode_event_body(&Event::QueueSnapshot(self.snapshot.clone())))
    }
}

/// What a session sends next: an event of its own, or a snapshot shared with others.
#[derive(Debug)]
// Moved once, from the channel to the encoder: boxing the event would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Outgoing {
    Event(Event),
    Snapshot(Arc<SharedSnapshot>),
}

impl Outgoing {
    /// The WebSocket text of this event as frame number `seq`.
    pub fn encode(self, seq: u64) -> String {
        match self {
            Outgoing::Event(event) => proto::encode(&proto::ServerFrame::event(seq, event)),
            Outgoing::Snapshot(s) => proto::encode_event_with(seq, s.json()),
        }
    }
}

/// An outbox holding up to `capacity` ordinary events.
pub fn outbox(capacity: usize) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::channel(capacity);
    let latest = Arc::new(Latest::default());
    (
        Outbox {
            events: tx,
            latest: Arc::clone(&latest),
        },
        Inbox { events: rx, latest },
    )
}

impl Outbox {
    /// Never waits. Queue snapshots replace an older one of the same queue; other events are
    /// dropped when the workstation is `capacity` events behind (it sees a gap in `seq`), or
    /// gone. `false` when dropped.
    pub fn try_send(&self, event: Event) -> bool {
        match event {
            Event::QueueSnapshot(s) => {
                self.snapshot(SharedSnapshot::new(s));
                true
            }
            other => self.events.try_send(other).is_ok(),
        }
    }

    /// Offers `snapshot`, shared with the other workstations it goes to.
    pub fn snapshot(&self, snapshot: Arc<SharedSnapshot>) {
        let mut waiting = self
            .latest
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match waiting
            .iter_mut()
            .find(|s| s.snapshot.queue == snapshot.snapshot.queue)
        {
            Some(older) => *older = snapshot,
            None => waiting.push(snapshot),
        }
        drop(waiting);
        self.latest.notify.notify_one();
    }
}

impl Inbox {
    /// The next event: waiting snapshots first (they are the freshest news), then the others in
    /// order. `None` once every outbox is gone.
    pub async fn recv(&mut self) -> Option<Event> {
        self.next().await.map(|out| match out {
            Outgoing::Event(e) => e,
            Outgoing::Snapshot(s) => Event::QueueSnapshot(s.snapshot.clone()),
        })
    }

    /// Like [`Inbox::recv`], keeping a shared snapshot shared (it is encoded once).
    pub async fn next(&mut self) -> Option<Outgoing> {
        loop {
            if let Some(s) = self.take_snapshot() {
                return Some(Outgoing::Snapshot(s));
            }
            tokio::select! {
                event = self.events.recv() => return event.map(Outgoing::Event),
                () = self.latest.notify.notified() => {}
            }
        }
    }

    /// The next event if one is waiting (tests).
    #[cfg(test)]
    pub fn try_recv(&mut self) -> Option<Event> {
        match self.take_snapshot() {
            Some(s) => Some(Event::QueueSnapshot(s.snapshot.clone())),
            None => self.events.try_recv().ok(),
        }
    }

    fn take_snapshot(&self) -> Option<Arc<SharedSnapshot>> {
        let mut waiting = self
            .latest
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (!waiting.is_empty()).then(|| waiting.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(queue: &str, waiting_ms: u64) -> proto::QueueSnapshot {
        proto::QueueSnapshot {
            queue: queue.into(),
            waiting: Vec::new(),
            longest_wait_ms: waiting_ms,
            agents_ready: 0,
            agents_busy: 0,
            agents_not_ready: 0,
            answered_today: 0,
            abandoned_today: 0,
            service_level_pct: 100.0,
            avg_wait_ms: 0,
            avg_talk_ms: 0,
        }
    }

    fn notice(text: &str) -> Event {
        Event::Notice {
            text: text.into(),
            level: proto::NoticeLevel::Info,
        }
    }

    #[tokio::test]
    async fn a_newer_snapshot_replaces_one_not_taken() {
        let (out, mut inbox) = outbox(4);
        for ms in [1, 2, 3] {
            assert!(out.try_send(Event::QueueSnapshot(snapshot("general", ms))));
        }
        assert!(out.try_send(Event::QueueSnapshot(snapshot("complaint", 7))));
        assert!(out.try_send(notice("n")));
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(inbox.recv().await.expect("event"));
        }
        let shown: Vec<String> = got
            .iter()
            .map(|e| match e {
                Event::QueueSnapshot(s) => format!("{}={}", s.queue, s.longest_wait_ms),
                Event::Notice { text, .. } => text.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        // Only the last `general` snapshot is left; nothing else is lost.
        assert_eq!(shown, ["general=3", "complaint=7", "n"]);
        drop(out);
        assert!(inbox.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_waiting_session_wakes_for_a_snapshot() {
        let (out, mut inbox) = outbox(4);
        let waiter = tokio::spawn(async move { inbox.recv().await });
        tokio::task::yield_now().await;
        out.snapshot(SharedSnapshot::new(snapshot("general", 9)));
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("task");
        assert!(matches!(got, Some(Event::QueueSnapshot(s)) if s.longest_wait_ms == 9));
    }

    /// Two workstations get the same snapshot object, so its JSON is made once; each frame
    /// still carries the workstation's own sequence number.
    #[tokio::test]
    async fn a_snapshot_is_shared_and_framed_per_workstation() {
        let (first, mut inbox_a) = outbox(4);
        let (second, mut inbox_b) = outbox(4);
        let shared = SharedSnapshot::new(snapshot("general", 5));
        first.snapshot(Arc::clone(&shared));
        second.snapshot(Arc::clone(&shared));
        let (Some(Outgoing::Snapshot(x)), Some(Outgoing::Snapshot(y))) =
            (inbox_a.next().await, inbox_b.next().await)
        else {
            panic!("snapshots expected");
        };
        assert!(Arc::ptr_eq(&x, &y));
        let text = Outgoing::Snapshot(x).encode(7);
        let frame = proto::decode_server(&text).expect("a valid frame");
        assert!(matches!(
            frame,
            proto::ServerFrame::Event { seq: 7, event: Event::QueueSnapshot(ref s), .. }
                if s.longest_wait_ms == 5
        ));
        assert!(Outgoing::Snapshot(y).encode(8).contains(r#""seq":8"#));
    }

    #[test]
    fn ordinary_events_still_overflow() {
        let (out, _inbox) = outbox(1);
        assert!(out.try_send(notice("a")));
        assert!(!out.try_send(notice("b")));
        // Snapshots never do.
        for ms in 0..100 {
            assert!(out.try_send(Event::QueueSnapshot(snapshot("q", ms))));
        }
    }
}
