//! Standard input and output on the runtime's own event loop when they are pipes or sockets (how every editor
//! starts a language server), instead of tokio's `stdin()` / `stdout()`, which hand every read and every write
//! to a blocking thread. That hand-off is two thread switches per message each way; for a keystroke whose
//! check takes a tenth of a millisecond, it was most of the server's CPU time.
//!
//! The descriptors are switched to non-blocking mode and registered with the reactor. Anything else (a
//! terminal, a regular file, `/dev/null`) keeps tokio's blocking versions: a terminal's mode is shared with the
//! shell, and regular files cannot be polled.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Standard input: polled on the runtime when it is a pipe or a socket.
pub fn stdin() -> Box<dyn AsyncRead + Send + Unpin> {
    #[cfg(unix)]
    // SAFETY: standard input stays open as long as the process runs.
    if let Some(pipe) = unsafe { unix::Pipe::new(0, tokio::io::Interest::READABLE) } {
        return Box::new(pipe);
    }
    Box::new(tokio::io::stdin())
}

/// Standard output: polled on the runtime when it is a pipe or a socket.
pub fn stdout() -> Box<dyn AsyncWrite + Send + Unpin> {
    #[cfg(unix)]
    // SAFETY: standard output stays open as long as the process runs.
    if let Some(pipe) = unsafe { unix::Pipe::new(1, tokio::io::Interest::WRITABLE) } {
        return Box::new(pipe);
    }
    Box::new(tokio::io::stdout())
}

#[cfg(unix)]
mod unix {
    use std::os::fd::{AsRawFd, RawFd};

    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    use super::*;

    /// A descriptor this process does not own (0 or 1): never closed.
    struct Borrowed(RawFd);

    impl AsRawFd for Borrowed {
        fn as_raw_fd(&self) -> RawFd {
            self.0
        }
    }

    pub struct Pipe(AsyncFd<Borrowed>);

    impl Pipe {
        /// `fd` in non-blocking mode on the reactor, when it is a pipe or a socket; `None` otherwise (it is
        /// then left as it was). Call it inside the runtime.
        ///
        /// # Safety
        ///
        /// `fd` must stay open, and name the same pipe or socket, as long as the `Pipe` lives.
        pub unsafe fn new(fd: RawFd, interest: Interest) -> Option<Pipe> {
            // SAFETY: `fstat` writes into the zeroed struct it is given; a closed `fd` is an error.
            let mut stat: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::fstat(fd, &mut stat) } != 0 {
                return None;
            }
            let kind = stat.st_mode & libc::S_IFMT;
            if kind != libc::S_IFIFO && kind != libc::S_IFSOCK {
                return None;
            }
            // SAFETY: plain `fcntl` calls on a descriptor that is open.
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
            if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
                return None;
            }
            // SAFETY: the caller keeps `fd` open as long as the `Pipe` lives.
            match unsafe { AsyncFd::register_with_interest(Borrowed(fd), interest) } {
                Ok(it) => Some(Pipe(it)),
                Err(error) => {
                    let error = error.into_parts().1;
                    // Back to blocking mode for tokio's own reader or writer.
                    // SAFETY: as above.
                    unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
                    tracing::debug!(fd, %error, "standard stream cannot be polled; using a blocking thread");
                    None
                }
            }
        }
    }

    /// `-1` from a libc call as the error it stands for.
    fn check(result: isize) -> io::Result<usize> {
        usize::try_from(result).map_err(|_| io::Error::last_os_error())
    }

    impl AsyncRead for Pipe {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
            loop {
                let mut guard = ready!(self.0.poll_read_ready(cx))?;
                let unfilled = buf.initialize_unfilled();
                let read = guard.try_io(|fd| {
                    // SAFETY: `unfilled` is valid for writes of its length.
                    check(unsafe { libc::read(fd.as_raw_fd(), unfilled.as_mut_ptr().cast(), unfilled.len()) })
                });
                match read {
                    Ok(Ok(n)) => {
                        buf.advance(n);
                        return Poll::Ready(Ok(()));
                    }
                    Ok(Err(error)) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Ok(Err(error)) => return Poll::Ready(Err(error)),
                    Err(_would_block) => continue,
                }
            }
        }
    }

    impl AsyncWrite for Pipe {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
            loop {
                let mut guard = ready!(self.0.poll_write_ready(cx))?;
                let written = guard.try_io(|fd| {
                    // SAFETY: `bytes` is valid for reads of its length.
                    check(unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) })
                });
                match written {
                    Ok(Err(error)) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Ok(result) => return Poll::Ready(result),
                    Err(_would_block) => continue,
                }
            }
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(())) // Nothing is buffered here.
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[cfg(test)]
    mod tests {
        use std::os::fd::{FromRawFd, OwnedFd};

        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        use super::*;

        /// A pipe's two ends, closed when dropped.
        fn pipe() -> (OwnedFd, OwnedFd) {
            let mut fds = [0; 2];
            // SAFETY: `pipe` fills the two descriptors it is given.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            // SAFETY: both were just opened and are owned by nobody else.
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
        }

        #[tokio::test(flavor = "current_thread")]
        async fn a_pipe_carries_more_than_its_buffer_both_ways_and_ends() {
            let (read_end, write_end) = pipe();
            // SAFETY: both ends are closed only after their `Pipe`s are dropped.
            let mut reader = unsafe { Pipe::new(read_end.as_raw_fd(), Interest::READABLE) }.expect("a pipe is polled");
            let mut writer = unsafe { Pipe::new(write_end.as_raw_fd(), Interest::WRITABLE) }.expect("a pipe is polled");
            // Four times a pipe's default capacity: the writer must wait for the reader, on one thread.
            let sent: Vec<u8> = (0..256 * 1024).map(|it| (it % 251) as u8).collect();
            let expected = sent.clone();
            let write = async move {
                writer.write_all(&sent).await.unwrap();
                drop(writer);
                drop(write_end);
            };
            let read = async move {
                let mut got = Vec::new();
                reader.read_to_end(&mut got).await.unwrap();
                got
            };
            let ((), got) = tokio::join!(write, read);
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "bytes differ");
            let flags = unsafe { libc::fcntl(read_end.as_raw_fd(), libc::F_GETFL) };
            assert_ne!(flags & libc::O_NONBLOCK, 0);
        }

        #[test]
        fn regular_files_are_left_alone() {
            let file = tempfile::tempfile().unwrap();
            let before = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
            // SAFETY: the file outlives the call.
            assert!(unsafe { Pipe::new(file.as_raw_fd(), Interest::READABLE) }.is_none());
            assert_eq!(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) }, before);
        }
    }
}
