//! `pacto-lsp init` and `pack`, and `read_archive`: the real binary where the command line is
//! concerned, the library for `.pactoignore` and for hostile archives.
//!
//! `tests/fixtures/pack/*/bundle` are bundles whose packed form is pinned in `expected.txt`
//! beside them (every entry's header fields, then the sha256); `UPDATE_EXPECT=1 cargo test --test
//! pack` rewrites the expectations.

#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output as Run};
use std::time::{Duration, Instant, SystemTime};

use pacto_lsp::core::bundle::BundleRef;
use pacto_lsp::core::check::{Environment, Options as CheckOptions, analyze};
use pacto_lsp::core::date;
use pacto_lsp::pack::{self, Options, Output, PackError, read_archive, scaffold};

fn run(dir: &Path, args: &[&str]) -> Run {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env("PACTO_TODAY", "2026-11-22")
        .output()
        .unwrap()
}

fn stdout(run: &Run) -> String {
    String::from_utf8(run.stdout.clone()).unwrap()
}

fn stderr(run: &Run) -> String {
    String::from_utf8(run.stderr.clone()).unwrap()
}

fn options(workspace: &Path) -> Options {
    Options {
        check: CheckOptions {
            today: date::parse_strict("2026-11-22").unwrap(),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        },
        workspace: workspace.to_path_buf(),
        policies: Default::default(),
        output: Output::Memory,
    }
}

/// Writes `files` (bundle path, text) under `root`, creating folders, in the order given.
fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The `init` scaffold of service `svc`, plus `extra` files, written under `root`.
fn scaffold_bundle(root: &Path, extra: &[(&str, &str)]) {
    let files = scaffold::files("svc");
    let files: Vec<(&str, &str)> = files.iter().map(|(path, text)| (*path, text.as_str())).collect();
    write_files(root, &files);
    write_files(root, extra);
}

/// Every file under `dir` (relative, sorted), for "nothing was written" checks.
fn listing(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> =
        walk(dir).into_iter().map(|it| it.strip_prefix(dir).unwrap().display().to_string()).collect();
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.clone());
        if path.symlink_metadata().unwrap().is_dir() {
            out.extend(walk(&path));
        }
    }
    out
}

fn sha256_line(run: &Run) -> String {
    stdout(run).lines().find(|it| it.starts_with("sha256:")).unwrap_or_default().to_string()
}

/// One archive entry's header fields.
#[derive(Debug, PartialEq)]
struct Header {
    path: String,
    kind: u8,
    mode: u32,
    mtime: u64,
    uid: u64,
    gid: u64,
    user: Vec<u8>,
    group: Vec<u8>,
    size: u64,
}

fn headers(bytes: &[u8]) -> Vec<Header> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        out.push(Header {
            path: String::from_utf8(entry.path_bytes().into_owned()).unwrap(),
            kind: header.entry_type().as_byte(),
            mode: header.mode().unwrap(),
            mtime: header.mtime().unwrap(),
            uid: header.uid().unwrap(),
            gid: header.gid().unwrap(),
            user: header.username_bytes().unwrap_or_default().to_vec(),
            group: header.groupname_bytes().unwrap_or_default().to_vec(),
            size: header.size().unwrap(),
        });
    }
    out
}

#[test]
fn the_same_bundle_gives_the_same_bytes_whatever_mtimes_modes_owners_and_creation_order() {
    let temp = tempfile::tempdir().unwrap();
    let files = [
        ("pacto.yaml", scaffold::files("svc")[0].1.clone()),
        ("interfaces/openapi.yaml", scaffold::files("svc")[1].1.clone()),
        ("configuration/schema.json", scaffold::files("svc")[2].1.clone()),
        ("docs/guide.md", "# Guide\n".to_string()),
        ("docs/deep/notes.txt", "notes\n".to_string()),
        ("a.txt", "a\n".to_string()),
    ];
    let first = temp.path().join("first");
    for (path, text) in &files {
        write_files(&first, &[(path, text)]);
    }
    let out = temp.path();
    let one = run(out, &["pack", "first", "-o", "one.tar.gz"]);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));

    // Every mtime moved, every mode changed, every owner changed (where allowed).
    let later = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    for path in walk(&first) {
        let is_dir = path.is_dir();
        let file = std::fs::File::open(&path).unwrap();
        let _ = file.set_modified(later);
        let mode = if is_dir { 0o700 } else { 0o600 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let _ = std::os::unix::fs::chown(&path, Some(1234), Some(4321));
    }
    let two = run(out, &["pack", "first", "-o", "two.tar.gz"]);
    assert_eq!(two.status.code(), Some(0), "{}", stderr(&two));

    // A copy written in the reverse order.
    let second = temp.path().join("second");
    for (path, text) in files.iter().rev() {
        write_files(&second, &[(path, text)]);
    }
    let three = run(out, &["pack", "second", "-o", "three.tar.gz"]);
    assert_eq!(three.status.code(), Some(0), "{}", stderr(&three));

    let bytes: Vec<Vec<u8>> =
        ["one", "two", "three"].iter().map(|it| std::fs::read(out.join(format!("{it}.tar.gz"))).unwrap()).collect();
    assert_eq!(bytes[0], bytes[1]);
    assert_eq!(bytes[0], bytes[2]);
    assert_eq!(sha256_line(&one), sha256_line(&two));
    assert_eq!(sha256_line(&one), sha256_line(&three));
    assert_eq!(sha256_line(&one).len(), "sha256:".len() + 64);
}

