//! Finding the bundles of a repository: a folder that is not itself a bundle is walked for `pacto.yaml` files.
//!
//! The walk is the `ignore` crate's (ripgrep's): `.gitignore` (inside a git repository or not), `.ignore`,
//! `.git/info/exclude` and `.pactoignore` files are honoured at every level, hidden files and folders are skipped,
//! symbolic links are not followed. A bundle's own subfolders are walked too, so a bundle nested inside another one
//! is checked as a bundle of its own (unless the outer bundle's `.pactoignore` leaves that folder out, as packing
//! would). The user's global git excludes are not read, so a repository checks the same on every machine.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::core::bundle::CONTRACT_FILE;

/// The ignore file packing reads at a bundle's root (`pack::ignore`); the walk reads it in every folder.
const IGNORE_FILE: &str = ".pactoignore";

/// The bundle folders under `dir`, in path order (a folder before its subfolders, siblings by name), each as
/// `dir` joined with its relative path (the relative path alone when `dir` is `.`). An entry the walk cannot read
/// is an error line naming it; the bundles found are still returned beside the errors.
pub fn bundles(dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let walker = WalkBuilder::new(dir)
        .standard_filters(true)
        .require_git(false)
        .git_global(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(it) => it,
            Err(error) => {
                errors.push(error.to_string());
                continue;
            }
        };
        let is_dir = entry.file_type().is_some_and(|it| it.is_dir());
        if is_dir || entry.file_name() != CONTRACT_FILE || entry.depth() == 0 {
            continue;
        }
        let Some(folder) = entry.path().parent() else { continue };
        let relative = folder.strip_prefix(dir).unwrap_or(folder);
        found.push(match dir == Path::new(".") {
            true => relative.to_path_buf(),
            false => dir.join(relative),
        });
    }
    // The walk's order is by name within each folder; sorting by path components gives the same order, stated.
    found.sort_by(|a, b| a.components().cmp(b.components()));
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_bundles_in_path_order_and_honours_the_ignore_files() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        for dir in ["b", "a", "a/nested", "a-b", "ignored", "pacto-ignored", ".hidden", "plain/deeper"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for dir in ["b", "a", "a/nested", "a-b", "ignored", "pacto-ignored", ".hidden", "plain/deeper"] {
            std::fs::write(root.join(dir).join(CONTRACT_FILE), "pactoVersion: \"1.1\"\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        std::fs::write(root.join(IGNORE_FILE), "pacto-ignored\n").unwrap();
        let (found, errors) = bundles(root);
        assert!(errors.is_empty(), "{errors:?}");
        let relative: Vec<String> =
            found.iter().map(|it| it.strip_prefix(root).unwrap().display().to_string()).collect();
        assert_eq!(relative, ["a", "a/nested", "a-b", "b", "plain/deeper"]);
    }
}
