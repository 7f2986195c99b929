//! The output folder as a directory handle that never follows a symbolic link below it.
//!
//! Every path inside the folder is reached one component at a time from the folder's own
//! handle, each folder opened with `O_NOFOLLOW | O_DIRECTORY` and each file opened,
//! replaced (`renameat`) or removed (`unlinkat`) relative to its folder's handle. A link
//! planted anywhere below the output folder (`tag/x → /elsewhere`, or `tag/x/rss.xml →
//! /etc/passwd`) is therefore refused with an error naming it, never written or deleted
//! through, and swapping a folder for a link while a build runs changes nothing: the build
//! holds the folder itself, not its name. The output folder itself may be a link (that is
//! where the operator chose to publish).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

/// How folders below the output folder are opened.
const DIR: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Published files and folders must be readable by the web server, not only their owner.
const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// Prefix and suffix of the temporary files a write goes through.
const TEMP_PREFIX: &str = ".feedmill-";
const TEMP_SUFFIX: &str = ".tmp";

/// Folders deeper than this are the operator's, not feedmill's: the temp-file sweep does
/// not descend into them (feedmill writes at most two folders deep).
const SWEEP_DEPTH: usize = 4;

/// The open output folder.
pub(crate) struct OutDir {
    root: OwnedFd,
    path: PathBuf,
}

/// An I/O error whose message says what failed where.
fn named(path: &Path, what: &str, e: impl Into<io::Error>) -> io::Error {
    let e: io::Error = e.into();
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// The error for a symbolic link found inside the output folder.
fn link_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "refusing {}: it is a symbolic link inside the output folder, and feedmill never \
             writes or deletes through one; remove it (or publish a folder of its own)",
            path.display()
        ),
    )
}

/// The kind of the entry `name` in `dir`, without following a link; `None` when missing.
fn kind_at(dir: &OwnedFd, name: &str) -> Result<Option<FileType>, Errno> {
    match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The parts of a relative path, refusing anything but plain names.
fn parts(rel: &str) -> io::Result<Vec<&str>> {
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let plain = |p: &&str| *p != "." && *p != ".." && !p.contains('\0');
    if rel.starts_with('/') || parts.is_empty() || !parts.iter().all(plain) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{rel:?} is not a plain path inside the output folder"),
        ));
    }
    Ok(parts)
}