#[test]
fn archive_headers_are_canonical_and_the_order_is_sorted() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[("a.txt", "a"), ("a/b.txt", "b"), ("z/y/x.txt", "x"), ("B.txt", "B")]);
    std::fs::set_permissions(root.join("a.txt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let packed = pack::pack(&root, &options(temp.path())).unwrap();

    // The gzip header: deflate, no flags (no file name), mtime 0, OS byte 255.
    assert_eq!(&packed.bytes[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&packed.bytes[4..8], &[0, 0, 0, 0]);
    assert_eq!(packed.bytes[9], 255);

    let headers = headers(&packed.bytes);
    let paths: Vec<&str> = headers.iter().map(|it| it.path.as_str()).collect();
    // Go's fs.WalkDir order: each folder's entries sorted by name, depth first; no `./`, no
    // wrapper folder, folders included, no trailing `/`.
    assert_eq!(
        paths,
        [
            "B.txt",
            "a",
            "a/b.txt",
            "a.txt",
            "configuration",
            "configuration/schema.json",
            "interfaces",
            "interfaces/openapi.yaml",
            "pacto.yaml",
            "z",
            "z/y",
            "z/y/x.txt"
        ]
    );
    let mut by_components: Vec<Vec<&str>> = paths.iter().map(|it| it.split('/').collect()).collect();
    by_components.sort();
    assert_eq!(by_components, paths.iter().map(|it| it.split('/').collect::<Vec<_>>()).collect::<Vec<_>>());
    for header in &headers {
        let dir = header.kind == b'5';
        assert!(dir || header.kind == b'0', "{header:?}");
        assert_eq!(header.mode, if dir { 0o755 } else { 0o644 }, "{header:?}");
        assert_eq!((header.mtime, header.uid, header.gid), (0, 0, 0), "{header:?}");
        assert!(header.user.is_empty() && header.group.is_empty(), "{header:?}");
        assert!(!header.path.starts_with("./") && !header.path.starts_with('/'), "{header:?}");
    }
    assert_eq!(
        packed.files,
        [
            "B.txt",
            "a/b.txt",
            "a.txt",
            "configuration/schema.json",
            "interfaces/openapi.yaml",
            "pacto.yaml",
            "z/y/x.txt"
        ]
    );
    assert_eq!(packed.dirs, ["a", "configuration", "interfaces", "z", "z/y"]);
    assert_eq!(packed.size, packed.bytes.len() as u64);
}

/// Packs a scaffold bundle with `.pactoignore` = `ignore` and `extra` files; returns the files
/// packed, or the error.
fn pack_with_ignore(ignore: &str, extra: &[&str]) -> Result<Vec<String>, PackError> {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    let extra: Vec<(&str, &str)> = extra.iter().map(|it| (*it, "x")).collect();
    scaffold_bundle(&root, &extra);
    std::fs::write(root.join(".pactoignore"), ignore).unwrap();
    pack::pack(&root, &options(temp.path())).map(|it| it.files)
}

const SCAFFOLD: [&str; 3] = ["configuration/schema.json", "interfaces/openapi.yaml", "pacto.yaml"];

#[test]
fn pactoignore_follows_gitignore() {
    let extra = [
        "docs/a.md",
        "docs/keep.md",
        "docs/deep/b.md",
        "build/out.bin",
        "src/build/x.o",
        "notes.txt",
        "sub/notes.txt",
        "logs/today.log",
        "a/logs/old.log",
        "#hash.txt",
        ".DS_Store",
        "docs/.DS_Store",
        ".git/config",
        "sub/.git/HEAD",
        "sub/.pactoignore",
    ];
    // (case, .pactoignore, files packed besides the scaffold)
    let table: &[(&str, &str, &[&str])] = &[
        (
            "nothing ignored but the always-skipped names",
            "",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "build/out.bin",
                "docs/a.md",
                "docs/deep/b.md",
                "docs/keep.md",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "a glob with a negation, the last match wins",
            "docs/*.md\n!docs/keep.md\n",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "build/out.bin",
                "docs/deep/b.md",
                "docs/keep.md",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "a negation before the pattern loses",
            "!docs/keep.md\ndocs/*.md\n",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "build/out.bin",
                "docs/deep/b.md",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "`**` matches at any depth",
            "**/*.md\n**/logs\n",
            &["#hash.txt", "build/out.bin", "notes.txt", "src/build/x.o", "sub/notes.txt"],
        ),
        (
            "a leading `/` anchors to the bundle root",
            "/notes.txt\n/build\n",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "docs/a.md",
                "docs/deep/b.md",
                "docs/keep.md",
                "logs/today.log",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "an unanchored name matches at any depth",
            "notes.txt\nbuild\n",
            &["#hash.txt", "a/logs/old.log", "docs/a.md", "docs/deep/b.md", "docs/keep.md", "logs/today.log"],
        ),
        (
            "a trailing `/` matches folders only",
            "notes.txt/\nlogs/\n",
            &[
                "#hash.txt",
                "build/out.bin",
                "docs/a.md",
                "docs/deep/b.md",
                "docs/keep.md",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "a negation cannot bring back a file of an ignored folder",
            "docs/\n!docs/keep.md\n",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "build/out.bin",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "comments and blank lines are not patterns; `\\#` is",
            "# notes.txt\n\n   \n\\#hash.txt\n",
            &[
                "a/logs/old.log",
                "build/out.bin",
                "docs/a.md",
                "docs/deep/b.md",
                "docs/keep.md",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "negating the always-skipped names changes nothing",
            "!.git\n!.DS_Store\n!.pactoignore\n!.git/config\n",
            &[
                "#hash.txt",
                "a/logs/old.log",
                "build/out.bin",
                "docs/a.md",
                "docs/deep/b.md",
                "docs/keep.md",
                "logs/today.log",
                "notes.txt",
                "src/build/x.o",
                "sub/notes.txt",
            ],
        ),
        (
            "`pacto.yaml` cannot be ignored",
            "*\n!configuration/\n!configuration/**\n!interfaces/\n!interfaces/**\n",
            &[],
        ),
    ];
    for (case, ignore, expected) in table {
        let mut expected: Vec<String> = expected.iter().chain(&SCAFFOLD).map(|it| it.to_string()).collect();
        expected.sort_by(|a, b| a.split('/').cmp(b.split('/')));
        let packed = pack_with_ignore(ignore, &extra).unwrap_or_else(|error| panic!("{case}: {error}"));
        assert_eq!(packed, expected, "{case}");
    }
}

#[test]
fn a_bad_pactoignore_pattern_is_an_error_naming_its_line() {
    let error = pack_with_ignore("ok\n[z-a]\n", &[]).unwrap_err();
    assert!(matches!(error, PackError::IgnoreFile(_)), "{error:?}");
    assert!(error.to_string().starts_with("`.pactoignore` line 2:"), "{error}");
}

#[test]
fn ignoring_a_referenced_file_is_refused_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[(".pactoignore", "interfaces/\n*.json\n")]);
    let before = listing(temp.path());
    let run = run(temp.path(), &["pack", "bundle"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stderr(&run),
        "error: `.pactoignore` excludes files the contract references: `interfaces/openapi.yaml` (referenced by \
         `interfaces[0].contract`), `configuration/schema.json` (referenced by `configurations[0].schema`)\n"
    );
    assert_eq!(listing(temp.path()), before);
}

#[test]
fn an_invalid_bundle_is_refused_with_its_findings_and_nothing_written() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[]);
    let contract = std::fs::read_to_string(root.join("pacto.yaml")).unwrap();
    std::fs::write(root.join("pacto.yaml"), contract.replace("interface: api", "interface: apx")).unwrap();
    let before = listing(temp.path());
    let run = run(temp.path(), &["pack", "bundle", "-v"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stdout(&run),
        "bundle/pacto.yaml:44:16: error[HEALTH_INTERFACE_NOT_FOUND] health interface `apx` is not declared in \
         `interfaces`; declared interfaces: `api` (runtime.health.interface)\n"
    );
    assert_eq!(stderr(&run), "error: the contract has 1 error; nothing was packed\n");
    assert_eq!(listing(temp.path()), before);

    let missing = run_in(temp.path(), &["pack", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    run(dir, args)
}

/// Runs the binary, killing it if it takes longer than `limit` (a FIFO must never block it).
fn run_bounded(dir: &Path, args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env("PACTO_TODAY", "2026-11-22")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("`pacto-lsp {}` did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code(), err)
}

#[test]
fn fifos_devices_and_links_out_of_the_bundle_are_refused_naming_them() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[("docs/readme.md", "readme")]);
    std::fs::write(temp.path().join("secret.txt"), "secret").unwrap();
    let status = Command::new("mkfifo").arg(root.join("docs/pipe")).status().unwrap();
    assert!(status.success());
    symlink("../../secret.txt", root.join("docs/outside.txt")).unwrap();
    symlink("/dev/zero", root.join("docs/zero")).unwrap();
    let before = listing(temp.path());
    let (code, err) = run_bounded(temp.path(), &["pack", "bundle"], Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: the bundle cannot be packed: `docs/outside.txt` leads outside the bundle (through a symbolic \
         link); `docs/pipe` is not a regular file (it is a named pipe); `docs/zero` leads outside the bundle \
         (through a symbolic link)\n"
    );
    assert_eq!(listing(temp.path()), before);

    // Ignored, they are never looked at.
    std::fs::write(root.join(".pactoignore"), "docs/\n").unwrap();
    let (code, err) = run_bounded(temp.path(), &["pack", "bundle", "-o", "out.tar.gz"], Duration::from_secs(20));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn links_inside_the_bundle_are_packed_as_the_files_they_name_and_folder_links_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[("docs/readme.md", "readme")]);
    symlink("docs/readme.md", root.join("README.md")).unwrap();
    let packed = pack::pack(&root, &options(temp.path())).unwrap();
    let archive = read_archive(&packed.bytes).unwrap();
    assert_eq!(archive.files().find(|(path, _)| *path == "README.md").map(|it| it.1), Some(&b"readme"[..]));

    symlink("docs", root.join("alias")).unwrap();
    let error = pack::pack(&root, &options(temp.path())).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the bundle cannot be packed: `alias` is a symbolic link to a folder; links to folders are not packed"
    );
}

#[test]
fn bundles_beyond_the_limits_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("big-file");
    scaffold_bundle(&root, &[]);
    std::fs::write(root.join("blob.bin"), vec![0u8; 10 * 1024 * 1024 + 1]).unwrap();
    let error = pack::pack(&root, &options(temp.path())).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the bundle cannot be packed: `blob.bin` is larger than 10 MiB, the most a bundle file may hold"
    );

    let root = temp.path().join("many");
    scaffold_bundle(&root, &[]);
    std::fs::create_dir(root.join("many")).unwrap();
    for index in 0..10_000 {
        std::fs::File::create(root.join(format!("many/{index}"))).unwrap();
    }
    let error = pack::pack(&root, &options(temp.path())).unwrap_err();
    assert_eq!(error.to_string(), "the bundle has more than 10000 files and folders");
}

