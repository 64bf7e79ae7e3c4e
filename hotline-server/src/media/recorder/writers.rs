//! The writer threads behind every [`super::Recorder`], and the pool of sample buffers that
//! travel between the calls and the writers.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};

use hotline_media::WavWriter;
use tracing::warn;

/// Buffers kept for reuse at most (16 KB each): enough for a full house of calls handing
/// over at once; beyond that a returned buffer is freed.
const POOL_MAX: usize = 4096;

/// A message to a writer thread; `id` names the recording.
pub(super) enum Op {
    Open {
        id: u64,
        path: PathBuf,
        channels: u16,
    },
    Samples {
        id: u64,
        full: Vec<i16>,
    },
    Finish {
        id: u64,
        ack: Option<tokio::sync::oneshot::Sender<Result<u64, String>>>,
    },
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Op")
    }
}

/// Used sample buffers on their way back to the calls.
#[derive(Clone, Debug, Default)]
pub(super) struct BufferPool(Arc<Mutex<Vec<Vec<i16>>>>);

impl BufferPool {
    /// An empty buffer: a pooled one, or a new one when the pool is empty or busy (a call
    /// never waits for the lock).
    pub(super) fn take(&self, capacity: usize) -> Vec<i16> {
        self.0
            .try_lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    fn give(&self, mut buf: Vec<i16>) {
        buf.clear();
        if let Ok(mut p) = self.0.lock()
            && p.len() < POOL_MAX
        {
            p.push(buf);
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.lock().map(|p| p.len()).unwrap_or_default()
    }
}

/// The writer threads, shared by all calls. The threads end once this and every recorder
/// are gone.
#[derive(Debug)]
pub struct RecordingWriters {
    threads: Vec<std_mpsc::Sender<Op>>,
    pool: BufferPool,
    /// Recordings whose file could not be made, written or closed (shown in `/metrics`).
    failed: Arc<AtomicU64>,
    next_id: AtomicU64,
    next_thread: AtomicUsize,
}

impl RecordingWriters {
    /// Starts `threads` writers (at least one).
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let pool = BufferPool::default();
        let failed = Arc::new(AtomicU64::new(0));
        let threads = (0..threads.max(1))
            .map(|n| {
                let (tx, rx) = std_mpsc::channel();
                let (pool, failed) = (pool.clone(), failed.clone());
                std::thread::Builder::new()
                    .name(format!("recorder-{n}"))
                    .spawn(move || run(&rx, &pool, &failed))
                    .map(|_| tx)
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self {
            threads,
            pool,
            failed,
            next_id: AtomicU64::new(1),
            next_thread: AtomicUsize::new(0),
        })
    }

    /// A new recording's id and the channel of the writer that owns it (taken in turn).
    pub(super) fn open(&self, path: &Path, channels: u16) -> (u64, std_mpsc::Sender<Op>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let turn = self.next_thread.fetch_add(1, Ordering::Relaxed) % self.threads.len();
        let tx = self.threads[turn].clone();
        let _ = tx.send(Op::Open {
            id,
            path: path.to_owned(),
            channels,
        });
        (id, tx)
    }

    /// Recordings that failed on disk since the start: each is also in the log with its path.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    pub(super) fn pool(&self) -> BufferPool {
        self.pool.clone()
    }
}

type Wav = WavWriter<BufWriter<File>>;

/// A recording as its writer holds it: the open file, or why it could not be made (its
/// samples are then dropped until the end, which reports the error).
type Open = Result<Wav, String>;

fn create(path: &Path, channels: u16) -> std::io::Result<Wav> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    WavWriter::new(BufWriter::new(File::create(path)?), 8000, channels)
}

/// One writer thread: serves its recordings until every sender is gone.
fn run(rx: &std_mpsc::Receiver<Op>, pool: &BufferPool, failed: &AtomicU64) {
    let mut open: HashMap<u64, (PathBuf, Open)> = HashMap::new();
    let mut failed_writes = std::collections::HashSet::new();
    while let Ok(op) = rx.recv() {
        match op {
            Op::Open { id, path, channels } => {
                let file = create(&path, channels).map_err(|e| {
                    failed.fetch_add(1, Ordering::Relaxed);
                    warn!(path = %path.display(), error = %e, "cannot record");
                    e.to_string()
                });
                open.insert(id, (path, file));
            }
            Op::Samples { id, full } => {
                // Counted and logged once per recording: its first lost chunk makes it failed.
                if let Some((path, Ok(wav))) = open.get_mut(&id)
                    && let Err(e) = wav.write_samples(&full)
                    && failed_writes.insert(id)
                {
                    failed.fetch_add(1, Ordering::Relaxed);
                    warn!(path = %path.display(), error = %e, "recording write failed");
                }
                pool.give(full);
            }
            Op::Finish { id, ack } => {
                let Some((path, file)) = open.remove(&id) else {
                    continue;
                };
                let write_failed = failed_writes.remove(&id);
                let result = file.and_then(|wav| {
                    let n = wav.samples_written();
                    wav.finish().map(|_| n).map_err(|e| {
                        if !write_failed {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        warn!(path = %path.display(), error = %e, "recording close failed");
                        e.to_string()
                    })
                });
                if let Some(ack) = ack {
                    let _ = ack.send(result);
                }
            }
        }
    }
}
