//! Minimal RIFF/WAVE reading and writing for prompts and recordings.
//!
//! Reads PCM 16-bit (and 8-bit), G.711 µ-law/A-law, also inside WAVE_FORMAT_EXTENSIBLE;
//! writes PCM 16-bit. No external crate: the format subset we need is small.

use std::io::{self, Seek, SeekFrom, Write};

use crate::error::MediaError;
use crate::g711::{alaw_decode, ulaw_decode};

const FORMAT_PCM: u16 = 1;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;
const HEADER_LEN: usize = 44;

/// The `fmt ` chunk fields that matter. `format` is the effective format code
/// (the sub-format for WAVE_FORMAT_EXTENSIBLE files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    pub format: u16,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_fmt(body: &[u8]) -> Result<WavInfo, MediaError> {
    if body.len() < 16 {
        return Err(MediaError::Wav(format!(
            "fmt chunk is {} bytes, need at least 16",
            body.len()
        )));
    }
    let mut format = le16(body, 0);
    if format == FORMAT_EXTENSIBLE {
        // cbSize(2) validBits(2) channelMask(4) then a GUID whose first 2 bytes are the format.
        if body.len() < 26 {
            return Err(MediaError::Wav(
                "truncated WAVE_FORMAT_EXTENSIBLE fmt chunk".into(),
            ));
        }
        format = le16(body, 24);
    }
    Ok(WavInfo {
        format,
        channels: le16(body, 2),
        sample_rate: le32(body, 4),
        bits_per_sample: le16(body, 14),
    })
}

/// Reads a whole WAV file; samples are returned interleaved as stored.
pub fn read_wav(bytes: &[u8]) -> Result<(WavInfo, Vec<i16>), MediaError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(MediaError::Wav("not a RIFF/WAVE file".into()));
    }
    let mut info = None;
    let mut data = None;
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = le32(bytes, pos + 4) as usize;
        let start = pos + 8;
        // Streaming writers leave 0xFFFFFFFF (or a stale size); trust the file length.
        let end = start.saturating_add(size).min(bytes.len());
        let body = &bytes[start..end];
        match id {
            b"fmt " => info = Some(parse_fmt(body)?),
            b"data" => {
                data = Some(body);
                if info.is_some() {
                    break;
                }
            }
            _ => {} // LIST, fact, cue, ... are of no interest
        }
        // Chunks are word aligned: odd sizes carry one pad byte.
        pos = end.saturating_add(size & 1);
    }
    let info = info.ok_or_else(|| MediaError::Wav("no fmt chunk".into()))?;
    let data = data.ok_or_else(|| MediaError::Wav("no data chunk".into()))?;
    if info.channels == 0 {
        return Err(MediaError::Wav("zero channels".into()));
    }
    if info.sample_rate == 0 {
        return Err(MediaError::Wav("zero sample rate".into()));
    }
    let samples = match (info.format, info.bits_per_sample) {
        (FORMAT_PCM, 16) => data
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect(),
        // 8-bit PCM is unsigned with a 128 offset.
        (FORMAT_PCM, 8) => data.iter().map(|&b| (i16::from(b) - 128) << 8).collect(),
        (FORMAT_ULAW, 8) => data.iter().map(|&b| ulaw_decode(b)).collect(),
        (FORMAT_ALAW, 8) => data.iter().map(|&b| alaw_decode(b)).collect(),
        (FORMAT_PCM, bits) => {
            return Err(MediaError::UnsupportedWav(format!("{bits}-bit PCM")));
        }
        (format, bits) => {
            return Err(MediaError::UnsupportedWav(format!(
                "format code {format} with {bits} bits per sample"
            )));
        }
    };
    Ok((info, samples))
}

/// Reads a WAV file that must be 8000 Hz mono (the prompt format).
pub fn read_wav_8k_mono(bytes: &[u8]) -> Result<Vec<i16>, MediaError> {
    let (info, samples) = read_wav(bytes)?;
    if info.sample_rate != 8000 || info.channels != 1 {
        return Err(MediaError::WrongWavFormat {
            sample_rate: info.sample_rate,
            channels: info.channels,
        });
    }
    Ok(samples)
}

