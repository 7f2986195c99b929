//! `feedmill serve` as a child process: start it (optionally under a lower open-file
//! limit), read its address and stderr, signal it, wait for it to exit.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `feedmill serve` with its stderr collected line by line.
pub struct Proc {
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    pub addr: SocketAddr,
}

impl Proc {
    /// Starts `feedmill serve` on 127.0.0.1:0 for `config`, with at most `nofile` open
    /// files when given; waits until it says where it listens.
    pub fn start(config: &Path, nofile: Option<u64>) -> Proc {
        Proc::launch(config, nofile, &[], &[], "feedmill: serving")
    }

    /// Starts `feedmill serve` with extra arguments (`--log-format json`) and environment
    /// variables; waits for the line saying where it listens (text or JSON).
    pub fn start_with(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Proc {
        Proc::launch(config, None, args, env, " on http://")
    }

    fn launch(
        config: &Path,
        nofile: Option<u64>,
        args: &[&str],
        env: &[(&str, &str)],
        start_line: &str,
    ) -> Proc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedmill"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("FEEDMILL_STATUS_TOKEN")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(n) = nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches only the child.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: n as libc::rlim_t,
                        rlim_max: n as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().expect("feedmill starts");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                l.lock().expect("lock").push(line);
            }
        });
        let mut proc = Proc {
            child,
            lines,
            addr: "0.0.0.0:0".parse().expect("addr"),
        };
        let started = proc
            .line(start_line, Duration::from_secs(30))
            .unwrap_or_else(|| panic!("no start line:\n{}", proc.all()));
        proc.addr = started
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {started}"));
        proc
    }

    /// Waits for a stderr line containing `needle`; returns it.
    pub fn line(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .expect("lock")
                .iter()
                .find(|l| l.contains(needle))
            {
                return Some(l.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything it printed so far.
    pub fn all(&self) -> String {
        self.lines.lock().expect("lock").join("\n")
    }

    /// Every line printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        // SAFETY: kill takes plain integers; the pid is our own child's.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill -TERM");
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP/1.1 GET with `Connection: close` and extra header lines; returns the
/// status (0 when no answer came within `timeout`) and the response head.
pub fn get(addr: SocketAddr, path: &str, headers: &str, timeout: Duration) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, timeout) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(timeout));
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    (status, head)
}

/// The value of header `name` in a response head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}
