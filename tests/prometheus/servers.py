"""servers.py: start real servers on 127.0.0.1 for the Prometheus suites,
and make sure none outlives the suite.

    from servers import Servers, free_port
    with Servers() as s:
        url = s.prometheus(tsdb_dir, config_text)
        ...

Each server runs in its own process group; leaving the with block, a
SIGTERM or SIGINT to the suite, or the suite's exit kills every group it
started and waits for it.

Under tests/sanitizers/asan-run every process has the ASan runtime in
LD_PRELOAD, for the instrumented usage.so; the servers and curl do not load
usage.so, and curl hangs with that runtime preloaded, so they run without
it (collector_env() puts a curl that drops it first on PATH).
"""
import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=30):
    """Wait until url answers 200; True, or False after seconds."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def running(pattern):
    """The processes whose command line holds pattern, read from /proc
    (pgrep, like curl, hangs under a preloaded sanitizer runtime)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if pattern in cmd:
            found.append(cmd.strip())
    return found


def collector_env(tmp, **extra):
    """The environment for scripts/usage-collect: this one with extra, and
    under a preloaded sanitizer runtime a curl on PATH that runs without it."""
    env = dict(os.environ, **extra)
    if env.get("LD_PRELOAD"):
        bindir = os.path.join(tmp, "bin-no-preload")
        os.makedirs(bindir, exist_ok=True)
        with open(os.path.join(bindir, "curl"), "w") as f:
            f.write("#!/bin/sh\nunset LD_PRELOAD\nexec /usr/bin/curl \"$@\"\n")
        os.chmod(os.path.join(bindir, "curl"), 0o755)
        env["PATH"] = bindir + ":" + env.get("PATH", "/usr/bin:/bin")
    return env


class Servers:
    """The servers a suite started; killed on exit, whatever the exit."""

    def __init__(self):
        self.procs = []
        atexit.register(self.stop_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.stop_all()
        raise SystemExit(128 + signum)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()

    def start(self, argv, log):
        """Start argv in a new process group, output to the file log."""
        out = open(log, "wb")
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def stop(self, p):
        """Kill p's process group and wait for it."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p)

    def prometheus(self, tsdb, config, tmp):
        """Start Prometheus on a free loopback port over the TSDB folder
        tsdb, with the YAML text config; its base URL once it is ready."""
        port = free_port()
        cfg = os.path.join(tmp, "prometheus-%d.yml" % port)
        with open(cfg, "w") as f:
            f.write(config)
        p = self.start(["prometheus", "--config.file=" + cfg,
                        "--storage.tsdb.path=" + tsdb,
                        "--storage.tsdb.retention.time=100y",
                        "--web.listen-address=127.0.0.1:%d" % port],
                       os.path.join(tmp, "prometheus-%d.log" % port))
        url = "http://127.0.0.1:%d" % port
        if not wait_http(url + "/-/ready", 60):
            self.stop(p)
            raise RuntimeError("prometheus did not become ready; see " + tmp)
        return p, url
