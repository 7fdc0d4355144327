//! A real, throwaway PostgreSQL server for a test: its own cluster in a temporary
//! directory, reached through a Unix socket only (no TCP port is opened), stopped and
//! removed when dropped.
//!
//! The server binaries are the newest under `/usr/lib/postgresql/<version>/bin` (Debian's
//! layout), else those `pg_config --bindir` names. `initdb` and `postgres` refuse to run as
//! root, so when the tests do (in a container), they run as the `postgres` user, which owns
//! the directory.
//!
//! Without PostgreSQL, [`Postgres::start`] says why on stderr and gives `None`, so a test
//! can skip; except under `CI=true`, where it panics: CI must not skip.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long the server has to start or to stop.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running (or, after [`Postgres::stop`], stopped) throwaway PostgreSQL server.
pub struct Postgres {
    /// Where `initdb`, `postgres`, `pg_isready` and `psql` are.
    bin: PathBuf,
    /// `data/` (the cluster), `socket/` (the server's Unix socket) and `postgres.log`.
    dir: tempfile::TempDir,
    /// Only names the socket file (`.s.PGSQL.<port>`): no TCP.
    port: u16,
    /// The `postgres` user's (uid, gid), when the tests run as root and so must run the
    /// server as someone else.
    owner: Option<(u32, u32)>,
    /// The postmaster, while it runs.
    child: Option<Child>,
}

