//! The Lambda service's part: for each function, execution environments (one process of its real
//! binary, each behind its own [`RuntimeApi`]) started on demand, one invocation at a time each, up
//! to the function's concurrency; warm ones reused, idle ones stopped, the `Timeout` enforced by
//! killing the process, and a `REPORT` record per invocation as Lambda writes to CloudWatch.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testkit::runtime::{Limits, RuntimeApi};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdout};
use tokio::sync::Semaphore;

use super::template::Function;

/// Lambda gives a function's initialisation 10 s before it fails the invocation.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many `REPORT` records are kept for [`Pools::reports`].
const REPORTS_KEPT: usize = 10_000;

/// What the functions print (their JSON log lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionLogs {
    /// To this process's stdout, each line after the function's logical id, as `sam local` does.
    Forward,
    /// Dropped (tests).
    Discard,
}

#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Concurrency of a function without reserved concurrency: the account's limit, locally.
    pub default_concurrency: u32,
    /// A warm environment idle this long is stopped.
    pub idle_timeout: Duration,
    pub logs: FunctionLogs,
    /// Print each `REPORT` line to stdout.
    pub print_reports: bool,
}

/// How an invocation ended, in the words of Lambda's `REPORT` line (`Status:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The function posted to `/error`.
    Error,
    /// The `Timeout` passed; the process was killed.
    Timeout,
    /// The process exited during the invocation or its initialisation.
    Crashed,
}

/// One invocation's `REPORT`.
#[derive(Debug, Clone)]
pub struct Report {
    pub function: String,
    pub request_id: String,
    pub pid: u32,
    /// Set on a cold start: from spawning the process to its first `next`.
    pub init_duration: Option<Duration>,
    /// From handing out the event to the function's answer (or the kill).
    pub duration: Duration,
    pub memory_mb: u32,
    /// The process's peak resident memory (`VmHWM`), in MB as Lambda reports it.
    pub max_memory_used_mb: Option<u64>,
    pub status: Status,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.duration.as_secs_f64() * 1000.0;
        write!(
            f,
            "REPORT RequestId: {}\tFunction: {}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            self.request_id,
            self.function,
            ms.ceil().max(1.0),
            self.memory_mb,
            self.max_memory_used_mb
                .map_or_else(|| "?".to_string(), |m| m.to_string()),
        )?;
        if let Some(init) = self.init_duration {
            write!(f, "\tInit Duration: {:.2} ms", init.as_secs_f64() * 1000.0)?;
        }
        if self.status != Status::Ok {
            write!(f, "\tStatus: {:?}", self.status)?;
        }
        Ok(())
    }
}

/// Why an invocation produced no response from the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Every environment the function may have is busy.
    Throttled,
    Timeout,
    /// The process exited or could not be started; the reason, for the log.
    Crashed(String),
    /// The function reported an error instead of a response.
    FunctionError(String),
}

struct Worker {
    api: RuntimeApi,
    child: Child,
    pid: u32,
    last_used: Instant,
}

/// A function ready to start: its resolved declaration, the program to run and its environment.
#[derive(Debug, Clone)]
pub struct Runnable {
    pub spec: Function,
    pub program: PathBuf,
    pub env: Vec<(String, String)>,
}

/// The environments of one function.
pub struct FunctionPool {
    pub spec: Function,
    program: PathBuf,
    env: Vec<(String, String)>,
    permits: Arc<Semaphore>,
    pub concurrency: u32,
    idle: Mutex<Vec<Worker>>,
}

/// Every function's pool, by logical id, and the reports of their invocations.
pub struct Pools {
    pools: HashMap<String, Arc<FunctionPool>>,
    reports: Mutex<VecDeque<Report>>,
    options: PoolOptions,
}

