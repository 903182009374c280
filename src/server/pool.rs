//! A small, fixed pool of threads for blocking work that a repository can make slow (reading
//! bundle files from a stuck network mount or a FIFO that slipped through).
//!
//! The pool never grows: a job that never finishes holds one of its threads for good, so the
//! caller waits for a result with a timeout, and once every thread has been busy for longer than
//! the timeout new jobs are refused at once instead of queued behind the stuck ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A unit of work for the pool.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full.
    Full,
    /// Every thread has been running one job for longer than the timeout.
    Stuck,
}

pub struct Pool {
    queue: SyncSender<Job>,
    /// Per thread: when its current job started (milliseconds since `epoch`, plus one), or 0 when idle.
    busy_since: Arc<Vec<AtomicU64>>,
    epoch: Instant,
    /// How long a job may run before its thread counts as stuck.
    pub timeout: Duration,
}

impl Pool {
    /// Starts `threads` threads named `name` with room for `queue` waiting jobs.
    pub fn new(name: &str, threads: usize, queue: usize, timeout: Duration) -> Pool {
        let (sender, receiver) = sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let busy_since: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
        let epoch = Instant::now();
        for index in 0..threads {
            let receiver = receiver.clone();
            let busy_since = busy_since.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || work(&receiver, &busy_since[index], epoch));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a {name} thread");
            }
        }
        Pool { queue: sender, busy_since, epoch, timeout }
    }

    /// Queues a job, or refuses it (handing it back) when the queue is full or every thread is stuck.
    pub fn submit(&self, job: Job) -> Result<(), (Refused, Job)> {
        if self.is_stuck() {
            return Err((Refused::Stuck, job));
        }
        self.queue.try_send(job).map_err(|error| match error {
            TrySendError::Full(job) => (Refused::Full, job),
            // The threads could not be started.
            TrySendError::Disconnected(job) => (Refused::Stuck, job),
        })
    }

    /// Whether every thread has been running one job for longer than the timeout.
    pub fn is_stuck(&self) -> bool {
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let stuck_after = self.timeout.as_millis() as u64;
        self.busy_since.iter().all(|it| {
            let since = it.load(Ordering::Acquire);
            since != 0 && now.saturating_sub(since) > stuck_after
        })
    }
}

fn work(receiver: &Mutex<Receiver<Job>>, busy_since: &AtomicU64, epoch: Instant) {
    loop {
        // The lock is held only while waiting for the next job; the pool ends when it is dropped.
        let job = match receiver.lock() {
            Ok(it) => it.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        busy_since.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::Release);
        // A panicking job must not take the thread with it.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a pool job panicked");
        }
        busy_since.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    /// Submits, keeping only why a job was refused.
    fn submit(pool: &Pool, job: Job) -> Result<(), Refused> {
        pool.submit(job).map_err(|(refused, _)| refused)
    }

    #[test]
    fn a_stuck_job_leaves_the_other_thread_working_and_two_make_the_pool_refuse_at_once() {
        let timeout = Duration::from_millis(100);
        let pool = Pool::new("test-pool", 2, 8, timeout);
        let (release, blocked) = channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let stuck_job = |blocked: Arc<Mutex<Receiver<()>>>| -> Job {
            Box::new(move || {
                let _ = blocked.lock().map(|it| it.recv());
            })
        };
        submit(&pool, stuck_job(blocked.clone())).unwrap();
        std::thread::sleep(timeout * 2);

        // One thread is stuck: later jobs still run, all on the other thread (none is added).
        let (done, finished) = channel();
        for index in 0..5 {
            let done = done.clone();
            submit(&pool, Box::new(move || done.send((index, std::thread::current().id())).unwrap())).unwrap();
        }
        let results: Vec<_> = (0..5).map(|_| finished.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
        let threads: std::collections::HashSet<_> = results.iter().map(|it| it.1).collect();
        assert_eq!(threads.len(), 1, "{results:?}");

        // The second thread gets stuck too (it waits for the lock the first one holds): refused at once.
        submit(&pool, stuck_job(blocked.clone())).unwrap();
        std::thread::sleep(timeout * 2);
        let started = Instant::now();
        assert_eq!(submit(&pool, Box::new(|| {})), Err(Refused::Stuck));
        assert!(started.elapsed() < Duration::from_millis(50));

        // Released, the threads serve again.
        drop(release);
        let (done, finished) = channel();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let done = done.clone();
            if submit(&pool, Box::new(move || done.send(()).unwrap())).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the pool never recovered");
            std::thread::sleep(Duration::from_millis(10));
        }
        finished.recv_timeout(Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn the_queue_is_bounded_and_a_panicking_job_keeps_its_thread() {
        let pool = Pool::new("test-pool", 1, 2, Duration::from_secs(60));
        let (release, blocked) = channel::<()>();
        submit(
            &pool,
            Box::new(move || {
                let _ = blocked.recv();
            }),
        )
        .unwrap();
        // Until the thread takes the first job the queue may hold it; fill what is left.
        let mut accepted = 0;
        while submit(&pool, Box::new(|| panic!("a test job panics"))).is_ok() {
            accepted += 1;
            assert!(accepted <= 3, "the queue is not bounded");
        }
        assert_eq!(submit(&pool, Box::new(|| {})), Err(Refused::Full));
        drop(release);
        let (done, finished) = channel();
        loop {
            let done = done.clone();
            if submit(&pool, Box::new(move || done.send(()).unwrap())).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        finished.recv_timeout(Duration::from_secs(5)).unwrap();
    }
}
