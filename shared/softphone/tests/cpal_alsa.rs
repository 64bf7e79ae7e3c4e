//! The sound-card backend (cpal on ALSA) against real ALSA devices on a machine with no
//! sound card: device listing, selection by name, the microphone path, the speaker path
//! and both level meters.
//!
//! ALSA builds the devices from its own plugins, configured in an `.asoundrc`:
//! - "Hotline Test Microphone": the `file` plugin over `null` reads what it captures from
//!   a FIFO (`infile`), which a thread here fills with a 1 kHz tone at real-time pace;
//! - "Hotline Test Speaker": the `file` plugin over `null` writes what is played to a FIFO,
//!   which a thread here drains at real-time pace and keeps;
//! - two decoys (plain `null`) whose names only resemble those, listed first, so picking
//!   the wrong device shows up as silence or as nothing recorded.
//!
//! `null` has no clock: alone it would run cpal's callbacks as fast as the CPU allows. The
//! FIFOs are the clock: ALSA's reads block until the feeder has written, and its writes
//! block until the reader has read. Each device sits behind `plug` with a fixed format on
//! the file side, so cpal may choose any format (ALSA converts). That format is 48 kHz
//! stereo S32 (384 kB/s) rather than 8 kHz mono, because a pipe frees space in 4 KiB
//! pages and holds 64 KiB: at this rate that is ~10 ms steps and ~170 ms of lead, so the
//! output callback runs steadily and its level meter follows the sound (at 16 kB/s it
//! ran in bursts four times a second and the meter mostly read the silence after each).
//!
//! Why a child process: ALSA reads its configuration through the environment
//! (`$HOME/.asoundrc`), once per process. The test cannot point its own process
//! elsewhere (`std::env::set_var` is unsafe in Rust 2024 and this workspace forbids
//! `unsafe`), so [`cpal_backend_on_alsa_test_devices`] writes the configuration into a
//! temporary HOME and runs this same test binary again with that HOME, selecting
//! [`alsa_test_devices_in_child`], which does the real work; its exit status and output
//! are the verdict.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use hotline_media::{ToneGenerator, dominant_frequency};
use hotline_softphone::{
    BackendKind, Frame, Levels, SAMPLE_RATE, SoftphoneError, list_devices, start_backend, test_tone,
};

/// Set in the child's environment: the folder holding its `.asoundrc` and the FIFOs.
const DIR_ENV: &str = "HOTLINE_CPAL_ALSA_DIR";
const CHILD_TEST: &str = "alsa_test_devices_in_child";
/// The child needs a few seconds; the limit only catches a hang (e.g. a stream that
/// never stops).
const CHILD_LIMIT: Duration = Duration::from_mins(1);

const MIC: &str = "Hotline Test Microphone";
const SPEAKER: &str = "Hotline Test Speaker";
const MIC_DECOY: &str = "Hotline Test Microphone (silent)";
const SPEAKER_DECOY: &str = "Hotline Test Speaker (discard)";
const MIC_FIFO: &str = "mic.fifo";
const SPEAKER_FIFO: &str = "speaker.fifo";

/// The file side of both devices: 48 kHz, 2 channels, S32_LE.
const FILE_RATE: u32 = 48_000;
const FILE_FRAME_BYTES: usize = 8;
/// What the microphone hears and what the softphone plays (distinct, so crossed wiring
/// cannot pass).
const MIC_TONE_HZ: f32 = 1000.0;
const MIC_TONE_AMPLITUDE: i16 = 16_000;
const SPEAKER_TONE_HZ: f32 = 600.0;
const SPEAKER_TONE_MS: u32 = 1000;
/// `test_tone`'s amplitude: 8192 of 32768.
const SPEAKER_TONE_PEAK: f32 = 0.25;
/// What the Goertzel checks choose among.
const TONES: [f32; 3] = [SPEAKER_TONE_HZ, MIC_TONE_HZ, 1500.0];

