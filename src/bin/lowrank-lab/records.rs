//! A sweep folder's `points/`: one record file per finished point
//! (`points/000123.json`, see `lowrank_lab::sweep_record`), each written
//! atomically, so whatever a killed shard leaves is a set of whole records.
//!
//! Atomic means: the bytes go to a hidden temporary file in the same folder,
//! are flushed to the disk (`fsync`), and the file is renamed onto its name;
//! a rename within one folder is atomic on local file systems and on NFS and
//! Lustre, so a reader sees the old state or the whole record, never part of
//! one. The folder is flushed after the rename so a node that loses power
//! keeps the name too. Temporary files start with `.` and are ignored by
//! every reader; a resumed shard removes the ones a killed process left.

use lowrank_lab::sweep_record::Record;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temporary file, fsync, rename, fsync of the folder).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = AtomicFile::create(path)?;
    f.write(bytes)?;
    f.commit()
}

/// A file written in pieces that appears under its name only when complete:
/// the pieces go to a hidden temporary file, renamed onto the name by
/// [`AtomicFile::commit`]; dropped uncommitted, it leaves nothing.
pub struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
    out: Option<std::io::BufWriter<fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, String> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().ok_or_else(|| format!("{} is not a file name", path.display()))?;
        let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let f = fs::File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        Ok(AtomicFile {
            tmp,
            path: path.to_path_buf(),
            out: Some(std::io::BufWriter::new(f)),
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        match self.out.as_mut() {
            Some(w) => w.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", self.tmp.display())),
            None => Err(format!("{} is already committed", self.path.display())),
        }
    }

    /// Flush to the disk and move into place.
    pub fn commit(mut self) -> Result<(), String> {
        let w = self
            .out
            .take()
            .ok_or_else(|| format!("{} is already committed", self.path.display()))?;
        let done = (|| {
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            fs::rename(&self.tmp, &self.path)
        })();
        if let Err(e) = done {
            let _ = fs::remove_file(&self.tmp);
            return Err(format!("cannot write {}: {e}", self.path.display()));
        }
        if let Some(dir) = self.path.parent() {
            sync_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Flush a folder's entries (a rename is durable only then). Best effort:
/// some file systems refuse to open a folder for syncing.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The `points/` folder of a sweep output folder.
pub struct Points {
    dir: PathBuf,
}

impl Points {
    pub fn of(sweep_dir: &Path) -> Points {
        Points {
            dir: sweep_dir.join("points"),
        }
    }

    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    pub fn create(&self) -> Result<(), String> {
        fs::create_dir_all(&self.dir).map_err(|e| format!("cannot create {}: {e}", self.dir.display()))
    }

    /// The record file of point `index`.
    pub fn path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("{index:06}.json"))
    }

    /// Write `rec` as its point's record, atomically.
    pub fn write(&self, rec: &Record) -> Result<(), String> {
        write_atomic(&self.path(rec.index), rec.to_line().as_bytes())
    }

    /// Read and parse point `index`'s record.
    pub fn read(&self, index: usize) -> Result<Record, String> {
        let path = self.path(index);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Record::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The indices that have a record file, ascending. Hidden (temporary)
    /// files are skipped; any other name is an error, since something else
    /// wrote into the folder.
    pub fn indices(&self) -> Result<Vec<usize>, String> {
        let mut out = Vec::new();
        let entries = fs::read_dir(&self.dir).map_err(|e| format!("cannot read {}: {e}", self.dir.display()))?;
        for e in entries {
            let e = e.map_err(|e| format!("cannot read {}: {e}", self.dir.display()))?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let index = name
                .strip_suffix(".json")
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or_else(|| format!("{}: not a point record (expected NNNNNN.json)", e.path().display()))?;
            out.push(index);
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Remove the temporary files a killed writer left behind.
    pub fn remove_stale_temporaries(&self) {
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') && name.ends_with(".tmp") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
}
