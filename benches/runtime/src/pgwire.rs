//! A counting TCP proxy in front of PostgreSQL: how many statements and round trips a
//! command really costs, as the wire sees them.
//!
//! Server-side statistics count statements but not the driver's own traffic (sqlx pings an
//! idle connection with a bare `Sync` before handing it out). The proxy sees both: it frames
//! the protocol in each direction and counts
//! - statements: the client's `Query` ('Q', simple protocol) and `Execute` ('E', extended
//!   protocol) messages;
//! - round trips: the server's `ReadyForQuery` ('Z'), sent once per client sync point, which
//!   the client waits for before it goes on;
//! - pings: a client `Sync` ('S') with no other message since the previous one, which is how
//!   sqlx checks a connection before handing it out (`test_before_acquire`, on by default)
//!   and, always, when it comes back to the pool.
//!
//! The proxy is only used for a separate counting pass, never for the timed runs, because it
//! adds latency. Connections through it must not ask for TLS.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// What passed through the proxy so far.
#[derive(Debug, Default)]
pub struct Counters {
    /// Client `Query` messages.
    pub simple_queries: AtomicU64,
    /// Client `Execute` messages.
    pub executes: AtomicU64,
    /// Client `Parse` messages (statement preparations).
    pub parses: AtomicU64,
    /// Server `ReadyForQuery` messages.
    pub ready: AtomicU64,
    /// Client `Sync` messages with nothing before them since the last one.
    pub pings: AtomicU64,
    /// Startup requests the proxy cannot follow (TLS or GSS encryption, cancel requests).
    pub unexpected: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Statements executed.
    pub statements: u64,
    /// Statements prepared.
    pub parses: u64,
    /// Round trips completed.
    pub round_trips: u64,
    /// Of which pings.
    pub pings: u64,
}

impl std::ops::Sub for Snapshot {
    type Output = Snapshot;
    fn sub(self, earlier: Snapshot) -> Snapshot {
        Snapshot {
            statements: self.statements - earlier.statements,
            parses: self.parses - earlier.parses,
            round_trips: self.round_trips - earlier.round_trips,
            pings: self.pings - earlier.pings,
        }
    }
}

impl Counters {
    /// The counts now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            statements: self.simple_queries.load(Ordering::SeqCst)
                + self.executes.load(Ordering::SeqCst),
            parses: self.parses.load(Ordering::SeqCst),
            round_trips: self.ready.load(Ordering::SeqCst),
            pings: self.pings.load(Ordering::SeqCst),
        }
    }

    /// Startup requests the proxy could not follow; must stay 0 for the counts to mean anything.
    pub fn unexpected(&self) -> u64 {
        self.unexpected.load(Ordering::SeqCst)
    }
}

/// Splits one direction of the protocol into messages, across arbitrary read boundaries.
///
/// Every message is a type byte and a big-endian length that counts itself but not the type
/// byte, except the client's first message (startup), which has no type byte.
#[derive(Debug)]
pub struct Framer {
    untyped_next: bool,
    header: Vec<u8>,
    remaining: usize,
}

impl Framer {
    /// The client-to-server direction: starts with the untyped startup message.
    pub fn client() -> Self {
        Self {
            untyped_next: true,
            header: Vec::with_capacity(8),
            remaining: 0,
        }
    }

    /// The server-to-client direction: every message is typed.
    pub fn server() -> Self {
        Self {
            untyped_next: false,
            ..Self::client()
        }
    }

