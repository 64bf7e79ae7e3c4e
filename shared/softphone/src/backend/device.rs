//! The sound-card backend (cpal). The device callbacks run on cpal's real-time thread;
//! they only touch lock-free ring buffers (ringbuf) and atomics, never block or
//! allocate. Async tasks move whole 20 ms frames between the rings and the channels.

use std::sync::Arc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig, SupportedStreamConfig};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use tokio::sync::{mpsc, watch};

use super::{AudioDevice, AudioHandle, AudioIo, QUEUE_FRAMES};
use crate::error::SoftphoneError;
use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::levels::LevelMeter;
use crate::resample::Resampler;

/// 8 kHz samples each ring holds: 200 ms. Playback drops frames that do not fit, which
/// caps the delay the speaker path can build up.
const RING_SAMPLES: usize = 1600;
/// How often the capture ring is drained: twice per frame, so a frame waits < 10 ms.
const CAPTURE_POLL: Duration = Duration::from_millis(10);
/// Some ALSA setups take a while to open; cpal waits forever without a limit.
const OPEN_TIMEOUT: Duration = Duration::from_secs(3);

/// The open device streams; dropping them stops the callbacks.
pub(crate) struct Streams {
    _input: cpal::Stream,
    _output: cpal::Stream,
}

#[derive(Clone, Copy)]
enum Direction {
    Input,
    Output,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

/// The default host's input and output devices. On a machine without a sound card this
/// is an error or an empty list, never a panic.
pub fn list_devices() -> Result<Vec<AudioDevice>, SoftphoneError> {
    let host = cpal::default_host();
    let mut out = Vec::new();
    for dir in [Direction::Input, Direction::Output] {
        let default = default_device(&host, dir).map(|d| device_name(&d));
        for name in device_names(&host, dir)? {
            out.push(AudioDevice {
                is_default: default.as_deref() == Some(name.as_str()),
                is_input: matches!(dir, Direction::Input),
                name,
            });
        }
    }
    Ok(out)
}

pub(crate) fn start(input: Option<&str>, output: Option<&str>) -> Result<AudioIo, SoftphoneError> {
    let rt = tokio::runtime::Handle::try_current().map_err(|_| SoftphoneError::NoRuntime)?;
    let host = cpal::default_host();
    let in_dev = pick(&host, input, Direction::Input)?;
    let out_dev = pick(&host, output, Direction::Output)?;
    let levels = Arc::new(LevelMeter::default());

    let (cap_prod, cap_cons) = HeapRb::<i16>::new(RING_SAMPLES).split();
    let (play_prod, play_cons) = HeapRb::<i16>::new(RING_SAMPLES).split();
    let input_stream = open_input(&in_dev, cap_prod, Arc::clone(&levels))?;
    let output_stream = open_output(&out_dev, play_cons, Arc::clone(&levels))?;
    input_stream.play().map_err(|e| device_error(&in_dev, &e))?;
    output_stream
        .play()
        .map_err(|e| device_error(&out_dev, &e))?;

    let (mic_tx, mic_rx) = mpsc::channel(QUEUE_FRAMES);
    let (speaker_tx, speaker_rx) = mpsc::channel(QUEUE_FRAMES);
    let (stop_tx, stop_rx) = watch::channel(());
    rt.spawn(pump_capture(cap_cons, mic_tx, stop_rx.clone()));
    rt.spawn(pump_playback(play_prod, speaker_rx, stop_rx));
    Ok(AudioIo {
        mic: mic_rx,
        speaker: speaker_tx,
        levels,
        handle: AudioHandle::new(
            stop_tx,
            None,
            Some(Streams {
                _input: input_stream,
                _output: output_stream,
            }),
        ),
    })
}

/// cpal's `Display` for a device fails (and `to_string` would panic) when the
/// description cannot be read, so names always come through here.
fn device_name(d: &cpal::Device) -> String {
    match d.description() {
        Ok(desc) => desc.name().to_owned(),
        Err(_) => d
            .id()
            .map_or_else(|_| "(unnamed device)".to_owned(), |id| id.to_string()),
    }
}

fn default_device(host: &cpal::Host, dir: Direction) -> Option<cpal::Device> {
    match dir {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
}

fn devices(host: &cpal::Host, dir: Direction) -> Result<Vec<cpal::Device>, SoftphoneError> {
    let host_err = |e: cpal::Error| SoftphoneError::AudioHost(e.to_string());
    Ok(match dir {
        Direction::Input => host.input_devices().map_err(host_err)?.collect(),
        Direction::Output => host.output_devices().map_err(host_err)?.collect(),
    })
}

fn device_names(host: &cpal::Host, dir: Direction) -> Result<Vec<String>, SoftphoneError> {
    Ok(devices(host, dir)?.iter().map(device_name).collect())
}

fn pick(
    host: &cpal::Host,
    wanted: Option<&str>,
    dir: Direction,
) -> Result<cpal::Device, SoftphoneError> {
    let found = match wanted {
        Some(name) => devices(host, dir)?
            .into_iter()
            .find(|d| device_name(d) == name),
        None => default_device(host, dir),
    };
    match found {
        Some(d) => Ok(d),
        None => Err(SoftphoneError::NoDevice {
            direction: dir.as_str(),
            wanted: wanted.map_or_else(|| "(default)".to_owned(), |n| format!("\"{n}\"")),
            // Listing can fail too; the primary error is still "not found".
            available: device_names(host, dir).unwrap_or_default(),
        }),
    }
}

fn device_error(d: &cpal::Device, e: &dyn std::fmt::Display) -> SoftphoneError {
    SoftphoneError::Device {
        device: device_name(d),
        message: e.to_string(),
    }
}

fn open_input(
    dev: &cpal::Device,
    ring: HeapProd<i16>,
    levels: Arc<LevelMeter>,
) -> Result<cpal::Stream, SoftphoneError> {
    let cfg = dev
        .default_input_config()
        .map_err(|e| device_error(dev, &e))?;
    let config = cfg.config();
    let built = match cfg.sample_format() {
        SampleFormat::F32 => input_stream::<f32>(dev, config, ring, levels),
        SampleFormat::I16 => input_stream::<i16>(dev, config, ring, levels),
        SampleFormat::I32 => input_stream::<i32>(dev, config, ring, levels),
        SampleFormat::U16 => input_stream::<u16>(dev, config, ring, levels),
        SampleFormat::U8 => input_stream::<u8>(dev, config, ring, levels),
        SampleFormat::I8 => input_stream::<i8>(dev, config, ring, levels),
        SampleFormat::F64 => input_stream::<f64>(dev, config, ring, levels),
        other => return Err(unsupported(dev, &cfg, other)),
    };
    built.map_err(|e| device_error(dev, &e))
}

fn open_output(
    dev: &cpal::Device,
    ring: HeapCons<i16>,
    levels: Arc<LevelMeter>,
) -> Result<cpal::Stream, SoftphoneError> {
    let cfg = dev
        .default_output_config()
        .map_err(|e| device_error(dev, &e))?;
    let config = cfg.config();
    let built = match cfg.sample_format() {
        SampleFormat::F32 => output_stream::<f32>(dev, config, ring, levels),
        SampleFormat::I16 => output_stream::<i16>(dev, config, ring, levels),
        SampleFormat::I32 => output_stream::<i32>(dev, config, ring, levels),
        SampleFormat::U16 => output_stream::<u16>(dev, config, ring, levels),
        SampleFormat::U8 => output_stream::<u8>(dev, config, ring, levels),
        SampleFormat::I8 => output_stream::<i8>(dev, config, ring, levels),
        SampleFormat::F64 => output_stream::<f64>(dev, config, ring, levels),
        other => return Err(unsupported(dev, &cfg, other)),
    };
    built.map_err(|e| device_error(dev, &e))
}

fn unsupported(dev: &cpal::Device, cfg: &SupportedStreamConfig, f: SampleFormat) -> SoftphoneError {
    SoftphoneError::Device {
        device: device_name(dev),
        message: format!(
            "sample format {f} at {} Hz is not supported",
            cfg.sample_rate()
        ),
    }
}

/// Capture callback: first channel only (a headset mic is mono or duplicated), converted
/// to 8 kHz and pushed into the ring; if the ring is full the newest samples are lost.
fn input_stream<T>(
    dev: &cpal::Device,
    config: StreamConfig,
    mut ring: HeapProd<i16>,
    levels: Arc<LevelMeter>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let mut resampler = Resampler::new(config.sample_rate, SAMPLE_RATE);
    dev.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| {
            let mut peak = 0.0f32;
            for frame in data.chunks(channels) {
                if let Some(&s) = frame.first() {
                    let x = f32::from_sample_(s);
                    peak = peak.max(x.abs());
                    resampler.push(x, |y| {
                        let _ = ring.try_push(to_i16(y));
                    });
                }
            }
            levels.set_input(peak);
        },
        // Nothing useful to do on the audio thread; a dead device shows as silence and
        // flat meters, and the user picks another device.
        |_| {},
        Some(OPEN_TIMEOUT),
    )
}

/// Playback callback: pulls 8 kHz samples from the ring through the resampler into every
/// channel; an empty ring plays silence.
fn output_stream<T>(
    dev: &cpal::Device,
    config: StreamConfig,
    mut ring: HeapCons<i16>,
    levels: Arc<LevelMeter>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    let mut resampler = Resampler::new(SAMPLE_RATE, config.sample_rate);
    dev.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| {
            let mut peak = 0.0f32;
            for frame in data.chunks_mut(channels) {
                let y = resampler.pull(|| ring.try_pop().map_or(0.0, |s| f32::from(s) / 32768.0));
                peak = peak.max(y.abs());
                frame.fill(T::from_sample_(y));
            }
            levels.set_output(peak);
        },
        |_| {},
        Some(OPEN_TIMEOUT),
    )
}

fn to_i16(y: f32) -> i16 {
    (y * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Moves whole frames from the capture ring to the mic channel. Live audio: if nobody
/// reads the mic, frames are dropped rather than queued.
async fn pump_capture(
    mut ring: HeapCons<i16>,
    tx: mpsc::Sender<Frame>,
    mut stop: watch::Receiver<()>,
) {
    let mut tick = tokio::time::interval(CAPTURE_POLL);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        while ring.occupied_len() >= FRAME_SAMPLES {
            let mut frame = Frame([0; FRAME_SAMPLES]);
            ring.pop_slice(&mut frame.0);
            if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(frame) {
                return;
            }
        }
    }
}

/// Moves speaker frames into the playback ring; a frame that does not fit is dropped so
/// the delay stays bounded.
async fn pump_playback(
    mut ring: HeapProd<i16>,
    mut rx: mpsc::Receiver<Frame>,
    mut stop: watch::Receiver<()>,
) {
    loop {
        let frame = tokio::select! {
            _ = stop.changed() => return,
            frame = rx.recv() => match frame {
                Some(f) => f,
                None => return,
            },
        };
        if ring.vacant_len() >= FRAME_SAMPLES {
            ring.push_slice(&frame.0);
        }
    }
}
