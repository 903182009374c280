//! lsp-latency: drives any stdio language server with one contract and one edit sequence and
//! reports didOpen→diagnostics, didChange→diagnostics, completion round trips and memory.
//! See README.md.

mod contract;
mod hover;
mod lsp;
mod procfs;
mod report;
mod scenario;
mod stats;
mod workspace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::report::{Report, to_json, to_table};
use crate::scenario::{run_main, run_many};

const USAGE: &str = "\
usage: lsp-latency --server \"<command line>\" (--contract <file> | --generate-lines <N> | --generate-heavy <N>) [options]

  --server CMD          the server's command line (split like a shell would, no expansion)
  --contract FILE       the contract to open (written to a temp dir as .../pacto.yaml)
  --generate-lines N    use a generated valid Pacto 1.1 contract of about N lines instead
  --generate-heavy N    use a generated valid Pacto 1.1 contract of about N lines with, per 10,000
                        lines, 950 interfaces, 420 configuration values and 900 readiness checks
  --bundle DIR          copy DIR's files beside every copy of the contract (its bundle)
  --edits N             keystroke edits measured (default 200)
  --completions N       completion requests measured (default 50)
  --open N              contracts open at once in the memory scenario (default 100; 0 skips it)
  --label NAME          name of the server in the report (default: the program's file name)
  --modeline URL        prepend `# yaml-language-server: $schema=URL` to the contract
  --edit-line N         type into the value on line N (1-based, after the modeline) instead of
                        the `key: value` line nearest the middle
  --timeout SECS        limit of every wait (default 10)
  --settle-ms MS        quiet period that ends the settling after didOpen (default 500)
  --json                print one JSON object instead of the table
  --json-out FILE       also write the JSON object to FILE
  --dump-contract       print the contract as it would be opened, and exit
  --keep-temp           keep the temp dir (contract copies, server stderr logs)
  --pacto-settings JSON the `pacto` settings section the client answers with (default {}), e.g.
                        '{\"diff\": {\"baseline\": \"/abs/old-bundle\"}}' to time edits with a live diff
  --hanging-registry    point every `oci://` ref of the contract at a listener of this harness that
                        accepts connections and never answers (pair it with a long
                        `registry.timeoutMs` in --pacto-settings)
  --hover LINE:COL      only time hovers at LINE:COL (1-based): the first apart from the others
  --repeat N            hovers sent in the --hover mode (default 100)
  --workspace-bundles N write N more bundles (the contract renamed, with --bundle's files) into the
                        workspace folder of the main scenario before the server starts
";

#[derive(Debug)]
struct Args {
    server: Vec<String>,
    server_line: String,
    contract: Option<PathBuf>,
    generate_lines: Option<usize>,
    heavy: bool,
    bundle: Option<PathBuf>,
    edits: usize,
    completions: usize,
    open: usize,
    label: Option<String>,
    modeline: Option<String>,
    edit_line: Option<usize>,
    timeout: Duration,
    settle: Duration,
    json: bool,
    json_out: Option<PathBuf>,
    dump_contract: bool,
    keep_temp: bool,
    pacto_settings: serde_json::Value,
    hanging_registry: bool,
    hover: Option<(usize, usize)>,
    repeat: usize,
    workspace_bundles: usize,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Ok(Some(it)) => it,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(raw: Vec<String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        server: Vec::new(),
        server_line: String::new(),
        contract: None,
        generate_lines: None,
        heavy: false,
        bundle: None,
        edits: 200,
        completions: 50,
        open: 100,
        label: None,
        modeline: None,
        edit_line: None,
        timeout: Duration::from_secs(10),
        settle: Duration::from_millis(500),
        json: false,
        json_out: None,
        dump_contract: false,
        keep_temp: false,
        pacto_settings: serde_json::json!({}),
        hanging_registry: false,
        hover: None,
        repeat: 100,
        workspace_bundles: 0,
    };
    let mut iter = raw.into_iter();
    while let Some(flag) = iter.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_string(), Some(value.to_string())),
            _ => (flag, None),
        };
        let mut value = || inline.clone().or_else(|| iter.next()).ok_or(format!("{flag} needs a value"));
        let number = |text: String| text.parse::<usize>().map_err(|_| format!("{flag}: `{text}` is not a number"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--server" => {
                args.server_line = value()?;
                args.server = split_command(&args.server_line)?;
            }
            "--contract" => args.contract = Some(PathBuf::from(value()?)),
            "--generate-lines" => args.generate_lines = Some(number(value()?)?),
            "--generate-heavy" => (args.generate_lines, args.heavy) = (Some(number(value()?)?), true),
            "--bundle" => args.bundle = Some(PathBuf::from(value()?)),
            "--edits" => args.edits = number(value()?)?,
            "--completions" => args.completions = number(value()?)?,
            "--open" => args.open = number(value()?)?,
            "--label" => args.label = Some(value()?),
            "--modeline" => args.modeline = Some(value()?),
            "--edit-line" => args.edit_line = Some(number(value()?)?),
            "--timeout" => args.timeout = Duration::from_secs(number(value()?)?.max(1) as u64),
            "--settle-ms" => args.settle = Duration::from_millis(number(value()?)? as u64),
            "--json" => args.json = true,
            "--json-out" => args.json_out = Some(PathBuf::from(value()?)),
            "--dump-contract" => args.dump_contract = true,
            "--keep-temp" => args.keep_temp = true,
            "--hanging-registry" => args.hanging_registry = true,
            "--pacto-settings" => {
                args.pacto_settings =
                    serde_json::from_str(&value()?).map_err(|e| format!("--pacto-settings takes JSON: {e}"))?
            }
            "--hover" => {
                let text = value()?;
                let (line, column) = text.split_once(':').ok_or("--hover takes LINE:COL")?;
                args.hover = Some((number(line.into())?.max(1), number(column.into())?.max(1)));
            }
            "--repeat" => args.repeat = number(value()?)?,
            "--workspace-bundles" => args.workspace_bundles = number(value()?)?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.contract.is_some() == args.generate_lines.is_some() {
        return Err("give exactly one of --contract, --generate-lines and --generate-heavy".into());
    }
    if args.server.is_empty() && !args.dump_contract {
        return Err("--server is required".into());
    }
    Ok(Some(args))
}

/// Splits a command line into words: whitespace separates, single quotes keep everything,
/// double quotes keep everything but `\"` and `\\`, a backslash outside quotes escapes.
fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unterminated ' in --server".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("unterminated \" in --server".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unterminated \" in --server".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Starts a listener on loopback that accepts every connection and never answers; returns `127.0.0.1:PORT`.
fn hanging_listener() -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?.to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    Ok(addr)
}

