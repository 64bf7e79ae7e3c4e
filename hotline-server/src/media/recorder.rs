//! Recording to WAV without touching the disk on the media path. A call's samples collect in
//! a buffer that is handed, about once a second, to one of a few writer threads shared by all
//! recordings; the writer opens, writes and closes the files and gives the buffers back for
//! reuse. Creating the folder and the file happens on the writer too, so a slow disk delays
//! the files, never the frames.

mod writers;

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

pub use writers::RecordingWriters;
use writers::{BufferPool, Op};

/// Samples per hand-over: 1 s of mono or 0.5 s of stereo audio.
const CHUNK: usize = 8000;

/// What a finished recording reports: the samples on disk, or why the file could not be made.
pub type Finished = tokio::sync::oneshot::Receiver<Result<u64, String>>;

/// One open recording. Dropping it without `finish` still closes the file properly.
#[derive(Debug)]
pub struct Recorder {
    id: u64,
    buf: Vec<i16>,
    tx: std_mpsc::Sender<Op>,
    pool: BufferPool,
    pub path: PathBuf,
    channels: u16,
    samples: u64,
    finished: bool,
}

impl Recorder {
    /// Starts a recording at `path` (the writer creates the folder and the file).
    pub fn create(writers: &RecordingWriters, path: &Path, channels: u16) -> Self {
        let (id, tx) = writers.open(path, channels);
        let pool = writers.pool();
        Self {
            id,
            buf: pool.take(CHUNK),
            tx,
            pool,
            path: path.to_owned(),
            channels: channels.max(1),
            samples: 0,
            finished: false,
        }
    }

    /// Appends interleaved samples. A full chunk goes to the writer and a used buffer comes
    /// back from the pool in its place: nothing is allocated once the pool is warm.
    pub fn write(&mut self, samples: &[i16]) {
        self.buf.extend_from_slice(samples);
        self.samples += samples.len() as u64;
        if self.buf.len() >= CHUNK {
            let full = std::mem::replace(&mut self.buf, self.pool.take(CHUNK));
            let _ = self.tx.send(Op::Samples { id: self.id, full });
        }
    }

    /// Interleaved channels per sample frame: 1 (mono) or 2 (caller left, hotline right).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    pub fn duration_ms(&self) -> u64 {
        self.samples / u64::from(self.channels) / 8
    }

    /// Flushes and closes; the receiver resolves when the file is complete on disk.
    pub fn finish(mut self) -> Finished {
        let (ack, done) = tokio::sync::oneshot::channel();
        self.close(Some(ack));
        done
    }

    fn close(&mut self, ack: Option<tokio::sync::oneshot::Sender<Result<u64, String>>>) {
        self.finished = true;
        let rest = std::mem::take(&mut self.buf);
        let _ = self.tx.send(Op::Samples {
            id: self.id,
            full: rest,
        });
        let _ = self.tx.send(Op::Finish { id: self.id, ack });
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if !self.finished {
            self.close(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> Vec<i16> {
        let bytes = std::fs::read(path).expect("read");
        hotline_media::read_wav_8k_mono(&bytes).expect("wav")
    }

    #[tokio::test]
    async fn writes_a_readable_wav() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writers = RecordingWriters::start(1).expect("writers");
        let path = dir.path().join("a/b.wav");
        let mut r = Recorder::create(&writers, &path, 1);
        for i in 0..100 {
            r.write(&[i as i16; 160]);
        }
        assert_eq!(r.duration_ms(), 2000);
        let n = r.finish().await.expect("finished");
        assert_eq!(n, Ok(16_000));
        let samples = read(&path);
        assert_eq!(samples.len(), 16_000);
        assert_eq!(samples[160 * 99], 99);
    }

    /// Many recordings share two writers; each file holds its own samples, in order.
    #[tokio::test]
    async fn interleaved_recordings_keep_their_own_samples() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writers = RecordingWriters::start(2).expect("writers");
        let mut recs: Vec<Recorder> = (0..7)
            .map(|n| Recorder::create(&writers, &dir.path().join(format!("r{n}.wav")), 1))
            .collect();
        for frame in 0..150_i16 {
            for (n, r) in recs.iter_mut().enumerate() {
                r.write(&[frame * 10 + n as i16; 160]);
            }
        }
        for r in recs {
            assert_eq!(r.finish().await.expect("finished"), Ok(24_000));
        }
        for n in 0..7_i16 {
            let samples = read(&dir.path().join(format!("r{n}.wav")));
            assert_eq!(samples.len(), 24_000);
            assert!(
                samples
                    .chunks(160)
                    .enumerate()
                    .all(|(f, c)| c.iter().all(|&s| s == f as i16 * 10 + n)),
                "recording {n} holds another's samples or lost order"
            );
        }
    }

    /// A call that ends abruptly (its task dropped) still leaves a complete file.
    #[tokio::test]
    async fn a_dropped_recorder_still_closes_its_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writers = RecordingWriters::start(1).expect("writers");
        let path = dir.path().join("dropped.wav");
        let mut r = Recorder::create(&writers, &path, 1);
        r.write(&[7; 800]);
        drop(r);
        // A later recording on the same writer finishing means the first is closed.
        let later = Recorder::create(&writers, &dir.path().join("later.wav"), 1);
        later.finish().await.expect("finished").expect("written");
        assert_eq!(read(&path), vec![7; 800]);
    }

    /// A file that cannot be made is an error at the end, not a panic or a stuck writer.
    #[tokio::test]
    async fn a_file_that_cannot_be_created_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, b"x").expect("file");
        let writers = RecordingWriters::start(1).expect("writers");
        let mut bad = Recorder::create(&writers, &blocker.join("x.wav"), 1);
        bad.write(&vec![1; 9000]);
        let err = bad.finish().await.expect("answered");
        assert!(err.is_err(), "{err:?}");
        assert_eq!(writers.failed(), 1, "counted for /metrics");
        let good = Recorder::create(&writers, &dir.path().join("ok.wav"), 1);
        assert_eq!(good.finish().await.expect("finished"), Ok(0));
        assert_eq!(writers.failed(), 1);
    }

    /// Buffers come back from the writer and are used again.
    #[tokio::test]
    async fn buffers_are_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writers = RecordingWriters::start(1).expect("writers");
        let mut r = Recorder::create(&writers, &dir.path().join("r.wav"), 1);
        r.write(&vec![0; CHUNK]);
        // Wait for the writer to give the first chunk's buffer back.
        for _ in 0..200 {
            if writers.pool().len() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let pooled = writers.pool().len();
        assert!(pooled > 0, "the writer kept the buffer");
        r.write(&vec![0; CHUNK]);
        assert_eq!(
            writers.pool().len(),
            pooled - 1,
            "a pooled buffer was taken"
        );
        r.finish().await.expect("finished").expect("written");
    }
}
