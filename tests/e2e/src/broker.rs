//! A NATS server with JetStream (the Debian package `nats-server`) on a free port of
//! 127.0.0.1, with a store of its own that survives a stop and a start, as a broker that goes
//! down for a while and comes back.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `nats-server` the test controls; stopped when dropped.
#[derive(Debug)]
pub struct Broker {
    child: Option<Child>,
    port: u16,
    store: tempfile::TempDir,
}

impl Broker {
    /// A running broker.
    pub fn start() -> Self {
        let mut broker = Self {
            child: None,
            port: crate::free_port(),
            store: tempfile::tempdir().expect("a directory for the broker's store"),
        };
        broker.resume();
        broker
    }

    /// `nats://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Where JetStream keeps its streams.
    pub fn store(&self) -> PathBuf {
        self.store.path().to_path_buf()
    }

    /// Starts it again on the same port and store (after [`Broker::stop`]), and waits until
    /// it listens.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the broker is running already");
        let child = Command::new("nats-server")
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "nats-server does not start ({error}): install the Debian package nats-server"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (the clients see the connection drop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}
