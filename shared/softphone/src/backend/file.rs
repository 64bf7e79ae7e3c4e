//! The file backend: a WAV file is the microphone, what is heard is written to a WAV
//! file. Tests and the headless agent use it; with neither file it is the null backend.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hotline_media::{WavWriter, read_wav_8k_mono};
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::{AudioHandle, AudioIo, QUEUE_FRAMES};
use crate::error::SoftphoneError;
use crate::frame::{FRAME_DURATION, FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::levels::LevelMeter;

type Recording = (PathBuf, WavWriter<BufWriter<File>>);

pub(crate) fn start(
    play: Option<&Path>,
    record: Option<&Path>,
    loop_play: bool,
) -> Result<AudioIo, SoftphoneError> {
    let rt = tokio::runtime::Handle::try_current().map_err(|_| SoftphoneError::NoRuntime)?;
    let samples = match play {
        Some(path) => read_play_file(path)?,
        None => Vec::new(),
    };
    let recording = match record {
        Some(path) => {
            let io_err = |source| SoftphoneError::Io {
                path: path.to_owned(),
                source,
            };
            let file = File::create(path).map_err(io_err)?;
            let writer = WavWriter::new(BufWriter::new(file), SAMPLE_RATE, 1).map_err(io_err)?;
            Some((path.to_owned(), writer))
        }
        None => None,
    };

    let (mic_tx, mic_rx) = mpsc::channel(QUEUE_FRAMES);
    let (speaker_tx, speaker_rx) = mpsc::channel(QUEUE_FRAMES);
    let (stop_tx, stop_rx) = watch::channel(());
    let levels = Arc::new(LevelMeter::default());
    rt.spawn(play_mic(
        samples,
        loop_play,
        mic_tx,
        Arc::clone(&levels),
        stop_rx.clone(),
    ));
    let recorder = rt.spawn(record_speaker(
        speaker_rx,
        recording,
        Arc::clone(&levels),
        stop_rx,
    ));
    Ok(AudioIo {
        mic: mic_rx,
        speaker: speaker_tx,
        levels,
        handle: AudioHandle::new(stop_tx, Some(recorder), None),
    })
}

fn read_play_file(path: &Path) -> Result<Vec<i16>, SoftphoneError> {
    let bytes = std::fs::read(path).map_err(|source| SoftphoneError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_wav_8k_mono(&bytes).map_err(|source| SoftphoneError::Wav {
        path: path.to_owned(),
        source,
    })
}

/// One frame per 20 ms tick. A full queue makes us wait rather than drop: a file is a
/// script, and a consumer that starts late should still hear it from the beginning.
async fn play_mic(
    samples: Vec<i16>,
    loop_play: bool,
    tx: mpsc::Sender<Frame>,
    levels: Arc<LevelMeter>,
    mut stop: watch::Receiver<()>,
) {
    let mut tick = tokio::time::interval(FRAME_DURATION);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut pos = 0;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        let mut frame = Frame([0; FRAME_SAMPLES]);
        fill(&samples, &mut pos, loop_play, &mut frame.0);
        levels.set_input(frame.peak());
        tokio::select! {
            _ = stop.changed() => return,
            sent = tx.send(frame) => if sent.is_err() { return },
        }
    }
}

/// Copies the next samples from `pos`, wrapping when looping, silence once the end is
/// reached otherwise.
fn fill(samples: &[i16], pos: &mut usize, loop_play: bool, out: &mut [i16]) {
    let mut filled = 0;
    while filled < out.len() {
        if *pos >= samples.len() {
            if loop_play && !samples.is_empty() {
                *pos = 0;
            } else {
                out[filled..].fill(0);
                return;
            }
        }
        let n = (out.len() - filled).min(samples.len() - *pos);
        out[filled..filled + n].copy_from_slice(&samples[*pos..*pos + n]);
        filled += n;
        *pos += n;
    }
}

/// Writes every speaker frame as it arrives (not paced: the producer is). On stop,
/// frames already queued are written too, then the WAV header is patched.
async fn record_speaker(
    mut rx: mpsc::Receiver<Frame>,
    mut recording: Option<Recording>,
    levels: Arc<LevelMeter>,
    mut stop: watch::Receiver<()>,
) -> Result<(), SoftphoneError> {
    loop {
        tokio::select! {
            biased;
            frame = rx.recv() => match frame {
                Some(frame) => write(&mut recording, &levels, &frame)?,
                None => break,
            },
            _ = stop.changed() => {
                while let Ok(frame) = rx.try_recv() {
                    write(&mut recording, &levels, &frame)?;
                }
                break;
            }
        }
    }
    if let Some((path, writer)) = recording {
        writer
            .finish()
            .map_err(|source| SoftphoneError::Io { path, source })?;
    }
    Ok(())
}

fn write(
    recording: &mut Option<Recording>,
    levels: &LevelMeter,
    frame: &Frame,
) -> Result<(), SoftphoneError> {
    levels.set_output(frame.peak());
    if let Some((path, writer)) = recording {
        writer
            .write_samples(&frame.0)
            .map_err(|source| SoftphoneError::Io {
                path: path.clone(),
                source,
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fill_pads_with_silence() {
        let samples = [1, 2, 3];
        let mut pos = 0;
        let mut out = [9; 5];
        fill(&samples, &mut pos, false, &mut out);
        assert_eq!(out, [1, 2, 3, 0, 0]);
        fill(&samples, &mut pos, false, &mut out);
        assert_eq!(out, [0; 5]);
    }

    #[test]
    fn fill_loops() {
        let samples = [1, 2, 3];
        let mut pos = 0;
        let mut out = [0; 5];
        fill(&samples, &mut pos, true, &mut out);
        assert_eq!(out, [1, 2, 3, 1, 2]);
        fill(&samples, &mut pos, true, &mut out);
        assert_eq!(out, [3, 1, 2, 3, 1]);
    }

    #[test]
    fn fill_empty_loop_is_silence() {
        let mut pos = 0;
        let mut out = [7; 4];
        fill(&[], &mut pos, true, &mut out);
        assert_eq!(out, [0; 4]);
    }
}
