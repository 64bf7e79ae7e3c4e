//! RFC 4733 telephone-event payloads: parse/write, a receiver that reports each key
//! press once, and a sender that produces the packet sequence for one key press.

use crate::error::MediaError;

/// Size of a telephone-event payload.
pub const EVENT_LEN: usize = 4;
/// Volume we send: -10 dBm0, a typical level for DTMF.
const SEND_VOLUME: u8 = 10;
/// telephone-event is negotiated at 8000 Hz in this suite (narrowband legs).
const EVENT_CLOCK_RATE: u32 = 8000;
/// How far behind the last event (in timestamp units, 5 s at 8 kHz) a packet is
/// considered a late leftover rather than a restarted stream.
const STALE_WINDOW: u32 = 5 * EVENT_CLOCK_RATE;

/// One RFC 4733 named-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub event: u8,
    pub end: bool,
    /// 0..=63, in -dBm0.
    pub volume: u8,
    /// In RTP timestamp units since the event's timestamp.
    pub duration: u16,
}

/// Parses the first 4 bytes of a telephone-event payload (extra bytes, e.g. a
/// redundant block, are ignored).
pub fn parse_event(payload: &[u8]) -> Result<TelephoneEvent, MediaError> {
    if payload.len() < EVENT_LEN {
        return Err(MediaError::TooShort {
            needed: EVENT_LEN,
            got: payload.len(),
        });
    }
    Ok(TelephoneEvent {
        event: payload[0],
        end: payload[1] & 0x80 != 0,
        volume: payload[1] & 0x3F,
        duration: u16::from_be_bytes([payload[2], payload[3]]),
    })
}

/// Writes the 4-byte payload; returns 4, or 0 (writing nothing) if `out` is too short.
pub fn write_event(ev: &TelephoneEvent, out: &mut [u8]) -> usize {
    if out.len() < EVENT_LEN {
        return 0;
    }
    out[0] = ev.event;
    out[1] = (if ev.end { 0x80 } else { 0 }) | (ev.volume & 0x3F);
    out[2..4].copy_from_slice(&ev.duration.to_be_bytes());
    EVENT_LEN
}

/// Maps DTMF event codes 0..=15 to their key.
pub fn event_to_char(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// Maps a key (`0-9 * # A-D`, letters in either case) to its event code.
pub fn char_to_event(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(c as u8 - b'A' + 12),
        'a'..='d' => Some(c as u8 - b'a' + 12),
        _ => None,
    }
}

/// Turns a stream of telephone-event packets into key presses, one per press.
#[derive(Debug, Clone, Default)]
pub struct EventReceiver {
    /// RTP timestamp and code of the last event reported.
    last: Option<(u32, u8)>,
}

impl EventReceiver {
    /// Feeds one packet; returns the key on the first packet seen of a new event.
    pub fn on_packet(&mut self, rtp_timestamp: u32, ev: &TelephoneEvent) -> Option<char> {
        if let Some((ts, code)) = self.last {
            if ts == rtp_timestamp && code == ev.event {
                return None; // continuation, long press, end or retransmission
            }
            // Wrap-aware "shortly before the current event": a stray delayed packet of
            // an earlier press must not be reported again. The window is bounded so a
            // sender that restarts with a lower random timestamp is still heard.
            let behind = ts.wrapping_sub(rtp_timestamp);
            if behind > 0 && behind <= STALE_WINDOW {
                return None;
            }
        }
        self.last = Some((rtp_timestamp, ev.event));
        event_to_char(ev.event)
    }

    /// Forgets the last event (e.g. after a re-INVITE changed the remote stream).
    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// Produces the RFC 4733 packets for one key press: one packet per packet interval
/// while the key is down (first with the marker bit), then the end packet three times.
#[derive(Debug, Clone)]
pub struct EventSender {
    event: u8,
    step: u32,
    total: u32,
    elapsed: u32,
    ends_sent: u8,
}

impl EventSender {
    /// `samples_per_packet` is the packet interval in 8 kHz samples (160 = 20 ms).
    /// Returns `None` for an unknown key or a zero interval/duration. Durations are
    /// capped at the 16-bit field (~8.19 s).
    pub fn new(digit: char, samples_per_packet: u32, duration_ms: u32) -> Option<Self> {
        let event = char_to_event(digit)?;
        if samples_per_packet == 0 || duration_ms == 0 {
            return None;
        }
        let total = duration_ms
            .saturating_mul(EVENT_CLOCK_RATE / 1000)
            .min(u32::from(u16::MAX));
        Some(EventSender {
            event,
            step: samples_per_packet,
            total,
            elapsed: 0,
            ends_sent: 0,
        })
    }

    /// The key being sent.
    pub fn digit(&self) -> char {
        event_to_char(self.event).unwrap_or('?')
    }

    /// The next payload and its RTP marker bit; `None` once the third end packet is out.
    pub fn next_packet(&mut self) -> Option<(TelephoneEvent, bool)> {
        let first = self.elapsed == 0;
        let next = self.elapsed.saturating_add(self.step);
        if next < self.total {
            self.elapsed = next;
            return Some((self.packet(next, false), first));
        }
        if self.ends_sent < 3 {
            self.elapsed = self.total;
            self.ends_sent += 1;
            return Some((self.packet(self.total, true), first));
        }
        None
    }