fn run(args: &Args) -> Result<(), String> {
    let (source, contract_name) = match (&args.contract, args.generate_lines) {
        (Some(path), _) => (
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            path.display().to_string(),
        ),
        (None, Some(lines)) if args.heavy => {
            (contract::generate_heavy(lines), format!("generated heavy ({lines} lines requested)"))
        }
        (None, Some(lines)) => (contract::generate(lines), format!("generated ({lines} lines requested)")),
        (None, None) => unreachable!("checked by parse_args"),
    };
    // The listener lives until the harness exits.
    let source = match args.hanging_registry {
        true => {
            let addr = hanging_listener()?;
            let pointed = contract::point_registries_at(&source, &addr);
            if pointed == source {
                return Err("--hanging-registry: the contract has no `oci://` refs".into());
            }
            pointed
        }
        false => source,
    };
    let text = contract::with_modeline(&source, args.modeline.as_deref());
    if args.dump_contract {
        print!("{text}");
        return Ok(());
    }
    if let Some(at) = args.hover {
        let temp = temp_dir()?;
        let report = hover::run_hover(args, &text, at, &temp);
        let _ = std::fs::remove_dir_all(&temp);
        print!("{}", report?);
        return Ok(());
    }
    let site = contract::edit_site(&text, args.edit_line)?;
    let completion_at = contract::completion_site(&text, &site);
    let temp = temp_dir()?;
    let label = args.label.clone().unwrap_or_else(|| default_label(&args.server));
    let mut report = Report {
        label,
        contract_name,
        lines: text.lines().count(),
        bytes: text.len(),
        site,
        completion_at,
        main: None,
        many: None,
        errors: Vec::new(),
        load: (loadavg(), String::new()),
    };
    match run_main(args, &text, &report.site, &report.completion_at, &temp.join("main")) {
        Ok(it) => report.main = Some(it),
        Err(e) => report.errors.push(format!("main scenario: {e}")),
    }
    if args.open > 0 {
        match run_many(args, &text, &temp.join("many")) {
            Ok(it) => report.many = Some(it),
            Err(e) => report.errors.push(format!("{}-open scenario: {e}", args.open)),
        }
    }
    report.load.1 = loadavg();
    let json = serde_json::to_string_pretty(&to_json(args, &report)).map_err(|e| e.to_string())?;
    if let Some(path) = &args.json_out {
        std::fs::write(path, format!("{json}\n")).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    match args.json {
        true => println!("{json}"),
        false => print!("{}", to_table(args, &report)),
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    if args.keep_temp {
        eprintln!("kept {}", temp.display());
    } else {
        let _ = std::fs::remove_dir_all(&temp);
    }
    match report.errors.is_empty() {
        true => Ok(()),
        false => Err(report.errors.join("; ")),
    }
}

/// The server's program name, or for an interpreter (`node server.js`) the script's.
fn default_label(argv: &[String]) -> String {
    let name = |it: &String| Path::new(it).file_name().map_or(it.clone(), |it| it.to_string_lossy().into_owned());
    const INTERPRETERS: &[&str] = &["node", "nodejs", "bun", "deno", "python", "python3", "ruby", "java", "npx"];
    let program = name(&argv[0]);
    match INTERPRETERS.contains(&program.as_str()) {
        true => argv[1..].iter().find(|it| !it.starts_with('-')).map_or(program, name),
        false => program,
    }
}

/// The 1-, 5- and 15-minute load averages.
fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn temp_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |it| it.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("lsp-latency-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // Canonical, so the URIs match what a server derives from the path.
    dir.canonicalize().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_command_lines() {
        assert_eq!(split_command("a  b").unwrap(), ["a", "b"]);
        assert_eq!(split_command(r#"node "/x y/s.js" --stdio"#).unwrap(), ["node", "/x y/s.js", "--stdio"]);
        assert_eq!(split_command(r"a\ b 'c d' e''").unwrap(), ["a b", "c d", "e"]);
        assert!(split_command("'open").is_err());
    }

    #[test]
    fn labels_by_program_or_script() {
        let argv = |line: &str| split_command(line).unwrap();
        assert_eq!(default_label(&argv("/x/target/release/pacto-lsp --stdio")), "pacto-lsp");
        assert_eq!(
            default_label(&argv("node /n/yaml-language-server/bin/yaml-language-server --stdio")),
            "yaml-language-server"
        );
    }

    #[test]
    fn parses_arguments() {
        let args: Vec<String> =
            ["--server", "srv --stdio", "--contract=c.yaml", "--edits", "5", "--json"].map(String::from).to_vec();
        let parsed = parse_args(args).unwrap().unwrap();
        assert_eq!(parsed.server, ["srv", "--stdio"]);
        assert_eq!((parsed.edits, parsed.json, parsed.open), (5, true, 100));
        let both = ["--server", "s", "--contract", "c", "--generate-lines", "9"].map(String::from).to_vec();
        assert!(parse_args(both).is_err());
    }
}