#[test]
fn init_then_check_then_pack() {
    let temp = tempfile::tempdir().unwrap();
    let init = run(temp.path(), &["init", "orders-api"]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    assert_eq!(
        stdout(&init),
        "created orders-api/\n  orders-api/pacto.yaml\n  orders-api/interfaces/openapi.yaml\n  \
         orders-api/configuration/schema.json\n"
    );
    assert_eq!(
        listing(temp.path()),
        [
            "orders-api",
            "orders-api/configuration",
            "orders-api/configuration/schema.json",
            "orders-api/interfaces",
            "orders-api/interfaces/openapi.yaml",
            "orders-api/pacto.yaml"
        ]
    );
    let contract = std::fs::read_to_string(temp.path().join("orders-api/pacto.yaml")).unwrap();
    assert!(contract.starts_with("pactoVersion: \"1.1\"\n"), "{contract}");
    assert!(contract.contains("configurations:\n  - name: default\n    schema: configuration/schema.json\n"));

    let check = run(temp.path(), &["check", "--format", "concise", "orders-api", "--readiness"]);
    assert_eq!(stdout(&check), "checked 1 contract: no problems\n");
    assert_eq!(check.status.code(), Some(0));

    // Packed from inside the bundle folder, twice: the archive written there is left out.
    let bundle = temp.path().join("orders-api");
    let first = run(&bundle, &["pack", "-v"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let text = stdout(&first);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..3], ["  configuration/schema.json", "  interfaces/openapi.yaml", "  pacto.yaml"]);
    let size = std::fs::metadata(bundle.join("orders-api-0.1.0.tar.gz")).unwrap().len();
    assert_eq!(lines[3], format!("packed orders-api@0.1.0 -> orders-api-0.1.0.tar.gz ({size} bytes)"));
    let second = run(&bundle, &["pack"]);
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(sha256_line(&first), sha256_line(&second));
    let archive = read_archive(&std::fs::read(bundle.join("orders-api-0.1.0.tar.gz")).unwrap()).unwrap();
    assert_eq!(archive.files().count(), 3);
}

#[test]
fn warnings_are_printed_like_check_and_do_not_stop_the_pack() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[]);
    let contract = std::fs::read_to_string(root.join("pacto.yaml")).unwrap();
    let dependency = "dependencies:\n  - name: other\n    ref: oci://ghcr.io/acme/other@sha256:abc123\n    \
                      compatibility: \"^1.0.0\"\n\nruntime:";
    std::fs::write(root.join("pacto.yaml"), contract.replacen("runtime:", dependency, 1)).unwrap();
    let run = run(temp.path(), &["pack", "bundle", "-o", "out.tar.gz"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let text = stdout(&run);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0]
            .starts_with("bundle/pacto.yaml:31:10: warning[MALFORMED_OCI_REF] digest `sha256:abc123` is not sha256"),
        "{text}"
    );
    assert!(lines[1].starts_with("packed svc@0.1.0 -> out.tar.gz ("), "{text}");
    assert!(temp.path().join("out.tar.gz").is_file());
}