impl Pools {
    /// `functions`: each with the program to run and its environment (already resolved).
    pub fn new(functions: Vec<Runnable>, options: PoolOptions) -> Arc<Self> {
        let pools = functions
            .into_iter()
            .map(|Runnable { spec, program, env }| {
                let concurrency = spec
                    .reserved_concurrency
                    .unwrap_or(options.default_concurrency);
                let pool = FunctionPool {
                    permits: Arc::new(Semaphore::new(concurrency as usize)),
                    concurrency,
                    spec,
                    program,
                    env,
                    idle: Mutex::new(Vec::new()),
                };
                (pool.spec.logical_id.clone(), Arc::new(pool))
            })
            .collect();
        let pools = Arc::new(Pools {
            pools,
            reports: Mutex::new(VecDeque::new()),
            options,
        });
        spawn_reaper(&pools);
        pools
    }

    pub fn get(&self, logical_id: &str) -> Option<&Arc<FunctionPool>> {
        self.pools.get(logical_id)
    }

    /// The most recent reports, oldest first.
    pub fn reports(&self) -> Vec<Report> {
        lock(&self.reports).iter().cloned().collect()
    }

    /// Warm environments of a function waiting for work.
    pub fn idle_count(&self, logical_id: &str) -> usize {
        self.pools
            .get(logical_id)
            .map_or(0, |p| lock(&p.idle).len())
    }

    fn record(&self, report: Report) {
        if self.options.print_reports {
            stdout_line(&report.to_string());
        }
        let mut reports = lock(&self.reports);
        if reports.len() == REPORTS_KEPT {
            reports.pop_front();
        }
        reports.push_back(report);
    }

    /// Invoke `function` with one event (the JSON Lambda would send); its response body (an API
    /// Gateway proxy response) or why there is none.
    pub async fn invoke(&self, pool: &FunctionPool, event: String) -> Result<Vec<u8>, Failure> {
        // Lambda counts concurrency in busy environments; an idle warm one costs nothing.
        let Ok(_permit) = pool.permits.clone().try_acquire_owned() else {
            tracing::info!(function = %pool.spec.logical_id, concurrency = pool.concurrency, "throttled");
            return Err(Failure::Throttled);
        };
        let warm = lock(&pool.idle).pop();
        let (mut worker, init_duration) = match warm {
            Some(w) => (w, None),
            None => self.cold_start(pool).await?,
        };
        let pending = worker.api.enqueue(event).await;
        let request_id = pending.request_id.clone();
        let handed_out = Instant::now();
        let timeout = Duration::from_secs(u64::from(pool.spec.timeout_s));
        let (result, status) = tokio::select! {
            outcome = pending.outcome() => match outcome {
                Some(o) if o.ok => (Ok(o.body), Status::Ok),
                Some(o) => (
                    Err(Failure::FunctionError(String::from_utf8_lossy(&o.body).into_owned())),
                    Status::Error,
                ),
                None => (Err(Failure::Crashed("the Runtime API stopped".into())), Status::Crashed),
            },
            exit = worker.child.wait() => (
                Err(Failure::Crashed(format!("the process exited during the invocation ({})", describe(exit)))),
                Status::Crashed,
            ),
            () = tokio::time::sleep(timeout) => (Err(Failure::Timeout), Status::Timeout),
        };
        let duration = handed_out.elapsed();
        self.record(Report {
            function: pool.spec.logical_id.clone(),
            request_id,
            pid: worker.pid,
            init_duration,
            duration,
            memory_mb: pool.spec.memory_mb,
            max_memory_used_mb: peak_rss_mb(worker.pid),
            status,
        });
        match status {
            // Lambda keeps an environment whose handler returned an error; it replaces one that
            // timed out or died.
            Status::Ok | Status::Error => {
                worker.last_used = Instant::now();
                lock(&pool.idle).push(worker);
            }
            Status::Timeout | Status::Crashed => {
                let _ = worker.child.start_kill();
                let _ = worker.child.wait().await;
            }
        }
        result
    }

