//! `pacto-lsp check` over a repository of 1,000 bundles: copies of `examples/payments-api` (each with its four
//! interface, configuration and policy files) under `team-NN/svc-NNNN/` with their own service names, one in ten
//! broken (a health interface that is not declared, or a version that is not semver). The real release binary is
//! run as CI would run it, `check DIR --quiet`, with every core (the default) and with `--jobs 1`; the wall time
//! of each run is measured (one warm-up run, then seven of each, interleaved).
//!
//! Run with `cargo bench --bench repo_check`. `REPO_CHECK_BUNDLES=N` changes the number of bundles.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let bundles: usize = std::env::var("REPO_CHECK_BUNDLES").ok().and_then(|it| it.parse().ok()).unwrap_or(1000);
    let temp = tempfile::tempdir().unwrap();
    let broken = generate(temp.path(), bundles);
    let cores = std::thread::available_parallelism().map_or(1, |it| it.get());
    println!("repo_check: {bundles} bundles ({broken} broken), {cores} cores available");
    let run = |jobs: Option<&str>| -> (Duration, Duration) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"));
        command.args(["check", "repo", "--quiet"]).current_dir(temp.path()).env("PACTO_TODAY", "2026-11-22");
        if let Some(jobs) = jobs {
            command.args(["--jobs", jobs]);
        }
        let (started, cpu_before) = (Instant::now(), children_cpu());
        let output = command.output().unwrap();
        let (elapsed, cpu) = (started.elapsed(), children_cpu().saturating_sub(cpu_before));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{stdout}");
        let total = format!("checked {bundles} contracts: {broken} errors");
        assert!(
            stdout.lines().last().is_some_and(|it| it.starts_with(&total)),
            "{}",
            stdout.lines().last().unwrap_or("")
        );
        (elapsed, cpu)
    };
    run(None);
    let (mut all, mut one, mut all_cpu, mut one_cpu) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (wall, cpu) = run(None);
        all.push(wall);
        all_cpu.push(cpu);
        let (wall, cpu) = run(Some("1"));
        one.push(wall);
        one_cpu.push(cpu);
    }
    let (all_median, one_median) = (median(&mut all), median(&mut one));
    report("all cores", &all, all_median, median(&mut all_cpu));
    report("--jobs 1", &one, one_median, median(&mut one_cpu));
    println!("  speed-up (median wall): {:.2}x", one_median.as_secs_f64() / all_median.as_secs_f64());
    println!("  load average while measuring: {}", load_average());
}

/// The CPU time (user + system) of this process's finished children.
fn children_cpu() -> Duration {
    // SAFETY: `getrusage` only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let time = |it: libc::timeval| Duration::from_secs(it.tv_sec as u64) + Duration::from_micros(it.tv_usec as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The 1-minute load average (other work on the machine slows the wall times down).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|it| it.split(' ').next().map(str::to_string))
        .unwrap_or_default()
}

/// Writes the repository under `root/repo`; returns how many bundles are broken.
fn generate(root: &Path, bundles: usize) -> usize {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api");
    let contract = std::fs::read_to_string(example.join("pacto.yaml")).unwrap();
    assert!(contract.contains("name: payments-api\n") && contract.contains("interface: rest-api\n"));
    let files = [
        "interfaces/openapi.yaml",
        "interfaces/events.yaml",
        "interfaces/ledger.proto",
        "configuration/schema.json",
        "policy/schema.json",
    ];
    let mut broken = 0;
    for index in 0..bundles {
        let dir = root.join(format!("repo/team-{:02}/svc-{index:04}", index % 40));
        for file in files {
            let target = dir.join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(example.join(file), target).unwrap();
        }
        let mut text = contract.replace("name: payments-api\n", &format!("name: svc-{index:04}\n"));
        if index % 10 == 3 {
            text = text.replace("interface: rest-api\n", "interface: rest-apx\n");
            broken += 1;
        } else if index % 10 == 7 {
            text = text.replacen("version: ", "version: not-semver-", 1);
            broken += 1;
        }
        std::fs::write(dir.join("pacto.yaml"), text).unwrap();
    }
    broken
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn report(name: &str, times: &[Duration], median: Duration, cpu: Duration) {
    let min = times.iter().min().copied().unwrap_or_default();
    let ms = |it: Duration| it.as_secs_f64() * 1e3;
    println!(
        "  {name:<10} wall median {:>7.1} ms, min {:>7.1} ms; cpu (user+sys) median {:>7.1} ms",
        ms(median),
        ms(min),
        ms(cpu)
    );
}
