//! Every fixture contract (`tests/fixtures/{upstream,upstream-v3,rules}`) with all the files of its folder as an
//! in-memory bundle. Shared by the property tests (`fuzz.rs`, `incremental.rs`, `ide_props.rs`), included by path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pacto_lsp::core::bundle::{BundleRef, MemoryBundle};

/// A contract and its bundle.
pub struct Fixture {
    /// `GROUP/FOLDER`, or another short name.
    pub name: String,
    pub text: String,
    /// Every file of the fixture folder, in memory; its id is the folder (for local policy refs).
    pub bundle: BundleRef,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// Every file under `dir`, by its path relative to `dir` (files that are not UTF-8 left out).
pub fn memory_bundle(dir: &Path) -> MemoryBundle {
    let mut files = MemoryBundle::new();
    add_files(dir, dir, &mut files);
    files
}

fn add_files(root: &Path, dir: &Path, files: &mut MemoryBundle) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            add_files(root, &path, files);
        } else if let Ok(content) = std::fs::read_to_string(&path) {
            let relative = path.strip_prefix(root).expect("inside the folder").to_string_lossy().replace('\\', "/");
            *files = std::mem::take(files).with(&relative, &content);
        }
    }
}

/// Every fixture folder holding a `pacto.yaml`, named `GROUP/FOLDER`, in group then path order.
pub fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for group in ["upstream", "upstream-v3", "rules"] {
        let mut dirs: Vec<_> = std::fs::read_dir(root.join(group))
            .expect("fixture folder")
            .map(|it| it.expect("fixture entry").path())
            .filter(|it| it.join("pacto.yaml").is_file())
            .collect();
        dirs.sort();
        out.extend(
            dirs.into_iter()
                .map(|dir| (format!("{group}/{}", dir.file_name().unwrap_or_default().to_string_lossy()), dir)),
        );
    }
    out
}

/// Every fixture contract with its bundle, in [`fixture_dirs`] order.
pub fn fixtures() -> Vec<Fixture> {
    fixture_dirs()
        .into_iter()
        .map(|(name, dir)| Fixture {
            name,
            text: std::fs::read_to_string(dir.join("pacto.yaml")).expect("fixture contract"),
            bundle: BundleRef { id: dir.display().to_string(), files: Arc::new(memory_bundle(&dir)) },
        })
        .collect()
}
