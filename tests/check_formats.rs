//! `pacto-lsp check` in every output format, golden-tested: each folder under `tests/fixtures/check-formats/` has
//! an `input/` folder (copied to a temporary directory, where a file named `dot-gitignore` becomes `.gitignore`,
//! which the repository itself could not hold) checked as `check input --format F`, and one expected file per
//! format, `F.out`: the standard output, then `-- exit N`. `UPDATE_EXPECT=1 cargo test --test check_formats`
//! rewrites them. The SARIF output is validated against the official SARIF 2.1.0 schema (`tests/sarif/`), and
//! every output must be the same whatever the number of threads (`--jobs`).

use std::path::{Path, PathBuf};
use std::process::Command;

const FORMATS: [&str; 5] = ["text", "concise", "github", "junit", "sarif"];

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-formats");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|it| it.unwrap().path()).filter(|it| it.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 2, "{cases:?}");
    cases
}

/// Copies `from` into `to`, turning `dot-gitignore` into `.gitignore`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().replace("dot-gitignore", ".gitignore");
        match entry.file_type().unwrap().is_dir() {
            true => copy_tree(&entry.path(), &to.join(name)),
            false => {
                std::fs::copy(entry.path(), to.join(name)).unwrap();
            }
        }
    }
}

/// The case's input in a fresh temporary directory (so no `.gitignore` of this repository applies).
fn prepare(case: &Path) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_tree(&case.join("input"), &temp.path().join("input"));
    temp
}

/// Standard output and exit code of `check input ARGS` run in `dir`.
fn check(dir: &Path, args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .arg("check")
        .arg("input")
        .args(args)
        .current_dir(dir)
        .env("PACTO_TODAY", "2026-11-22")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (String::from_utf8(output.stdout).unwrap(), output.status.code().unwrap_or(-1))
}

#[test]
fn every_format_matches_its_expected_output() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for case in cases() {
        let temp = prepare(&case);
        for format in FORMATS {
            let (out, code) = check(temp.path(), &["--format", format]);
            let rendered = format!("{out}-- exit {code}\n");
            let expected_file = case.join(format!("{format}.out"));
            let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
            if rendered != expected {
                match update || !expected_file.exists() {
                    true => std::fs::write(&expected_file, &rendered).unwrap(),
                    false => failures
                        .push(format!("{}:\n--- expected\n{expected}--- actual\n{rendered}", expected_file.display())),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} output(s) differ (UPDATE_EXPECT=1 to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_file).unwrap()).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    // The schema does catch what is wrong: a region's line must be at least 1, a level one of four words.
    let mut broken = serde_json::json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": { "name": "x" } },
        "results": [{ "message": { "text": "m" }, "level": "fatal" }] }] });
    assert!(!validator.is_valid(&broken));
    broken["runs"][0]["results"][0]["level"] = "error".into();
    assert!(validator.is_valid(&broken));
    for case in cases() {
        let temp = prepare(&case);
        let (out, _) = check(temp.path(), &["--format", "sarif"]);
        let log: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&log).map(|it| format!("{} at {}", it, it.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", case.display());
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{}", case.display());
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in results {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            assert!(
                rules[index]["helpUri"].as_str().unwrap().ends_with(&result["ruleId"].as_str().unwrap().to_lowercase())
            );
        }
    }
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let case = cases().into_iter().find(|it| it.ends_with("repo")).unwrap();
    let first = prepare(&case);
    let second = prepare(&case);
    let fingerprints = |dir: &Path| -> Vec<String> {
        let (out, _) = check(dir, &["--format", "sarif"]);
        let log: serde_json::Value = serde_json::from_str(&out).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|it| it["partialFingerprints"]["pactoFinding/v1"].as_str().unwrap().to_string())
            .collect()
    };
    let prints = fingerprints(first.path());
    assert_eq!(prints, fingerprints(second.path()), "another checkout, another run: the same fingerprints");
    let mut unique = prints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), prints.len(), "{prints:?}");
}

#[test]
fn a_walked_repository_checks_the_same_on_one_thread_as_on_many() {
    for case in cases() {
        let temp = prepare(&case);
        for format in FORMATS {
            let (single, single_code) = check(temp.path(), &["--format", format, "--jobs", "1"]);
            for jobs in ["2", "3", "8"] {
                let (many, code) = check(temp.path(), &["--format", format, "--jobs", jobs]);
                assert_eq!((&many, code), (&single, single_code), "{} --format {format} --jobs {jobs}", case.display());
            }
        }
    }
}

#[test]
fn the_walk_skips_ignored_and_hidden_bundles_and_finds_nested_ones() {
    let case = cases().into_iter().find(|it| it.ends_with("repo")).unwrap();
    let temp = prepare(&case);
    let (out, code) = check(temp.path(), &["--quiet"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "input/broken/pacto.yaml: 1 error\n\
         input/inventory/pacto.yaml: 1 warning, 1 hint\n\
         input/odd, 100%/pacto.yaml: 1 error\n\
         input/orders/pacto.yaml: no problems\n\
         input/payments/pacto.yaml: 1 error\n\
         input/payments/nested/pacto.yaml: 1 error\n\
         checked 6 contracts: 4 errors, 1 warning, 1 hint\n"
    );
}

#[test]
fn a_path_that_cannot_be_checked_is_reported_in_every_format_and_exits_two() {
    let case = cases().into_iter().find(|it| it.ends_with("repo")).unwrap();
    let temp = prepare(&case);
    std::fs::create_dir(temp.path().join("empty")).unwrap();
    let (junit, code) = check(temp.path(), &["empty", "--format", "junit"]);
    assert_eq!(code, 2);
    assert!(
        junit.contains(
            "    <testcase classname=\"pacto-lsp.check\" name=\"empty\">\n      \
             <error message=\"empty: no pacto.yaml in this directory or below it\"/>\n    </testcase>\n"
        ),
        "{junit}"
    );
    assert!(junit.contains(r#"<testsuite name="pacto-lsp check" tests="7" failures="4" errors="1" skipped="0">"#));
    let (sarif, code) = check(temp.path(), &["empty", "--format", "sarif"]);
    assert_eq!(code, 2);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"],
        serde_json::json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": [
                { "level": "error", "message": { "text": "empty: no pacto.yaml in this directory or below it" } }
            ]
        }])
    );
    let (text, code) = check(temp.path(), &["empty", "--quiet"]);
    assert_eq!(code, 2);
    assert!(
        text.ends_with("checked 6 contracts: 4 errors, 1 warning, 1 hint; 1 path could not be checked\n"),
        "{text}"
    );
}