    fn packet(&self, duration: u32, end: bool) -> TelephoneEvent {
        TelephoneEvent {
            event: self.event,
            end,
            volume: SEND_VOLUME,
            duration: duration.min(u32::from(u16::MAX)) as u16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    #[test]
    fn payload_round_trip() {
        let e = ev(11, true, 1280);
        let mut buf = [0u8; 4];
        assert_eq!(write_event(&e, &mut buf), 4);
        assert_eq!(buf, [11, 0x8A, 0x05, 0x00]);
        assert_eq!(parse_event(&buf), Ok(e));
        assert_eq!(write_event(&e, &mut [0u8; 3]), 0);
        assert!(parse_event(&buf[..3]).is_err());
        // Reserved bit is ignored, volume masked.
        assert_eq!(parse_event(&[5, 0x7F, 0, 1]).unwrap().volume, 63);
        assert!(!parse_event(&[5, 0x7F, 0, 1]).unwrap().end);
    }

    #[test]
    fn key_mapping() {
        let keys = "0123456789*#ABCD";
        for (i, c) in keys.chars().enumerate() {
            assert_eq!(event_to_char(i as u8), Some(c));
            assert_eq!(char_to_event(c), Some(i as u8));
        }
        assert_eq!(char_to_event('b'), Some(13));
        assert_eq!(event_to_char(16), None);
        assert_eq!(char_to_event('E'), None);
    }

    #[test]
    fn receiver_reports_once_per_press() {
        let mut r = EventReceiver::default();
        // Long press: many packets with the same timestamp and growing duration.
        assert_eq!(r.on_packet(1000, &ev(5, false, 160)), Some('5'));
        for d in 2..50u16 {
            assert_eq!(r.on_packet(1000, &ev(5, false, d * 160)), None);
        }
        // End packet three times, then a duplicate of an earlier packet.
        for _ in 0..3 {
            assert_eq!(r.on_packet(1000, &ev(5, true, 8000)), None);
        }
        assert_eq!(r.on_packet(1000, &ev(5, false, 320)), None);
        // Same key again is a new press (new timestamp).
        assert_eq!(r.on_packet(9000, &ev(5, false, 160)), Some('5'));
        // A new key with the first packet lost: first seen is the end packet.
        assert_eq!(r.on_packet(17000, &ev(11, true, 800)), Some('#'));
        assert_eq!(r.on_packet(17000, &ev(11, true, 800)), None);
        assert_eq!(r.on_packet(17000, &ev(11, true, 800)), None);
        // A stray retransmission of the older press is ignored.
        assert_eq!(r.on_packet(9000, &ev(5, true, 800)), None);
        // Non-DTMF events (flash) are swallowed.
        assert_eq!(r.on_packet(25000, &ev(16, false, 160)), None);
        // A restarted sender far behind is heard again.
        assert_eq!(r.on_packet(4_000_000_000, &ev(3, false, 160)), Some('3'));
        r.reset();
        assert_eq!(r.on_packet(4_000_000_000, &ev(3, false, 160)), Some('3'));
    }

    #[test]
    fn receiver_handles_timestamp_wrap() {
        let mut r = EventReceiver::default();
        assert_eq!(r.on_packet(u32::MAX - 100, &ev(1, false, 160)), Some('1'));
        assert_eq!(r.on_packet(u32::MAX - 100, &ev(1, true, 800)), None);
        assert_eq!(r.on_packet(700, &ev(2, false, 160)), Some('2'));
        assert_eq!(r.on_packet(700, &ev(2, true, 800)), None);
        assert_eq!(r.on_packet(u32::MAX - 100, &ev(1, true, 800)), None);
    }

    #[test]
    fn sender_sequence() {
        let mut s = EventSender::new('9', 160, 100).unwrap();
        assert_eq!(s.digit(), '9');
        let mut got = Vec::new();
        while let Some(p) = s.next_packet() {
            got.push(p);
        }
        let durations: Vec<u16> = got.iter().map(|(e, _)| e.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = got.iter().map(|(e, _)| e.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        let markers: Vec<bool> = got.iter().map(|(_, m)| *m).collect();
        assert_eq!(markers, [true, false, false, false, false, false, false]);
        assert!(got.iter().all(|(e, _)| e.event == 9 && e.volume == 10));
        assert_eq!(s.next_packet(), None);

        // Shorter than one packet: only the end packets, the first one marked.
        let mut s = EventSender::new('*', 160, 10).unwrap();
        assert_eq!(s.next_packet(), Some((ev(10, true, 80), true)));
        assert_eq!(s.next_packet(), Some((ev(10, true, 80), false)));
        assert_eq!(s.next_packet(), Some((ev(10, true, 80), false)));
        assert_eq!(s.next_packet(), None);

        assert!(EventSender::new('x', 160, 100).is_none());
        assert!(EventSender::new('1', 0, 100).is_none());
        assert!(EventSender::new('1', 160, 0).is_none());
        // Very long presses saturate at the 16-bit duration.
        let mut s = EventSender::new('1', 160, 60_000).unwrap();
        let last = std::iter::from_fn(|| s.next_packet()).last().unwrap();
        assert_eq!(last.0.duration, u16::MAX);
    }

    #[test]
    fn sender_feeds_receiver() {
        let mut r = EventReceiver::default();
        let mut keys = String::new();
        for (i, c) in "12#".chars().enumerate() {
            let ts = 1000 + i as u32 * 4000;
            let mut s = EventSender::new(c, 160, 80).unwrap();
            while let Some((e, _)) = s.next_packet() {
                let mut buf = [0u8; 4];
                write_event(&e, &mut buf);
                keys.extend(r.on_packet(ts, &parse_event(&buf).unwrap()));
            }
        }
        assert_eq!(keys, "12#");
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            let _ = parse_event(&bytes);
        }
    }
}
