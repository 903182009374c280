//! The command line: `pacto-lsp check`, `init`, `pack`, `diff`, `migrate`, `push`, `pull`, `login`, `logout`, `--version`, `--help`.
//!
//! Output goes to the writers passed in, so tests can capture it; `main` passes stdout/stderr.

mod check;
mod diff;
mod init;
mod migrate;
mod oci;
mod online;
mod pack;
mod report;
mod walk;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use check::check;
pub use diff::diff;
pub use init::init;
pub use migrate::migrate;
use oci::pull_archive;
pub use oci::{login, logout, pull, push};
pub use pack::pack;

use crate::core::bundle::{CONTRACT_FILE, FileRead};
use crate::fs::{Direct, FileKey, Loader};

/// A contract named on the command line: a bundle folder or the contract file itself, read through
/// the gate with the loader that will serve the rest of its bundle.
struct LocalContract {
    root: PathBuf,
    loader: Arc<Direct>,
    bytes: Arc<[u8]>,
}

/// Reads the contract a path names; the error is a line for the user, naming the path as given.
fn read_local_contract(path: &Path) -> Result<LocalContract, String> {
    let shown = path.display();
    let absolute = crate::fs::absolute(path);
    let is_dir = std::fs::metadata(&absolute).is_ok_and(|it| it.is_dir());
    let (root, file) = match is_dir {
        true => (absolute.clone(), CONTRACT_FILE.to_string()),
        false => match (absolute.parent(), absolute.file_name().and_then(|it| it.to_str())) {
            (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_string()),
            _ => return Err(format!("{shown}: not a contract file or a bundle folder")),
        },
    };
    let loader: Arc<Direct> = Arc::new(Direct::default());
    let bytes = match loader.read(&FileKey::in_bundle(&root, &file)) {
        FileRead::File(bytes) => bytes,
        FileRead::Missing if is_dir => return Err(format!("{shown}: no {CONTRACT_FILE} in this directory")),
        FileRead::Missing => return Err(format!("{shown}: no such file")),
        FileRead::Unusable(why) => return Err(format!("{shown}: the contract {why}")),
    };
    Ok(LocalContract { root, loader, bytes })
}

/// Exit codes, as in the spec: 0 no errors, 1 errors found, 2 usage or I/O error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub const USAGE: &str = "\
pacto-lsp: language server and CLI for Pacto service contracts

