//! The API's database sockets, opened here instead of by the driver so that each one can count its
//! flights: the unit the round-trip budgets (`functions/tests/api/round_trips.rs`) are written in.
//!
//! A flight is one burst of bytes written to the server before anything is read back. It is counted
//! on the socket, below the driver, because that is where the cost is: a statement prepared behind
//! our back, a type lookup for an unknown column type, a probe, each shows up as a flight of its own,
//! whatever the code above believes it sent. Counting writes that follow a read (rather than calls,
//! or awaits) makes the number independent of how the driver splits its buffer into `write` calls
//! and of how fast the server answers: statements queued together on one client are one flight
//! however many syscalls carry them. It can only overstate what a request waited for, never
//! understate it: to wait for an answer and then send more, a read must come between the two writes.
//! (On a multi-threaded runtime the driver's task may write the first of several queued statements
//! before the others are queued; if the answer also comes back in between, that is two flights on
//! the wire, and counted so. The tests run the driver on the request's thread, where it cannot.)

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, Connection};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::DbError;

/// The flights of one connection since it was opened (the start-up and TLS handshakes included).
#[derive(Debug)]
pub struct Flights {
    count: AtomicU64,
    /// Whether the last bytes moved were read: the next write then starts a new flight.
    read_last: AtomicBool,
}

impl Flights {
    fn new() -> Self {
        Flights {
            count: AtomicU64::new(0),
            read_last: AtomicBool::new(true),
        }
    }

    pub fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn wrote(&self) {
        if self.read_last.swap(false, Ordering::Relaxed) {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn read(&self) {
        self.read_last.store(true, Ordering::Relaxed);
    }
}

/// TCP or Unix-domain: the driver's own `Socket` cannot be built outside it.
pub(super) trait Io: AsyncRead + AsyncWrite + Send + Sync + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin> Io for T {}

/// A socket that reports every read and write to its `Flights`.
pub(super) struct Counted {
    inner: Box<dyn Io>,
    flights: Arc<Flights>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.flights.read();
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.flights.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.flights.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

type TlsStream = <MakeRustlsConnect as MakeTlsConnect<Counted>>::Stream;

/// Connect as `pg` says, through a counted socket: the hosts in order (each address of a name in
/// turn), within `pg`'s connect timeout per address, with its TCP user timeout and keepalives, as
/// the driver's own `connect` does. The TLS handshake and start-up follow on that socket.
pub(super) async fn connect(
    pg: &Config,
    mut tls: MakeRustlsConnect,
) -> Result<(Client, Connection<Counted, TlsStream>, Arc<Flights>), DbError> {
    let hosts = pg.get_hosts();
    let ports = pg.get_ports();
    let addrs = pg.get_hostaddrs();
    let mut last: Option<DbError> = None;
    let count = hosts.len().max(addrs.len()).max(1);
    for i in 0..count {
        let port = match ports {
            [] => 5432,
            [one] => *one,
            many => many.get(i).copied().unwrap_or(5432),
        };
        let host = hosts.get(i);
        let socket = match (addrs.get(i), host) {
            (Some(ip), _) => tcp(pg, &[*ip], port).await,
            (None, Some(Host::Tcp(name))) => match resolve(name, port).await {
                Ok(ips) => tcp(pg, &ips, port).await,
                Err(e) => Err(e),
            },
            #[cfg(unix)]
            (None, Some(Host::Unix(dir))) => {
                let path = dir.join(format!(".s.PGSQL.{port}"));
                within(pg, tokio::net::UnixStream::connect(path))
                    .await
                    .map(|s| Box::new(s) as Box<dyn Io>)
            }
            _ => tcp(pg, &[IpAddr::from([127, 0, 0, 1])], port).await,
        };
        let socket = match socket {
            Ok(s) => s,
            Err(e) => {
                last = Some(DbError::unavailable("connect", e));
                continue;
            }
        };
        let flights = Arc::new(Flights::new());
        let stream = Counted {
            inner: socket,
            flights: Arc::clone(&flights),
        };
        // The name TLS verifies; a Unix socket has none (the driver passes "" too).
        let name = match host {
            Some(Host::Tcp(name)) => name.as_str(),
            _ => "",
        };
        let connector = MakeTlsConnect::<Counted>::make_tls_connect(&mut tls, name)
            .map_err(|e| DbError::unavailable("TLS set-up", e))?;
        match pg.connect_raw(stream, connector).await {
            Ok((client, connection)) => return Ok((client, connection, flights)),
            Err(e) => last = Some(DbError::unavailable("connect", e)),
        }
    }
    Err(last.unwrap_or_else(|| DbError::Unavailable {
        context: "connect: no host to connect to".into(),
        source: None,
    }))
}

async fn resolve(name: &str, port: u16) -> io::Result<Vec<IpAddr>> {
    Ok(tokio::net::lookup_host((name, port))
        .await?
        .map(|a| a.ip())
        .collect())
}

async fn within<T>(pg: &Config, connect: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    match pg.get_connect_timeout() {
        Some(limit) => tokio::time::timeout(*limit, connect)
            .await
            .unwrap_or_else(|_| {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection timed out",
                ))
            }),
        None => connect.await,
    }
}

/// The first address of `ips` that accepts, with the driver's socket options.
async fn tcp(pg: &Config, ips: &[IpAddr], port: u16) -> io::Result<Box<dyn Io>> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    for ip in ips {
        match within(pg, tokio::net::TcpStream::connect((*ip, port))).await {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                let sock = SockRef::from(&stream);
                #[cfg(target_os = "linux")]
                if let Some(limit) = pg.get_tcp_user_timeout() {
                    sock.set_tcp_user_timeout(Some(*limit))?;
                }
                if pg.get_keepalives() {
                    let mut keepalive = TcpKeepalive::new().with_time(pg.get_keepalives_idle());
                    #[cfg(not(windows))]
                    if let Some(interval) = pg.get_keepalives_interval() {
                        keepalive = keepalive.with_interval(interval);
                    }
                    #[cfg(not(windows))]
                    if let Some(retries) = pg.get_keepalives_retries() {
                        keepalive = keepalive.with_retries(retries);
                    }
                    sock.set_tcp_keepalive(&keepalive)?;
                }
                return Ok(Box::new(stream));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}
