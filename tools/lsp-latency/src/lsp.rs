//! A minimal LSP client over a child process's stdio.
//!
//! A reader thread parses every message the server writes, stamps it with the instant it was
//! fully read, answers server→client requests at once (so a server that asks for settings before
//! each validation is not slowed down by the harness), and forwards everything else to the main
//! thread through a channel. The main thread sends requests and notifications and waits, always
//! with a deadline, for what it expects.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One `textDocument/publishDiagnostics` as received.
#[derive(Clone, Debug)]
pub struct Published {
    pub version: Option<i64>,
    pub count: usize,
    pub at: Instant,
}

/// A response to one of our requests.
#[derive(Clone, Debug)]
pub struct Response {
    pub result: Option<Value>,
    pub error: Option<Value>,
    pub at: Instant,
}

enum Event {
    Message(Value, Instant),
    /// The server closed its stdout (or sent something unreadable).
    Closed(String),
}

/// What the server sent that the main thread has not consumed yet, plus counters.
#[derive(Default)]
pub struct Inbox {
    pub diagnostics: HashMap<String, Vec<Published>>,
    pub responses: HashMap<i64, Response>,
    /// `window/logMessage` and `window/showMessage` of type Error (1) or Warning (2).
    pub log_problems: Vec<String>,
    pub log_messages: usize,
    pub closed: Option<String>,
}

pub struct Server {
    child: Child,
    writer: Arc<Mutex<ChildStdin>>,
    events: Receiver<Event>,
    next_id: i64,
    pub inbox: Inbox,
    /// Server→client requests, counted by method (answered by the reader thread).
    pub server_requests: Arc<Mutex<BTreeMap<String, usize>>>,
    pub timeout: Duration,
    pub pid: u32,
}

impl Server {
    /// Starts `argv` with stdin/stdout piped and stderr written to `stderr_log`.
    pub fn spawn(argv: &[String], stderr_log: &Path, timeout: Duration, settings: Value) -> Result<Server, String> {
        let (program, args) = argv.split_first().ok_or("--server is empty")?;
        let log = File::create(stderr_log).map_err(|e| format!("cannot create {}: {e}", stderr_log.display()))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot start `{program}`: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let writer = Arc::new(Mutex::new(stdin));
        let server_requests = Arc::new(Mutex::new(BTreeMap::new()));
        let (sender, events) = channel();
        {
            let writer = writer.clone();
            let counts = server_requests.clone();
            thread::spawn(move || read_loop(stdout, sender, writer, counts, settings));
        }
        let pid = child.id();
        Ok(Server { child, writer, events, next_id: 1, inbox: Inbox::default(), server_requests, timeout, pid })
    }

