//! Which bundle files stay out of a packed archive: `.pactoignore` (gitignore syntax, read from
//! the bundle root) and the names that are always skipped.

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::core::bundle::{CONTRACT_FILE, FileRead};
use crate::fs::gate::{self, FileKey};

/// The ignore file at the bundle root.
pub const IGNORE_FILE: &str = ".pactoignore";

/// Names skipped at any depth, whatever `.pactoignore` says: `.git` (a folder, or the file a git
/// worktree or submodule has in its place), `.pactoignore` and `.DS_Store`.
const ALWAYS_SKIPPED: [&str; 3] = [".git", IGNORE_FILE, ".DS_Store"];

/// The exclusion rules of one bundle.
pub struct Rules {
    patterns: Gitignore,
}

impl Rules {
    /// No patterns: only the always-skipped names are excluded.
    pub fn none() -> Rules {
        Rules { patterns: Gitignore::empty() }
    }

    /// Parses `.pactoignore` text. A pattern that does not parse is an error naming its line.
    pub fn parse(text: &str) -> Result<Rules, String> {
        // The builder's root only serves to strip absolute paths; every path given here is relative.
        let mut builder = GitignoreBuilder::new("");
        for (index, line) in text.lines().enumerate() {
            if let Err(error) = builder.add_line(None, line) {
                return Err(format!("`{IGNORE_FILE}` line {}: {error}", index + 1));
            }
        }
        let patterns = builder.build().map_err(|error| format!("`{IGNORE_FILE}`: {error}"))?;
        Ok(Rules { patterns })
    }

    /// Reads `.pactoignore` from the bundle at `root` through the gate. A missing file means no
    /// patterns; an unusable one (a FIFO, a link out of the bundle) is an error.
    pub fn load(root: &Path) -> Result<Rules, String> {
        match gate::read(&FileKey::in_bundle(root, IGNORE_FILE)) {
            FileRead::Missing => Ok(Rules::none()),
            FileRead::Unusable(why) => Err(format!("`{IGNORE_FILE}` {why}")),
            FileRead::File(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => Rules::parse(text),
                Err(_) => Err(format!("`{IGNORE_FILE}` is not UTF-8 text")),
            },
        }
    }

    /// Whether the entry at bundle path `path` (`/`-separated, relative) is left out. A folder that
    /// is left out takes everything under it along, as in git: a negation cannot bring back a
    /// file whose folder is excluded. The root `pacto.yaml` is never left out.
    pub fn excludes(&self, path: &str, is_dir: bool) -> bool {
        if path == CONTRACT_FILE {
            return false;
        }
        let parts: Vec<&str> = path.split('/').collect();
        for (index, name) in parts.iter().enumerate() {
            let last = index + 1 == parts.len();
            let dir = !last || is_dir;
            if ALWAYS_SKIPPED.contains(name) || self.patterns.matched(parts[..=index].join("/"), dir).is_ignore() {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_and_the_always_skipped_names() {
        let rules = Rules::parse("*.yaml\n").expect("valid patterns");
        assert!(!rules.excludes("pacto.yaml", false));
        assert!(rules.excludes("docs/pacto.yaml", false));
        let none = Rules::none();
        assert!(none.excludes(".git", true));
        assert!(none.excludes(".git/config", false));
        assert!(none.excludes(".git", false));
        assert!(none.excludes("docs/.DS_Store", false));
        assert!(none.excludes(".pactoignore", false));
        assert!(!none.excludes("docs/readme.md", false));
    }

    #[test]
    fn a_bad_pattern_names_its_line() {
        let error = Rules::parse("# fine\n[z-a]\n").err().unwrap_or_default();
        assert!(error.starts_with("`.pactoignore` line 2:"), "{error}");
    }
}
