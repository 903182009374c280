//! `pacto-lsp init NAME`: scaffold a bundle folder, as upstream's `pacto init` does, in the 1.1 shapes.

use std::io::Write;
use std::path::Path;

use super::{EXIT_OK, EXIT_USAGE};
use crate::pack::scaffold;

/// Runs `init` with its arguments (after the word `init`).
pub fn init(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let name = match args {
        [name] if !name.starts_with('-') => name,
        [] => return usage(err, "`init` needs the name of the service (for example `pacto-lsp init payments-api`)"),
        _ => return usage(err, "`init` takes exactly one argument, the name of the service"),
    };
    if let Err(message) = scaffold::check_name(name) {
        return usage(err, &message);
    }
    let folder = Path::new(name);
    // A dangling symbolic link counts as existing: nothing is ever written through it.
    if std::fs::symlink_metadata(folder).is_ok() {
        return usage(err, &format!("`{name}` already exists; nothing was written"));
    }
    // `create_dir` (not `create_dir_all`) fails if the folder appeared in the meantime.
    if let Err(error) = std::fs::create_dir(folder) {
        return usage(err, &format!("cannot create `{name}`: {}", error.kind()));
    }
    let _ = writeln!(out, "created {name}/");
    for dir in scaffold::DIRS {
        if let Err(error) = std::fs::create_dir(folder.join(dir)) {
            return usage(err, &format!("cannot create `{name}/{dir}`: {}", error.kind()));
        }
    }
    for (path, text) in scaffold::files(name) {
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(folder.join(path))
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(error) = written {
            return usage(err, &format!("cannot write `{name}/{path}`: {}", error.kind()));
        }
        let _ = writeln!(out, "  {name}/{path}");
    }
    EXIT_OK
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "error: {message}");
    EXIT_USAGE
}
