//! A webhook receiver of another language: the Standard Webhooks reference library for
//! Python behind an https server trusted through a [`TestCa`] (the script is
//! `crates/oauth-apps/tests/clients/webhook_receiver.py`). Killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::https::TestCa;

/// A running receiver.
pub struct Receiver {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    secret_file: PathBuf,
    log: PathBuf,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    /// Starts `script` in `dir` with a certificate of `ca`, answering 500 to its first
    /// `fail` requests.
    ///
    /// # Panics
    /// When Python or the library is missing (`scripts/test` installs it).
    #[must_use]
    pub fn start(script: &Path, ca: &TestCa, dir: &Path, fail: usize) -> Self {
        Self::start_slow(script, ca, dir, fail, Duration::ZERO)
    }

    /// [`Receiver::start`], answering each request after `delay`.
    ///
    /// # Panics
    /// As [`Receiver::start`].
    #[must_use]
    pub fn start_slow(
        script: &Path,
        ca: &TestCa,
        dir: &Path,
        fail: usize,
        delay: Duration,
    ) -> Self {
        let (cert, key) = ca.write_server_pem(dir);
        let secret_file = dir.join("webhook-secret");
        let log = dir.join("received.jsonl");
        std::fs::write(&secret_file, "").expect("secret file");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--cert", &cert, "--key", &key])
            .arg("--secret-file")
            .arg(&secret_file)
            .arg("--log")
            .arg(&log)
            .args(["--fail", &fail.to_string()])
            .args(["--delay-ms", &delay.as_millis().to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver says its port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!("the receiver did not start (is standardwebhooks installed?): {line:?}")
        });
        Self {
            child,
            port,
            secret_file,
            log,
        }
    }

    /// The URL of its endpoint.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}/hook", self.port)
    }

    /// Gives it the secret to verify with.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn use_secret(&self, secret: &str) {
        std::fs::write(&self.secret_file, secret).expect("secret written");
    }

    /// Every request it received, in order: `{verified, error, id, answered, payload}`.
    #[must_use]
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// The requests it answered 200, once `done` holds of them, waiting up to `within`.
    ///
    /// # Panics
    /// When `done` does not hold in time.
    pub async fn acknowledged_until(
        &self,
        within: Duration,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let acked: Vec<Value> = self
                .received()
                .into_iter()
                .filter(|r| r["answered"] == 200)
                .collect();
            if done(&acked) {
                return acked;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver got {} acknowledged deliveries: {:?}",
                acked.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