#[test]
fn init_refuses_existing_paths_and_bad_names_writing_nothing() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("taken"), "mine").unwrap();
    symlink("nowhere", temp.path().join("dangling")).unwrap();
    let before = listing(temp.path());
    for (args, message) in [
        (vec!["init", "taken"], "error: `taken` already exists; nothing was written\n"),
        (vec!["init", "dangling"], "error: `dangling` already exists; nothing was written\n"),
        (
            vec!["init", "../escape"],
            "error: `../escape` is not a valid service name: use lowercase letters, digits and hyphens, starting and \
             ending with a letter or digit (for example `payments-api`)\n",
        ),
        (
            vec!["init", "Orders"],
            "error: `Orders` is not a valid service name: use lowercase letters, digits and hyphens, starting and \
             ending with a letter or digit (for example `payments-api`)\n",
        ),
        (vec!["init"], "error: `init` needs the name of the service (for example `pacto-lsp init payments-api`)\n"),
        (vec!["init", "a", "b"], "error: `init` takes exactly one argument, the name of the service\n"),
    ] {
        let run = run(temp.path(), &args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&run), message, "{args:?}");
        assert_eq!(stdout(&run), "", "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(temp.path().join("taken")).unwrap(), "mine");
    assert_eq!(listing(temp.path()), before);
}

