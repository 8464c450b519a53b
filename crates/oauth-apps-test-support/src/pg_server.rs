//! A PostgreSQL server of a test's own, for fault tests that stop and restart it.
//!
//! It is made with the system's `initdb` and `pg_ctl` (the directory in
//! `OAUTH_APPS_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`), runs as the
//! `postgres` user when the tests run as root, listens on a free loopback port, and is
//! stopped and deleted when dropped. `bash scripts/test` installs the binaries.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The environment variable naming the directory of `initdb` and `pg_ctl`.
pub const BIN_ENV: &str = "OAUTH_APPS_PG_BIN";

/// A running (or stopped) PostgreSQL server owned by one test.
pub struct PrivateServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

fn find_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os(BIN_ENV) {
        return PathBuf::from(dir);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's initdb and pg_ctl were not found: install the postgresql package \
             (bash scripts/test does) or set {BIN_ENV}"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn run(program: &Path, args: &[&str]) -> Output {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl PrivateServer {
    /// Makes a new cluster and starts it.
    ///
    /// # Panics
    /// When the binaries are missing or the server does not start.
    #[must_use]
    pub fn start() -> Self {
        let bin = find_bin();
        let dir = std::env::temp_dir().join(format!("oauth-apps-pgfault-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres"])
                .arg(&dir)
                .status()
                .unwrap_or_else(|e| panic!("chown: {e}"));
            assert!(status.success(), "chown postgres {}", dir.display());
        }
        let data = dir.join("data");
        let out = run(
            &bin.join("initdb"),
            &[
                "-A",
                "trust",
                "-U",
                "postgres",
                "-D",
                &data.to_string_lossy(),
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = Self {
            bin,
            dir,
            port: free_port(),
        };
        server.resume();
        server
    }

    /// The admin URL (`postgres` database).
    #[must_use]
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A URL for database `name` on this server.
    #[must_use]
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// Stops the server the way an operator's `pg_ctl stop` does (fast shutdown: clients
    /// are disconnected, open transactions are rolled back).
    ///
    /// # Panics
    /// When `pg_ctl` fails.
    pub fn stop(&self) {
        let out = run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data(), "-m", "fast", "-w", "stop"],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server again on the same port and data.
    ///
    /// # Panics
    /// When it does not start.
    pub fn resume(&self) {
        let log = self.dir.join("server.log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        let out = run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data(),
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
