//! A bounded single-producer, single-consumer queue of 20 ms frames between two parts of the
//! media path (a call and the agent hub, or two calls). Both ends run on timers and only ever
//! try: nothing waits, nothing wakes a task, and a frame is copied into a ring made at the
//! start, so passing one allocates nothing and takes no lock.

use std::sync::Arc;

use ringbuf::traits::{Consumer, Observer, Producer};
use ringbuf::{Cons, HeapRb, Prod};
pub use tokio::sync::mpsc::error::TryRecvError;

use super::webrtc::AudioFrame;

/// A pipe holding up to `capacity` frames (at least one).
pub fn pipe(capacity: usize) -> (FrameSender, FrameReceiver) {
    // The direct ends (no cached indices) are `Sync`, so a call can hold them across awaits.
    let ring = Arc::new(HeapRb::new(capacity.max(1)));
    (
        FrameSender(Prod::new(ring.clone())),
        FrameReceiver(Cons::new(ring)),
    )
}

/// Why a frame was not queued (it is `Copy`: the caller still has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySendError {
    /// The reader is behind and the ring is full.
    Full,
    /// The reader is gone.
    Closed,
}

/// The writing end.
pub struct FrameSender(Prod<Arc<HeapRb<AudioFrame>>>);

/// The reading end.
pub struct FrameReceiver(Cons<Arc<HeapRb<AudioFrame>>>);

impl FrameSender {
    /// Queues `frame`; `Full` when the reader is behind, `Closed` when it is gone.
    pub fn try_send(&mut self, frame: AudioFrame) -> Result<(), TrySendError> {
        if self.is_closed() {
            return Err(TrySendError::Closed);
        }
        self.0.try_push(frame).map_err(|_| TrySendError::Full)
    }

    /// The reading end was dropped.
    pub fn is_closed(&self) -> bool {
        !self.0.read_is_held()
    }
}

impl FrameReceiver {
    /// The oldest frame; `Empty` when none waits, `Disconnected` once the writer is gone and
    /// everything it wrote was read.
    pub fn try_recv(&mut self) -> Result<AudioFrame, TryRecvError> {
        match self.0.try_pop() {
            Some(frame) => Ok(frame),
            None if !self.0.write_is_held() => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Frames waiting.
    pub fn len(&self) -> usize {
        self.0.occupied_len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for FrameSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameSender")
    }
}

impl std::fmt::Debug for FrameReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameReceiver")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(v: i16) -> AudioFrame {
        AudioFrame([v; super::super::webrtc::FRAME_SAMPLES])
    }

    #[test]
    fn frames_pass_in_order_up_to_the_capacity() {
        let (mut tx, mut rx) = pipe(3);
        for v in 1..=3 {
            tx.try_send(frame(v)).expect("room");
        }
        assert_eq!(tx.try_send(frame(4)), Err(TrySendError::Full));
        assert_eq!(rx.len(), 3);
        for v in 1..=3 {
            assert_eq!(rx.try_recv().expect("frame").0[0], v);
        }
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        assert!(rx.is_empty());
    }

    #[test]
    fn each_end_sees_the_other_go() {
        let (mut tx, rx) = pipe(2);
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.try_send(frame(1)), Err(TrySendError::Closed));

        let (mut tx, mut rx) = pipe(2);
        tx.try_send(frame(7)).expect("room");
        drop(tx);
        // What was written before the writer left is still read.
        assert_eq!(rx.try_recv().expect("frame").0[0], 7);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));
    }

    #[test]
    fn the_ends_work_from_two_threads() {
        let (mut tx, mut rx) = pipe(4);
        let writer = std::thread::spawn(move || {
            let mut v = 0;
            while v < 1000 {
                if tx.try_send(frame(v)).is_ok() {
                    v += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        });
        let mut next = 0;
        while next < 1000 {
            match rx.try_recv() {
                Ok(f) => {
                    assert_eq!(f.0[0], next);
                    assert!(f.0.iter().all(|&s| s == next), "a torn frame");
                    next += 1;
                }
                Err(TryRecvError::Empty) => std::thread::yield_now(),
                Err(TryRecvError::Disconnected) => panic!("writer left early"),
            }
        }
        writer.join().expect("writer");
    }
}