#[test]
fn an_unsafe_version_cannot_name_the_archive() {
    // Validation refuses such versions first (`INVALID_SEMVER`); the file-name check stays as a
    // second line.
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[]);
    let contract = std::fs::read_to_string(root.join("pacto.yaml")).unwrap();
    std::fs::write(root.join("pacto.yaml"), contract.replacen("version: 0.1.0", "version: \"..\"", 1)).unwrap();
    let before = listing(temp.path());
    let run = run(temp.path(), &["pack", "bundle"]);
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    assert!(stdout(&run).starts_with("bundle/pacto.yaml:5:12: error[INVALID_SEMVER] `..` is not a semantic version"));
    assert_eq!(listing(temp.path()), before);

    assert_eq!(pack::safe_component("1.2.3-rc.1+build.7"), Ok(()));
    assert_eq!(pack::safe_component(".."), Err("is `..`".into()));
    assert_eq!(pack::safe_component("1/2"), Err("`1/2` contains a path separator".into()));
    assert_eq!(pack::safe_component("1\\2"), Err("`1\\2` contains a path separator".into()));
    assert_eq!(pack::safe_component(""), Err("is empty".into()));
}

#[test]
fn read_archive_round_trips_a_pack_and_checks_clean() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("bundle");
    scaffold_bundle(&root, &[("docs/guide.md", "guide"), ("docs/empty.txt", "")]);
    let packed = pack::pack(&root, &options(temp.path())).unwrap();
    let archive = read_archive(&packed.bytes).unwrap();
    let files: Vec<&str> = archive.files().map(|it| it.0).collect();
    assert_eq!(
        files,
        ["configuration/schema.json", "docs/empty.txt", "docs/guide.md", "interfaces/openapi.yaml", "pacto.yaml"]
    );
    for (path, bytes) in archive.files() {
        assert_eq!(bytes, std::fs::read(root.join(path)).unwrap(), "{path}");
    }
    assert_eq!(archive.dirs().collect::<Vec<_>>(), ["configuration", "docs", "interfaces"]);

    let bundle = BundleRef { id: "archive".into(), files: std::sync::Arc::new(archive.clone()) };
    let env = Environment { bundle: Some(&bundle), resolver: None };
    let text = std::str::from_utf8(archive.contract()).unwrap();
    let analysis = analyze(text, &options(temp.path()).check, &env);
    assert!(analysis.findings.is_empty(), "{:?}", analysis.findings);
}

