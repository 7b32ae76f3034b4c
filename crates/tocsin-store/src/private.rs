//! Files only the store's owner reads: the data directory (0700) and what
//! Tocsin creates in it (0600): the database, the monitoring token, the
//! audit signing key. Records hidden from every agency but their owner must
//! not be readable by every account on the machine.

use std::io::Write;
use std::path::Path;

/// Creates `dir` and its missing parents, the last one readable by its
/// owner only. An existing directory is left as it is.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `bytes` to a new file at `path` (an existing one is an error, so
/// nothing is overwritten), readable by its owner only.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Whether accounts other than the owner may read `path` (always false
/// where permissions are not Unix modes).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_the_owners_alone() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("a/b/secret");
        write_new(&file, b"x").expect("write");
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert!(!readable_by_others(&file));
        assert!(write_new(&file, b"y").is_err(), "never overwritten");
        assert_eq!(std::fs::read(&file).expect("read"), b"x");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(readable_by_others(&file));
    }
}
