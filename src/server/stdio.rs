//! A guard in front of the JSON-RPC transport: malformed frames are logged and replaced.
//!
//! tower-lsp-server's reader stops for good after one frame it cannot decode. This task reads the
//! real stdin, re-frames every message, and forwards only well-formed JSON-RPC; anything else
//! becomes a harmless `$/pacto/invalidMessage` notification, so the server keeps serving.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are skipped (and logged) instead of buffered.
const MAX_FRAME: usize = 256 * 1024 * 1024;

const REPLACEMENT: &[u8] = br#"{"jsonrpc":"2.0","method":"$/pacto/invalidMessage"}"#;

/// Returns a reader that yields stdin's messages, sanitized. The task ends at stdin's end.
pub fn sanitized(mut input: impl AsyncRead + Unpin + Send + 'static) -> DuplexStream {
    let (reader, mut writer) = tokio::io::duplex(1024 * 1024);
    tokio::spawn(async move {
        let mut framer = Framer::default();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match input.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            framer.push(&chunk[..n]);
            while let Some(body) = framer.next_body() {
                let body = match is_valid_message(&body) {
                    true => body,
                    false => {
                        tracing::error!(bytes = body.len(), "malformed JSON-RPC message ignored");
                        REPLACEMENT.to_vec()
                    }
                };
                let frame = format!("Content-Length: {}\r\n\r\n", body.len());
                if writer.write_all(frame.as_bytes()).await.is_err() || writer.write_all(&body).await.is_err() {
                    return;
                }
            }
        }
        let _ = writer.shutdown().await;
    });
    reader
}

fn is_valid_message(body: &[u8]) -> bool {
    serde_json::from_slice::<Request>(body).is_ok() || serde_json::from_slice::<Response>(body).is_ok()
}

/// Splits a byte stream into message bodies by their `Content-Length` headers.
#[derive(Default)]
struct Framer {
    buffer: Vec<u8>,
    /// Bytes of an oversized body still to throw away.
    skipping: usize,
}

impl Framer {
    fn push(&mut self, bytes: &[u8]) {
        let skipped = self.skipping.min(bytes.len());
        self.skipping -= skipped;
        self.buffer.extend_from_slice(&bytes[skipped..]);
    }

    fn next_body(&mut self) -> Option<Vec<u8>> {
        loop {
            let header_end = find(&self.buffer, b"\r\n\r\n")?;
            let headers = String::from_utf8_lossy(&self.buffer[..header_end]).to_string();
            let length = headers.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            });
            let Some(length) = length else {
                tracing::error!(headers = %headers.escape_debug(), "message without a valid Content-Length ignored");
                self.buffer.drain(..header_end + 4);
                continue;
            };
            let start = header_end + 4;
            if length > MAX_FRAME {
                tracing::error!(length, "oversized message skipped");
                let available = (self.buffer.len() - start).min(length);
                self.skipping = length - available;
                self.buffer.drain(..start + available);
                return Some(REPLACEMENT.to_vec());
            }
            if self.buffer.len() < start + length {
                return None;
            }
            let body = self.buffer[start..start + length].to_vec();
            self.buffer.drain(..start + length);
            return Some(body);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|it| it == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_pushes_and_bad_headers_are_skipped() {
        let mut framer = Framer::default();
        framer.push(b"Content-Length: 5\r\n\r\nhel");
        assert_eq!(framer.next_body(), None);
        framer.push(b"loContent-Type: x\r\n\r\ncontent-length:2\r\n\r\n{}");
        assert_eq!(framer.next_body(), Some(b"hello".to_vec()));
        assert_eq!(framer.next_body(), Some(b"{}".to_vec()));
        assert_eq!(framer.next_body(), None);
    }

    #[test]
    fn only_json_rpc_messages_are_valid() {
        assert!(is_valid_message(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
        assert!(is_valid_message(br#"{"jsonrpc":"2.0","id":1,"result":null}"#));
        assert!(!is_valid_message(b"{not json!!}"));
        assert!(!is_valid_message(b"[]"));
        assert!(!is_valid_message(br#"{"foo":1}"#));
    }
}
