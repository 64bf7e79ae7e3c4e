//! Every flow of a directory (`assets/ivr`), by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ivr::flow::Flow;
use crate::ivr::load::{FlowError, load_flow};

/// The flows of one directory, named after their file stems (`12345.toml` → `12345`).
#[derive(Debug, Clone, Default)]
pub struct FlowSet {
    flows: BTreeMap<String, Arc<Flow>>,
}

impl FlowSet {
    /// Loads every `*.toml` of `dir`. All problems of all files are reported together.
    /// Loading does not run the checker: callers that serve calls should also run
    /// [`crate::ivr::check`] and refuse flows with errors.
    pub fn load_dir(dir: &Path) -> Result<FlowSet, FlowError> {
        let mut flows = BTreeMap::new();
        let mut findings = Vec::new();
        for path in flow_files(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|source| FlowError::Io {
                path: path.clone(),
                source,
            })?;
            let name = flow_name(&path);
            match load_flow(&name, &text, &path) {
                Ok(flow) => {
                    flows.insert(name, Arc::new(flow));
                }
                Err(FlowError::Invalid(f)) => findings.extend(f),
                Err(e) => return Err(e),
            }
        }
        if findings.is_empty() {
            Ok(FlowSet { flows })
        } else {
            Err(FlowError::Invalid(findings))
        }
    }

    pub fn get(&self, name: &str) -> Option<Arc<Flow>> {
        self.flows.get(name).cloned()
    }

    pub fn insert(&mut self, flow: Flow) {
        self.flows.insert(flow.name.clone(), Arc::new(flow));
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.flows.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Flow>> {
        self.flows.values()
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }
}

/// Loads every flow of a directory (same as [`FlowSet::load_dir`]).
pub fn load_dir(dir: &Path) -> Result<FlowSet, FlowError> {
    FlowSet::load_dir(dir)
}

/// The `*.toml` files of a directory, sorted so messages come in a stable order.
pub(crate) fn flow_files(dir: &Path) -> Result<Vec<PathBuf>, FlowError> {
    let io = |source| FlowError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A flow's name is its file stem.
pub(crate) fn flow_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_directory_and_reports_every_bad_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("a.toml"),
            "[node.start]\nhangup = \"done\"\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("notes.txt"), "ignored").expect("write");
        let set = FlowSet::load_dir(dir.path()).expect("load");
        assert_eq!(set.names().collect::<Vec<_>>(), ["a"]);
        assert!(set.get("a").is_some() && set.get("b").is_none());

        std::fs::write(dir.path().join("b.toml"), "[node.start]\nplya = \"x\"\n").expect("write");
        std::fs::write(dir.path().join("c.toml"), "[node.start\n").expect("write");
        let Err(FlowError::Invalid(findings)) = FlowSet::load_dir(dir.path()) else {
            panic!("expected errors");
        };
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings[0]
                .to_string()
                .contains("b.toml:2: error: unknown step `plya`")
        );
        assert!(
            findings[1]
                .to_string()
                .contains("c.toml:1: error: invalid TOML")
        );
    }

    #[test]
    fn missing_directory_is_an_io_error() {
        let err = FlowSet::load_dir(Path::new("/nonexistent/ivr")).expect_err("missing");
        assert!(matches!(err, FlowError::Io { .. }));
    }
}
