//! Recordings a call makes: messages the IVR asks for, and the recording of a bridged call.

use std::time::{Duration, Instant};

use serde_json::json;

use super::Call;
use crate::agents::AgentAudio;
use crate::ivr::Event;
use crate::media::recorder::{Finished, Recorder};
use crate::store::NewRecording;

pub(super) struct PendingRecord {
    pub(super) name: String,
    pub(super) max_secs: u32,
    pub(super) finish_on: Option<char>,
}

/// How long the end of a call waits for its recordings' files. The writers take a second or
/// two under the heaviest load; a disk that hangs longer must not hold the call's end (and
/// its CDR) forever, so the row is written anyway and the writer logs what became of it.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

/// A call recording closed on the media path, whose row waits for the writer's word.
pub(super) struct Unsettled {
    done: Finished,
    row: NewRecording,
}

pub(super) struct ActiveRecord {
    pub(super) recorder: Recorder,
    pub(super) name: String,
    pub(super) until: Instant,
    pub(super) finish_on: Option<char>,
    pub(super) started_ms: i64,
}

impl Call {
    pub(super) fn start_recording(&mut self, p: PendingRecord) {
        let date = self.local_date();
        let safe: String = p
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let call_safe: String = self
            .dialog
            .call_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = self.ctx.recordings_dir.join(format!(
            "{:04}/{:02}/{:02}/{call_safe}-{safe}.wav",
            date.year(),
            date.month(),
            date.day()
        ));
        let recorder = Recorder::create(&self.ctx.recorders, &path, 1);
        self.event(
            "record_start",
            json!({"name": p.name, "path": path.display().to_string()}),
        );
        self.record = Some(ActiveRecord {
            recorder,
            name: p.name,
            until: Instant::now() + Duration::from_secs(u64::from(p.max_secs.max(1))),
            finish_on: p.finish_on,
            started_ms: self.ctx.now_ms(),
        });
    }

    pub(super) async fn stop_recording(&mut self) {
        let Some(rec) = self.record.take() else {
            return;
        };
        let duration_ms = rec.recorder.duration_ms();
        self.self_service.recorded_ms += duration_ms;
        let path = rec.recorder.path.clone();
        // The writer thread finishes the file (and logs it if the file could not be made);
        // the CDR does not wait for it.
        drop(rec.recorder.finish());
        self.ctx.store.recording(NewRecording {
            call_id: self.dialog.call_id.clone(),
            path: path.display().to_string(),
            started_at_ms: rec.started_ms,
            ended_at_ms: self.ctx.now_ms(),
            channels: 1,
            kind: "message".into(),
        });
        self.event(
            "record_done",
            json!({"name": rec.name, "duration_ms": duration_ms}),
        );
        let file = path.display().to_string();
        let actions = self
            .interp
            .as_mut()
            .map(|i| i.on_event(Event::RecordDone { file, duration_ms }, Instant::now()))
            .unwrap_or_default();
        self.apply(actions).await;
    }

    /// The recording of a bridged call, by policy: opened when the policy records calls from
    /// this queue or for this agent, laid out as configured (split stereo or mixed mono).
    pub(super) fn start_call_recording(&mut self, agent: &str) -> Option<Recorder> {
        if !self
            .ctx
            .config
            .recording
            .records(self.queue.as_deref(), agent)
        {
            return None;
        }
        let date = self.local_date();
        let call_safe: String = self
            .dialog
            .call_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = self.ctx.recordings_dir.join(format!(
            "{:04}/{:02}/{:02}/{call_safe}-call.wav",
            date.year(),
            date.month(),
            date.day()
        ));
        let channels = self.ctx.config.recording.layout.channels();
        Some(Recorder::create(&self.ctx.recorders, &path, channels))
    }

    /// Today in the hotline's time zone: recordings are filed under the day the centre sees
    /// on its wall clock, not UTC's (which is yesterday until 08:00 in Beijing).
    fn local_date(&self) -> jiff::civil::Date {
        (self.ctx.clock)()
            .to_zoned_datetime(self.ctx.config.server.tz())
            .date()
    }

    pub(super) fn end_bridge(&mut self) -> Option<(String, AgentAudio)> {
        let bridge = self.bridge.take()?;
        if let Some(rec) = bridge.recorder {
            let path = rec.path.display().to_string();
            let ms = rec.duration_ms();
            let channels = rec.channels();
            let done = rec.finish();
            self.unsettled.push(Unsettled {
                done,
                row: NewRecording {
                    call_id: self.dialog.call_id.clone(),
                    path,
                    started_at_ms: bridge.started_ms,
                    ended_at_ms: self.ctx.now_ms(),
                    channels,
                    kind: "call".into(),
                },
            });
            self.event("recorded", json!({"duration_ms": ms}));
        }
        bridge.audio.map(|a| (bridge.agent, a))
    }

    /// Indexes the call's recordings whose files were made; one that could not be made gets
    /// no row (an index entry pointing at nothing misleads whoever searches for the call), an
    /// event with the reason, and is counted in `recordings_failed` by the writer.
    pub(super) async fn settle_recordings(&mut self) {
        for Unsettled { done, row } in std::mem::take(&mut self.unsettled) {
            match tokio::time::timeout(SETTLE_LIMIT, done).await {
                Ok(Ok(Err(error))) => {
                    self.event(
                        "recording_failed",
                        json!({"path": row.path, "error": error}),
                    );
                }
                Ok(Ok(Ok(_))) => self.ctx.store.recording(row),
                // The writer is gone (shutting down) or slow: keep the row, the file may
                // still be completed; the writer logs if it is not.
                Ok(Err(_)) | Err(_) => self.ctx.store.recording(row),
            }
        }
    }
}