#[test]
fn cpal_backend_on_alsa_test_devices() {
    let dir = tempfile::tempdir().expect("temp dir");
    for fifo in [MIC_FIFO, SPEAKER_FIFO] {
        let status = Command::new("mkfifo")
            .arg(dir.path().join(fifo))
            .status()
            .expect("run mkfifo");
        assert!(status.success(), "mkfifo {fifo}: {status}");
    }
    std::fs::write(dir.path().join(".asoundrc"), asoundrc(dir.path())).expect("write .asoundrc");

    let stdout = dir.path().join("child.out");
    let stderr = dir.path().join("child.err");
    let mut child = Command::new(std::env::current_exe().expect("own test binary"))
        .args(["--exact", CHILD_TEST, "--ignored", "--nocapture"])
        // ALSA's system alsa.conf loads ~/.asoundrc and $XDG_CONFIG_HOME/alsa/asoundrc;
        // ALSA_CONFIG_PATH would replace alsa.conf altogether.
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("ALSA_CONFIG_PATH")
        .env(DIR_ENV, dir.path())
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("child stdout"))
        .stderr(File::create(&stderr).expect("child stderr"))
        .spawn()
        .expect("start the child test");

    let deadline = Instant::now() + CHILD_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = std::fs::read_to_string(&stdout).unwrap_or_default();
    let err = std::fs::read_to_string(&stderr).unwrap_or_default();
    let report = format!("--- child stdout ---\n{out}\n--- child stderr ---\n{err}");
    let status = status
        .unwrap_or_else(|| panic!("child test still running after {CHILD_LIMIT:?}\n{report}"));
    assert!(status.success(), "child test failed: {status}\n{report}");
    // Exit 0 with no test run would mean the filter missed: make sure it really ran.
    assert!(out.contains("1 passed"), "child test did not run\n{report}");
    println!("{report}");
}

/// The ALSA configuration for the child, in `dir` with its FIFOs.
fn asoundrc(dir: &Path) -> String {
    let mic_fifo = dir.join(MIC_FIFO);
    let speaker_fifo = dir.join(SPEAKER_FIFO);
    format!(
        r#"# Test devices for the softphone's cpal backend (written by tests/cpal_alsa.rs).
# A hint with a description is what makes ALSA's name hints, and so cpal, list a PCM.

pcm.hotline_test_mic_decoy {{
    type null
    hint {{ show on description "{MIC_DECOY}" }}
}}

pcm.hotline_test_speaker_decoy {{
    type null
    hint {{ show on description "{SPEAKER_DECOY}" }}
}}

pcm.hotline_test_mic {{
    type plug
    slave {{
        pcm {{
            type file
            slave.pcm "null"
            infile "{mic}"
            file "/dev/null"
            format "raw"
        }}
        format S32_LE
        rate {FILE_RATE}
        channels 2
    }}
    hint {{ show on description "{MIC}" }}
}}

pcm.hotline_test_speaker {{
    type plug
    slave {{
        pcm {{
            type file
            slave.pcm "null"
            file "{speaker}"
            format "raw"
        }}
        format S32_LE
        rate {FILE_RATE}
        channels 2
    }}
    hint {{ show on description "{SPEAKER}" }}
}}
"#,
        mic = mic_fifo.display(),
        speaker = speaker_fifo.display(),
    )
}

