//! Prompts loaded once at start-up, so playing one never touches the disk on the media path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::warn;

/// Every prompt under `assets/prompts/<lang>/<name>.wav`, decoded to 8 kHz samples.
#[derive(Debug, Default)]
pub struct Prompts {
    clips: HashMap<(String, String), Arc<[i16]>>,
    pub dir: PathBuf,
}

impl Prompts {
    /// Loads every WAV below `dir`; a file that is not 8 kHz mono is reported and skipped.
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        let mut clips = HashMap::new();
        for lang_entry in std::fs::read_dir(dir)? {
            let lang_dir = lang_entry?.path();
            if !lang_dir.is_dir() {
                continue;
            }
            let lang = lang_dir
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            for entry in std::fs::read_dir(&lang_dir)? {
                let path = entry?.path();
                if path.extension().and_then(|e| e.to_str()) != Some("wav") {
                    continue;
                }
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let bytes = std::fs::read(&path)?;
                match hotline_media::read_wav_8k_mono(&bytes) {
                    Ok(samples) => {
                        clips.insert((lang.clone(), name), Arc::from(samples));
                    }
                    Err(e) => warn!(path = %path.display(), error = %e, "prompt skipped"),
                }
            }
        }
        Ok(Self {
            clips,
            dir: dir.to_owned(),
        })
    }

    /// The clip in the wanted language, falling back to Mandarin, then English.
    pub fn get(&self, lang: &str, name: &str) -> Option<Arc<[i16]>> {
        [lang, "zh", "en"]
            .iter()
            .find_map(|l| self.clips.get(&((*l).to_owned(), name.to_owned())).cloned())
    }

    pub fn exists(&self, lang: &str, name: &str) -> bool {
        self.clips.contains_key(&(lang.to_owned(), name.to_owned()))
    }

    pub fn len(&self) -> usize {
        self.clips.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clips.is_empty()
    }
}
