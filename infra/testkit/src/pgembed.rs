//! A PostgreSQL server started from the locally installed binaries, for the local server and the tests
//! (no Docker here). `initdb` refuses to run as root, so as root the server runs as the `postgres`
//! system user via `runuser`; as any other user the binaries are called directly.
//!
//! Roles: `postgres` (superuser, bootstrap only), `app_owner` (owns the schema, runs migrations) and
//! `app_rw` (what the API connects as: owns nothing, cannot bypass row-level security).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
#[error("embedded PostgreSQL: {0}")]
pub struct PgError(pub String);

pub const DEFAULT_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

pub struct PgServer {
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    bin_dir: PathBuf,
    run_as: Option<String>,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn free_port() -> Result<u16, PgError> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| PgError(format!("finding a free port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| PgError(e.to_string()))
}

/// As root the server runs as `postgres`, which must be able to walk down to `root`. A checkout under
/// a private directory (`mktemp -d`, `/root`, a home with mode 700) would otherwise fail in `initdb`
/// with "Permission denied". Adds only the others' search bit (`o+x`: enter, not list) to the
/// ancestors that lack it, and returns them.
fn let_others_traverse(root: &Path) -> Result<Vec<PathBuf>, PgError> {
    use std::os::unix::fs::PermissionsExt;
    let mut opened = Vec::new();
    for dir in root.ancestors().skip(1) {
        let mode = std::fs::metadata(dir)
            .map_err(|e| PgError(format!("reading {}: {e}", dir.display())))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o001))
                .map_err(|e| PgError(format!("letting postgres enter {}: {e}", dir.display())))?;
            opened.push(dir.to_path_buf());
        }
    }
    Ok(opened)
}

/// What a test server needs beyond the defaults, e.g. TLS: `ServerOptions::default()
/// .file("server.key", key).file("server.crt", cert).setting("ssl", "on")
/// .setting("ssl_key_file", "server.key").setting("ssl_cert_file", "server.crt")`.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    files: Vec<(String, Vec<u8>)>,
    settings: Vec<(String, String)>,
}

impl ServerOptions {
    /// A file written into the data directory before the server starts, mode 0600 and owned by the
    /// server's user: PostgreSQL refuses a private key anyone else can read, and resolves a relative
    /// `ssl_*_file` against the data directory, so the bare `name` can be used in a setting.
    pub fn file(mut self, name: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((name.to_string(), contents.into()));
        self
    }

    /// A server setting (`-c name=value` on the command line, after and so over the defaults). The
    /// value goes through a shell (pg_ctl's `-o`): keep it free of spaces and quotes.
    pub fn setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push((name.to_string(), value.to_string()));
        self
    }
}

impl PgServer {
    /// Start (initialising on first use) a server whose files live under `root`. `port: None` picks a
    /// free port. The cluster is reused across runs when `root` is.
    pub fn start(root: &Path, port: Option<u16>) -> Result<Self, PgError> {
        Self::start_with(root, port, &ServerOptions::default())
    }

