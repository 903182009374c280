//! `pacto-lsp push` and `pacto-lsp pull`: bundles to and from OCI registries (spec §3, §6).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::clock;
use crate::core::bundle::CONTRACT_FILE;
use crate::core::check::Options as CheckOptions;
use crate::core::ociref::OciRef;
use crate::core::text::{LineIndex, excerpt};
use crate::oci::cache::{self, Cache};
use crate::oci::{
    Auth, Direction, OciRegistry, Progress, RegistryError, Settings, contract_of, credentials, local_dependencies,
    parse_ref, push_packed, verify_login,
};
use crate::pack::{Options, Output, PackError, pack as pack_bundle};

/// The default timeout of one registry operation.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// The progress of a push or pull on stderr: a bar when stderr is a terminal, otherwise one line when the
/// transfer starts (`pulling oci://… (40.10 KiB)`) and one when it ends well (`pulled oci://… (40.10 KiB)`); never
/// both. It writes to the process's stderr directly (the reports come from inside the registry client), which
/// `main` hands the CLI as its error writer too.
struct Reporter {
    terminal: bool,
    state: std::sync::Mutex<Option<Shown>>,
}

/// The transfer being shown.
struct Shown {
    direction: Direction,
    reference: String,
    total: u64,
    bar: Option<indicatif::ProgressBar>,
}

