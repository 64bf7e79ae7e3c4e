//! A reference to one recorded prompt.

use std::path::{Path, PathBuf};

/// One prompt in one language; resolves to `assets/prompts/<language>/<name>.wav`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromptRef {
    pub language: String,
    pub name: String,
}

impl PromptRef {
    pub fn new(language: &str, name: &str) -> Self {
        Self {
            language: language.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The WAV file under a prompts directory (`assets/prompts`).
    pub fn path(&self, prompts_dir: &Path) -> PathBuf {
        prompt_path(prompts_dir, &self.language, &self.name)
    }
}

/// `<prompts_dir>/<language>/<name>.wav`.
pub fn prompt_path(prompts_dir: &Path, language: &str, name: &str) -> PathBuf {
    prompts_dir.join(language).join(format!("{name}.wav"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_under_language_directory() {
        let p = PromptRef::new("zh", "welcome_12345");
        assert_eq!(
            p.path(Path::new("assets/prompts")),
            Path::new("assets/prompts/zh/welcome_12345.wav")
        );
    }
}
