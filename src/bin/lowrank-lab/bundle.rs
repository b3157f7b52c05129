//! Output folders that appear complete or not at all: everything is written
//! into a hidden sibling folder, which is renamed onto the target at the end.

use std::fs;
use std::path::{Path, PathBuf};

/// The marker file that says a folder is one of our bundles.
pub const MARKER: &str = ".lowrank-lab";

pub struct Bundle {
    tmp: PathBuf,
    target: PathBuf,
}

impl Bundle {
    /// Start a bundle for `target`. Refuses a target that exists and is
    /// neither empty nor an earlier bundle (so nothing else is overwritten).
    pub fn create(target: &Path) -> Result<Bundle, String> {
        if target.exists() {
            let is_dir = target.is_dir();
            let empty = is_dir && fs::read_dir(target).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !is_dir || !(empty || target.join(MARKER).exists()) {
                return Err(format!(
                    "{} exists and is not an earlier lowrank-lab output folder; choose another --out",
                    target.display()
                ));
            }
        }
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let name = target
            .file_name()
            .ok_or_else(|| format!("{} is not a folder name", target.display()))?;
        let tmp = parent.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| format!("cannot write to {}: {e}", parent.display()))?;
        Ok(Bundle {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// Write `bytes` to `rel` (a relative path inside the bundle).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
        let p = self.tmp.join(rel);
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::write(&p, bytes).map_err(|e| format!("cannot write {}: {e}", p.display()))
    }

    /// The temporary folder the bundle is written in (for files written in pieces).
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Move the finished bundle into place.
    pub fn finish(self) -> Result<(), String> {
        self.write(MARKER, b"lowrank-lab output folder\n")?;
        if self.target.exists() {
            fs::remove_dir_all(&self.target).map_err(|e| format!("cannot replace {}: {e}", self.target.display()))?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| format!("cannot move output into {}: {e}", self.target.display()))?;
        Ok(())
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        // An unfinished bundle leaves nothing behind.
        let _ = fs::remove_dir_all(&self.tmp);
    }
}
