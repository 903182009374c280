//! A guard in front of the JSON-RPC transport: malformed frames are logged and replaced.
//!
//! tower-lsp-server's reader stops for good after one frame it cannot decode. This reader sits between
//! it and the real stdin, re-frames every message, and passes on only well-formed JSON-RPC; anything
//! else becomes a harmless `$/pacto/invalidMessage` notification, so the server keeps serving.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, ReadBuf};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are skipped (and logged) instead of buffered.
const MAX_FRAME: usize = 256 * 1024 * 1024;

const REPLACEMENT: &[u8] = br#"{"jsonrpc":"2.0","method":"$/pacto/invalidMessage"}"#;

/// How much is read from the input at once.
const CHUNK: usize = 64 * 1024;

/// A reader of `input`'s messages, sanitized and framed again. It works inside the transport's own reads (no
/// task, no copy through a channel); it ends at `input`'s end or at its first error.
pub fn sanitized<R: AsyncRead + Unpin>(input: R) -> Sanitized<R> {
    Sanitized { input, framer: Framer::default(), chunk: vec![0; CHUNK], out: Vec::new(), sent: 0, done: false }
}

pub struct Sanitized<R> {
    input: R,
    framer: Framer,
    chunk: Vec<u8>,
    /// Frames ready for the transport; `sent` of them are handed over already.
    out: Vec<u8>,
    sent: usize,
    done: bool,
}

impl<R: AsyncRead + Unpin> AsyncRead for Sanitized<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.sent < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.sent);
                buf.put_slice(&this.out[this.sent..this.sent + n]);
                this.sent += n;
                if this.sent == this.out.len() {
                    this.out.clear();
                    this.sent = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.done {
                return Poll::Ready(Ok(())); // The end of the input.
            }
            let mut read = ReadBuf::new(&mut this.chunk);
            match ready!(Pin::new(&mut this.input).poll_read(cx, &mut read)) {
                Ok(()) if !read.filled().is_empty() => {
                    let n = read.filled().len();
                    this.framer.push(&this.chunk[..n]);
                    while let Some(body) = this.framer.next_body() {
                        let body = match is_valid_message(&body) {
                            true => body,
                            false => {
                                tracing::error!(bytes = body.len(), "malformed JSON-RPC message ignored");
                                REPLACEMENT.to_vec()
                            }
                        };
                        this.out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                        this.out.extend_from_slice(&body);
                    }
                }
                Ok(()) | Err(_) => this.done = true,
            }
        }
    }
}

fn is_valid_message(body: &[u8]) -> bool {
    serde_json::from_slice::<Request>(body).is_ok() || serde_json::from_slice::<Response>(body).is_ok()
}

/// A header block longer than this without its terminating blank line is dropped (and logged),
/// and reading resynchronizes on the next blank line.
const MAX_HEADER: usize = 8 * 1024;

/// Consumed bytes are removed from the front of the buffer once there are this many (and they are
/// at least half of it), so consuming stays linear.
const COMPACT_AT: usize = 64 * 1024;

/// Splits a byte stream into message bodies by their `Content-Length` headers, in time linear in
/// the bytes pushed: the search for the end of a header block resumes where it stopped, and
/// consumed bytes are skipped with an offset and compacted away now and then.
#[derive(Default)]
struct Framer {
    buffer: Vec<u8>,
    /// Where the bytes not consumed yet start.
    start: usize,
    /// Where the search for the end of the current header block resumes.
    scanned: usize,
    /// The body being waited for, once its headers are read: where it starts (after `start`) and
    /// how long it is.
    pending: Option<(usize, usize)>,
    /// Bytes of an oversized body still to throw away.
    skipping: usize,
}

impl Framer {
    fn push(&mut self, bytes: &[u8]) {
        let skipped = self.skipping.min(bytes.len());
        self.skipping -= skipped;
        self.buffer.extend_from_slice(&bytes[skipped..]);
    }

    /// Bytes held and not consumed yet.
    #[cfg(test)]
    fn buffered(&self) -> usize {
        self.buffer.len() - self.start
    }