impl Reporter {
    fn new() -> Reporter {
        use std::io::IsTerminal;
        Reporter { terminal: std::io::stderr().is_terminal(), state: Default::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shown>> {
        // A poisoned lock only means a report panicked; what it guards is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Progress for Reporter {
    fn start(&self, direction: Direction, reference: &OciRef, total: u64) {
        let verb = match direction {
            Direction::Push => "pushing",
            Direction::Pull => "pulling",
        };
        let reference = format!("oci://{reference}");
        let bar = match self.terminal {
            true => {
                let bar =
                    indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
                let style =
                    indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .progress_chars("=> ");
                bar.set_style(style);
                bar.set_message(format!("{verb} {reference}"));
                Some(bar)
            }
            false => {
                let _ = writeln!(std::io::stderr(), "{verb} {reference} ({})", indicatif::BinaryBytes(total));
                None
            }
        };
        *self.lock() = Some(Shown { direction, reference, total, bar });
    }

    fn advance(&self, bytes: u64) {
        if let Some(Shown { bar: Some(bar), .. }) = &*self.lock() {
            bar.inc(bytes);
        }
    }

    fn finish(&self, ok: bool) {
        let Some(shown) = self.lock().take() else { return };
        match shown.bar {
            Some(bar) => bar.finish_and_clear(),
            None if ok => {
                let verb = match shown.direction {
                    Direction::Push => "pushed",
                    Direction::Pull => "pulled",
                };
                let size = indicatif::BinaryBytes(shown.total);
                let _ = writeln!(std::io::stderr(), "{verb} {} ({size})", shown.reference);
            }
            // The error follows on its own line.
            None => {}
        }
    }
}

struct Args {
    reference: Option<String>,
    dir: Option<PathBuf>,
    force: bool,
    registry: RegistryFlags,
}

/// The registry flags `check`, `diff`, `pull` and `push` share, parsed in one place: `--plain-http [HOST]`
/// (repeatable), `--timeout MS`, and for the commands that pull, `--offline` and `--cache-dir DIR`.
#[derive(Clone, Debug)]
pub(super) struct RegistryFlags {
    /// The hosts named with `--plain-http HOST`.
    plain_http: Vec<String>,
    /// A bare `--plain-http`: every registry the command reaches is spoken to over plain HTTP.
    plain_http_all: bool,
    /// The longest one registry operation may take.
    timeout: Duration,
    /// `oci://` refs come from the cache only.
    pub offline: bool,
    /// The cache folder (default: [`Cache::default_dir`]).
    cache_dir: Option<PathBuf>,
    /// Whether `--offline` and `--cache-dir` are accepted (not by `push`).
    pulls: bool,
}

impl RegistryFlags {
    /// The defaults; `pulls` says whether the command accepts `--offline` and `--cache-dir`.
    pub(super) fn new(pulls: bool) -> RegistryFlags {
        RegistryFlags {
            plain_http: Vec::new(),
            plain_http_all: false,
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
            offline: false,
            cache_dir: None,
            pulls,
        }
    }

    /// Whether the long flag `name` is one of these flags.
    pub(super) fn accepts(&self, name: &str) -> bool {
        matches!(name, "plain-http" | "timeout") || (self.pulls && matches!(name, "offline" | "cache-dir"))
    }

    /// Reads the flag `name` (one [`RegistryFlags::accepts`] took) and its value. `--plain-http` takes the next
    /// word as its host unless that word starts with `-` or holds a `/` (an `oci://` ref or a path); bare, it
    /// means every registry the command reaches. `--plain-http=HOST` always names a host.
    pub(super) fn read(&mut self, name: &str, parser: &mut lexopt::Parser) -> Result<(), String> {
        let value = |parser: &mut lexopt::Parser| parser.value().map_err(|error| error.to_string());
        match name {
            "plain-http" => {
                let host = match parser.optional_value() {
                    Some(value) => Some(value),
                    None => parser.raw_args().ok().and_then(|mut raw| {
                        raw.next_if(|word| word.to_str().is_some_and(|it| !it.starts_with('-') && !it.contains('/')))
                    }),
                };
                match host {
                    Some(host) => self.plain_http.push(registry_host(&host.to_string_lossy())?),
                    None => self.plain_http_all = true,
                }
            }
            "timeout" => self.timeout = parse_timeout(&value(parser)?.to_string_lossy())?,
            "offline" => self.offline = true,
            "cache-dir" => self.cache_dir = Some(PathBuf::from(value(parser)?)),
            other => return Err(format!("`--{other}` is not a registry flag")),
        }
        Ok(())
    }

    /// How to reach `registry`: plain HTTP when it is listed (or a bare `--plain-http` was given), the timeout,
    /// and the credentials [`credentials::lookup`] finds.
    pub(super) fn settings(&self, registry: &str) -> Settings {
        let mut plain_http = self.plain_http.clone();
        if self.plain_http_all {
            plain_http.push(registry.to_string());
        }
        Settings { plain_http, timeout: self.timeout, auth: credentials::lookup(registry).0 }
    }

    /// The pull cache: `--cache-dir`, else the default folder, keeping at most `PACTO_CACHE_MAX_BYTES` of blobs
    /// when that is set.
    pub(super) fn cache(&self) -> Result<Option<Cache>, String> {
        let max_bytes = Cache::max_bytes_from_env()?;
        let cache = self.cache_dir.clone().or_else(Cache::default_dir).map(Cache::new);
        Ok(cache.map(|cache| match max_bytes {
            Some(max_bytes) => cache.with_max_bytes(max_bytes),
            None => cache,
        }))
    }
}

/// Runs `push` with its arguments (after the word `push`).
pub fn push(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (args, mut reference) = match parse_args(args, 'p', true).and_then(|args| {
        let reference = parse_ref(args.reference.as_deref(), "push")?;
        Ok((args, reference))
    }) {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    if reference.digest.is_some() {
        return fail(err, "`push` needs a tag, not a digest; write `oci://REGISTRY/REPOSITORY[:TAG]`", EXIT_USAGE);
    }
    let today = match clock::today_from_env() {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let online = match super::online::Online::new(&args.registry, false) {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    let options = Options {
        check: CheckOptions { today, readiness_gate: false, warn_days: 14, compatibility: Default::default() },
        workspace: crate::fs::absolute(Path::new(".")),
        policies: online.policies_of(&dir),
        output: Output::Memory,
    };
    let shown = dir.join(CONTRACT_FILE).display().to_string();
    let packed = match pack_bundle(&dir, &options) {
        Ok(it) => it,
        Err(error) => {
            if let PackError::Invalid { text, findings } = &error {
                let lines = LineIndex::new(text);
                for finding in findings {
                    let _ = super::check::write_finding(out, &shown, text, &lines, finding);
                }
            }
            let code = if error.is_bundle_problem() { EXIT_FINDINGS } else { EXIT_USAGE };
            return fail(err, &format!("{error}; nothing was pushed"), code);
        }
    };
    if let Some(message) = local_dependencies(&packed.contract) {
        return fail(err, &message, EXIT_FINDINGS);
    }
    if reference.tag.is_none() {
        reference.tag = Some(packed.version.clone());
    }
    let registry =
        OciRegistry::new(args.registry.settings(&reference.registry)).with_progress(Arc::new(Reporter::new()));
    let runtime = match runtime() {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    let result = runtime.block_on(push_packed(&registry, &reference, &packed, args.force));
    match result {
        Ok((digest, true)) => {
            let _ = writeln!(out, "pushed {}@{} -> oci://{reference}", packed.name, packed.version);
            let _ = writeln!(out, "{digest}");
            EXIT_OK
        }
        Ok((digest, false)) => {
            let _ = writeln!(
                err,
                "warning: artifact already exists: `oci://{reference}` (use `--force` to overwrite); nothing was pushed"
            );
            let _ = writeln!(out, "{digest}");
            EXIT_OK
        }
        Err(error) => fail(err, &error.to_string(), EXIT_USAGE),
    }
}

/// Runs `pull` with its arguments (after the word `pull`).
pub fn pull(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (args, reference) = match parse_args(args, 'o', false).and_then(|args| {
        let reference = parse_ref(args.reference.as_deref(), "pull")?;
        Ok((args, reference))
    }) {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    if let Some(dir) = &args.dir
        && let Err(message) = check_target(dir)
    {
        return fail(err, &message, EXIT_USAGE);
    }
    let registry =
        OciRegistry::new(args.registry.settings(&reference.registry)).with_progress(Arc::new(Reporter::new()));
    let runtime = match runtime() {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    let cache = match args.registry.cache() {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    let pulled = runtime.block_on(cache::pull(&registry, cache.as_ref(), &reference, args.registry.offline));
    let (resolved, pulled) = match pulled {
        Ok(it) => it,
        Err(error) => return fail(err, &error.to_string(), EXIT_USAGE),
    };
    let contract = contract_of(&String::from_utf8_lossy(pulled.archive.contract()));
    let service = contract.service.unwrap_or_default();
    let name = service.name.unwrap_or_default();
    let version = service.version.unwrap_or_default();
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            // Upstream's default is a folder named after the service; the name must be one safe path component.
            if let Err(why) = crate::pack::safe_component(&name) {
                return fail(
                    err,
                    &format!("cannot name the output folder after `service.name` ({why}); use `-o DIR`"),
                    EXIT_USAGE,
                );
            }
            PathBuf::from(&name)
        }
    };
    if let Err(message) = check_target(&dir).and_then(|()| extract(&pulled.archive, &dir)) {
        return fail(err, &message, EXIT_USAGE);
    }
    let _ = writeln!(out, "pulled {name}@{version} (oci://{resolved}) -> {}", dir.display());
    let _ = writeln!(out, "{}", pulled.manifest.digest);
    EXIT_OK
}

/// Pulls the bundle `oci://REF` names into memory for `diff` and `check`: through the cache (a tag is asked again
/// after 60 s; with `--offline` from the cache only), as the registry flags say. Returns the ref it resolved to
/// and the archive, read within the extract limits.
pub(super) fn pull_archive(text: &str, flags: &RegistryFlags) -> Result<(OciRef, crate::pack::Archive), String> {
    let reference = parse_ref(Some(text), "this command")?;
    let registry = OciRegistry::new(flags.settings(&reference.registry));
    let cache = flags.cache()?;
    let runtime = runtime()?;
    let (resolved, pulled) = runtime
        .block_on(cache::pull(&registry, cache.as_ref(), &reference, flags.offline))
        .map_err(|error| error.to_string())?;
    Ok((resolved, pulled.archive))
}

/// Refuses an output folder that exists and is not empty (or is not a folder).
fn check_target(dir: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        Ok(meta) if meta.is_dir() => match std::fs::read_dir(dir).map(|mut it| it.next().is_none()) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("`{}` is not empty; pull into a new or empty folder", dir.display())),
            Err(error) => Err(format!("cannot read `{}`: {}", dir.display(), error.kind())),
        },
        Ok(_) => Err(format!("`{}` exists and is not a folder", dir.display())),
    }
}

/// Writes the archive's folders and files under `dir` (its paths were checked when it was read: relative,
/// no `..`). Files are created new, so nothing that exists is followed or overwritten; on failure the
/// folder is removed again if this created it.
fn extract(archive: &crate::pack::Archive, dir: &Path) -> Result<(), String> {
    let created = !dir.exists();
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for folder in archive.dirs() {
            std::fs::create_dir_all(dir.join(folder))?;
        }
        for (path, bytes) in archive.files() {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&target)?;
            file.write_all(bytes)?;
        }
        Ok(())
    })();
    result.map_err(|error| {
        if created {
            let _ = std::fs::remove_dir_all(dir);
        }
        format!("cannot write the bundle into `{}`: {}", dir.display(), error.kind())
    })
}

/// Runs `login REGISTRY -u USER --password-stdin [--plain-http] [--timeout MS]`: checks the credentials
/// against the registry, then stores them in pacto's config file. The password is read from stdin only.
pub fn login(args: &[String], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    use lexopt::prelude::*;
    let mut registry = None;
    let mut username = None;
    let mut password_stdin = false;
    let mut plain_http = false;
    let mut timeout = Duration::from_millis(DEFAULT_TIMEOUT_MS);
    let parsed = (|| -> Result<(), String> {
        let mut parser = lexopt::Parser::from_args(args.iter().cloned());
        let value = |parser: &mut lexopt::Parser| parser.value().map_err(|error| error.to_string());
        while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
            match arg {
                Short('u') | Long("username") => username = Some(value(&mut parser)?.to_string_lossy().into_owned()),
                Long("password-stdin") => password_stdin = true,
                Short('p') | Long("password") => {
                    return Err("`login` reads the password from stdin only; use `--password-stdin`".into());
                }
                Long("plain-http") => plain_http = true,
                Long("timeout") => timeout = parse_timeout(&value(&mut parser)?.to_string_lossy())?,
                Value(text) if registry.is_none() => registry = Some(text.to_string_lossy().into_owned()),
                Value(_) => return Err("only one registry may be given".into()),
                other => return Err(other.unexpected().to_string()),
            }
        }
        Ok(())
    })();
    if let Err(message) = parsed {
        return fail(err, &message, EXIT_USAGE);
    }
    let registry = match registry.as_deref().map(registry_host) {
        Some(Ok(it)) => it,
        Some(Err(message)) => return fail(err, &message, EXIT_USAGE),
        None => return fail(err, "`login` needs a registry (`host` or `host:port`)", EXIT_USAGE),
    };
    let Some(username) = username.filter(|it| !it.is_empty() && !it.contains(':')) else {
        return fail(err, "`login` needs a user name without `:` (`-u USER`)", EXIT_USAGE);
    };
    if !password_stdin {
        return fail(err, "`login` reads the password from stdin: pass `--password-stdin`", EXIT_USAGE);
    }
    let mut password = String::new();
    if Read::take(stdin, 64 * 1024).read_to_string(&mut password).is_err() {
        return fail(err, "cannot read the password from stdin (it must be UTF-8 text)", EXIT_USAGE);
    }
    // A trailing line break (from `echo` or a file) is not part of the password.
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return fail(err, "the password read from stdin is empty", EXIT_USAGE);
    }
    let settings = Settings {
        plain_http: if plain_http { vec![registry.clone()] } else { Vec::new() },
        timeout,
        auth: Auth::Anonymous,
    };
    let runtime = match runtime() {
        Ok(it) => it,
        Err(message) => return fail(err, &message, EXIT_USAGE),
    };
    if let Err(error) = runtime.block_on(verify_login(&registry, &settings, &username, &password)) {
        let message = match error {
            RegistryError::Auth { registry, detail } => {
                format!("authentication failed for registry `{registry}` ({detail}): wrong user name or password")
            }
            other => other.to_string(),
        };
        return fail(err, &format!("{message}; nothing was stored"), EXIT_USAGE);
    }
    match credentials::store(&registry, &username, &password) {
        Ok(path) => {
            let _ = writeln!(out, "logged in to {registry} as {username} (stored in {})", path.display());
            EXIT_OK
        }
        Err(message) => fail(err, &message, EXIT_USAGE),
    }
}

