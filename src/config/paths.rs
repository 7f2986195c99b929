//! Where the store and the output folder may be.
//!
//! A build removes the files of feeds that went away from its output folder and replaces
//! every file it writes there, and the folder is published as it is. So the output folder
//! cannot be `/`, the folder of feeds.toml or one holding it (a build would publish the
//! config, and a stale-file sweep runs in it), and the store cannot be inside the output
//! folder (`store = "index.html"` with `output_dir = "."` had a build rename the index over
//! the live database; any store there is published). Paths are compared both as written
//! (made absolute, `.` and `..` resolved) and with the symbolic links of their existing
//! part resolved.

use std::path::{Component, Path, PathBuf};

/// `path` without `.` and with resolvable `..` removed, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` with the links of its longest existing ancestor resolved.
fn real(path: &Path) -> PathBuf {
    let path = lexical(path);
    let mut rest = Vec::new();
    let mut base = path.as_path();
    loop {
        if let Ok(found) = std::fs::canonicalize(base) {
            let mut out = found;
            out.extend(rest.iter().rev());
            return out;
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return path,
        }
    }
}

/// Both forms of a path, to compare as written and as resolved.
fn forms(path: &Path) -> [PathBuf; 2] {
    [lexical(path), real(path)]
}

/// Why `out` cannot be the output folder of a config in `config_dir`, if it cannot.
pub fn output_dir_problem(config_dir: &Path, out: &Path) -> Option<String> {
    let [out_l, out_r] = forms(out);
    let dirs = forms(config_dir);
    if out_l.parent().is_none() || out_r.parent().is_none() {
        return Some(
            "the output folder cannot be `/`: a build replaces and removes files in it; \
             use a folder of its own, such as \"public\""
                .to_string(),
        );
    }
    for (o, d) in [(&out_l, &dirs[0]), (&out_r, &dirs[1])] {
        if o == d {
            return Some(format!(
                "the output folder cannot be the folder of feeds.toml ({}): a build publishes \
                 and sweeps it; use a folder of its own, such as \"public\"",
                d.display()
            ));
        }
        if d.starts_with(o) {
            return Some(format!(
                "the output folder {} holds the folder of feeds.toml ({}): a build would \
                 publish the config and the store; use a folder of its own, such as \"public\"",
                o.display(),
                d.display()
            ));
        }
    }
    None
}

/// Why `store` cannot be the store beside the output folder `out`, if it cannot.
pub fn store_problem(out: &Path, store: &Path) -> Option<String> {
    let outs = forms(out);
    let stores = forms(store);
    (0..2).find(|&i| stores[i].starts_with(&outs[i])).map(|i| {
        format!(
            "the store {} is inside the output folder {}: it would be published, and a build \
             can replace it; put it outside, e.g. beside feeds.toml (the default)",
            stores[i].display(),
            outs[i].display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_are_found_as_written_and_through_links() {
        let cfg = Path::new("/srv/feedmill");
        assert!(output_dir_problem(cfg, Path::new("/")).is_some());
        assert!(output_dir_problem(cfg, Path::new("/srv/feedmill/x/..")).is_some());
        assert!(output_dir_problem(cfg, Path::new("/srv")).is_some());
        assert!(output_dir_problem(cfg, Path::new("/srv/feedmill/public")).is_none());
        assert!(store_problem(Path::new("/srv/out"), Path::new("/srv/out/a/s.db")).is_some());
        assert!(store_problem(Path::new("/srv/out"), Path::new("/srv/outside.db")).is_none());

        let tmp = tempfile::tempdir().unwrap();
        let real_out = tmp.path().join("www");
        std::fs::create_dir_all(&real_out).unwrap();
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&real_out, &link).unwrap();
            assert!(store_problem(&real_out, &link.join("feedmill.db")).is_some());
            assert!(output_dir_problem(&real_out, &link).is_some());
        }
    }
}
