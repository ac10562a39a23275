//! What the end-to-end tests need to drive a generated service from the outside: generating
//! and building a project the way a team would (`seedwork new`, `cargo build`), starting its
//! binary, and talking HTTP to it on 127.0.0.1.
//!
//! The HTTP client is a few lines over `TcpStream` (HTTP/1.1, `Connection: close`), so the
//! tests depend on nothing the service under test does not.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use seedwork_cli::app::{Cli, Command as CliCommand, RenderArgs};
use seedwork_cli::model::Model;

pub mod broker;

pub use broker::Broker;

/// A port of 127.0.0.1 nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Waits until `done` holds, checking every 100 ms, failing with `what` after `seconds`.
#[track_caller]
pub fn eventually(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let waited = poll_until(Duration::from_secs(seconds), || {
        if done() {
            Ok(())
        } else {
            Err(String::new())
        }
    });
    assert!(waited.is_ok(), "{what}: not within {seconds} s");
}

/// Runs `check` every 100 ms until it passes or `deadline` has passed; returns its last
/// complaint then, for tests that say what was still wrong.
pub fn poll_until(
    deadline: Duration,
    mut check: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    let until = Instant::now() + deadline;
    loop {
        match check() {
            Ok(()) => return Ok(()),
            Err(complaint) if Instant::now() >= until => return Err(complaint),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// The target directory every project shares with the workspace, so dependencies are
/// compiled once for all of them.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The checked model of `examples/<name>/domain.toml`.
pub fn example_model(name: &str) -> Model {
    let spec = workspace().join("examples").join(name).join("domain.toml");
    let (source, checked) = seedwork_cli::check::load(&spec).expect("reads the spec");
    checked.model.unwrap_or_else(|| {
        panic!(
            "{} does not check:\n{}",
            spec.display(),
            checked.diagnostics.to_text(&source)
        )
    })
}

/// A project generated into a temporary directory from an example's spec, built.
#[derive(Debug)]
pub struct Project {
    /// Where it is.
    pub dir: PathBuf,
    /// Its binary.
    pub binary: PathBuf,
    /// Its model.
    pub model: Model,
    _temporary: tempfile::TempDir,
}

/// Runs `cargo args…` in `dir` with the shared target directory, failing with its output.
pub fn cargo(dir: &Path, args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`cargo {}` failed in {}:\n{stdout}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The hand-written files of an example: its business rules and its own tests, which
/// `seedwork new` writes as defaults the team then replaces.
fn hand_written(example: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (dir, generated) in [("src/rules", "mod.rs"), ("tests", "generated_")] {
        let Ok(entries) = std::fs::read_dir(example.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if path.extension().is_some_and(|e| e == "rs") && !name.starts_with(generated) {
                files.push(Path::new(dir).join(name));
            }
        }
    }
    files.sort();
    files
}

impl Project {
    /// Generates the service of `examples/<name>` afresh into a temporary directory with
    /// `seedwork new`, puts the example's hand-written business rules and tests in, then
    /// checks its formatting, lints it, runs its tests and builds its binary — what a team
    /// does with a fresh checkout.
    pub fn generate(name: &str) -> Self {
        let temporary = tempfile::tempdir().expect("a temporary directory");
        let dir = temporary.path().join(name);
        let spec = workspace().join("examples").join(name).join("domain.toml");
        let cli = Cli {
            command: CliCommand::New {
                dir: dir.clone(),
                spec,
                force: false,
                render: RenderArgs {
                    templates: None,
                    runtime: Some(workspace().join("runtime").display().to_string()),
                },
            },
        };
        seedwork_cli::app::run(cli).expect("seedwork new generates the project");
        let example = workspace().join("examples").join(name);
        for file in hand_written(&example) {
            std::fs::copy(example.join(&file), dir.join(&file))
                .unwrap_or_else(|error| panic!("copies {}: {error}", file.display()));
        }
        // The workspace's lock file: shared dependencies resolve to the versions already built.
        std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock"))
            .expect("copies the lock file");
        cargo(&dir, &["fmt", "--check"]);
        cargo(&dir, &["clippy", "--all-targets", "--", "-D", "warnings"]);
        cargo(&dir, &["test"]);
        let built = cargo(&dir, &["build", "--message-format=json"]);
        let binary = built
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|message| message["reason"] == "compiler-artifact")
            .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
            .next_back()
            .expect("the build names the binary");
        Self {
            dir,
            binary,
            model: example_model(name),
            _temporary: temporary,
        }
    }

    /// Starts the service on a free port of 127.0.0.1 over `database`, with `tokens`
    /// (`API_TOKENS`), and waits until it says where it listens.
    pub fn serve(&self, database: &str, tokens: &str) -> Service {
        self.serve_with(database, tokens, &[])
    }

    /// [`Project::serve`] with more environment variables (`NATS_URL`, `SEEDWORK_FAULT`).
    pub fn serve_with(&self, database: &str, tokens: &str, env: &[(&str, &str)]) -> Service {
        let mut child = Command::new(&self.binary)
            .args(["serve", "--port", "0"])
            .env("DATABASE_URL", database)
            .env("API_TOKENS", tokens)
            .env("RUST_LOG", "warn")
            .env_remove("NATS_URL")
            .env_remove("SEEDWORK_FAULT")
            .envs(env.iter().copied())
            .current_dir(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the service starts");
        let stdout = child.stdout.take().expect("its standard output");
        let mut lines = BufReader::new(stdout).lines();
        let line = lines
            .next()
            .expect("the service prints where it listens")
            .expect("a line of text");
        let address = line
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        Service { child, address }
    }

    /// Runs the binary's one-off task `args` (such as `rebuild-read-models`) over
    /// `database` to its end, failing with its output unless it succeeds; returns its
    /// standard output.
    pub fn run_task(&self, args: &[&str], database: &str) -> String {
        let output = Command::new(&self.binary)
            .args(args)
            .args(["--database", database])
            .env("RUST_LOG", "warn")
            .current_dir(&self.dir)
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "`{} {}` failed with {}:\n{stdout}\n{}",
            self.binary.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }
}

/// A running service.
#[derive(Debug)]
pub struct Service {
    child: Child,
    /// `127.0.0.1:port`.
    pub address: String,
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: serde_json::Value,
}

impl Answer {
    /// The value of header `name`, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Service {
    /// Sends `method path` with `headers` and an optional JSON body; returns the answer, and
    /// fails the test if there is none (see [`try_call`](Self::try_call)).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Answer {
        self.try_call(method, path, headers, body)
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"))
    }

    /// Like [`call`](Self::call), but a request that gets no HTTP answer — the connection
    /// refused or dropped, no answer within 30 seconds, something that is not HTTP — is an
    /// error saying so, for tests that collect every failure of many concurrent requests.
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        let mut stream = TcpStream::connect(&self.address)
            .map_err(|error| format!("cannot connect to {}: {error}", self.address))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|error| format!("cannot set a read timeout: {error}"))?;
        stream
            .write_all(request.as_bytes())
            .map_err(|error| format!("cannot send the request: {error}"))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|error| format!("no complete answer: {error}"))?;
        parse(&raw)
    }

    /// Waits up to `seconds` for the process to exit by itself (a provoked crash), and
    /// returns how it ended.
    pub fn exited_within(&mut self, seconds: u64) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            if let Some(status) = self.child.try_wait().expect("the service's status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the service did not exit within {seconds} s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the service with SIGTERM and waits for it to exit; its exit status must be a
    /// success (a graceful shutdown).
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let signalled = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(signalled.success(), "the service could not be signalled");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("the service's status") {
                assert!(
                    status.success(),
                    "the service exited with {status} on SIGTERM"
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the service did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // A test that failed half-way must not leave the service running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses an HTTP/1.1 answer (the body is what follows the headers, the connection closed).
fn parse(raw: &[u8]) -> Result<Answer, String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    })
}

/// The payload of a chunked body.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The route of command `name` of `model`: (method, path with `{param}` in it).
pub fn command_route(model: &Model, name: &str) -> (String, String) {
    model
        .aggregates
        .iter()
        .flat_map(|a| a.commands.iter())
        .find(|c| c.names.name == name)
        .map(|c| (c.http.method.clone(), c.http.path.clone()))
        .unwrap_or_else(|| panic!("no command {name}"))
}

/// The route of query `name` of `model`.
pub fn query_route(model: &Model, name: &str) -> String {
    model
        .read_models
        .iter()
        .flat_map(|r| r.queries.iter())
        .find(|q| q.names.name == name)
        .map(|q| q.http.path.clone())
        .unwrap_or_else(|| panic!("no query {name}"))
}

/// `path` with its one `{parameter}` replaced by `value`.
pub fn with_id(path: &str, value: &str) -> String {
    match (path.find('{'), path.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{value}{}", &path[..open], &path[close + 1..])
        }
        _ => path.to_owned(),
    }
}

/// Every operation the API must document: each command's and query's route, `/health` and
/// `/openapi.json`, as `METHOD path`.
pub fn expected_operations(model: &Model) -> std::collections::BTreeSet<String> {
    let mut operations: std::collections::BTreeSet<String> = model
        .aggregates
        .iter()
        .flat_map(|a| a.commands.iter())
        .map(|c| format!("{} {}", c.http.method, c.http.path))
        .collect();
    for query in model.read_models.iter().flat_map(|r| r.queries.iter()) {
        operations.insert(format!("GET {}", query.http.path));
    }
    operations.insert("GET /health".to_owned());
    operations.insert("GET /openapi.json".to_owned());
    operations
}

/// The operations an OpenAPI document lists, as `METHOD path`.
pub fn documented_operations(document: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let mut operations = std::collections::BTreeSet::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|o| o.keys()) {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}
