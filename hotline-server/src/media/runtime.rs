//! The threads that run call media: every call task (RTP, mixing, recording taps) and the agent
//! WebRTC hub, apart from the runtime that serves signalling, the API and the workstations.
//!
//! A frame is due every 20 ms. On one shared runtime a burst of other work (a queue snapshot
//! sent to hundreds of workstations, a report) sits in the same run queue as the frames and
//! makes them late; on their own threads the frames wait only for each other, and the kernel
//! shares the cores between the two runtimes by time slice.

use tokio::runtime::{Builder, Handle, Runtime};

/// Owns the media runtime. Dropping it (also inside async code, as tests do) stops the threads
/// without waiting for them.
#[derive(Debug)]
pub struct MediaRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl MediaRuntime {
    /// `threads` workers; 0 means one per core.
    pub fn start(threads: usize) -> std::io::Result<MediaRuntime> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            threads
        };
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("media")
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        Ok(MediaRuntime {
            runtime: Some(runtime),
            handle,
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for MediaRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tasks spawned on the handle run on the media threads, and dropping the runtime inside
    /// an async context (as a test dropping its server does) neither panics nor blocks.
    #[tokio::test]
    async fn spawned_tasks_run_on_media_threads_and_drop_is_safe_in_async_code() {
        let media = MediaRuntime::start(1).expect("runtime");
        let name = media
            .handle()
            .spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .expect("task");
        assert_eq!(name.as_deref(), Some("media"));
        let parked = media.handle().spawn(std::future::pending::<()>());
        drop(media);
        assert!(parked.await.expect_err("stopped").is_cancelled());
    }
}
