//! The null backend: silence in at real time, speaker discarded.

use std::time::{Duration, Instant};

use hotline_softphone::{BackendKind, FRAME_SAMPLES, Frame, start_backend};

#[tokio::test]
async fn mic_is_paced_silence_and_speaker_accepts_anything() {
    let mut io = start_backend(&BackendKind::Null).unwrap();
    let start = Instant::now();
    for _ in 0..6 {
        let f = io.mic.recv().await.unwrap();
        assert_eq!(f, Frame::SILENCE);
    }
    assert!(start.elapsed() >= Duration::from_millis(90));
    // More than the queue holds: the speaker is drained, never fills up.
    for _ in 0..200 {
        io.speaker.send(Frame([5000; FRAME_SAMPLES])).await.unwrap();
    }
    assert!(io.levels.snapshot().output_peak > 0.1);
    io.finish().await.unwrap();
}