    fn next_body(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some((offset, length)) = self.pending {
                let body_start = self.start + offset;
                if self.buffer.len() < body_start + length {
                    return None;
                }
                let body = self.buffer[body_start..body_start + length].to_vec();
                self.pending = None;
                self.consume(body_start + length);
                return Some(body);
            }
            let from = self.scanned.max(self.start);
            let Some(at) = find(&self.buffer[from..], b"\r\n\r\n") else {
                // The terminator may straddle this push and the next one.
                self.scanned = self.buffer.len().saturating_sub(3).max(self.start);
                if self.buffer.len() - self.start > MAX_HEADER {
                    tracing::error!(bytes = self.scanned - self.start, "header block too long; dropped");
                    self.consume(self.scanned);
                }
                return None;
            };
            let header_end = from + at;
            let body_start = header_end + 4;
            if header_end - self.start > MAX_HEADER {
                tracing::error!(bytes = header_end - self.start, "header block too long; dropped");
                self.consume(body_start);
                continue;
            }
            let headers = String::from_utf8_lossy(&self.buffer[self.start..header_end]).to_string();
            let length = headers.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            });
            let Some(length) = length else {
                tracing::error!(headers = %headers.escape_debug(), "message without a valid Content-Length ignored");
                self.consume(body_start);
                continue;
            };
            if length > MAX_FRAME {
                tracing::error!(length, "oversized message skipped");
                let available = (self.buffer.len() - body_start).min(length);
                self.skipping = length - available;
                self.consume(body_start + available);
                return Some(REPLACEMENT.to_vec());
            }
            self.pending = Some((body_start - self.start, length));
        }
    }

    /// Marks the bytes before `to` as consumed.
    fn consume(&mut self, to: usize) {
        self.start = to;
        self.scanned = self.scanned.max(to);
        if self.start == self.buffer.len() {
            self.buffer.clear();
        } else if self.start >= COMPACT_AT && self.start >= self.buffer.len() / 2 {
            self.buffer.drain(..self.start);
        } else {
            return;
        }
        self.scanned -= self.start;
        self.start = 0;
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

    /// Pushes `bytes` in pieces of the given sizes (cycling), collecting bodies and the largest
    /// buffer seen.
    fn feed(framer: &mut Framer, bytes: &[u8], sizes: &[usize]) -> (Vec<Vec<u8>>, usize) {
        let (mut bodies, mut largest, mut at) = (Vec::new(), 0, 0);
        for size in sizes.iter().cycle() {
            if at >= bytes.len() {
                break;
            }
            let end = (at + size).min(bytes.len());
            framer.push(&bytes[at..end]);
            at = end;
            while let Some(body) = framer.next_body() {
                bodies.push(body);
            }
            largest = largest.max(framer.buffered());
        }
        (bodies, largest)
    }

    #[test]
    fn ten_megabytes_without_a_header_end_are_processed_in_linear_time_and_bounded_memory() {
        let junk: Vec<u8> = (0..10 * 1024 * 1024).map(|it| b"Content-Length: 12\r\nx"[it % 21]).collect();
        let started = std::time::Instant::now();
        let mut framer = Framer::default();
        let (bodies, largest) = feed(&mut framer, &junk[..256 * 1024], &[1]);
        assert!(bodies.is_empty());
        assert!(largest <= MAX_HEADER + 1, "{largest}");
        let (bodies, largest) = feed(&mut framer, &junk, &[1, 2, 7, 64, 1000, 4096, 65536, 3]);
        assert!(bodies.is_empty());
        assert!(largest <= MAX_HEADER + 65536, "{largest}");
        assert!(framer.buffer.capacity() <= 2 * (MAX_HEADER + 65536), "{}", framer.buffer.capacity());
        // Generous: linear work takes well under a second even unoptimized; the old quadratic scan took minutes.
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[test]
    fn an_oversized_header_block_is_skipped_and_the_next_message_comes_through() {
        let mut stream = b"X-Junk: ".to_vec();
        stream.extend(std::iter::repeat_n(b'a', 20_000));
        stream.extend(b"\r\n\r\nContent-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]");
        for sizes in [&[1usize][..], &[100], &[64 * 1024]] {
            let mut framer = Framer::default();
            let (bodies, largest) = feed(&mut framer, &stream, sizes);
            assert_eq!(bodies, [b"{}".to_vec(), b"[1]".to_vec()], "{sizes:?}");
            assert!(largest <= MAX_HEADER + sizes[0].max(MAX_HEADER) + 64, "{largest}");
        }
        // A long header block that arrives whole is dropped too.
        let mut framer = Framer::default();
        framer.push(&stream);
        assert_eq!(framer.next_body(), Some(b"{}".to_vec()));
    }

    #[test]
    fn bodies_arriving_a_byte_at_a_time_are_reassembled_and_the_buffer_compacts() {
        let mut stream = Vec::new();
        for index in 0..2000 {
            let body = format!("{{\"n\":{index}}}");
            stream.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).bytes());
        }
        let mut framer = Framer::default();
        let (bodies, largest) = feed(&mut framer, &stream, &[1, 5, 300, 70_000]);
        assert_eq!(bodies.len(), 2000);
        assert_eq!(bodies[1999], b"{\"n\":1999}".to_vec());
        assert!(largest <= 70_000 + 64, "{largest}");
        assert_eq!(framer.buffered(), 0);
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
