//! Recording to WAV without touching the disk on the media path: samples collect in a buffer
//! that is handed, about once a second, to a writer thread that owns the file.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

use hotline_media::WavWriter;
use tracing::warn;

const CHUNK: usize = 8000;

enum Chunk {
    Samples(Vec<i16>),
    Finish(tokio::sync::oneshot::Sender<u64>),
}

/// One open recording. Dropping it without `finish` still closes the file properly.
#[derive(Debug)]
pub struct Recorder {
    buf: Vec<i16>,
    tx: std_mpsc::Sender<Chunk>,
    pub path: PathBuf,
    samples: u64,
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chunk")
    }
}

impl Recorder {
    /// Creates the file (and its folder) and the writer thread.
    pub fn create(path: &Path, channels: u16) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = BufWriter::new(File::create(path)?);
        let mut writer = WavWriter::new(file, 8000, channels)?;
        let (tx, rx) = std_mpsc::channel::<Chunk>();
        let shown = path.display().to_string();
        std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                let mut done = None;
                while let Ok(chunk) = rx.recv() {
                    match chunk {
                        Chunk::Samples(s) => {
                            if let Err(e) = writer.write_samples(&s) {
                                warn!(path = %shown, error = %e, "recording write failed");
                            }
                        }
                        Chunk::Finish(ack) => {
                            done = Some(ack);
                            break;
                        }
                    }
                }
                let n = writer.samples_written();
                if let Err(e) = writer.finish() {
                    warn!(path = %shown, error = %e, "recording close failed");
                }
                if let Some(ack) = done {
                    let _ = ack.send(n);
                }
            })?;
        Ok(Self {
            buf: Vec::with_capacity(CHUNK),
            tx,
            path: path.to_owned(),
            samples: 0,
        })
    }

    /// Appends interleaved samples; allocates only when a full chunk is handed over.
    pub fn write(&mut self, samples: &[i16]) {
        self.buf.extend_from_slice(samples);
        self.samples += samples.len() as u64;
        if self.buf.len() >= CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            let _ = self.tx.send(Chunk::Samples(full));
        }
    }

    pub fn duration_ms(&self, channels: u16) -> u64 {
        self.samples / u64::from(channels.max(1)) / 8
    }

    /// Flushes and closes; the receiver resolves when the file is complete on disk.
    pub fn finish(mut self) -> tokio::sync::oneshot::Receiver<u64> {
        let (ack, done) = tokio::sync::oneshot::channel();
        let rest = std::mem::take(&mut self.buf);
        let _ = self.tx.send(Chunk::Samples(rest));
        let _ = self.tx.send(Chunk::Finish(ack));
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_a_readable_wav() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b.wav");
        let mut r = Recorder::create(&path, 1).expect("create");
        for i in 0..100 {
            r.write(&[i as i16; 160]);
        }
        assert_eq!(r.duration_ms(1), 2000);
        let n = r.finish().await.expect("finished");
        assert_eq!(n, 16_000);
        let bytes = std::fs::read(&path).expect("read");
        let samples = hotline_media::read_wav_8k_mono(&bytes).expect("wav");
        assert_eq!(samples.len(), 16_000);
        assert_eq!(samples[160 * 99], 99);
    }
}
