//! `hotline-server backup DIR` and `restore DIR [--force]`.
//!
//! A backup is a folder: `hotline.db` (a consistent snapshot taken with `VACUUM INTO`, safe
//! while the server runs), `recordings/` (the recordings tree, copied file by file) and
//! `manifest.json` (schema version, time, every table's row count and content digest, every
//! recording's size and digest). `restore` checks the manifest and the files against it, refuses
//! a data directory that is not empty unless `--force`, and checks the restored database
//! against the manifest. Stop the server before restoring.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::action;
use crate::config::Config;
use crate::store::{AuditEntry, SCHEMA_VERSION, Store, TableDigest};

pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "hotline.db";
pub const RECORDINGS: &str = "recordings";
const FORMAT: u32 = 1;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup folder; it must not exist or be empty.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A folder written by `backup`.
    pub dir: PathBuf,
    /// Replace the database and recordings in a data directory that is not empty.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Relative to the recordings folder, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub schema_version: i64,
    pub created_at: String,
    pub tables: Vec<TableDigest>,
    pub recordings: Vec<FileDigest>,
}

fn sha256_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let digest = Sha256::digest(&bytes);
    let hex = digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    Ok((bytes.len() as u64, hex))
}

/// Every file under `root`, as paths relative to it, sorted.
fn files_under(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
        let dir = root.join(rel);
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("{}: cannot list: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &rel, out)?;
            } else if kind.is_file() {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if root.is_dir() {
        walk(root, Path::new(""), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn rel_string(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Copies every file of the tree `from` into `to`, creating folders; returns their digests.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<Vec<FileDigest>> {
    let mut digests = Vec::new();
    for rel in files_under(from)? {
        let src = from.join(&rel);
        let dst = to.join(&rel);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", parent.display()))?;
        }
        std::fs::copy(&src, &dst).map_err(|e| {
            anyhow::anyhow!("cannot copy {} to {}: {e}", src.display(), dst.display())
        })?;
        let (bytes, sha256) = sha256_file(&dst)?;
        digests.push(FileDigest {
            path: rel_string(&rel),
            bytes,
            sha256,
        });
    }
    Ok(digests)
}

fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    if !dir.exists() {
        return Ok(true);
    }
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot list: {e}", dir.display()))?;
    Ok(entries.next().is_none())
}

/// Writes a backup of the configured data directory into `args.dir`.
pub fn run_backup(
    args: &BackupArgs,
    config: &Config,
    out: &mut impl Write,
    now: jiff::Timestamp,
) -> anyhow::Result<Manifest> {
    let dir = &args.dir;
    if !is_empty_dir(dir)? {
        anyhow::bail!("{}: the backup folder is not empty", dir.display());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
    let data = &config.server.data_dir;
    let db = data.join(DATABASE);
    if !db.is_file() {
        anyhow::bail!("{}: no database to back up", db.display());
    }
    let copy = dir.join(DATABASE);
    let store = Store::open(&db)?;
    // A backup is the whole record leaving the server: audited first, so the copy holds it too.
    let entry = AuditEntry::new(
        now.as_millisecond(),
        action::CLI_ACTOR,
        None,
        action::EXPORT,
        &dir.display().to_string(),
    )
    .with_detail(serde_json::json!({"what": "backup"}));
    store.append_audit(&entry)?;
    store.backup_into(&copy)?;
    // Digests of the snapshot itself: what a restore must give back.
    let tables = Store::open(&copy)?.table_digests()?;
    let recordings = copy_tree(&data.join(RECORDINGS), &dir.join(RECORDINGS))?;
    let manifest = Manifest {
        format: FORMAT,
        schema_version: SCHEMA_VERSION,
        created_at: now.to_string(),
        tables,
        recordings,
    };
    let path = dir.join(MANIFEST);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?)
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    let rows: i64 = manifest.tables.iter().map(|t| t.rows).sum();
    writeln!(
        out,
        "backed up {} table(s), {rows} row(s), {} recording(s) to {}",
        manifest.tables.len(),
        manifest.recordings.len(),
        dir.display()
    )?;
    Ok(manifest)
}

fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot read the manifest ({e}); is this a backup folder?",
            path.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| anyhow::anyhow!("{}: bad manifest: {e}", path.display()))?;
    if manifest.format != FORMAT {
        anyhow::bail!(
            "{}: backup format {} is not known (expected {FORMAT})",
            path.display(),
            manifest.format
        );
    }
    if manifest.schema_version > SCHEMA_VERSION {
        anyhow::bail!(
            "{}: the backup has schema version {} but this hotline-server knows versions up to \
             {SCHEMA_VERSION}; restore it with a newer hotline-server",
            path.display(),
            manifest.schema_version
        );
    }
    Ok(manifest)
}

/// Restores a backup folder into the configured data directory.
pub fn run_restore(
    args: &RestoreArgs,
    config: &Config,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let dir = &args.dir;
    let manifest = read_manifest(dir)?;
    let db_copy = dir.join(DATABASE);
    if !db_copy.is_file() {
        anyhow::bail!("{}: the backup has no database", db_copy.display());
    }
    // Every recording present and intact before anything is touched.
    for f in &manifest.recordings {
        let path = dir.join(RECORDINGS).join(&f.path);
        let (bytes, sha256) = sha256_file(&path)?;
        if bytes != f.bytes || sha256 != f.sha256 {
            anyhow::bail!(
                "{}: does not match the manifest (damaged backup)",
                path.display()
            );
        }
    }
    let data = &config.server.data_dir;
    let empty = is_empty_dir(data)?;
    if !empty && !args.force {
        anyhow::bail!(
            "{}: the data directory is not empty; pass --force to replace its database and \
             recordings",
            data.display()
        );
    }
    std::fs::create_dir_all(data)
        .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", data.display()))?;
    // Copy first, then swap: a failed copy leaves the old data in place.
    let tmp = data.join(format!("{DATABASE}.restoring"));
    std::fs::copy(&db_copy, &tmp).map_err(|e| {
        anyhow::anyhow!(
            "cannot copy {} to {}: {e}",
            db_copy.display(),
            tmp.display()
        )
    })?;
    if !empty {
        for name in [
            DATABASE.to_owned(),
            format!("{DATABASE}-wal"),
            format!("{DATABASE}-shm"),
        ] {
            let p = data.join(name);
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| anyhow::anyhow!("{}: cannot remove: {e}", p.display()))?;
            }
        }
        let rec = data.join(RECORDINGS);
        if rec.exists() {
            std::fs::remove_dir_all(&rec)
                .map_err(|e| anyhow::anyhow!("{}: cannot remove: {e}", rec.display()))?;
        }
    }
    let db = data.join(DATABASE);
    std::fs::rename(&tmp, &db)
        .map_err(|e| anyhow::anyhow!("cannot rename {}: {e}", tmp.display()))?;
    let copied = copy_tree(&dir.join(RECORDINGS), &data.join(RECORDINGS))?;
    if copied != manifest.recordings {
        anyhow::bail!("the restored recordings do not match the manifest");
    }
    let store = Store::open(&db)?;
    if manifest.schema_version == SCHEMA_VERSION {
        let tables = store.table_digests()?;
        if tables != manifest.tables {
            anyhow::bail!(
                "{}: the restored database does not match the manifest",
                db.display()
            );
        }
    }
    let rows: i64 = manifest.tables.iter().map(|t| t.rows).sum();
    writeln!(
        out,
        "restored {} table(s), {rows} row(s), {} recording(s) from {} (taken {})",
        manifest.tables.len(),
        manifest.recordings.len(),
        dir.display(),
        manifest.created_at
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn the_data_commands_parse() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("hotline-server").chain(args.iter().copied()))
                .map(|c| c.command)
        };
        assert!(matches!(
            parse(&["backup", "/tmp/b"]),
            Ok(Some(Command::Backup(_)))
        ));
        assert!(matches!(
            parse(&["restore", "/tmp/b", "--force"]),
            Ok(Some(Command::Restore(a))) if a.force
        ));
        assert!(matches!(
            parse(&[
                "dept",
                "add",
                "市住建局",
                "--parent",
                "1",
                "--phone",
                "12345"
            ]),
            Ok(Some(Command::Dept { .. }))
        ));
        assert!(matches!(
            parse(&["import", "callers", "c.csv", "--dry-run"]),
            Ok(Some(Command::Import { .. }))
        ));
        assert!(matches!(
            parse(&["import", "kb", "k.csv"]),
            Ok(Some(Command::Import { .. }))
        ));
        let export = [
            "export",
            "tickets",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ];
        assert!(matches!(parse(&export), Ok(Some(Command::Export { .. }))));
        let json = [&export[..], &["--format", "json"]].concat();
        assert!(parse(&json).is_ok());
        assert!(parse(&["export", "tickets", "--from", "11/01", "--to", "2026-11-30"]).is_err());
        assert!(parse(&["export", "callers", "--output", "c.csv"]).is_ok());
    }
}