fn header(sample_rate: u32, channels: u16, data_len: u32) -> [u8; HEADER_LEN] {
    let block_align = channels.saturating_mul(2);
    let mut h = [0u8; HEADER_LEN];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_len.saturating_add(36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&FORMAT_PCM.to_le_bytes());
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(
        &sample_rate
            .saturating_mul(u32::from(block_align))
            .to_le_bytes(),
    );
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Encodes interleaved 16-bit samples as a complete WAV file in memory.
pub fn wav_bytes(samples: &[i16], sample_rate: u32, channels: u16) -> Vec<u8> {
    let data_len = u32::try_from(samples.len() * 2).unwrap_or(u32::MAX - 36);
    let mut out = Vec::with_capacity(HEADER_LEN + samples.len() * 2);
    out.extend_from_slice(&header(sample_rate, channels, data_len));
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Streams 16-bit PCM to a seekable writer (a recording file). The header is
/// written first with "unknown" sizes, so a file cut short by a crash still reads;
/// `finish` patches the real sizes.
#[derive(Debug)]
pub struct WavWriter<W: Write + Seek> {
    inner: W,
    start: u64,
    samples: u64,
}

impl<W: Write + Seek> WavWriter<W> {
    pub fn new(mut w: W, sample_rate: u32, channels: u16) -> io::Result<Self> {
        if channels == 0 || sample_rate == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "WAV needs at least one channel and a non-zero sample rate",
            ));
        }
        let start = w.stream_position()?;
        let mut h = header(sample_rate, channels, u32::MAX - 36);
        h[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        w.write_all(&h)?;
        Ok(WavWriter {
            inner: w,
            start,
            samples: 0,
        })
    }

    /// Appends interleaved samples.
    pub fn write_samples(&mut self, interleaved: &[i16]) -> io::Result<()> {
        let total_bytes = (self.samples + interleaved.len() as u64) * 2;
        if total_bytes > u64::from(u32::MAX - 36) {
            return Err(io::Error::other(
                "WAV data would exceed the 4 GiB RIFF limit",
            ));
        }
        // Convert through a stack buffer: no allocation per frame.
        let mut buf = [0u8; 512];
        for chunk in interleaved.chunks(buf.len() / 2) {
            for (b, s) in buf.chunks_exact_mut(2).zip(chunk) {
                b.copy_from_slice(&s.to_le_bytes());
            }
            self.inner.write_all(&buf[..chunk.len() * 2])?;
        }
        self.samples += interleaved.len() as u64;
        Ok(())
    }

    /// Total `i16` values written, all channels counted.
    pub fn samples_written(&self) -> u64 {
        self.samples
    }

    /// Patches the RIFF and data sizes, leaves the writer positioned at the end and
    /// returns it.
    pub fn finish(mut self) -> io::Result<W> {
        let data_len = (self.samples * 2) as u32; // bounded by write_samples
        self.inner.seek(SeekFrom::Start(self.start + 4))?;
        self.inner.write_all(&(data_len + 36).to_le_bytes())?;
        self.inner.seek(SeekFrom::Start(self.start + 40))?;
        self.inner.write_all(&data_len.to_le_bytes())?;
        self.inner.seek(SeekFrom::End(0))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g711::{alaw_encode, ulaw_encode};
    use proptest::prelude::*;
    use std::io::Cursor;

    #[test]
    fn writer_round_trip_mono_and_stereo() {
        for channels in [1u16, 2] {
            let samples: Vec<i16> = (0..1000).map(|i| (i * 37 - 18000) as i16).collect();
            let mut w = WavWriter::new(Cursor::new(Vec::new()), 8000, channels).unwrap();
            for chunk in samples.chunks(300) {
                w.write_samples(chunk).unwrap();
            }
            assert_eq!(w.samples_written(), 1000);
            let bytes = w.finish().unwrap().into_inner();
            assert_eq!(bytes.len(), 44 + 2000);
            assert_eq!(bytes, wav_bytes(&samples, 8000, channels));
            let (info, back) = read_wav(&bytes).unwrap();
            assert_eq!(
                info,
                WavInfo {
                    sample_rate: 8000,
                    channels,
                    bits_per_sample: 16,
                    format: 1
                }
            );
            assert_eq!(back, samples);
        }
    }

    #[test]
    fn unfinished_recording_is_still_readable() {
        let mut w = WavWriter::new(Cursor::new(Vec::new()), 8000, 1).unwrap();
        w.write_samples(&[1, 2, 3]).unwrap();
        let bytes = w.inner.into_inner(); // dropped without finish, as after a crash
        assert_eq!(read_wav_8k_mono(&bytes).unwrap(), [1, 2, 3]);
    }

    /// Builds a file by hand from chunks.
    fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    fn fmt(format: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&format.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&(rate * u32::from(channels * bits / 8)).to_le_bytes());
        f.extend_from_slice(&(channels * bits / 8).to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    #[test]
    fn skips_list_and_odd_chunks_and_decodes_g711() {
        let list = b"INFOISFT\x05\x00\x00\x00sox\x00\x00".to_vec();
        let odd = vec![1u8, 2, 3]; // odd-sized: one pad byte follows
        let pcm: Vec<u8> = [100i16, -100]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let file = riff(&[
            (b"fmt ", fmt(1, 1, 8000, 16)),
            (b"LIST", list),
            (b"junk", odd),
            (b"data", pcm),
        ]);
        assert_eq!(read_wav_8k_mono(&file).unwrap(), [100, -100]);

        let ulaw = riff(&[
            (b"fmt ", fmt(7, 1, 8000, 8)),
            (b"fact", vec![2, 0, 0, 0]),
            (b"data", vec![ulaw_encode(1000), ulaw_encode(-1000)]),
        ]);
        let (info, s) = read_wav(&ulaw).unwrap();
        assert_eq!(info.format, 7);
        assert_eq!(s, [988, -988]);
        let alaw = riff(&[
            (b"fmt ", fmt(6, 1, 8000, 8)),
            (b"data", vec![alaw_encode(1000)]),
        ]);
        assert_eq!(read_wav(&alaw).unwrap().1, [1008]);
        let pcm8 = riff(&[(b"fmt ", fmt(1, 1, 8000, 8)), (b"data", vec![128, 255, 0])]);
        assert_eq!(read_wav(&pcm8).unwrap().1, [0, 127 << 8, -128 << 8]);
    }

    #[test]
    fn extensible_pcm() {
        let mut f = fmt(0xFFFE, 1, 8000, 16);
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&16u16.to_le_bytes());
        f.extend_from_slice(&4u32.to_le_bytes());
        f.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
        ]);
        let file = riff(&[(b"fmt ", f), (b"data", vec![5, 0])]);
        let (info, s) = read_wav(&file).unwrap();
        assert_eq!((info.format, s), (1, vec![5]));
    }

    #[test]
    fn clear_errors() {
        assert!(matches!(read_wav(b"hello"), Err(MediaError::Wav(_))));
        let no_data = riff(&[(b"fmt ", fmt(1, 1, 8000, 16))]);
        assert_eq!(
            read_wav(&no_data),
            Err(MediaError::Wav("no data chunk".into()))
        );
        let no_fmt = riff(&[(b"data", vec![0, 0])]);
        assert_eq!(
            read_wav(&no_fmt),
            Err(MediaError::Wav("no fmt chunk".into()))
        );
        let float = riff(&[(b"fmt ", fmt(3, 1, 8000, 32)), (b"data", vec![0; 4])]);
        assert!(matches!(
            read_wav(&float),
            Err(MediaError::UnsupportedWav(_))
        ));
        let pcm24 = riff(&[(b"fmt ", fmt(1, 1, 8000, 24)), (b"data", vec![0; 3])]);
        assert!(matches!(
            read_wav(&pcm24),
            Err(MediaError::UnsupportedWav(_))
        ));

        let stereo16k = wav_bytes(&[0; 4], 16000, 2);
        let err = read_wav_8k_mono(&stereo16k).unwrap_err();
        assert_eq!(
            err,
            MediaError::WrongWavFormat {
                sample_rate: 16000,
                channels: 2
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains("16000 Hz") && msg.contains("2 channel"),
            "{msg}"
        );
        assert!(
            msg.contains("sox in.wav -r 8000 -c 1 -b 16 out.wav"),
            "{msg}"
        );
        assert!(WavWriter::new(Cursor::new(Vec::new()), 8000, 0).is_err());
    }

    proptest! {
        #[test]
        fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_wav(&bytes);
            let mut riffed = b"RIFF\x00\x00\x00\x00WAVE".to_vec();
            riffed.extend_from_slice(&bytes);
            let _ = read_wav(&riffed);
        }
    }
}