/// A raw tar entry for hostile archives: the name is written into the header as is.
struct Raw<'a> {
    name: &'a [u8],
    kind: tar::EntryType,
    data: &'a [u8],
    /// The size the header claims, if not the data's.
    size: Option<u64>,
}

fn raw(name: &str, kind: tar::EntryType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    append_raw(&mut out, &Raw { name: name.as_bytes(), kind, data, size: None });
    out
}

fn append_raw(out: &mut Vec<u8>, entry: &Raw<'_>) {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..entry.name.len()].copy_from_slice(entry.name);
    header.set_entry_type(entry.kind);
    header.set_size(entry.size.unwrap_or(entry.data.len() as u64));
    header.set_mode(0o644);
    if entry.kind == tar::EntryType::Symlink {
        header.set_link_name("/etc/passwd").unwrap();
    }
    header.set_cksum();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(entry.data);
    out.resize(out.len().next_multiple_of(512), 0);
}

/// Gzips tar entries (given as raw bytes) and ends the archive.
fn gzip_tar(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for part in parts {
        encoder.write_all(part).unwrap();
    }
    encoder.write_all(&[0u8; 1024]).unwrap();
    encoder.finish().unwrap()
}

fn contract_entry() -> Vec<u8> {
    raw("pacto.yaml", tar::EntryType::Regular, b"pactoVersion: \"1.1\"\n")
}