impl Postgres {
    /// Start a fresh server (a new cluster, user `postgres`, trust authentication, UTF-8,
    /// the C locale), and wait until it accepts connections. `None` (after saying why on
    /// stderr) when it cannot be, unless `CI` is `true`: then this panics with the reason.
    pub fn start() -> Option<Postgres> {
        match Postgres::try_start() {
            Ok(pg) => Some(pg),
            Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!("PostgreSQL could not be started, and CI=true does not skip: {why}")
            }
            Err(why) => {
                eprintln!("PostgreSQL could not be started, skipping: {why}");
                None
            }
        }
    }

    fn try_start() -> Result<Postgres, String> {
        let bin = binaries()?;
        // SAFETY: geteuid cannot fail and touches no memory.
        let root = unsafe { libc::geteuid() } == 0;
        let owner = if root { Some(postgres_user()?) } else { None };
        // Under /tmp rather than $TMPDIR: a Unix socket's path must stay short (~100 bytes),
        // and the `postgres` user must be able to reach the directory.
        let parent = Path::new("/tmp");
        let parent = if parent.is_dir() {
            parent.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("attache-pg-")
            .tempdir_in(&parent)
            .map_err(|e| format!("a temporary directory in {}: {e}", parent.display()))?;
        let socket = dir.path().join("socket");
        std::fs::create_dir(&socket).map_err(|e| format!("{}: {e}", socket.display()))?;
        if let Some((uid, gid)) = owner {
            for ancestor in dir.path().ancestors().skip(1) {
                let mode = std::fs::metadata(ancestor)
                    .map_err(|e| format!("{}: {e}", ancestor.display()))?
                    .permissions()
                    .mode();
                if mode & 0o001 == 0 {
                    return Err(format!(
                        "{} (mode {mode:o}) cannot be traversed by the postgres user",
                        ancestor.display()
                    ));
                }
            }
            for path in [dir.path(), &socket] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid))
                    .map_err(|e| format!("chown postgres {}: {e}", path.display()))?;
            }
        }
        let mut pg = Postgres {
            bin,
            dir,
            port: next_port(),
            owner,
            child: None,
        };
        pg.initdb()?;
        pg.spawn()?;
        Ok(pg)
    }

    /// A libpq key/value connection string (tokio-postgres takes it as is):
    /// `host=<socket dir> port=<port> user=postgres dbname=postgres`.
    pub fn url(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname=postgres",
            self.socket_dir().display(),
            self.port
        )
    }

    /// The directory of the server's Unix socket (libpq's `host`).
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    /// The port, which with no TCP only names the socket file: `.s.PGSQL.<port>`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log (every start so far), for a failing test to show.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// Whether the server runs and accepts connections now.
    pub fn is_ready(&self) -> bool {
        self.socket_dir()
            .join(format!(".s.PGSQL.{}", self.port))
            .exists()
            && self.accepts()
    }

    /// Stop the server as an operator would in a hurry (a fast shutdown: clients are
    /// disconnected, open transactions rolled back) and wait until it has exited. Nothing
    /// happens if it is not running. [`Self::restart`] brings it back.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGINT is the postmaster's fast shutdown; SIGQUIT its immediate one.
        for (signal, patience) in [
            (libc::SIGINT, PATIENCE),
            (libc::SIGQUIT, Duration::from_secs(10)),
        ] {
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: a signal to our own child, which is not reaped before wait().
                unsafe { libc::kill(pid, signal) };
            }
            let deadline = Instant::now() + patience;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Start the server again, on the same cluster (its data kept) and the same socket;
    /// wait until it accepts connections. Stops it first if it runs.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(why) = self.spawn() {
            panic!("PostgreSQL did not restart: {why}");
        }
    }

    /// Run `sql` through `psql` (unaligned, tuples only: one row a line, columns split by
    /// `|`), stopping at the first error; what it printed. Panics with psql's stderr when it
    /// fails.
    pub fn psql(&self, sql: &str) -> String {
        self.try_psql(sql)
            .unwrap_or_else(|e| panic!("psql failed on {sql:?}: {e}"))
    }

    /// [`Self::psql`], with psql's failure (its exit status and stderr) as an error.
    pub fn try_psql(&self, sql: &str) -> Result<String, String> {
        let out = self
            .psql_command(sql)
            .output()
            .map_err(|e| format!("psql could not be run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn psql_command(&self, sql: &str) -> Command {
        let mut cmd = self.command("psql");
        cmd.arg("-X")
            .args(["-h", &self.socket_dir().display().to_string()])
            .args(["-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-At"])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql]);
        cmd
    }

    /// One of the server's programs, run as the server's owner, in its directory, with
    /// none of the caller's libpq settings (`PG*`).
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = Command::new(if path.exists() {
            path
        } else {
            PathBuf::from(program)
        });
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                cmd.env_remove(k);
            }
        }
        if let Some((uid, gid)) = self.owner {
            // As `runuser -u postgres` would, but with no process in between: signals reach
            // the postmaster itself. (std drops root's supplementary groups too.)
            cmd.uid(uid)
                .gid(gid)
                .env("HOME", self.dir.path())
                .env("USER", "postgres")
                .env("LOGNAME", "postgres");
        }
        cmd
    }

    fn initdb(&self) -> Result<(), String> {
        let data = self.dir.path().join("data");
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
            // A throwaway cluster: no need to wait for the disk.
            .arg("--no-sync")
            .output()
            .map_err(|e| format!("initdb could not be run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    /// Start the postmaster on the cluster and wait until it accepts connections.
    fn spawn(&mut self) -> Result<(), String> {
        let log_path = self.dir.path().join("postgres.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("{}: {e}", log_path.display()))?;
        let stdout = log.try_clone().map_err(|e| e.to_string())?;
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-k")
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses="])
            // Durability is no concern of a throwaway server; a clean stop still checkpoints.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            .stdout(stdout)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("postgres could not be run: {e}"))?;
        self.child = Some(child);
        let socket = self.socket_dir().join(format!(".s.PGSQL.{}", self.port));
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(format!("postgres exited ({status}):\n{}", self.log()));
            }
            if socket.exists() && self.accepts() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "postgres did not accept connections within {PATIENCE:?}:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the server answers: `pg_isready`, or a `select 1` where there is none.
    fn accepts(&self) -> bool {
        let quiet = |mut cmd: Command| {
            cmd.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if self.bin.join("pg_isready").exists() {
            let mut cmd = self.command("pg_isready");
            cmd.arg("-q")
                .args(["-h", &self.socket_dir().display().to_string()])
                .args(["-p", &self.port.to_string()])
                .args(["-U", "postgres", "-d", "postgres"]);
            quiet(cmd)
        } else {
            quiet(self.psql_command("select 1"))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        // Then the directory goes with `dir`.
    }
}

/// A port no other server of this process has, and unlikely to be another process's
/// (they differ by their process ids). It only names a socket file in a directory of the
/// server's own, so a clash would not even matter, but for PostgreSQL's shared memory key,
/// which is derived from it (and which the server moves past if taken).
fn next_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let spread = std::process::id().wrapping_mul(97).wrapping_add(n) % 40_000;
    (20_000 + spread) as u16
}

/// The directory of the newest PostgreSQL server binaries.
fn binaries() -> Result<PathBuf, String> {
    let complete = |dir: &Path| ["initdb", "postgres"].iter().all(|p| dir.join(p).exists());
    let version =
        |name: &str| -> Option<Vec<u32>> { name.split('.').map(|n| n.parse().ok()).collect() };
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = version(&e.file_name().to_string_lossy())?;
            let bin = e.path().join("bin");
            complete(&bin).then_some((v, bin))
        })
        .max();
    if let Some((_, bin)) = newest {
        return Ok(bin);
    }
    let configured = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match configured {
        Some(bin) if complete(&bin) => Ok(bin),
        _ => Err(
            "PostgreSQL not installed (no /usr/lib/postgresql/<version>/bin/postgres, \
                  and no pg_config naming a directory with initdb and postgres)"
                .into(),
        ),
    }
}

/// The `postgres` user's (uid, gid).
fn postgres_user() -> Result<(u32, u32), String> {
    let name = c"postgres";
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to live memory of the stated size; getpwnam_r (unlike
    // getpwnam) keeps to the buffers given, so parallel tests do not race.
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(
            "running as root, which initdb and postgres refuse, and there is no \
                    `postgres` user to run them as"
                .into(),
        );
    }
    Ok((pwd.pw_uid, pwd.pw_gid))
}

#[cfg(test)]
mod tests {
    use super::Postgres;

    #[test]
    fn a_throwaway_server_answers_keeps_its_data_across_a_restart_and_is_removed() {
        let Some(mut pg) = Postgres::start() else {
            return;
        };
        assert_eq!(pg.psql("select 1"), "1\n");
        assert!(
            pg.url().contains(&format!("port={}", pg.port())),
            "{}",
            pg.url()
        );
        pg.psql("create table t (x int, y text); insert into t values (42, 'b')");
        assert_eq!(pg.psql("select x, y from t"), "42|b\n");

        pg.stop();
        assert!(!pg.is_ready(), "stopped");
        assert!(pg.try_psql("select 1").is_err(), "nobody answers");
        pg.stop(); // again: nothing to do
        pg.restart();
        assert!(pg.is_ready());
        assert_eq!(pg.psql("select x from t"), "42\n", "the data survived");

        let dir = pg.dir.path().to_path_buf();
        drop(pg);
        assert!(!dir.exists(), "the directory is removed");
    }

    #[test]
    fn psql_reports_what_went_wrong() {
        let Some(pg) = Postgres::start() else {
            return;
        };
        let error = pg.try_psql("select * from no_such_table").unwrap_err();
        assert!(error.contains("no_such_table"), "{error}");
        assert_eq!(pg.try_psql("select 'x'"), Ok("x\n".to_string()));
    }
}
