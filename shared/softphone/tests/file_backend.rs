//! The file backend: a WAV file is the microphone (paced at real time), what the speaker
//! gets is written to a WAV file.

use std::time::{Duration, Instant};

use hotline_media::{ToneGenerator, dominant_frequency, read_wav_8k_mono, wav_bytes};
use hotline_softphone::{
    AudioIo, BackendKind, FRAME_SAMPLES, Frame, SoftphoneError, start_backend, test_tone,
};

fn tone(freq: f32, n: usize) -> Vec<i16> {
    let mut v = vec![0; n];
    ToneGenerator::new(&[freq], 12000, 8000).fill(&mut v);
    v
}

#[tokio::test]
async fn mic_plays_the_file_at_real_time_then_silence() {
    let dir = tempfile::tempdir().unwrap();
    let play = dir.path().join("voice.wav");
    // Not a whole number of frames: the last frame is padded with silence.
    let samples = tone(1000.0, FRAME_SAMPLES * 10 + 37);
    std::fs::write(&play, wav_bytes(&samples, 8000, 1)).unwrap();

    let AudioIo {
        mut mic,
        levels,
        handle,
        ..
    } = start_backend(&BackendKind::File {
        play: Some(play),
        record: None,
        loop_play: false,
    })
    .unwrap();

    let start = Instant::now();
    let mut got = Vec::new();
    let first = mic.recv().await.unwrap();
    assert!(
        levels.snapshot().input_peak > 0.3,
        "{:?}",
        levels.snapshot()
    );
    got.extend_from_slice(&first.0);
    for _ in 1..13 {
        got.extend_from_slice(&mic.recv().await.unwrap().0);
    }
    // 13 frames: the first tick fires at once, then one per 20 ms.
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(230), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(&got[..samples.len()], &samples[..]);
    assert!(got[samples.len()..].iter().all(|&s| s == 0));
    handle.finish().await.unwrap();
}

#[tokio::test]
async fn mic_loops_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let play = dir.path().join("short.wav");
    let samples: Vec<i16> = (1..=100).collect();
    std::fs::write(&play, wav_bytes(&samples, 8000, 1)).unwrap();
    let mut io = start_backend(&BackendKind::File {
        play: Some(play),
        record: None,
        loop_play: true,
    })
    .unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.extend_from_slice(&io.mic.recv().await.unwrap().0);
    }
    let expected: Vec<i16> = samples.iter().copied().cycle().take(got.len()).collect();
    assert_eq!(got, expected);
    io.finish().await.unwrap();
}

#[tokio::test]
async fn speaker_frames_are_recorded_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("heard.wav");
    let io = start_backend(&BackendKind::File {
        play: None,
        record: Some(record.clone()),
        loop_play: false,
    })
    .unwrap();

    let signal = tone(600.0, FRAME_SAMPLES * 25);
    for chunk in signal.chunks(FRAME_SAMPLES) {
        let mut f = Frame::SILENCE;
        f.0.copy_from_slice(chunk);
        io.speaker.send(f).await.unwrap();
    }
    let levels = std::sync::Arc::clone(&io.levels);
    io.finish().await.unwrap();
    assert!(levels.snapshot().output_peak > 0.3);

    let recorded = read_wav_8k_mono(&std::fs::read(&record).unwrap()).unwrap();
    assert_eq!(recorded, signal);
}

#[tokio::test]
async fn dropping_the_backend_still_finalises_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("dropped.wav");
    let io = start_backend(&BackendKind::File {
        play: None,
        record: Some(record.clone()),
        loop_play: false,
    })
    .unwrap();
    io.speaker.send(Frame([100; FRAME_SAMPLES])).await.unwrap();
    drop(io);
    // The recorder finishes in the background.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let bytes = std::fs::read(&record).unwrap();
        if let Ok(samples) = read_wav_8k_mono(&bytes)
            && samples.len() == FRAME_SAMPLES
        {
            assert!(samples.iter().all(|&s| s == 100));
            break;
        }
        assert!(Instant::now() < deadline, "recording never finalised");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn test_tone_reaches_the_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("tone.wav");
    let io = start_backend(&BackendKind::File {
        play: None,
        record: Some(record.clone()),
        loop_play: false,
    })
    .unwrap();
    test_tone(&io.speaker, 600.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    io.finish().await.unwrap();
    let recorded = read_wav_8k_mono(&std::fs::read(&record).unwrap()).unwrap();
    assert_eq!(recorded.len(), FRAME_SAMPLES * 10);
    assert_eq!(
        dominant_frequency(&recorded, &[600.0, 1000.0], 8000),
        Some(600.0)
    );
}

#[tokio::test]
async fn missing_or_wrong_play_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.wav");
    let err = start_backend(&BackendKind::File {
        play: Some(missing),
        record: None,
        loop_play: false,
    })
    .err()
    .unwrap();
    assert!(matches!(err, SoftphoneError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.wav"), "{err}");

    let wide = dir.path().join("48k.wav");
    std::fs::write(&wide, wav_bytes(&[0; 480], 48000, 1)).unwrap();
    let err = start_backend(&BackendKind::File {
        play: Some(wide),
        record: None,
        loop_play: false,
    })
    .err()
    .unwrap();
    assert!(matches!(err, SoftphoneError::Wav { .. }), "{err}");
    assert!(err.to_string().contains("8000 Hz"), "{err}");
}

#[test]
fn starting_outside_a_runtime_is_an_error_not_a_panic() {
    let err = start_backend(&BackendKind::Null).err().unwrap();
    assert!(matches!(err, SoftphoneError::NoRuntime), "{err}");
}