    async fn cold_start(&self, pool: &FunctionPool) -> Result<(Worker, Option<Duration>), Failure> {
        let name = &pool.spec.logical_id;
        let limits = Limits {
            deadline: Duration::from_secs(u64::from(pool.spec.timeout_s)),
            memory_mb: pool.spec.memory_mb,
        };
        let api = RuntimeApi::start_with(name, limits)
            .await
            .map_err(|e| Failure::Crashed(format!("starting its Runtime API: {e}")))?;
        let mut cmd = api.command(&pool.program);
        cmd.envs(pool.env.iter().map(|(k, v)| (k, v)));
        let logs = self.options.logs;
        match logs {
            FunctionLogs::Forward => cmd.stdout(Stdio::piped()).stderr(Stdio::piped()),
            FunctionLogs::Discard => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
        };
        let spawned = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::Crashed(format!("spawning {}: {e}", pool.program.display())))?;
        if logs == FunctionLogs::Forward {
            forward_logs(name, child.stdout.take(), child.stderr.take());
        }
        let pid = child.id().unwrap_or(0);
        let ready = tokio::select! {
            at = api.ready() => Ok(at),
            exit = child.wait() => Err(format!("exited during its initialisation ({})", describe(exit))),
            () = tokio::time::sleep(INIT_TIMEOUT) => Err("its initialisation took longer than 10 s".to_string()),
        };
        match ready {
            Ok(at) => Ok((
                Worker {
                    api,
                    child,
                    pid,
                    last_used: Instant::now(),
                },
                Some(at.saturating_duration_since(spawned)),
            )),
            Err(why) => {
                let init_error = api.init_error().await.unwrap_or_default();
                let _ = child.start_kill();
                let _ = child.wait().await;
                self.record(Report {
                    function: name.clone(),
                    request_id: "-".into(),
                    pid,
                    init_duration: Some(spawned.elapsed()),
                    duration: Duration::ZERO,
                    memory_mb: pool.spec.memory_mb,
                    max_memory_used_mb: None,
                    status: Status::Crashed,
                });
                Err(Failure::Crashed(
                    format!("{name} {why} {init_error}").trim().to_string(),
                ))
            }
        }
    }

    /// Stop every idle environment (busy ones end with their invocation's task).
    pub async fn stop_idle(&self, older_than: Duration) -> usize {
        let mut stopped = Vec::new();
        for pool in self.pools.values() {
            let mut idle = lock(&pool.idle);
            let (keep, stop): (Vec<_>, Vec<_>) = idle
                .drain(..)
                .partition(|w| w.last_used.elapsed() < older_than);
            *idle = keep;
            stopped.extend(stop.into_iter().map(|w| (pool.spec.logical_id.clone(), w)));
        }
        let n = stopped.len();
        for (name, mut w) in stopped {
            let _ = w.child.start_kill();
            let _ = w.child.wait().await;
            tracing::debug!(function = %name, pid = w.pid, "stopped an idle environment");
        }
        n
    }
}

/// Stops environments idle longer than the idle timeout, while the pools live.
fn spawn_reaper(pools: &Arc<Pools>) {
    let weak = Arc::downgrade(pools);
    let every = (pools.options.idle_timeout / 4).max(Duration::from_millis(100));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(pools) = weak.upgrade() else { return };
            pools.stop_idle(pools.options.idle_timeout).await;
        }
    });
}

fn forward_logs(name: &str, stdout: Option<ChildStdout>, stderr: Option<ChildStderr>) {
    fn pump<R: tokio::io::AsyncRead + Unpin + Send + 'static>(name: String, r: R) {
        tokio::spawn(async move {
            let mut lines = BufReader::new(r).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                stdout_line(&format!("{name} {line}"));
            }
        });
    }
    if let Some(out) = stdout {
        pump(name.to_string(), out);
    }
    if let Some(err) = stderr {
        pump(name.to_string(), err);
    }
}

/// `REPORT` lines and the functions' logs go to stdout, as `sam local` prints them.
fn stdout_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn describe(exit: std::io::Result<std::process::ExitStatus>) -> String {
    match exit {
        Ok(status) => status.to_string(),
        Err(e) => e.to_string(),
    }
}

/// `VmHWM` of a process in MB (Linux; `None` elsewhere).
fn peak_rss_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.div_ceil(1024))
}

/// A poisoned lock only means another invocation panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
