//! Backup and restore of the server database, and the data-directory lock.
//!
//! Backup uses SQLite's online backup API, so it runs while the server serves, and writes
//! `FILE.sha256` beside the copy. Restore refuses unless the hash matches, `integrity_check`
//! passes and the schema is one this binary knows, and only then swaps the file in; the
//! database it replaces is kept in `DATA/before-restore-<time>/`. A restore needs the data
//! directory's lock, which a running server holds, so it cannot pull a database out from under
//! a live server.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use crate::db::{self, DB_FILE, SCHEMA_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the checksum file {0} is missing; refusing to restore an unverified backup")]
    NoChecksum(PathBuf),
    #[error(
        "checksum mismatch for {file}: expected {expected}, found {found}; the backup is damaged"
    )]
    ChecksumMismatch {
        file: PathBuf,
        expected: String,
        found: String,
    },
    #[error("integrity check failed for {file}: {detail}")]
    Integrity { file: PathBuf, detail: String },
    #[error(
        "the backup has schema version {found}, newer than the {supported} this rounds-server supports"
    )]
    TooNew { found: i64, supported: i64 },
    #[error(
        "the data directory {0} is in use by a running rounds-server; stop it before restoring"
    )]
    Locked(PathBuf),
    #[error(transparent)]
    Open(#[from] db::DbOpenError),
}

fn io(ctx: &str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let msg = format!("{ctx} {}", path.display());
    move |e| BackupError::Io(format!("{msg}: {e}"))
}

/// Exclusive lock on a data directory, held for as long as the value lives.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, BackupError> {
        std::fs::create_dir_all(data_dir).map_err(io("creating", data_dir))?;
        let path = data_dir.join("rounds.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("opening", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::Locked(data_dir.to_owned())),
            Err(std::fs::TryLockError::Error(e)) => Err(io("locking", &path)(e)),
        }
    }
}

pub fn sha256_file(path: &Path) -> Result<String, BackupError> {
    let mut f = File::open(path).map_err(io("opening", path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io("reading", path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn checksum_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// Copies the live database of `data_dir` to `out` and writes `out.sha256`. Returns the hash.
pub fn backup(data_dir: &Path, out: &Path) -> Result<String, BackupError> {
    let src_path = data_dir.join(DB_FILE);
    if !src_path.exists() {
        return Err(BackupError::Io(format!(
            "no database at {}",
            src_path.display()
        )));
    }
    let src = db::open_connection(&src_path, false)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
    }
    let tmp = out.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut dst = Connection::open(&tmp)?;
        let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
        b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        drop(b);
        // A backup is one self-contained file: no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io("syncing", &tmp))?;
    std::fs::rename(&tmp, out).map_err(io("renaming into", out))?;
    let hash = sha256_file(out)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sum = checksum_path(out);
    let mut f = File::create(&sum).map_err(io("writing", &sum))?;
    writeln!(f, "{hash}  {name}")
        .and_then(|_| f.sync_all())
        .map_err(io("writing", &sum))?;
    Ok(hash)
}

/// Checks a backup file: its checksum, SQLite's integrity check and its schema version.
pub fn verify(file: &Path) -> Result<(), BackupError> {
    let sum = checksum_path(file);
    let text = std::fs::read_to_string(&sum).map_err(|_| BackupError::NoChecksum(sum.clone()))?;
    let expected = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let found = sha256_file(file)?;
    if expected != found {
        return Err(BackupError::ChecksumMismatch {
            file: file.to_owned(),
            expected,
            found,
        });
    }
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let detail: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| BackupError::Integrity {
            file: file.to_owned(),
            detail: e.to_string(),
        })?;
    if detail != "ok" {
        return Err(BackupError::Integrity {
            file: file.to_owned(),
            detail,
        });
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(BackupError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Verifies `from`, then makes it the database of `data_dir`. Returns where the replaced
/// database was kept, if there was one.
pub fn restore(data_dir: &Path, from: &Path) -> Result<Option<PathBuf>, BackupError> {
    verify(from)?;
    let _lock = DataDirLock::acquire(data_dir)?;
    let db_path = data_dir.join(DB_FILE);
    let staged = data_dir.join("rounds.db.restoring");
    std::fs::copy(from, &staged).map_err(io("copying to", &staged))?;
    File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(io("syncing", &staged))?;
    // The live database's counter, so that sequences continue above any cursor a client holds.
    let live_last_seq: i64 = if db_path.exists() {
        let live = db::open_connection(&db_path, false)?;
        live.query_row(
            "SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_seq'), 0), \
                        coalesce((SELECT max(seq) FROM changes), 0))",
            [],
            |r| r.get(0),
        )?
    } else {
        0
    };
    let mut kept = None;
    if db_path.exists() {
        let dir = data_dir.join(format!(
            "before-restore-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
        for suffix in ["", "-wal", "-shm"] {
            let p = data_dir.join(format!("{DB_FILE}{suffix}"));
            if p.exists() {
                std::fs::rename(&p, dir.join(format!("{DB_FILE}{suffix}")))
                    .map_err(io("moving aside", &p))?;
            }
        }
        kept = Some(dir);
    }
    std::fs::rename(&staged, &db_path).map_err(io("renaming into", &db_path))?;
    // Bring an older backup up to this binary's schema now, not at the next start; give it a
    // new epoch and a sequence counter above the replaced database's.
    let conn = db::open_and_migrate(data_dir)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16)))) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [],
    )?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('last_seq', ?1) \
         ON CONFLICT(key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        [live_last_seq.to_string()],
    )?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_refuses_damaged_or_unverified_files_and_a_locked_directory() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        drop(db::open_and_migrate(&data).unwrap());
        let out = dir.path().join("b.db");
        backup(&data, &out).unwrap();
        verify(&out).unwrap();

        // A flipped byte: the checksum catches it.
        let mut bytes = std::fs::read(&out).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        let bad = dir.path().join("bad.db");
        std::fs::write(&bad, &bytes).unwrap();
        std::fs::copy(checksum_path(&out), checksum_path(&bad)).unwrap();
        assert!(matches!(
            restore(&data, &bad),
            Err(BackupError::ChecksumMismatch { .. })
        ));

        // Not a database at all, with a matching checksum: integrity fails.
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"this is not sqlite").unwrap();
        std::fs::write(
            checksum_path(&junk),
            format!("{}  junk.db\n", sha256_file(&junk).unwrap()),
        )
        .unwrap();
        assert!(matches!(
            verify(&junk),
            Err(BackupError::Integrity { .. } | BackupError::Sqlite(_))
        ));

        // No checksum file.
        std::fs::remove_file(checksum_path(&bad)).unwrap();
        assert!(matches!(verify(&bad), Err(BackupError::NoChecksum(_))));

        // A running server holds the lock.
        let held = DataDirLock::acquire(&data).unwrap();
        assert!(matches!(restore(&data, &out), Err(BackupError::Locked(_))));
        drop(held);
        assert!(restore(&data, &out).unwrap().is_some());
    }
}
