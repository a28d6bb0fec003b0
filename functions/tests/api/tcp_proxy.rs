//! A tiny TCP proxy in front of the shared test PostgreSQL, to break the database for one test without
//! touching the server every other test uses: `Refuse` closes new connections at once (a server that
//! is down), `Freeze` stops forwarding in both directions while keeping the sockets open (a stalled
//! server, as under SIGSTOP: the kernel still accepts and acknowledges, nobody answers).
//! `CutAtCommit` passes a `COMMIT` through to the server and then closes the connection before its
//! answer comes back (a connection lost while the server commits: the client cannot know the outcome).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Forward = 0,
    Refuse = 1,
    Freeze = 2,
    CutAtCommit = 3,
    /// Set by `CutAtCommit` once a `COMMIT` went through: both directions close.
    Cut = 4,
}

pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// A proxy on a free port of 127.0.0.1 forwarding to `target_port` there.
    pub async fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Forward as u8));
        let m = Arc::clone(&mode);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if m.load(Ordering::SeqCst) == Mode::Refuse as u8 {
                    drop(client);
                    continue;
                }
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", target_port)).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (ur, uw) = upstream.into_split();
                tokio::spawn(pump(cr, uw, Arc::clone(&m), true));
                tokio::spawn(pump(ur, cw, Arc::clone(&m), false));
            }
        });
        Proxy { port, mode, task }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn url(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mode: Arc<AtomicU8>,
    to_server: bool,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while mode.load(Ordering::SeqCst) == Mode::Freeze as u8 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Bytes read just before a freeze are held until the thaw, like a stopped server's.
        while mode.load(Ordering::SeqCst) == Mode::Freeze as u8 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if mode.load(Ordering::SeqCst) == Mode::Cut as u8 {
            return;
        }
        // The client's simple query `COMMIT` (its text, NUL-terminated, as the driver sends it). Its
        // answer is read only after the cut, so it never reaches the client.
        let commit = to_server
            && mode.load(Ordering::SeqCst) == Mode::CutAtCommit as u8
            && buf[..n].windows(7).any(|w| w == b"COMMIT\0");
        if commit {
            mode.store(Mode::Cut as u8, Ordering::SeqCst);
        }
        if to.write_all(&buf[..n]).await.is_err() || commit {
            return;
        }
    }
}