    /// Feeds `data`; calls `message` with each message's type byte (`None` for the untyped
    /// startup message, with its length) as soon as its header is complete.
    pub fn feed(&mut self, mut data: &[u8], mut message: impl FnMut(Option<u8>, usize)) {
        while !data.is_empty() {
            if self.remaining > 0 {
                let skip = self.remaining.min(data.len());
                self.remaining -= skip;
                data = &data[skip..];
                continue;
            }
            let need = if self.untyped_next { 4 } else { 5 };
            let take = (need - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.header.len() < need {
                return;
            }
            let (kind, length) = if self.untyped_next {
                (None, &self.header[0..4])
            } else {
                (Some(self.header[0]), &self.header[1..5])
            };
            let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
            message(kind, length);
            self.remaining = length.saturating_sub(4);
            self.untyped_next = false;
            self.header.clear();
        }
    }
}

/// Starts the proxy on an ephemeral loopback port in front of `upstream`. It runs until the
/// process ends.
pub async fn start(upstream: SocketAddr) -> std::io::Result<(SocketAddr, Arc<Counters>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let counters = Arc::new(Counters::default());
    let shared = counters.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = shared.clone();
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(upstream).await {
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let up = pump(
                        client_read,
                        server_write,
                        Framer::client(),
                        counters.clone(),
                        true,
                    );
                    let down = pump(server_read, client_write, Framer::server(), counters, false);
                    let _ = tokio::join!(up, down);
                }
            });
        }
    });
    Ok((address, counters))
}

/// Copies one direction, counting its messages before forwarding them, so that a count is
/// in place by the time the other side can react to the message.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut framer: Framer,
    counters: Arc<Counters>,
    from_client: bool,
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 64 * 1024];
    // Client messages since its last Sync: a Sync with none before it is a ping.
    let mut since_sync = 0u64;
    loop {
        let read = from.read(&mut buffer).await?;
        if read == 0 {
            return to.shutdown().await;
        }
        framer.feed(&buffer[..read], |kind, length| {
            if from_client && kind == Some(b'S') {
                if since_sync == 0 {
                    counters.pings.fetch_add(1, Ordering::SeqCst);
                }
                since_sync = 0;
                return;
            }
            since_sync += 1;
            let counter = match (from_client, kind) {
                (true, Some(b'Q')) => &counters.simple_queries,
                (true, Some(b'E')) => &counters.executes,
                (true, Some(b'P')) => &counters.parses,
                // SSLRequest, GSSENCRequest and CancelRequest are untyped and 8 or 16 bytes
                // long; a startup message is longer. The first two change the framing.
                (true, None) if length <= 16 => &counters.unexpected,
                (false, Some(b'Z')) => &counters.ready,
                _ => return,
            };
            counter.fetch_add(1, Ordering::SeqCst);
        });
        to.write_all(&buffer[..read]).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![kind];
        bytes.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    fn kinds(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<Option<u8>> {
        let mut seen = Vec::new();
        for chunk in chunks {
            framer.feed(chunk, |kind, _| seen.push(kind));
        }
        seen
    }

    #[test]
    fn frames_across_any_split() {
        let mut stream = Vec::new();
        let startup = [0u8, 0, 0, 9, 0, 3, 0, 0, b'x'];
        stream.extend_from_slice(&startup);
        stream.extend(message(b'P', b"SELECT 1\0\0\0"));
        stream.extend(message(b'B', b"\0\0\0\0\0\0\0"));
        stream.extend(message(b'E', b"\0\0\0\0\0"));
        stream.extend(message(b'S', b""));
        stream.extend(message(b'Q', b"BEGIN\0"));
        let expected = vec![
            None,
            Some(b'P'),
            Some(b'B'),
            Some(b'E'),
            Some(b'S'),
            Some(b'Q'),
        ];
        assert_eq!(kinds(&mut Framer::client(), &[&stream]), expected);
        for split in 1..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(
                kinds(&mut Framer::client(), &[a, b]),
                expected,
                "split at {split}"
            );
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(kinds(&mut Framer::client(), &bytes), expected);
    }

    #[test]
    fn server_messages_are_all_typed() {
        let mut stream = message(b'R', &[0, 0, 0, 0]);
        stream.extend(message(b'Z', b"I"));
        stream.extend(message(b'C', b"INSERT 0 1\0"));
        stream.extend(message(b'Z', b"I"));
        assert_eq!(
            kinds(&mut Framer::server(), &[&stream]),
            vec![Some(b'R'), Some(b'Z'), Some(b'C'), Some(b'Z')]
        );
    }
}