Usage:
  pacto-lsp [--stdio] [--log-file F]  run the language server over stdio (logs: stderr, or F)
  pacto-lsp check [PATH...] [OPTIONS]  validate bundles (a directory holding pacto.yaml, the file, an
                                       oci:// ref pulled through the cache, or any other directory: every
                                       bundle under it, honouring .gitignore, .ignore and .pactoignore)
  pacto-lsp init NAME [--version V]    scaffold a bundle folder NAME (pactoVersion 1.1, or V: 1.2, 2.0)
  pacto-lsp pack [DIR] [-o FILE] [-v]  validate, then write <name>-<version>.tar.gz (-v lists the files)
  pacto-lsp diff OLD NEW [--format text|json|markdown] [REGISTRY OPTIONS]
                                       classify the changes from OLD to NEW (bundle folders,
                                       pacto.yaml files, .tar.gz or oci:// refs); exit 1 when a change
                                       is BREAKING
  pacto-lsp migrate [DIR...] --to 1.2|2.0 [--write]
                                       rewrite contracts (each DIR's pacto.yaml, else every bundle
                                       below DIR; default .) to pactoVersion 1.2 or 2.0: prints a
                                       unified diff, the new spec files and the dropped fields;
                                       --write writes them (never overwriting a file); exit 1 when a
                                       contract cannot be migrated
  pacto-lsp push oci://REG/REPO[:TAG] [-p DIR] [--force] [--plain-http [HOST]] [--timeout MS]
                                       validate, pack and push DIR (default .); the tag defaults to
                                       service.version; an existing tag is kept unless --force
  pacto-lsp pull oci://REG/REPO[:TAG|@DIGEST] [-o DIR] [REGISTRY OPTIONS]
                                       pull a bundle into DIR (new or empty; default: service.name);
                                       a ref without tag takes the highest semver tag
  pacto-lsp login REGISTRY -u USER --password-stdin [--plain-http] [--timeout MS]
                                       check the credentials against REGISTRY, then store them in
                                       $XDG_CONFIG_HOME/pacto/config.json (mode 0600)
  pacto-lsp logout REGISTRY            remove the stored credentials of REGISTRY

Registry options (check, diff, pull; push takes the first two):
  --plain-http [HOST]  speak plain HTTP to HOST (host or host:port; repeatable); bare, to every
                       registry the command reaches (loopback registries always use plain HTTP)
  --timeout MS         bound each registry operation (default: 30000 ms)
  --offline            read oci:// refs from the cache only
  --cache-dir DIR      the pull cache (default: $PACTO_CACHE_DIR, else $XDG_CACHE_HOME/pacto-lsp);
                       a tag is asked again after 60 s; it keeps at most $PACTO_CACHE_MAX_BYTES
                       bytes of bundles (default: 1 GiB), the least recently used removed first
Credentials come from $PACTO_REGISTRY_TOKEN, or $PACTO_REGISTRY_USERNAME and $PACTO_REGISTRY_PASSWORD,
else pacto's config.json (see login), else the Docker config (credential helpers, then auths).

Check options:
  --format F           text (default): a code frame under each finding, a summary per contract;
                       concise: one line per finding, FILE:LINE:COL: SEVERITY[CODE] message (path);
                       json; sarif (SARIF 2.1.0, for code scanning); github (GitHub Actions
                       annotations); junit (JUnit XML, a test case per contract)
  -q, --quiet          text: only the summaries; concise: only the total
  --color auto|always|never  colour the code frames (auto: on a terminal unless NO_COLOR is set)
  -j, --jobs N         check N contracts at once (default: one per core)
  --readiness          evaluate the readiness gate (READINESS_GATE_UNMET)
  --today YYYY-MM-DD   the date readiness is judged against (default: $PACTO_TODAY, else today in UTC)
  --warn-days N        hint about readiness checks expiring within N days (default: 14)
  --resolve            also ask the registries about dependency and configuration refs: warnings
                       DEPENDENCY_NOT_FOUND, DEPENDENCY_INCOMPATIBLE, REGISTRY_UNREACHABLE,
                       REGISTRY_AUTH_FAILED (they never change the exit code)
  --compatibility v1|v2  read pactoVersion 1.0/1.1 as the v1.x CLI does (v1, default) or the v2 CLI
                       (v2: object-only owner, no readiness under 1.1)
  and the registry options, for oci:// refs, oci:// policy refs and --resolve

Other:
  --version            print the version
  --help               print this help
";

/// Runs a CLI subcommand. `args` excludes the program name. Returns the process exit code.
pub fn run(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(first) = args.first() else {
        let _ = write!(err, "{USAGE}");
        return EXIT_USAGE;
    };
    match first.as_str() {
        "check" => check(&args[1..], out, err),
        "init" => init(&args[1..], out, err),
        "pack" => pack(&args[1..], out, err),
        "diff" => diff(&args[1..], out, err),
        "migrate" => migrate(&args[1..], out, err),
        "push" => push(&args[1..], out, err),
        "pull" => pull(&args[1..], out, err),
        "login" => login(&args[1..], &mut std::io::stdin().lock(), out, err),
        "logout" => logout(&args[1..], out, err),
        "--version" | "-V" | "version" => {
            let _ = writeln!(out, "pacto-lsp {}", env!("CARGO_PKG_VERSION"));
            EXIT_OK
        }
        "--help" | "-h" | "help" => {
            let _ = write!(out, "{USAGE}");
            EXIT_OK
        }
        other => {
            let _ = writeln!(err, "error: unknown command `{other}`; run `pacto-lsp --help`");
            EXIT_USAGE
        }
    }
}
