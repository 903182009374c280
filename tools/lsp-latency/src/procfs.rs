//! Resident memory and CPU time of the server process (and any processes it started), from
//! `/proc`.

use std::fs;
use std::time::Duration;

/// Clock ticks per second of `utime`/`stime` in `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

#[derive(Clone, Debug)]
pub struct Usage {
    /// VmRSS summed over the process and its descendants, in KiB.
    pub rss_kb: u64,
    /// VmHWM (peak resident set) summed the same way, in KiB.
    pub hwm_kb: u64,
    pub processes: usize,
}

/// Memory of `pid` and its descendants; `None` when `/proc` has no such process.
pub fn usage(pid: u32) -> Option<Usage> {
    let mut out = Usage { rss_kb: 0, hwm_kb: 0, processes: 0 };
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else { continue };
        out.rss_kb += field_kb(&status, "VmRSS:").unwrap_or(0);
        out.hwm_kb += field_kb(&status, "VmHWM:").unwrap_or(0);
        out.processes += 1;
        stack.extend(children(pid));
    }
    (out.processes > 0).then_some(out)
}

/// CPU time (user + system, all threads, live and exited) used so far by `pid` and its live
/// descendants, with a resolution of 10 ms.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let mut ticks = 0;
    let mut found = false;
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        ticks += stat_ticks(&stat)?;
        found = true;
        stack.extend(children(pid));
    }
    found.then(|| Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// `utime + stime` from a `/proc/<pid>/stat` line (fields 14 and 15; the command name in
/// parentheses may contain spaces).
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = fs::read_to_string(task.path().join("children")) {
            out.extend(text.split_whitespace().filter_map(|it| it.parse::<u32>().ok()));
        }
    }
    out
}

/// A `Name:   1234 kB` line of `/proc/<pid>/status`, in KiB.
fn field_kb(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|it| it.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields_and_self() {
        assert_eq!(field_kb("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n", "VmRSS:"), Some(1024));
        let me = usage(std::process::id()).expect("/proc has this process");
        assert!(me.rss_kb > 0 && me.hwm_kb >= me.rss_kb && me.processes >= 1);
        assert!(cpu_time(std::process::id()).is_some());
    }

    #[test]
    fn reads_cpu_ticks() {
        let stat = "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5 1000 10";
        assert_eq!(stat_ticks(stat), Some(10));
    }
}
