//! The `--state` file: loaded at start, saved atomically after every applied change, and
//! locked so that a second emulator cannot use it at the same time.
//!
//! Saving writes `FILE.tmp` in the same directory, syncs it, renames it over `FILE` and syncs
//! the directory, so a crash leaves either the old or the new state, never a torn file. The
//! lock is an advisory OS lock (`flock`) on `FILE.lock` next to it, held as long as the
//! emulator's state is alive; the lock file itself is left in place.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::tenant::Tenant;

/// An open, locked state file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    /// Holds the lock until dropped.
    _lock: File,
}

impl StateFile {
    /// Locks `path` and loads it; `None` when it does not exist yet (it is then written with
    /// `initial` so that a restart finds it).
    pub fn open(path: &Path, initial: &Tenant) -> Result<(Self, Option<Tenant>), Error> {
        let lock_path = sibling(path, ".lock")?;
        let file_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::File { path, source }
        };
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(file_error(&lock_path))?;
        match try_lock(&lock) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::StateLocked {
                    path: path.to_path_buf(),
                    lock: lock_path,
                });
            }
            Err(source) => return Err(file_error(&lock_path)(source)),
        }
        let state = Self {
            path: path.to_path_buf(),
            _lock: lock,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let tenant = Tenant::from_json(&text).map_err(|error| Error::InFile {
                    path: path.to_path_buf(),
                    error: Box::new(error),
                })?;
                Ok((state, Some(tenant)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                state.save(initial).map_err(file_error(path))?;
                Ok((state, None))
            }
            Err(source) => Err(file_error(path)(source)),
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `tenant` atomically (see the module docs).
    pub fn save(&self, tenant: &Tenant) -> std::io::Result<()> {
        write_atomically(&self.path, tenant.to_json().as_bytes())
    }
}

/// `path` with `suffix` appended to its file name (`state.json` -> `state.json.lock`).
fn sibling(path: &Path, suffix: &str) -> Result<PathBuf, Error> {
    let name = path.file_name().ok_or_else(|| Error::File {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a state file path must end in a file name",
        ),
    })?;
    let mut name = OsString::from(name);
    name.push(suffix);
    Ok(path.with_file_name(name))
}

fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = sibling(path, ".tmp").map_err(|e| match e {
        Error::File { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    })?;
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        sync_directory(path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Makes the rename durable: syncs the directory holding `path`.
#[cfg(unix)]
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing here; the rename is as durable as the OS makes it.
#[cfg(not(unix))]
fn sync_directory(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Takes an exclusive, non-blocking lock on `file`: `Ok(false)` when another open file holds
/// it (in this process or another).
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open for the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(error)
    }
}

/// Without `flock`, the lock cannot be taken: refuse rather than risk losing updates.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "state file locking is implemented for Unix only",
    ))
}