    /// Sends a request and returns its id and the instant just before it was written.
    pub fn request(&mut self, method: &str, params: Value) -> Result<(i64, Instant), String> {
        let id = self.next_id;
        self.next_id += 1;
        let sent = Instant::now();
        send(&self.writer, &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        Ok((id, sent))
    }

    /// Sends a notification and returns the instant just before it was written.
    pub fn notify(&mut self, method: &str, params: Value) -> Result<Instant, String> {
        let sent = Instant::now();
        send(&self.writer, &json!({"jsonrpc": "2.0", "method": method, "params": params}))?;
        Ok(sent)
    }

    /// Waits for the response to request `id`.
    pub fn wait_response(&mut self, id: i64, what: &str) -> Result<Response, String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(it) = self.inbox.responses.remove(&id) {
                return Ok(it);
            }
            self.pump(deadline, what)?;
        }
    }

    /// Sends a request and waits for its response; returns it with the round-trip time.
    pub fn call(&mut self, method: &str, params: Value) -> Result<(Response, Duration), String> {
        let (id, sent) = self.request(method, params)?;
        let response = self.wait_response(id, &format!("the response to `{method}`"))?;
        let elapsed = response.at.saturating_duration_since(sent);
        Ok((response, elapsed))
    }

    /// How many publishDiagnostics for `uri` have been received so far.
    pub fn published_count(&self, uri: &str) -> usize {
        self.inbox.diagnostics.get(uri).map_or(0, Vec::len)
    }

    /// Waits for the diagnostics of `version` of `uri`, looking only at publishes after the first
    /// `skip` ones. A publish with that `version` matches; a publish without a `version` matches
    /// too (the server does not support versions); publishes for older versions are skipped and
    /// counted in the second value returned.
    pub fn wait_diagnostics(&mut self, uri: &str, version: i64, skip: usize) -> Result<(Published, usize), String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let list = self.inbox.diagnostics.get(uri).map(Vec::as_slice).unwrap_or_default();
            let mut stale = 0;
            for it in list.iter().skip(skip) {
                match it.version {
                    None => return Ok((it.clone(), stale)),
                    Some(v) if v == version => return Ok((it.clone(), stale)),
                    Some(v) if v < version => stale += 1,
                    Some(v) => {
                        return Err(format!("{uri}: got diagnostics for version {v} while waiting for {version}"));
                    }
                }
            }
            self.pump(deadline, &format!("publishDiagnostics for {uri} version {version}"))?;
        }
    }

    /// Processes incoming messages until `quiet` passes without any publishDiagnostics, or `limit`
    /// passes. Returns how many publishDiagnostics arrived meanwhile.
    pub fn settle(&mut self, quiet: Duration, limit: Duration) -> Result<usize, String> {
        let total = |inbox: &Inbox| inbox.diagnostics.values().map(Vec::len).sum::<usize>();
        let start = total(&self.inbox);
        let end = Instant::now() + limit;
        let mut last = total(&self.inbox);
        let mut quiet_until = Instant::now() + quiet;
        while Instant::now() < end.min(quiet_until) {
            match self.pump(end.min(quiet_until), "") {
                Ok(()) => {}
                Err(_) if self.inbox.closed.is_none() => {} // Just the quiet period ending.
                Err(e) => return Err(e),
            }
            let now = total(&self.inbox);
            if now != last {
                last = now;
                quiet_until = Instant::now() + quiet;
            }
        }
        Ok(last - start)
    }

    /// Files every event that has already arrived, without waiting.
    pub fn drain(&mut self) -> Result<(), String> {
        loop {
            match self.events.try_recv() {
                Ok(Event::Message(message, at)) => self.file(message, at),
                Ok(Event::Closed(reason)) => {
                    let error = format!("the server closed its output ({reason})");
                    self.inbox.closed = Some(reason);
                    return Err(error);
                }
                Err(_) => return Ok(()),
            }
        }
    }

    /// Receives and files one event; errors when `deadline` passes first or the server is gone.
    pub fn pump(&mut self, deadline: Instant, what: &str) -> Result<(), String> {
        if let Some(reason) = &self.inbox.closed {
            return Err(format!("the server closed its output ({reason}) while waiting for {what}"));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match self.events.recv_timeout(left) {
            Ok(Event::Message(message, at)) => {
                self.file(message, at);
                Ok(())
            }
            Ok(Event::Closed(reason)) => {
                let error = format!("the server closed its output ({reason}) while waiting for {what}");
                self.inbox.closed = Some(reason);
                Err(error)
            }
            Err(RecvTimeoutError::Timeout) => {
                Err(format!("timed out after {:.1} s waiting for {what}", self.timeout.as_secs_f64()))
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.inbox.closed = Some("reader stopped".into());
                Err(format!("the server's output reader stopped while waiting for {what}"))
            }
        }
    }

    fn file(&mut self, message: Value, at: Instant) {
        let method = message.get("method").and_then(Value::as_str);
        match method {
            Some("textDocument/publishDiagnostics") => {
                let params = &message["params"];
                let uri = params["uri"].as_str().unwrap_or_default().to_string();
                let published = Published {
                    version: params.get("version").and_then(Value::as_i64),
                    count: params["diagnostics"].as_array().map_or(0, Vec::len),
                    at,
                };
                self.inbox.diagnostics.entry(uri).or_default().push(published);
            }
            Some("window/logMessage" | "window/showMessage") => {
                self.inbox.log_messages += 1;
                let kind = message["params"]["type"].as_i64().unwrap_or(4);
                if kind <= 2 {
                    let text = message["params"]["message"].as_str().unwrap_or_default();
                    let label = if kind == 1 { "error" } else { "warning" };
                    self.inbox.log_problems.push(format!("{label}: {}", first_line(text)));
                }
            }
            Some(_) => {} // Other notifications ($/progress, telemetry/event, ...).
            None => {
                if let Some(id) = message.get("id").and_then(Value::as_i64) {
                    let response =
                        Response { result: message.get("result").cloned(), error: message.get("error").cloned(), at };
                    self.inbox.responses.insert(id, response);
                }
            }
        }
    }

    /// `shutdown`, then `exit`, then waits for the process to end (killing it after the timeout).
    /// Returns a description of how it ended.
    pub fn shutdown(mut self) -> Result<String, String> {
        let shutdown = self.call("shutdown", Value::Null);
        let _ = self.notify("exit", Value::Null);
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        let status = match status {
            Some(it) => describe(it),
            None => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                "did not exit within the timeout after `exit`; killed".to_string()
            }
        };
        match shutdown {
            Ok((response, _)) if response.error.is_none() => Ok(status),
            Ok((response, _)) => Err(format!("`shutdown` failed: {}; {status}", response.error.unwrap_or_default())),
            Err(e) => Err(format!("`shutdown`: {e}; {status}")),
        }
    }

    /// Ends the process without the protocol (after an error).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => format!("ended by {status}"),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn send(writer: &Mutex<ChildStdin>, message: &Value) -> Result<(), String> {
    let body = serde_json::to_vec(message).map_err(|e| e.to_string())?;
    let mut out = writer.lock().map_err(|_| "the writer lock is poisoned".to_string())?;
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(&body);
    out.write_all(&frame).and_then(|()| out.flush()).map_err(|e| format!("cannot write to the server: {e}"))
}

