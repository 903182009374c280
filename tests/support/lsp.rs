//! A small LSP client for end-to-end tests: spawns the real binary and speaks JSON-RPC over stdio.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    stash: VecDeque<Value>,
    next_id: i64,
    /// What to answer `workspace/configuration` with.
    pub configuration: Value,
    pub stderr: Arc<Mutex<String>>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with_env(&[])
    }

    pub fn start_with_env(env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
            .arg("--stdio")
            // The example contracts name real registries: the server asks none on its own, unless a test
            // sets this to "" (tests/lsp_registry.rs).
            .env("PACTO_LSP_NO_REGISTRY", "1")
            .envs(env.iter().copied())
            .env("PACTO_TODAY", "2026-11-22")
            .env("PACTO_LSP_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pacto-lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Server {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            stash: VecDeque::new(),
            next_id: 1,
            configuration: Value::Null,
            stderr,
        }
    }

    /// The server's process id (to read its threads and memory from procfs).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: &Value) {
        self.send_raw(&frame(message));
    }

    /// Sends many messages back to back, in one write.
    pub fn send_all(&mut self, messages: &[Value]) {
        let bytes: Vec<u8> = messages.iter().flat_map(frame).collect();
        self.send_raw(&bytes);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (`result`, or the whole message on error).
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline).unwrap_or_else(|| panic!("no response to {method}"));
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return match message.get("error") {
                    Some(_) => Err(message),
                    None => Ok(message["result"].clone()),
                };
            }
            self.stash.push_back(message);
        }
    }

    /// The next message from the server, answering its requests on the way.
    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let message = match self.incoming.recv_timeout(wait) {
            Ok(it) => it,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        if message.get("id").is_some() && message.get("method").is_some() {
            self.answer(&message);
            return Some(json!({"server-request": message["method"]}));
        }
        Some(message)
    }

    fn answer(&mut self, request: &Value) {
        let result = match request["method"].as_str() {
            Some("workspace/configuration") => {
                let items = request["params"]["items"].as_array().map_or(0, Vec::len);
                Value::Array(vec![self.configuration.clone(); items])
            }
            _ => Value::Null,
        };
        let id = request["id"].clone();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    /// Waits for a notification matching `pred` (earlier stashed ones first).
    pub fn wait_for(&mut self, what: &str, mut pred: impl FnMut(&Value) -> bool) -> Value {
        if let Some(pos) = self.stash.iter().position(&mut pred) {
            return self.stash.remove(pos).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.next_message(deadline) {
                Some(message) if pred(&message) => return message,
                Some(message) => self.stash.push_back(message),
                None => panic!("timed out waiting for {what}; stderr:\n{}", self.stderr.lock().unwrap()),
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait_for(&format!("diagnostics for {uri} v{version}"), |it| {
            it["method"] == "textDocument/publishDiagnostics"
                && it["params"]["uri"] == uri
                && it["params"]["version"] == version
        });
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the server's stderr contains `needle`.
    pub fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.stderr.lock().unwrap().contains(needle) {
            assert!(Instant::now() < deadline, "log never said {needle:?}:\n{}", self.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until a line of the server's log satisfies `pred`.
    pub fn wait_for_log_line(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.stderr.lock().unwrap().lines().any(&pred) {
            assert!(Instant::now() < deadline, "log never showed {what}:\n{}", self.stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// How many lines of the server's log so far contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.stderr.lock().unwrap().lines().filter(|it| it.contains(needle)).count()
    }

    /// How many lines of the log contain `needle`, once at least `expected` do and no more came
    /// for a moment (the log arrives on another pipe than the messages).
    pub fn settled_log_count(&self, needle: &str, expected: usize) -> usize {
        let deadline = Instant::now() + TIMEOUT;
        while self.log_count(needle) < expected {
            assert!(Instant::now() < deadline, "log never had {expected} lines with {needle:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(200));
        self.log_count(needle)
    }

    /// The server's resident memory (VmRSS) in KiB, from `/proc`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|it| it.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// CPU time (user + system) the server has used so far, in milliseconds, from `/proc`.
    pub fn cpu_ms(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The fields after the command name (in parentheses, which may hold spaces): utime is the 12th, stime the 13th.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..].split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        ticks * 10
    }

    /// The diagnostics of the last publishDiagnostics for `uri` received so far (stashed).
    pub fn last_published(&self, uri: &str) -> Option<Value> {
        self.stash
            .iter()
            .rev()
            .find(|it| it["method"] == "textDocument/publishDiagnostics" && it["params"]["uri"] == uri)
            .map(|it| it["params"].clone())
    }

    /// Every publishDiagnostics for `uri` received so far (stashed), in order.
    pub fn published_versions(&self, uri: &str) -> Vec<i64> {
        self.stash
            .iter()
            .filter(|it| it["method"] == "textDocument/publishDiagnostics" && it["params"]["uri"] == uri)
            .filter_map(|it| it["params"]["version"].as_i64())
            .collect()
    }

    pub fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        let result = self
            .request("initialize", json!({"processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": options}))
            .expect("initialize");
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&mut self, uri: &str, text: &str, version: i64) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Sends `shutdown` then `exit` and returns the exit status.
    pub fn shutdown_and_exit(mut self) -> ExitStatus {
        self.request("shutdown", Value::Null).expect("shutdown");
        self.exit()
    }

    pub fn exit(mut self) -> ExitStatus {
        self.notify("exit", Value::Null);
        self.stdin.take();
        self.wait()
    }

    pub fn close_stdin_and_wait(mut self) -> ExitStatus {
        self.stdin.take();
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit; stderr:\n{}", self.stderr.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A message with its `Content-Length` header.
pub fn frame(message: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(message).unwrap();
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend(body);
    frame
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0u8; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A `file://` URI for a path.
pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// The `(code, start line, start character, end line, end character)` of each diagnostic.
pub fn summary(diagnostics: &[Value]) -> Vec<(String, u64, u64, u64, u64)> {
    diagnostics
        .iter()
        .map(|it| {
            let range = &it["range"];
            (
                it["code"].as_str().unwrap_or("").to_string(),
                range["start"]["line"].as_u64().unwrap(),
                range["start"]["character"].as_u64().unwrap(),
                range["end"]["line"].as_u64().unwrap(),
                range["end"]["character"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Copies a folder tree (a fixture bundle) into `to`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