#[test]
fn read_archive_refuses_hostile_archives() {
    use tar::EntryType::{Block, Char, Directory, Fifo, Link, Regular, Symlink};
    let ok = gzip_tar(&[contract_entry(), raw("./docs/", Directory, b""), raw("./docs/a.md", Regular, b"a")]);
    let archive = read_archive(&ok).unwrap();
    assert_eq!(archive.files().map(|it| it.0).collect::<Vec<_>>(), ["docs/a.md", "pacto.yaml"]);

    let many: Vec<Vec<u8>> =
        std::iter::once(contract_entry()).chain((0..10_000).map(|it| raw(&format!("d{it}"), Directory, b""))).collect();
    let nine_mib = vec![b'a'; 9 * 1024 * 1024];
    let spread: Vec<Vec<u8>> = std::iter::once(contract_entry())
        .chain((0..6).map(|it| raw(&format!("part{it}.bin"), Regular, &nine_mib)))
        .collect();
    // A folder entry that claims 70 MiB of data: its bytes are never kept, but decompressing
    // them is stopped all the same.
    let mut bomb = contract_entry();
    append_raw(&mut bomb, &Raw { name: b"padding", kind: Directory, data: &vec![0u8; 70 * 1024 * 1024], size: None });
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not gzip",
            b"pactoVersion: \"1.1\"\n".to_vec(),
            "not a gzip-compressed archive (a packed bundle is a `.tar.gz`)",
        ),
        (
            "gzip but not tar",
            {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&[7u8; 2048]).unwrap();
                encoder.finish().unwrap()
            },
            "the archive cannot be read: ",
        ),
        (
            "`..`",
            gzip_tar(&[contract_entry(), raw("docs/../../etc/x", Regular, b"x")]),
            "the archive has an unsafe entry: `docs/../../etc/x` leaves the bundle",
        ),
        (
            "absolute",
            gzip_tar(&[contract_entry(), raw("/etc/passwd", Regular, b"x")]),
            "the archive has an unsafe entry: `/etc/passwd` is absolute",
        ),
        (
            "symlink",
            gzip_tar(&[contract_entry(), raw("link", Symlink, b"")]),
            "the archive entry `link` is a symbolic link; only regular files and folders may be in a bundle",
        ),
        (
            "hard link",
            gzip_tar(&[contract_entry(), raw("link", Link, b"")]),
            "the archive entry `link` is a hard link;",
        ),
        (
            "character device",
            gzip_tar(&[contract_entry(), raw("tty", Char, b"")]),
            "the archive entry `tty` is a character device;",
        ),
        (
            "block device",
            gzip_tar(&[contract_entry(), raw("sda", Block, b"")]),
            "the archive entry `sda` is a block device;",
        ),
        ("fifo", gzip_tar(&[contract_entry(), raw("pipe", Fifo, b"")]), "the archive entry `pipe` is a named pipe;"),
        ("too many entries", gzip_tar(&many), "the archive has more than 10000 entries"),
        (
            "a file over 10 MiB",
            gzip_tar(&[contract_entry(), raw("big.bin", Regular, &vec![0u8; 10 * 1024 * 1024 + 1])]),
            "the archive file `big.bin` is larger than 10 MiB",
        ),
        ("files over 50 MiB together", gzip_tar(&spread), "the archive's files add up to more than 50 MiB"),
        ("a gzip bomb", gzip_tar(&[bomb]), "the archive inflates to more than 60 MiB; it is not a bundle"),
        (
            "no pacto.yaml",
            gzip_tar(&[raw("docs/a.md", Regular, b"a")]),
            "the archive has no `pacto.yaml` at its root; it is not a bundle",
        ),
        (
            "pacto.yaml in a wrapper folder",
            gzip_tar(&[raw("svc/pacto.yaml", Regular, b"a")]),
            "the archive has no `pacto.yaml` at its root",
        ),
        ("twice", gzip_tar(&[contract_entry(), contract_entry()]), "the archive holds `pacto.yaml` twice"),
        (
            "file and folder",
            gzip_tar(&[contract_entry(), raw("a", Regular, b"a"), raw("a/b", Regular, b"b")]),
            "the archive holds `a` both as a file and as a folder",
        ),
        (
            "folder then file",
            gzip_tar(&[contract_entry(), raw("a/b", Regular, b"b"), raw("a", Regular, b"a")]),
            "the archive holds `a` both as a file and as a folder",
        ),
        ("truncated", ok[..ok.len() / 2].to_vec(), "the archive cannot be read: "),
    ];
    for (case, bytes, expected) in cases {
        let error = read_archive(&bytes).err().unwrap_or_else(|| panic!("{case}: accepted"));
        assert!(error.starts_with(expected), "{case}: {error}");
    }
}

#[test]
fn packed_fixtures_match_their_expectations() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pack");
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base).unwrap().map(|it| it.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|it| it.join("bundle").is_dir()) {
        let packed = pack::pack(&dir.join("bundle"), &options(&base)).unwrap();
        let mut text = String::new();
        for header in headers(&packed.bytes) {
            text += &format!(
                "{} {:o} {} {}:{} {:?}:{:?} {} {}\n",
                header.kind as char,
                header.mode,
                header.mtime,
                header.uid,
                header.gid,
                String::from_utf8_lossy(&header.user),
                String::from_utf8_lossy(&header.group),
                header.size,
                header.path
            );
        }
        text += &format!("sha256:{}\n", packed.sha256);
        let expected_file = dir.join("expected.txt");
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if text != expected {
            match update || !expected_file.exists() {
                true => std::fs::write(&expected_file, &text).unwrap(),
                false => failures.push(format!("{}:\n--- expected\n{expected}--- actual\n{text}", dir.display())),
            }
        }
    }
    assert!(failures.is_empty(), "UPDATE_EXPECT=1 to accept:\n{}", failures.join("\n"));
}