    /// A server for this process alone, on a free port, with its files in `<tmp>/<label>-<pid>`
    /// (emptied first). However the process ends, the server is stopped and the directory removed.
    /// Returns the server and that directory.
    pub fn throwaway(label: &str, options: &ServerOptions) -> Result<(Self, PathBuf), PgError> {
        let root = std::env::temp_dir().join(format!("{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let server = Self::start_with(&root, None, options)?;
        server.stop_when_process_exits(std::process::id(), Some(&root));
        Ok((server, root))
    }

    /// As `start`, with `options`' files in place and its settings on the command line.
    pub fn start_with(
        root: &Path,
        port: Option<u16>,
        options: &ServerOptions,
    ) -> Result<Self, PgError> {
        let bin_dir = PathBuf::from(
            std::env::var("PG_BIN_DIR").unwrap_or_else(|_| DEFAULT_BIN_DIR.to_string()),
        );
        if !bin_dir.join("initdb").exists() {
            return Err(PgError(format!(
                "no initdb in {} (install postgresql-15 or set PG_BIN_DIR)",
                bin_dir.display()
            )));
        }
        let run_as = is_root().then(|| "postgres".to_string());
        std::fs::create_dir_all(root)
            .map_err(|e| PgError(format!("creating {}: {e}", root.display())))?;
        let root = root.canonicalize().map_err(|e| PgError(e.to_string()))?;
        let server = PgServer {
            data_dir: root.join("data"),
            socket_dir: root.clone(),
            port: match port {
                Some(p) => p,
                None => free_port()?,
            },
            bin_dir,
            run_as,
        };
        if let Some(user) = &server.run_as {
            let _ = Command::new("chown").args(["-R", user]).arg(&root).status();
            let opened = let_others_traverse(&root)?;
            if !opened.is_empty() {
                tracing::warn!(
                    dirs = ?opened,
                    "gave others search (not read) permission on these directories, so that the \
                     postgres user can reach {}",
                    root.display()
                );
            }
        }
        if !server.data_dir.join("PG_VERSION").exists() {
            server.run(
                "initdb",
                &[
                    "-D",
                    &server.data_dir.to_string_lossy(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-N",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
            )?;
        }
        // A server left running by a crashed run is stopped first, so the port and options are ours.
        if server.data_dir.join("postmaster.pid").exists() {
            let _ = server.run(
                "pg_ctl",
                &[
                    "-D",
                    &server.data_dir.to_string_lossy(),
                    "stop",
                    "-m",
                    "immediate",
                ],
            );
        }
        server.write_files(&options.files)?;
        let mut opts = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            server.port,
            server.socket_dir.display()
        );
        for (name, value) in &options.settings {
            opts.push_str(&format!(" -c {name}={value}"));
        }
        server.run(
            "pg_ctl",
            &[
                "-D",
                &server.data_dir.to_string_lossy(),
                "-l",
                &root.join("postgres.log").to_string_lossy(),
                "-o",
                &opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(server)
    }

    fn write_files(&self, files: &[(String, Vec<u8>)]) -> Result<(), PgError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        for (name, contents) in files {
            let path = self.data_dir.join(name);
            let fail = |e: std::io::Error| PgError(format!("writing {}: {e}", path.display()));
            // Replaced, not rewritten in place: a file left by an earlier run keeps its old mode.
            let _ = std::fs::remove_file(&path);
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut f| f.write_all(contents))
                .map_err(fail)?;
            if let Some(user) = &self.run_as {
                let chown = Command::new("chown").arg(user).arg(&path).status();
                if !chown.is_ok_and(|s| s.success()) {
                    return Err(PgError(format!("chown {user} {}", path.display())));
                }
            }
        }
        Ok(())
    }

    fn command(&self, bin: &str) -> Command {
        let path = self.bin_dir.join(bin);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, bin: &str, args: &[&str]) -> Result<(), PgError> {
        let out = self
            .command(bin)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| PgError(format!("running {bin}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(PgError(format!(
                "{bin} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    pub fn url(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }

    pub fn stop(&self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data_dir.to_string_lossy(), "stop", "-m", "fast"],
        );
    }

    /// Stop the server (and remove `remove_dir`) once process `pid` has exited, however it exits:
    /// tests have no reliable destructor for process-wide state.
    pub fn stop_when_process_exits(&self, pid: u32, remove_dir: Option<&Path>) {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let stop = match &self.run_as {
            Some(user) => format!(
                "runuser -u {user} -- {} -D '{}' stop -m immediate",
                pg_ctl.display(),
                self.data_dir.display()
            ),
            None => format!(
                "{} -D '{}' stop -m immediate",
                pg_ctl.display(),
                self.data_dir.display()
            ),
        };
        let rm = remove_dir
            .map(|d| format!("; rm -rf '{}'", d.display()))
            .unwrap_or_default();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1{rm}"
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

/// Create the roles and the database if missing (idempotent). Returns (owner URL, runtime URL).
pub async fn bootstrap(server: &PgServer, db: &str) -> Result<(String, String), PgError> {
    let (client, conn) =
        tokio_postgres::connect(&server.url("postgres", "postgres"), tokio_postgres::NoTls)
            .await
            .map_err(|e| PgError(format!("connecting as postgres: {e}")))?;
    let task = tokio::spawn(conn);
    let sql = "do $$ begin
          if not exists (select from pg_roles where rolname = 'app_rw') then
            create role app_rw login;
          end if;
          if not exists (select from pg_roles where rolname = 'app_owner') then
            create role app_owner login createrole;
          end if;
        end $$;";
    client
        .batch_execute(sql)
        .await
        .map_err(|e| PgError(format!("creating roles: {e}")))?;
    let exists = client
        .query_opt("select 1 from pg_database where datname = $1", &[&db])
        .await
        .map_err(|e| PgError(e.to_string()))?
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("create database \"{db}\" owner app_owner"))
            .await
            .map_err(|e| PgError(format!("creating database: {e}")))?;
    }
    drop(client);
    let _ = task.await;
    Ok((server.url("app_owner", db), server.url("app_rw", db)))
}

#[cfg(test)]
mod tests {
    use super::let_others_traverse;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_ancestors_get_only_the_search_bit() {
        let base = std::env::temp_dir().join(format!("pgembed-traverse-{}", std::process::id()));
        let private = base.join("private");
        let open = private.join("open");
        let root = open.join("pg");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o750)).unwrap();

        let opened = let_others_traverse(&root).unwrap();

        assert!(
            opened.contains(&private) && opened.contains(&open),
            "{opened:?}"
        );
        assert!(
            !opened.contains(&base),
            "a directory others could enter is left alone"
        );
        assert_eq!(
            mode(&private),
            0o701,
            "search only: others still cannot list it"
        );
        assert_eq!(mode(&open), 0o751);
        assert_eq!(mode(&base), 0o755);
        assert!(
            let_others_traverse(&root).unwrap().is_empty(),
            "a second run changes nothing"
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
