//! Plays a queue of clips out in 20 ms frames.

use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Player {
    queue: VecDeque<Arc<[i16]>>,
    pos: usize,
    /// Loops the last clip (music on hold) instead of finishing.
    looping: bool,
}

impl Player {
    pub fn enqueue(&mut self, clip: Arc<[i16]>) {
        self.queue.push_back(clip);
    }

    /// Plays `clip` after what is queued, then again and again (music on hold).
    pub fn loop_clip(&mut self, clip: Arc<[i16]>) {
        self.queue.push_back(clip);
        self.looping = true;
    }

    pub fn stop(&mut self) {
        self.queue.clear();
        self.pos = 0;
        self.looping = false;
    }

    pub fn is_playing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Whether clips are still to play before the loop (or the end): a prompt is being spoken,
    /// not just music.
    pub fn is_speaking(&self) -> bool {
        self.queue.len() > usize::from(self.looping)
    }

    /// Fills `out` with the next frame (silence past the end). Returns true when the queue just ran
    /// out during this frame, so the caller can report "playback done" exactly once.
    pub fn next_frame(&mut self, out: &mut [i16]) -> bool {
        let mut filled = 0;
        let mut finished = false;
        while filled < out.len() {
            let Some(clip) = self.queue.front() else {
                out[filled..].fill(0);
                break;
            };
            let n = (clip.len() - self.pos).min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&clip[self.pos..self.pos + n]);
            filled += n;
            self.pos += n;
            if self.pos >= clip.len() {
                self.pos = 0;
                if self.looping && self.queue.len() == 1 {
                    if clip.is_empty() {
                        out[filled..].fill(0);
                        break;
                    }
                    continue;
                }
                self.queue.pop_front();
                if self.queue.is_empty() {
                    finished = true;
                }
            }
        }
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaking_until_only_the_music_is_left() {
        let mut p = Player::default();
        assert!(!p.is_speaking());
        p.enqueue(Arc::from(vec![1i16; 160]));
        p.loop_clip(Arc::from(vec![2i16; 160]));
        assert!(p.is_speaking());
        let mut frame = [0i16; 160];
        p.next_frame(&mut frame);
        assert!(!p.is_speaking(), "only the music loops now");
        assert!(p.is_playing());
    }

    #[test]
    fn plays_clips_in_order_and_reports_the_end_once() {
        let mut p = Player::default();
        p.enqueue(Arc::from(vec![1i16; 200]));
        p.enqueue(Arc::from(vec![2i16; 100]));
        let mut f = [0i16; 160];
        assert!(!p.next_frame(&mut f));
        assert!(f.iter().all(|&s| s == 1));
        assert!(p.next_frame(&mut f));
        assert_eq!(&f[..40], &[1; 40]);
        assert_eq!(&f[40..140], &[2; 100]);
        assert_eq!(&f[140..], &[0; 20]);
        assert!(!p.next_frame(&mut f));
        assert!(f.iter().all(|&s| s == 0));
    }

    #[test]
    fn loop_follows_what_is_queued() {
        let mut p = Player::default();
        p.enqueue(Arc::from(vec![1i16; 100]));
        p.loop_clip(Arc::from(vec![3i16; 50]));
        let mut f = [0i16; 160];
        assert!(!p.next_frame(&mut f));
        assert_eq!(&f[..100], &[1; 100]);
        assert_eq!(&f[100..], &[3; 60]);
        assert!(!p.next_frame(&mut f));
        assert!(f.iter().all(|&s| s == 3));
    }

    #[test]
    fn loop_never_finishes() {
        let mut p = Player::default();
        p.loop_clip(Arc::from(vec![3i16; 50]));
        let mut f = [0i16; 160];
        for _ in 0..10 {
            assert!(!p.next_frame(&mut f));
            assert!(f.iter().all(|&s| s == 3));
        }
    }
}