/// Runs only in the child started above, whose HOME holds the test devices' `.asoundrc`.
#[tokio::test]
#[ignore = "run by cpal_backend_on_alsa_test_devices in a child process"]
async fn alsa_test_devices_in_child() {
    let Some(dir) = std::env::var_os(DIR_ENV).map(PathBuf::from) else {
        println!("not in the child process ({DIR_ENV} unset): nothing to do");
        return;
    };

    // Listing: the test devices are there by name, each after its decoy (so a lookup that
    // took the first near match would get the decoy).
    let devices = list_devices().expect("list devices");
    println!("devices: {devices:#?}");
    let position = |name: &str, input: bool| {
        devices
            .iter()
            .position(|d| d.name == name && d.is_input == input)
            .unwrap_or_else(|| panic!("{name} (input: {input}) not listed"))
    };
    assert!(
        position(MIC_DECOY, true) < position(MIC, true),
        "{devices:?}"
    );
    assert!(
        position(SPEAKER_DECOY, false) < position(SPEAKER, false),
        "{devices:?}"
    );

    // An unknown name is an error that lists what exists.
    let err = start_backend(&BackendKind::Cpal {
        input: Some("no such microphone".to_owned()),
        output: Some(SPEAKER.to_owned()),
    })
    .err()
    .expect("no device has that name");
    assert!(matches!(err, SoftphoneError::NoDevice { .. }), "{err}");
    assert!(err.to_string().contains(MIC), "{err}");

    // The far ends first: ALSA opens the FIFOs when cpal opens the devices.
    let stop_feeding = Arc::new(AtomicBool::new(false));
    {
        let (fifo, stop) = (dir.join(MIC_FIFO), Arc::clone(&stop_feeding));
        std::thread::spawn(move || feed_microphone(&fifo, &stop));
    }
    let drain = Arc::new(AtomicBool::new(false));
    let (recording_tx, recording_rx) = std_mpsc::channel();
    {
        let (fifo, drain) = (dir.join(SPEAKER_FIFO), Arc::clone(&drain));
        std::thread::spawn(move || {
            let _ = recording_tx.send(record_speaker(&fifo, &drain));
        });
    }
    let mut io = start_backend(&BackendKind::Cpal {
        input: Some(MIC.to_owned()),
        output: Some(SPEAKER.to_owned()),
    })
    .expect("start the cpal backend on the test devices");

    // Play a tone while taking what the microphone gives, for about 1.5 s.
    let started = Instant::now();
    test_tone(&io.speaker, SPEAKER_TONE_HZ, SPEAKER_TONE_MS);
    let mut frames = Vec::new();
    let mut meters = Vec::new();
    while started.elapsed() < Duration::from_millis(1500) {
        let frame = tokio::time::timeout(Duration::from_secs(2), io.mic.recv())
            .await
            .expect("a microphone frame within 2 s")
            .expect("microphone channel open");
        frames.push(frame);
        meters.push((started.elapsed(), io.levels.snapshot()));
    }
    println!("{}", frame_log(&frames, &meters));
    assert_microphone(&frames, &meters);
    assert_output_meter(&meters);
    // Once the tone has stopped, the output meter falls back to silence.
    let quiet_by = Instant::now() + Duration::from_secs(2);
    while io.levels.snapshot().output_peak > 0.01 {
        assert!(
            Instant::now() < quiet_by,
            "output meter stuck at {:?} after the tone",
            io.levels.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Stop: the reader stops pacing (so ALSA can flush), the feeder stops once ALSA has
    // closed the microphone.
    drain.store(true, Ordering::Relaxed);
    stop_feeding.store(true, Ordering::Relaxed);
    io.finish().await.expect("stop the backend");
    let recording = recording_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the speaker device was opened and closed")
        .expect("read the speaker FIFO");
    assert_speaker_recording(&recording);
}

/// The microphone path: paced frames that carry the tone at its level, and an input meter
/// that shows that level. These frames are what the WebRTC leg would encode and send.
fn assert_microphone(frames: &[Frame], meters: &[(Duration, Levels)]) {
    // 75 at one per 20 ms; fewer only on a very loaded machine.
    assert!(
        frames.len() >= 40,
        "only {} microphone frames",
        frames.len()
    );
    let expected_peak = f32::from(MIC_TONE_AMPLITUDE) / 32768.0;
    let toned = frames
        .iter()
        .filter(|f| {
            dominant_frequency(&f.0, &TONES, SAMPLE_RATE) == Some(MIC_TONE_HZ)
                && (f.peak() - expected_peak).abs() < 0.1
        })
        .count();
    assert!(
        toned * 10 >= frames.len() * 9,
        "{toned} of {} microphone frames carry the {MIC_TONE_HZ} Hz tone",
        frames.len()
    );
    let loud = meters
        .iter()
        .filter(|(_, l)| (l.input_peak - expected_peak).abs() < 0.1)
        .count();
    assert!(
        loud * 10 >= meters.len() * 9,
        "input meter showed the tone's level in {loud} of {} readings",
        meters.len()
    );
}

/// The output meter shows the tone's level while it plays (its first and last 200 ms
/// aside).
fn assert_output_meter(meters: &[(Duration, Levels)]) {
    let playing: Vec<f32> = meters
        .iter()
        .filter(|(t, _)| (200..=800).contains(&t.as_millis()))
        .map(|(_, l)| l.output_peak)
        .collect();
    let loud = playing
        .iter()
        .filter(|&&p| (p - SPEAKER_TONE_PEAK).abs() < 0.05)
        .count();
    assert!(
        !playing.is_empty() && loud * 2 >= playing.len(),
        "output meter showed the tone's level in {loud} of {} readings",
        playing.len()
    );
}

/// What reached the speaker device: the tone, at its level, for about as long as it played.
fn assert_speaker_recording(raw: &[u8]) {
    let left = left_channel(raw);
    let window = FILE_RATE as usize / 50;
    let toned_ms = left
        .chunks_exact(window)
        .filter(|w| {
            let peak = f32::from(w.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0)) / 32768.0;
            dominant_frequency(w, &TONES, FILE_RATE) == Some(SPEAKER_TONE_HZ)
                && (peak - SPEAKER_TONE_PEAK).abs() < 0.05
        })
        .count()
        * 20;
    println!(
        "speaker device got {} ms, {toned_ms} ms of it the {SPEAKER_TONE_HZ} Hz tone",
        left.len() * 1000 / FILE_RATE as usize
    );
    assert!(
        (800..=1100).contains(&toned_ms),
        "{toned_ms} ms of the {SPEAKER_TONE_MS} ms tone reached the speaker device"
    );
}

/// One line per microphone frame, for reading a failure.
fn frame_log(frames: &[Frame], meters: &[(Duration, Levels)]) -> String {
    let mut log = String::new();
    for (f, (t, l)) in frames.iter().zip(meters) {
        let _ = writeln!(
            log,
            "{:>5} ms  frame peak {:.3} tone {:?}  meters in {:.3} out {:.3}",
            t.as_millis(),
            f.peak(),
            dominant_frequency(&f.0, &TONES, SAMPLE_RATE),
            l.input_peak,
            l.output_peak
        );
    }
    log
}

/// The microphone's far end: writes a 1 kHz tone, 10 ms at a time at real-time pace, into
/// the FIFO ALSA captures from. ALSA opens the device more than once (cpal probes its
/// formats first), so when ALSA closes the FIFO the feeder opens it again, until told to
/// stop. It keeps writing until the stream is closed: cpal's capture thread blocks reading
/// the FIFO, and dropping the stream waits for that thread. (Told to stop while waiting
/// for ALSA to open the FIFO, it waits on; the child process ends soon anyway.)
fn feed_microphone(fifo: &Path, stop: &AtomicBool) {
    let chunk_frames = FILE_RATE as usize / 100;
    let mut tone = ToneGenerator::new(&[MIC_TONE_HZ], MIC_TONE_AMPLITUDE, FILE_RATE);
    let mut samples = vec![0i16; chunk_frames];
    let mut bytes = Vec::with_capacity(chunk_frames * FILE_FRAME_BYTES);
    while !stop.load(Ordering::Relaxed) {
        // Blocks until ALSA opens the device.
        let Ok(mut pipe) = OpenOptions::new().write(true).open(fifo) else {
            return;
        };
        let opened = Instant::now();
        let mut written = 0u32;
        loop {
            tone.fill(&mut samples);
            bytes.clear();
            for &s in &samples {
                let s32 = (i32::from(s) << 16).to_le_bytes();
                bytes.extend_from_slice(&s32);
                bytes.extend_from_slice(&s32);
            }
            // One write of under 4 KiB: atomic, so ALSA never reads half a frame.
            if pipe.write_all(&bytes).is_err() {
                break; // ALSA closed the device.
            }
            written += 1;
            let due = opened + Duration::from_millis(10) * written;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
}

/// The speaker's far end: reads the FIFO ALSA plays into at real-time pace (which is what
/// paces cpal's output callback), or as fast as it can once `drain` is set, and returns
/// everything read when ALSA closes it.
fn record_speaker(fifo: &Path, drain: &AtomicBool) -> std::io::Result<Vec<u8>> {
    // Blocks until ALSA opens the device.
    let mut pipe = File::open(fifo)?;
    let opened = Instant::now();
    let bytes_per_sec = f64::from(FILE_RATE) * FILE_FRAME_BYTES as f64;
    let mut recording = Vec::new();
    let mut buf = vec![0u8; FILE_RATE as usize / 100 * FILE_FRAME_BYTES];
    loop {
        let n = pipe.read(&mut buf)?;
        if n == 0 {
            return Ok(recording);
        }
        recording.extend_from_slice(&buf[..n]);
        if !drain.load(Ordering::Relaxed) {
            let due = opened + Duration::from_secs_f64(recording.len() as f64 / bytes_per_sec);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
}

/// The left channel of 2-channel S32_LE audio, as 16-bit samples.
fn left_channel(raw: &[u8]) -> Vec<i16> {
    raw.chunks_exact(FILE_FRAME_BYTES)
        .map(|frame| i16::from_le_bytes([frame[2], frame[3]]))
        .collect()
}
