//! `pacto-lsp init NAME [--version 1.1|1.2|2.0]`: scaffold a bundle folder, as upstream's `pacto init` does, in
//! the 1.1 shapes by default, or in those of 1.2 or 2.0.

use std::io::Write;
use std::path::Path;

use super::{EXIT_OK, EXIT_USAGE};
use crate::core::schema::SchemaVersion;
use crate::pack::scaffold;

/// Runs `init` with its arguments (after the word `init`).
pub fn init(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (args, version) = match version_flag(args) {
        Ok(it) => it,
        Err(message) => return usage(err, &message),
    };
    let name = match args.as_slice() {
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
    for (path, text) in scaffold::files_for(name, version) {
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

/// Takes `--version X` (or `--version=X`) out of the arguments; the format defaults to 1.1.
fn version_flag(args: &[String]) -> Result<(Vec<String>, SchemaVersion), String> {
    let mut rest = Vec::new();
    let mut version = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = match arg.strip_prefix("--version") {
            Some("") => iter.next().ok_or("`--version` needs a format: `1.1`, `1.2` or `2.0`")?.as_str(),
            Some(value) if value.starts_with('=') => &value[1..],
            _ => {
                rest.push(arg.clone());
                continue;
            }
        };
        let parsed = SchemaVersion::parse(value).filter(|it| scaffold::VERSIONS.contains(it));
        match parsed {
            Some(it) if version.is_none() => version = Some(it),
            Some(_) => return Err("`--version` is given twice".into()),
            None => {
                return Err(format!(
                    "`init` scaffolds pactoVersion `1.1`, `1.2` or `2.0`, not `{}`",
                    crate::core::text::excerpt(value)
                ));
            }
        }
    }
    Ok((rest, version.unwrap_or(SchemaVersion::V1_1)))
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "error: {message}");
    EXIT_USAGE
}
