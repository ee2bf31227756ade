//! The progress journal of [`apply`](super::apply): an append-only file of JSON lines, one
//! record a line, made durable with `fsync` before anything depends on it.
//!
//! Why a plain file and not an embedded database: the journal is only ever appended to and
//! read whole at the start of a run; a record is a few hundred bytes; the one guarantee
//! needed is "a record that returned from [`Journal::sync`] is on disk, and a torn last
//! record is recognisable". JSON lines with `fsync` give that with the standard library
//! alone, and stay readable with `cat` or `jq` when an operator wants to know what
//! happened.
//!
//! Durability rules the apply step follows:
//! - the `send` records of a round are synced before any write of the round is sent, so
//!   a write the journal does not name was never sent;
//! - `done` records are synced in groups as results arrive; one lost in a crash only
//!   means the next run re-reads the user (which it always does) and reports the write
//!   as unconfirmed.
//!
//! A crash in the middle of a write leaves a last line without its newline, or a last line
//! that does not parse: [`Journal::open`] drops it (truncating the file back to the last
//! complete record), and says so. A damaged line anywhere else is an error naming the file,
//! line and column.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::report::ErrorInfo;
use super::{Step, UserKey};

/// The journal format this crate writes and reads.
pub(crate) const FORMAT: u32 = 1;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "camelCase")]
pub(crate) enum Record {
    /// A run started.
    #[serde(rename_all = "camelCase")]
    Run {
        format: u32,
        run: u32,
        users: usize,
        /// Seconds since the Unix epoch.
        started: u64,
    },
    /// A user's phones were read (or not) and planned (or not) in a pass of a run.
    #[serde(rename_all = "camelCase")]
    Read {
        run: u32,
        pass: u32,
        user: UserKey,
        read: ReadRecord,
    },
    /// A write is about to be sent (synced before it is).
    #[serde(rename_all = "camelCase")]
    Send {
        run: u32,
        pass: u32,
        user: UserKey,
        index: usize,
        step: Step,
    },
    /// A write's result.
    #[serde(rename_all = "camelCase")]
    Done {
        run: u32,
        pass: u32,
        user: UserKey,
        index: usize,
        step: Step,
        result: WriteResult,
    },
    /// A run finished (every user read, planned and written as far as it could be).
    #[serde(rename_all = "camelCase")]
    End {
        run: u32,
        /// Seconds since the Unix epoch.
        finished: u64,
    },
}

/// What reading and planning one user gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub(crate) enum ReadRecord {
    /// The plan (empty: the user is as desired).
    Planned { steps: Vec<Step> },
    /// The phones could not be read.
    NotRead { error: ErrorInfo, action: String },
    /// The phones were read but no plan reaches the desired state.
    PlanFailed { error: ErrorInfo, action: String },
}

/// What a write gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub(crate) enum WriteResult {
    /// Graph answered success.
    Ok,
    /// Graph refused it for a reason that another try does not change.
    Failed { error: ErrorInfo, action: String },
    /// Unknown whether it was applied (no answer, a 5xx, throttled out of retries), or
    /// refused because the state changed under the plan (404, 409): re-read and replan.
    Reread { error: ErrorInfo },
}

/// What opening the journal found.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) journal: Journal,
    pub(crate) records: Vec<Record>,
    /// Bytes of a torn last record that were dropped.
    pub(crate) dropped_tail: Option<u64>,
}

/// An open journal, appending.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    buffer: Vec<u8>,
}

/// Why the journal cannot be used. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The file could not be opened, read, written or synced.
    #[error("journal {}: {what}: {source}", path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What was being done (`opening`, `appending`, ...).
        what: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A record before the last one does not read as a record of this format.
    #[error(
        "journal {}:{line}:{column}: damaged record ({reason}); this is not a torn last \
         record, so the journal was changed by something else: restore it, or move it aside \
         to start a new journal (its report of earlier runs is then lost)",
        path.display()
    )]
    Damaged {
        /// The journal file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column within the line.
        column: usize,
        /// What is wrong (never the line's content).
        reason: String,
    },
    /// The journal was written by a newer format of this crate.
    #[error(
        "journal {}:{line}: format {format}, this graph-phone-client reads format {}; use \
         the version that wrote it, or a new journal",
        path.display(), FORMAT
    )]
    Format {
        /// The journal file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The format found.
        format: u32,
    },
}