/// A temporary file name owned by this process: its pid, then a random part.
fn temp_name() -> String {
    format!(
        "{TEMP_PREFIX}{}-{:016x}{TEMP_SUFFIX}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// Whether a temporary file was left by a build that is no longer running: its name
/// carries no pid (an older feedmill's), or one of no live process.
fn is_stale_temp(name: &str) -> bool {
    let Some(middle) = name
        .strip_prefix(TEMP_PREFIX)
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
    else {
        return false;
    };
    let pid = middle
        .split_once('-')
        .and_then(|(pid, _)| pid.parse::<i32>().ok())
        .and_then(rustix::process::Pid::from_raw);
    match pid {
        // EPERM: alive, owned by someone else. Anything but "no such process" is alive.
        Some(pid) => matches!(rustix::process::test_kill_process(pid), Err(Errno::SRCH)),
        None => true,
    }
}

impl OutDir {
    /// Opens the output folder, creating it and its parents when missing.
    pub fn open(path: &Path) -> io::Result<OutDir> {
        std::fs::create_dir_all(path).map_err(|e| named(path, "cannot create folder", e))?;
        OutDir::open_existing(path)
    }

    /// Opens the output folder if it exists.
    pub fn open_existing(path: &Path) -> io::Result<OutDir> {
        let root = rfs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| named(path, "cannot open the output folder", e))?;
        Ok(OutDir {
            root,
            path: path.to_path_buf(),
        })
    }

    /// Where the folder is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folders from the output folder down to `parts` (all of them), each with its
    /// name; created when `create`. `None` when one is missing and `!create`.
    fn walk(&self, parts: &[&str], create: bool) -> io::Result<Option<Vec<OwnedFd>>> {
        let mut chain = vec![rfs::openat(&self.root, ".", DIR, Mode::empty())
            .map_err(|e| named(&self.path, "cannot open the output folder", e))?];
        let mut here = self.path.clone();
        for part in parts {
            here.push(part);
            let parent = chain.last().expect("the chain starts with the root");
            let opened = match rfs::openat(parent, *part, DIR, Mode::empty()) {
                Err(Errno::NOENT) if create => {
                    match rfs::mkdirat(parent, *part, Mode::from_raw_mode(DIR_MODE)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(named(&here, "cannot create folder", e)),
                    }
                    rfs::openat(parent, *part, DIR, Mode::empty())
                }
                other => other,
            };
            match opened {
                Ok(fd) => chain.push(fd),
                Err(Errno::NOENT) => return Ok(None),
                Err(e) => {
                    return Err(match kind_at(parent, part) {
                        Ok(Some(FileType::Symlink)) => link_refused(&here),
                        Ok(Some(FileType::Directory)) | Ok(None) | Err(_) => {
                            named(&here, "cannot open folder", e)
                        }
                        Ok(Some(_)) => named(&here, "cannot use as a folder", e),
                    })
                }
            }
        }
        Ok(Some(chain))
    }

    /// The folder holding `rel` and the file's name in it.
    fn parent_of<'r>(&self, rel: &'r str, create: bool) -> io::Result<Option<(OwnedFd, &'r str)>> {
        let parts = parts(rel)?;
        let (name, dirs) = parts.split_last().expect("parts are never empty");
        Ok(self
            .walk(dirs, create)?
            .and_then(|mut chain| chain.pop())
            .map(|dir| (dir, *name)))
    }

    /// Whether `rel` is a regular file (reached without following any link).
    pub fn is_file(&self, rel: &str) -> bool {
        // Asked for every feed of every build: one system call where the kernel can
        // refuse links on the whole path itself (Linux 5.6), else the walk.
        #[cfg(target_os = "linux")]
        if parts(rel).is_ok() {
            match rfs::openat2(
                &self.root,
                rel,
                OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
                rfs::ResolveFlags::NO_SYMLINKS | rfs::ResolveFlags::BENEATH,
            ) {
                Ok(fd) => {
                    return rfs::fstat(&fd).is_ok_and(|st| {
                        FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                    })
                }
                Err(Errno::NOSYS | Errno::PERM | Errno::INVAL) => {}
                Err(_) => return false,
            }
        }
        match self.parent_of(rel, false) {
            Ok(Some((dir, name))) => matches!(kind_at(&dir, name), Ok(Some(FileType::RegularFile))),
            _ => false,
        }
    }

    /// The bytes of the regular file `rel`; `None` when it is missing.
    pub fn read(&self, rel: &str) -> io::Result<Option<Vec<u8>>> {
        let full = self.path.join(rel);
        let Some((dir, name)) = self.parent_of(rel, false)? else {
            return Ok(None);
        };
        read_in(&dir, name, &full)
    }

    /// Writes `bytes` to `rel` atomically unless the file already holds exactly them;
    /// returns whether it was (re)written. Folders are created as needed; a link on the
    /// way, or at the file itself, is refused.
    pub fn write_if_changed(&self, rel: &str, bytes: &[u8]) -> io::Result<bool> {
        let full = self.path.join(rel);
        let (dir, name) = self
            .parent_of(rel, true)?
            .expect("folders are created on the way");
        match rfs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                FileType::Symlink => return Err(link_refused(&full)),
                FileType::RegularFile => {
                    // Only a file of the right length can already hold the bytes.
                    let same_len = u64::try_from(st.st_size).ok() == Some(bytes.len() as u64);
                    if same_len && read_in(&dir, name, &full)?.as_deref() == Some(bytes) {
                        return Ok(false);
                    }
                }
                _ => {
                    return Err(named(
                        &full,
                        "cannot replace",
                        io::Error::other("it is not a regular file"),
                    ))
                }
            },
            Err(Errno::NOENT) => {}
            Err(e) => return Err(named(&full, "cannot look at", e)),
        }
        let tmp = temp_name();
        let fd = rfs::openat(
            &dir,
            tmp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(FILE_MODE),
        )
        .map_err(|e| named(&full, "cannot create a temporary file for", e))?;
        let written = rfs::fchmod(&fd, Mode::from_raw_mode(FILE_MODE))
            .map_err(io::Error::from)
            .and_then(|()| File::from(fd).write_all(bytes));
        // The rename replaces the name itself: a link put there meanwhile is replaced, not
        // followed.
        let done = written
            .map_err(|e| named(&full, "cannot write", e))
            .and_then(|()| {
                rfs::renameat(&dir, tmp.as_str(), &dir, name)
                    .map_err(|e| named(&full, "cannot replace", e))
            });
        if done.is_err() {
            let _ = rfs::unlinkat(&dir, tmp.as_str(), AtFlags::empty());
        }
        done.map(|()| true)
    }

    /// Removes the regular file `rel`, then its folders while they are empty (never the
    /// output folder itself). Returns whether a file was removed (`false`: already gone).
    /// A link on the way or at the file, or anything but a regular file, is refused.
    pub fn remove_file(&self, rel: &str) -> io::Result<bool> {
        let full = self.path.join(rel);
        let parts = parts(rel)?;
        let (name, dirs) = parts.split_last().expect("parts are never empty");
        let Some(chain) = self.walk(dirs, false)? else {
            return Ok(false);
        };
        let dir = chain.last().expect("the chain starts with the root");
        match kind_at(dir, name) {
            Ok(Some(FileType::RegularFile)) => {}
            Ok(None) => return Ok(false),
            Ok(Some(FileType::Symlink)) => return Err(link_refused(&full)),
            Ok(Some(_)) => {
                return Err(named(
                    &full,
                    "left in place",
                    io::Error::other("it is not a regular file"),
                ))
            }
            Err(e) => return Err(named(&full, "cannot look at", e)),
        }
        rfs::unlinkat(dir, *name, AtFlags::empty())
            .map_err(|e| named(&full, "cannot remove", e))?;
        // Fails (and stops) at the first folder that still holds anything, as intended.
        for (i, folder) in dirs.iter().enumerate().rev() {
            if rfs::unlinkat(&chain[i], *folder, AtFlags::REMOVEDIR).is_err() {
                break;
            }
        }
        Ok(true)
    }

    /// Removes the temporary files of builds that are no longer running (`.feedmill-*.tmp`,
    /// in the output folder and the folders below it). Only files of that exact shape are
    /// touched; a temporary file of a build still running (another process writing the
    /// same folder) stays.
    pub fn remove_stale_temp_files(&self) {
        if let Ok(root) = rfs::openat(&self.root, ".", DIR, Mode::empty()) {
            sweep(&root, 0);
        }
    }
}

