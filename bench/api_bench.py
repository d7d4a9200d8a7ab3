"""API benchmark: req/s and p50/p95/p99 latency of the ticket endpoints, served as in production.

    uv run python bench/api_bench.py --tickets 100000

1. Makes sure the bench database (PostgreSQL, ``--database-url``) exists, is migrated and
   holds at least ``--tickets`` tickets (``frontline demo`` + ``frontline seed``).
2. Creates a bearer token for an agent (``frontline token create``).
3. Starts uvicorn on 127.0.0.1 with ``--workers`` processes, FRONTLINE_ENV=production, DEBUG
   off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, and ``bench.settings`` (Frontline's
   settings plus a bare token-authenticated view as the baseline).
4. Loads each endpoint for ``--duration`` seconds after ``--warmup`` seconds with wrk (or, when
   wrk is missing, a threaded http.client loop), prints a table and writes the numbers to
   bench/results/. Only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/frontline_bench"
SERVER_LOG = BENCH / "results" / "server.log"
INSECURE_MARKERS = ("insecure", "changeme", "secret", "dev")


@dataclass
class Scenario:
    name: str
    path: str
    rotate: list[str] | None = None  # paths to cycle through instead of ``path``


@dataclass
class Result:
    scenario: str
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    bytes_per_response: int


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def secret_key() -> str:
    while True:  # the settings refuse keys that look like placeholders
        key = secrets.token_urlsafe(64)
        if not any(marker in key.lower() for marker in INSECURE_MARKERS):
            return key


def frontline(env: dict[str, str], *args: str, capture: bool = False) -> str:
    command = [sys.executable, "-m", "frontline.cli", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, text=True, capture_output=capture)
    return done.stdout if capture else ""


# --- the database -----------------------------------------------------------------------------
def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Unexpected database name {name!r}.")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def count_tickets(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()
        return int(row[0]) if row else 0


def ticket_numbers(url: str, email: str, limit: int = 500) -> list[int]:
    """Random tickets of the agent's (unrestricted) teams: ones the detail endpoint shows."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT t.number FROM tickets_ticket t
            JOIN accounts_teammembership m ON m.team_id = t.team_id
            JOIN accounts_user u ON u.id = m.user_id
            WHERE u.email = %s
            ORDER BY random() LIMIT %s
            """,
            [email, limit],
        ).fetchall()
    return [row[0] for row in rows]


def prepare(args: argparse.Namespace, env: dict[str, str]) -> tuple[int, str]:
    ensure_database(args.database_url)
    log("migrating")
    frontline(env, "migrate", "--verbosity", "0")
    have = count_tickets(args.database_url)
    if have < args.tickets and not args.skip_seed:
        if have == 0:
            log("loading the demo desk")
            frontline(env, "demo", capture=True)
            have = count_tickets(args.database_url)
        missing = args.tickets - have
        if missing > 0:
            log(f"seeding {missing:,} tickets")
            started = time.monotonic()
            frontline(env, "seed", "--tickets", str(missing), "--batch", "10000")
            log(f"seeded in {time.monotonic() - started:.1f}s")
    total = count_tickets(args.database_url)
    token = frontline(env, "token", "create", "--user", args.user, "--name", "bench", capture=True)
    return total, token.strip()


# --- the server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server_env = {
        **env,
        "FRONTLINE_ENV": "production",
        "DEBUG": "0",
        "ALLOWED_HOSTS": HOST,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
        "BENCH_DB_CONNECTIONS": args.db_connections,
    }
    command = [
        sys.executable, "-m", "uvicorn", "frontline.asgi:application",
        "--host", HOST, "--port", str(args.port), "--workers", str(args.workers),
        "--no-access-log", "--lifespan", "off", "--log-level", "warning",
    ]  # fmt: skip
    log(f"starting uvicorn with {args.workers} workers on {HOST}:{args.port}")
    SERVER_LOG.parent.mkdir(exist_ok=True)
    with SERVER_LOG.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(
            command,
            env=server_env,
            cwd=ROOT,
            start_new_session=True,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with {server.returncode}")
        try:
            status, _ = probe(args.port, "/healthz", "")
            if status == 200:
                # Only our URL conf has the baseline: make sure no other server answered.
                if probe(args.port, "/bench/baseline", "")[0] != 401:
                    stop_server(server)
                    raise SystemExit(f"Another server answers on port {args.port}.")
                return server
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit("uvicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the group of the server we started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- load -------------------------------------------------------------------------------------
def probe(port: int, path: str, token: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def run_wrk(
    args: argparse.Namespace, scenario: Scenario, token: str, seconds: float
) -> dict[str, float]:
    threads = max(1, min(args.connections, args.load_threads))
    command = [
        "wrk", f"-t{threads}", f"-c{args.connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(BENCH / "wrk_report.lua"),
        "-H", f"Authorization: Bearer {token}", f"http://{HOST}:{args.port}{scenario.path}",
    ]  # fmt: skip
    if scenario.rotate:
        command += ["--", *scenario.rotate]
    output = subprocess.run(command, check=True, text=True, capture_output=True).stdout
    match = re.search(r"^RESULT (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{output}")
    raw = json.loads(match.group(1))
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "p50": raw["p50_us"] / 1000,
        "p95": raw["p95_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "errors": raw["socket_errors"] + raw["non_2xx"],
    }


def run_python(
    args: argparse.Namespace, scenario: Scenario, token: str, seconds: float
) -> dict[str, float]:
    """A threaded keep-alive client, bounded by time and by ``--max-requests``."""
    paths = scenario.rotate or [scenario.path]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    budget = [args.max_requests]

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
        headers = {"Authorization": f"Bearer {token}"}
        i = offset
        mine: list[float] = []
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50": pct(50) if latencies else 0,
        "p95": pct(95) if latencies else 0,
        "p99": pct(99) if latencies else 0,
        "errors": errors[0],
    }


def measure(args: argparse.Namespace, scenario: Scenario, token: str) -> Result | None:
    first_path = scenario.rotate[0] if scenario.rotate else scenario.path
    status, body = probe(args.port, first_path, token)
    for _ in range(10):  # a server error may be the previous load's aftermath: give it time
        if status < 500:
            break
        time.sleep(1)
        status, body = probe(args.port, first_path, token)
    if status != 200:
        log(f"{scenario.name}: GET {first_path} answered {status}: {body[:300]!r}; skipped")
        return None
    tool = run_wrk if args.tool == "wrk" else run_python
    log(f"{scenario.name}: warming up {args.warmup}s, measuring {args.duration}s")
    if args.warmup > 0:
        tool(args, scenario, token, args.warmup)
    raw = tool(args, scenario, token, args.duration)
    return Result(
        scenario=scenario.name,
        path=scenario.path,
        requests=int(raw["requests"]),
        seconds=round(raw["seconds"], 2),
        rps=round(raw["requests"] / raw["seconds"], 1) if raw["seconds"] else 0.0,
        p50_ms=round(raw["p50"], 2),
        p95_ms=round(raw["p95"], 2),
        p99_ms=round(raw["p99"], 2),
        errors=int(raw["errors"]),
        bytes_per_response=len(body),
    )


def table(results: list[Result]) -> str:
    head = ("endpoint", "path", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "bytes")
    rows = [head] + [
        (
            r.scenario,
            r.path,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors),
            f"{r.bytes_per_response:,}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.rjust(w) if i >= 2 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--tickets", type=int, default=100_000, help="Seed up to this many.")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--user", default="priya.natarajan@example.com", help="Agent for the token."
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes.")
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections.")
    parser.add_argument("--load-threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--duration", type=float, default=15, help="Seconds per endpoint.")
    parser.add_argument("--warmup", type=float, default=3, help="Seconds of warm-up, not counted.")
    parser.add_argument("--max-requests", type=int, default=200_000, help="Python client only.")
    parser.add_argument(
        "--tool", choices=["auto", "wrk", "python"], default="auto", help="Load generator."
    )
    parser.add_argument(
        "--only", default="", help="Comma-separated: baseline,healthz,list,filtered,detail."
    )
    parser.add_argument("--skip-seed", action="store_true", help="Use the database as it is.")
    parser.add_argument(
        "--db-connections",
        choices=["as-is", "per-request", "pool", "pool-prepared"],
        default="as-is",
        help="Database connection handling of the server (see bench/settings.py).",
    )
    args = parser.parse_args(argv)
    args.port = args.port or free_port()
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    if urlsplit(args.database_url).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("The bench only runs against a local database.")

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secret_key(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FRONTLINE_ENV", None)
    total, token = prepare(args, env)
    numbers = ticket_numbers(args.database_url, args.user)
    scenarios = [
        Scenario("empty", "/bench/empty"),
        Scenario("baseline", "/bench/baseline"),
        Scenario("healthz", "/healthz"),
        Scenario("list", "/api/v1/tickets"),
        Scenario("filtered", "/api/v1/tickets?status=open"),
        Scenario(
            "detail",
            "/api/v1/tickets/{number}",
            rotate=[f"/api/v1/tickets/{n}" for n in numbers] or None,
        ),
    ]
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    scenarios = [s for s in scenarios if not wanted or s.name in wanted]

    background_load = os.getloadavg()[0]
    server = start_server(args, env)
    results: list[Result] = []
    try:
        for scenario in scenarios:
            result = measure(args, scenario, token)
            if result is not None:
                results.append(result)
    finally:
        stop_server(server)
        hint = token[:10]
        frontline(env, "token", "revoke", hint, capture=True)

    setup = (
        f"{total:,} tickets on PostgreSQL · uvicorn {args.workers} workers · "
        f"{args.connections} connections · {args.tool} · {args.duration:g}s per endpoint · "
        f"db connections {args.db_connections} · "
        f"{os.cpu_count()} CPUs (load before the run {background_load:.1f}) · "
        f"Python {platform.python_version()}"
    )
    print(f"\n{setup}\n")
    print(table(results))
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = {"setup": setup, "args": vars(args), "results": [asdict(r) for r in results]}
    (out / f"api-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(f"\nSaved to bench/results/api-{stamp}.json")
    lines = SERVER_LOG.read_text(errors="replace").splitlines()
    failed = sum(" ERROR django.request " in line for line in lines)
    causes = Counter(
        line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)
    ).most_common(3)
    if failed or causes:
        print(f"\nThe server logged {failed} failed requests (bench/results/server.log):")
        for line, count in causes:
            print(f"  {count:6}×  {line[:160]}")


if __name__ == "__main__":
    main()