fn read_loop(
    stdout: ChildStdout,
    events: Sender<Event>,
    writer: Arc<Mutex<ChildStdin>>,
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
    settings: Value,
) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    loop {
        let message = match read_message(&mut reader) {
            Ok(it) => it,
            Err(reason) => {
                let _ = events.send(Event::Closed(reason));
                return;
            }
        };
        let at = Instant::now();
        let method = message.get("method").and_then(Value::as_str);
        match (method, message.get("id")) {
            (Some(method), Some(id)) => {
                if let Ok(mut counts) = counts.lock() {
                    *counts.entry(method.to_string()).or_default() += 1;
                }
                let reply = answer(method, &message["params"], id, &settings);
                if send(&writer, &reply).is_err() {
                    let _ = events.send(Event::Closed("cannot answer a server request".into()));
                    return;
                }
            }
            _ => {
                if events.send(Event::Message(message, at)).is_err() {
                    return;
                }
            }
        }
    }
}

/// The answer to a server→client request.
fn answer(method: &str, params: &Value, id: &Value, settings: &Value) -> Value {
    let result = match method {
        "workspace/configuration" => {
            let items = params["items"].as_array().map(Vec::as_slice).unwrap_or_default();
            let values: Vec<Value> = items
                .iter()
                .map(|item| match item["section"].as_str() {
                    Some(section) => settings.get(section).cloned().unwrap_or(Value::Null),
                    None => Value::Null,
                })
                .collect();
            Value::Array(values)
        }
        "client/registerCapability"
        | "client/unregisterCapability"
        | "window/workDoneProgress/create"
        | "window/showMessageRequest"
        | "workspace/diagnostic/refresh"
        | "workspace/semanticTokens/refresh"
        | "workspace/inlayHint/refresh"
        | "workspace/codeLens/refresh" => Value::Null,
        "workspace/workspaceFolders" => settings.get("$workspaceFolders").cloned().unwrap_or(Value::Null),
        _ => {
            return json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("lsp-latency does not handle {method}")}});
        }
    };
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn read_message(reader: &mut impl BufRead) -> Result<Value, String> {
    let mut length: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| format!("read error: {e}"))?;
        if read == 0 {
            return Err("end of output".into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue; // Tolerate stray blank lines between messages.
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse().map_err(|_| format!("bad Content-Length `{header}`"))?);
        }
    }
    let mut body = vec![0; length.unwrap_or_default()];
    reader.read_exact(&mut body).map_err(|e| format!("read error: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("a message is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_framed_messages() {
        let body = r#"{"jsonrpc":"2.0","method":"x"}"#;
        let input = format!("Content-Length: {}\r\nContent-Type: x\r\n\r\n{body}", body.len());
        let mut reader = BufReader::new(input.as_bytes());
        let message = read_message(&mut reader).unwrap();
        assert_eq!(message["method"], "x");
        assert!(read_message(&mut reader).is_err());
    }

    #[test]
    fn answers_configuration_by_section() {
        let settings = json!({"yaml": {"validate": true}});
        let params = json!({"items": [{"section": "yaml"}, {"section": "http"}, {}]});
        let reply = answer("workspace/configuration", &params, &json!(7), &settings);
        assert_eq!(reply["result"], json!([{"validate": true}, null, null]));
        assert_eq!(answer("client/registerCapability", &json!({}), &json!(8), &settings)["result"], Value::Null);
        assert_eq!(answer("bogus", &json!({}), &json!(9), &settings)["error"]["code"], -32601);
    }
}