/// Runs `logout REGISTRY`: removes the registry's entry from pacto's config file.
pub fn logout(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let registry = match args {
        [one] => match registry_host(one) {
            Ok(it) => it,
            Err(message) => return fail(err, &message, EXIT_USAGE),
        },
        _ => return fail(err, "`logout` needs exactly one registry (`host` or `host:port`)", EXIT_USAGE),
    };
    match credentials::remove(&registry) {
        Ok(true) => {
            let _ = writeln!(out, "logged out of {registry}");
            EXIT_OK
        }
        Ok(false) => {
            let _ = writeln!(err, "warning: not logged in to {registry}; nothing was removed");
            EXIT_OK
        }
        Err(message) => fail(err, &message, EXIT_USAGE),
    }
}

/// The registry host of a `login`/`logout` argument: `host[:port]`, also accepted with `oci://`, `https://` or
/// `http://` in front and a trailing `/`.
fn registry_host(text: &str) -> Result<String, String> {
    let bare = text.split_once("://").map_or(text, |(_, rest)| rest).trim_end_matches('/');
    let valid = !bare.is_empty()
        && bare.len() <= 255
        && !bare.contains('/')
        && bare.chars().all(|it| it.is_ascii_alphanumeric() || "-.:[]_".contains(it));
    match valid {
        true => Ok(bare.to_ascii_lowercase()),
        false => Err(format!("`{}` is not a registry (`host` or `host:port`)", excerpt(text))),
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.parse()
        .ok()
        .filter(|it| *it > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`--timeout` takes milliseconds, not `{}`", excerpt(text)))
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the network runtime: {error}"))
}

fn fail(err: &mut dyn Write, message: &str, code: u8) -> u8 {
    let _ = writeln!(err, "error: {message}");
    code
}

/// Parses `REF [-<dir_flag> DIR] [--force]` and the registry flags; `--force` (and no `--offline`, `--cache-dir`)
/// for `push`, whose directory flag is `-p`.
fn parse_args(args: &[String], dir_flag: char, force_allowed: bool) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut parsed = Args { reference: None, dir: None, force: false, registry: RegistryFlags::new(dir_flag == 'o') };
    let value = |parser: &mut lexopt::Parser| parser.value().map_err(|error| error.to_string());
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Short(flag) if flag == dir_flag => parsed.dir = Some(PathBuf::from(value(&mut parser)?)),
            Long("path") if dir_flag == 'p' => parsed.dir = Some(PathBuf::from(value(&mut parser)?)),
            Long("output") if dir_flag == 'o' => parsed.dir = Some(PathBuf::from(value(&mut parser)?)),
            Short('f') | Long("force") if force_allowed => parsed.force = true,
            Long(name) if parsed.registry.accepts(name) => {
                let name = name.to_string();
                parsed.registry.read(&name, &mut parser)?;
            }
            Value(text) if parsed.reference.is_none() => parsed.reference = Some(text.to_string_lossy().into_owned()),
            Value(_) => return Err("only one OCI reference may be given".into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(parsed)
}