/// The bytes of the regular file `name` in `dir`, opened without following a link.
fn read_in(dir: &OwnedFd, name: &str, full: &Path) -> io::Result<Option<Vec<u8>>> {
    let fd = match rfs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(Errno::LOOP) => return Err(link_refused(full)),
        Err(e) => return Err(named(full, "cannot read", e)),
    };
    let mut bytes = Vec::new();
    File::from(fd)
        .read_to_end(&mut bytes)
        .map_err(|e| named(full, "cannot read", e))?;
    Ok(Some(bytes))
}

/// [`OutDir::remove_stale_temp_files`] in one folder and, depth first, the folders below.
fn sweep(dir: &OwnedFd, depth: usize) {
    let Ok(mut entries) = rfs::Dir::read_from(dir) else {
        return;
    };
    let mut folders = Vec::new();
    while let Some(Ok(entry)) = entries.read() {
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        let kind = match entry.file_type() {
            FileType::Unknown => kind_at(dir, name)
                .ok()
                .flatten()
                .unwrap_or(FileType::Unknown),
            k => k,
        };
        match kind {
            FileType::Directory if !name.starts_with('.') && depth < SWEEP_DEPTH => {
                folders.push(name.to_string());
            }
            FileType::RegularFile if is_stale_temp(name) => {
                let _ = rfs::unlinkat(dir, name, AtFlags::empty());
            }
            _ => {}
        }
    }
    // One folder open at a time below this one, however many there are.
    for name in folders {
        if let Ok(sub) = rfs::openat(dir, name.as_str(), DIR, Mode::empty()) {
            sweep(&sub, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_carry_this_process_and_are_not_stale() {
        let name = temp_name();
        assert!(name.starts_with(&format!(".feedmill-{}-", std::process::id())));
        assert!(!is_stale_temp(&name));
        assert!(is_stale_temp(".feedmill-a1b2.tmp"), "an older feedmill's");
        assert!(!is_stale_temp("notes.tmp"));
    }

    #[test]
    fn only_feedmill_temp_files_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        let feed = out.join("tag/luc-yen");
        std::fs::create_dir_all(&feed).unwrap();
        for f in [".feedmill-a1b2.tmp", "rss.xml", "notes.tmp", ".keep"] {
            std::fs::write(feed.join(f), "x").unwrap();
        }
        std::fs::write(out.join(".feedmill-zz.tmp"), "x").unwrap();
        OutDir::open(out).unwrap().remove_stale_temp_files();
        assert!(!feed.join(".feedmill-a1b2.tmp").exists());
        assert!(!out.join(".feedmill-zz.tmp").exists());
        for kept in ["rss.xml", "notes.tmp", ".keep"] {
            assert!(feed.join(kept).exists(), "{kept} is the operator's");
        }
    }

    #[test]
    #[cfg(unix)]
    fn is_file_never_passes_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, elsewhere) = (tmp.path().join("out"), tmp.path().join("elsewhere"));
        std::fs::create_dir_all(out.join("tag/a")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(out.join("tag/a/rss.xml"), "x").unwrap();
        std::fs::write(elsewhere.join("rss.xml"), "x").unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("tag/b")).unwrap();
        std::os::unix::fs::symlink(out.join("tag/a/rss.xml"), out.join("tag/a/atom.xml")).unwrap();
        let dir = OutDir::open(&out).unwrap();
        assert!(dir.is_file("tag/a/rss.xml"));
        assert!(!dir.is_file("tag/a/atom.xml"), "a link to a file");
        assert!(!dir.is_file("tag/b/rss.xml"), "through a folder link");
        assert!(!dir.is_file("tag/a"), "a folder");
        assert!(!dir.is_file("tag/c/rss.xml"), "missing");
        assert!(!dir.is_file("../elsewhere/rss.xml"), "outside");
    }

    #[test]
    fn paths_must_be_plain() {
        for bad in ["", "/", "/etc/passwd", "../x", "tag/../x", "./x"] {
            assert!(parts(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parts("tag/luc-yen/rss.xml").unwrap(),
            ["tag", "luc-yen", "rss.xml"]
        );
    }
}