impl Journal {
    /// Opens (creating it if needed, readable by its owner only on Unix) the journal at
    /// `path` and reads every record in it.
    pub(crate) fn open(path: &Path) -> Result<Opened, JournalError> {
        let io = |what: &'static str| {
            let path = path.to_path_buf();
            move |source| JournalError::Io { path, what, source }
        };
        let existed = path.exists();
        let mut options = OpenOptions::new();
        // Append mode: every write lands at the end, whatever else has the file open.
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io("opening"))?;
        if !existed {
            sync_parent(path).map_err(io("syncing the directory of a new journal"))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io("reading"))?;
        let (records, kept) = parse(path, &bytes)?;
        let dropped_tail = (kept < bytes.len()).then(|| (bytes.len() - kept) as u64);
        if dropped_tail.is_some() {
            file.set_len(kept as u64)
                .map_err(io("dropping a torn last record"))?;
            file.sync_all().map_err(io("syncing"))?;
        }
        Ok(Opened {
            journal: Journal {
                file,
                path: path.to_path_buf(),
                buffer: Vec::new(),
            },
            records,
            dropped_tail,
        })
    }

    /// Reads every record of the journal at `path` without changing the file (a torn last
    /// record is left in place, and counted).
    pub(crate) fn read(path: &Path) -> Result<(Vec<Record>, Option<u64>), JournalError> {
        let bytes = std::fs::read(path).map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            what: "reading",
            source,
        })?;
        let (records, kept) = parse(path, &bytes)?;
        let dropped_tail = (kept < bytes.len()).then(|| (bytes.len() - kept) as u64);
        Ok((records, dropped_tail))
    }

    /// Adds a record to what the next [`sync`](Self::sync) writes.
    pub(crate) fn append(&mut self, record: &Record) {
        serde_json::to_writer(&mut self.buffer, record).expect("a record serialises");
        self.buffer.push(b'\n');
    }

    /// Writes the appended records and waits until they are on disk.
    pub(crate) fn sync(&mut self) -> Result<(), JournalError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let io = |what: &'static str| {
            let path = self.path.clone();
            move |source| JournalError::Io { path, what, source }
        };
        self.file.write_all(&self.buffer).map_err(io("appending"))?;
        self.file.sync_data().map_err(io("syncing"))?;
        self.buffer.clear();
        Ok(())
    }

    /// The journal's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads the records of `bytes`; returns them and how many bytes they take (a torn last
/// record excluded).
fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Record>, usize), JournalError> {
    let mut records = Vec::new();
    let mut start = 0;
    let mut line = 0;
    while start < bytes.len() {
        line += 1;
        let Some(len) = bytes[start..].iter().position(|&b| b == b'\n') else {
            // No newline: the last write did not finish.
            return Ok((records, start));
        };
        let end = start + len;
        let is_last = end + 1 == bytes.len();
        match serde_json::from_slice::<Record>(&bytes[start..end]) {
            Ok(record) => {
                if let Record::Run { format, .. } = record
                    && format > FORMAT
                {
                    return Err(JournalError::Format {
                        path: path.to_path_buf(),
                        line,
                        format,
                    });
                }
                records.push(record);
            }
            // A crash of the machine (not only the process) can leave a last line of
            // zeros or a cut one followed by a newline of a later write.
            Err(_) if is_last => return Ok((records, start)),
            Err(e) => {
                return Err(JournalError::Damaged {
                    path: path.to_path_buf(),
                    line,
                    column: e.column(),
                    reason: crate::reconcile::report::describe_json_error(&e),
                });
            }
        }
        start = end + 1;
    }
    Ok((records, start))
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: u32) -> Record {
        Record::Run {
            format: FORMAT,
            run: n,
            users: 1,
            started: 0,
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("graph-phone-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    #[test]
    fn records_survive_reopening() {
        let path = temp("reopen");
        let mut opened = Journal::open(&path).unwrap();
        assert!(opened.records.is_empty());
        opened.journal.append(&run(1));
        opened.journal.append(&Record::End {
            run: 1,
            finished: 5,
        });
        opened.journal.sync().unwrap();
        drop(opened);
        let again = Journal::open(&path).unwrap();
        assert_eq!(
            again.records,
            [
                run(1),
                Record::End {
                    run: 1,
                    finished: 5
                }
            ]
        );
        assert_eq!(again.dropped_tail, None);
        // It holds numbers and user names: its owner's only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_torn_last_record_is_dropped_at_every_cut() {
        let path = temp("torn");
        let mut whole = Vec::new();
        for n in 1..=3 {
            serde_json::to_writer(&mut whole, &run(n)).unwrap();
            whole.push(b'\n');
        }
        let second_end = whole
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .unwrap()
            .0
            + 1;
        for cut in second_end + 1..whole.len() - 1 {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let opened = Journal::open(&path).unwrap();
            assert_eq!(opened.records, [run(1), run(2)], "cut at {cut}");
            assert_eq!(opened.dropped_tail, Some((cut - second_end) as u64));
            drop(opened);
            // The file is back at the last complete record, so appending continues cleanly.
            assert_eq!(std::fs::read(&path).unwrap(), &whole[..second_end]);
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_damaged_record_before_the_last_is_an_error_naming_the_line() {
        let path = temp("damaged");
        let mut text = Vec::new();
        serde_json::to_writer(&mut text, &run(1)).unwrap();
        text.extend_from_slice(b"\n{\"record\":\"run\",\"format\":1,\"run\":\"+1 2065550100\"}\n");
        serde_json::to_writer(&mut text, &run(2)).unwrap();
        text.push(b'\n');
        std::fs::write(&path, &text).unwrap();
        let err = Journal::open(&path).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(":2:"), "{message}");
        assert!(!message.contains("2065550100"), "{message}");
        assert!(message.contains("move it aside"), "{message}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_newer_format_is_refused() {
        let path = temp("format");
        let mut text = Vec::new();
        serde_json::to_writer(
            &mut text,
            &Record::Run {
                format: FORMAT + 1,
                run: 1,
                users: 0,
                started: 0,
            },
        )
        .unwrap();
        text.push(b'\n');
        std::fs::write(&path, &text).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(matches!(err, JournalError::Format { line: 1, .. }), "{err}");
        std::fs::remove_file(&path).unwrap();
    }
}
