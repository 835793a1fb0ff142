"""`fab bench`: the site's figures on this machine, measured side by side in one run.

Starts its own embedded database and the real stack (Varnish, nginx, uWSGI) on free loopback
ports in a temp dir, prints a table of figures and ratios and writes bench/results.json."""
import itertools
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
from pymongo import MongoClient

from app import create_app, demo
from app.config import ROOT, Config
from app.counts import ledger
from app.homepage.bake import bake
from app.organizers import fraud
from app.runtime import stack
from app.runtime.embedded import EmbeddedMongo, free_port
from app.runtime.stack.daemons import Daemon
from app.store import indexes, users

from . import load

RESULTS = ROOT / "bench" / "results.json"
RECOUNT_SAMPLE = 20
TARGETS = {
    "hit_vs_nginx": 0.7, "hit_vs_live": 30, "votes_vs_original": 3, "p99_16_ms": 100,
    "tally_vs_recount": 20, "bake_1000_s": 1.0, "worker_rss_mb": 80, "votes_vs_single_op": 0.3,
    "vote_commands_vs_single_op": 0.3, "vote_db_cpu_vs_single_op": 0.3,
}


def uwsgi_http(module, port, log, workers=2):
    """A uWSGI serving `module` over plain HTTP, for comparisons that skip nginx and Varnish."""
    argv = [str(Path(sys.executable).with_name("pyuwsgi")), "--http-socket", f"127.0.0.1:{port}", "--module", module,
            "--processes", str(workers), "--master", "--die-on-term", "--need-app", "--disable-logging",
            "--chdir", str(ROOT), "--pythonpath", str(ROOT)]
    return Daemon(module, argv, port, log, dict(os.environ))


def peak_rss_mb(master_pid):
    """The largest peak resident memory (VmHWM) among a uWSGI master's workers."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else None


def vote_plans(voters, talks, concurrency, per_voter, seed):
    """One list of vote=1/0 requests per simulated voter."""
    rng = random.Random(seed)
    return [[{"user": voters[i % len(voters)], "session": rng.choice(talks), "vote": rng.choice("10")}
             for _ in range(per_voter)] for i in range(concurrency)]


def toggle_plans(voters, talks, concurrency, per_voter, seed):
    """One list of plain toggles per voter: the only request the original algorithm knows."""
    return [[{k: v for k, v in step.items() if k != "vote"} for step in plan]
            for plan in vote_plans(voters, talks, concurrency, per_voter, seed)]


def backend_hits(log, marker="GET /api/session/"):
    """How many talk-list requests reached uWSGI, from its log."""
    return log.read_text(errors="ignore").count(marker) if log.exists() else 0


def polling(varnish_url, log, pages, seconds=6, every=2.0):
    """`pages` open pages polling the talk list through Varnish; backend requests per second."""
    before, started = backend_hits(log), time.monotonic()

    def page(_):
        client = load.Client(varnish_url)
        time.sleep(random.random() * every)
        while time.monotonic() - started < seconds:
            client.get("/api/session/")
            time.sleep(every)
        client.close()

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=pages) as pool:
        list(pool.map(page, range(pages)))
    time.sleep(0.5)  # uWSGI writes its log line after the reply
    elapsed = time.monotonic() - started
    return {"pages": pages, "client_rps": round(pages / every, 1),
            "backend_rps": round((backend_hits(log) - before) / elapsed, 2)}


def cpu_seconds(pid):
    """The CPU time (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def _for_seconds(seconds, concurrency, step, server_pid):
    """Call step(n) in a loop from `concurrency` threads (n = the thread's number) for `seconds`: calls per
    second, and the database server's CPU milliseconds per call (what the call costs it, whoever else is busy)."""
    done, stop = [0] * concurrency, threading.Event()

    def worker(n):
        while not stop.is_set():
            step(n)
            done[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    cpu, started = cpu_seconds(server_pid), time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    calls = sum(done)
    return round(calls / (time.perf_counter() - started), 1), round(1000 * (cpu_seconds(server_pid) - cpu) / calls, 3)


def single_writes(mongo, seconds, concurrency=16):
    """The embedded server's rate of one simple write (an `$inc` by _id, like a vote's count update) from
    `concurrency` threads, and its CPU ms per write: what a vote's three commands are measured against."""
    client = MongoClient(mongo.uri)
    scratch = client["bench_single_op"]["counters"]
    scratch.insert_many([{"_id": n, "n": 0} for n in range(concurrency)])
    figures = _for_seconds(seconds, concurrency, lambda n: scratch.find_one_and_update({"_id": n}, {"$inc": {"n": 1}}),
                           mongo.process.pid)
    client.drop_database("bench_single_op")
    client.close()
    return figures


def vote_commands(app, plans, seconds, server_pid):
    """Votes per second when only a vote's database commands run (the voter, then ledger.cast), from one
    thread per plan with the same client as single_writes: the round trips without HTTP, Flask and the
    web servers, which on this 2-core machine take most of the CPU from the database; and the database's
    CPU ms per vote."""
    signals = {"ip": "127.0.0.1", "ua": "bench", "fingerprint": None}
    steps = [itertools.cycle(plan) for plan in plans]

    def vote(n):
        fields = next(steps[n])
        with app.app_context():
            ledger.cast(users.find(fields["user"]), fields["session"], fields["vote"] == "1", signals)

    return _for_seconds(seconds, len(plans), vote, server_pid)


def bulk_figures(mongo_uri, www):
    """tally, check_voters and a bake on 10,000 users, 1,000 talks and 100,000 votes."""
    # Batches of 5,000 documents take longer than a request may wait (4 s) on a busy machine.
    app = create_app({"MONGO_URI": mongo_uri, "DB_NAME": "bench_bulk", "WWW_DIR": www, "DB_TIMEOUT_MS": 60_000})
    with app.app_context():
        indexes.apply()
        started = time.perf_counter()
        demo.load(10_000, 1_000, 100_000, seed=3, batch=5000)
        figures = {"load_s": round(time.perf_counter() - started, 1)}
        db = app.extensions["mongo"]["bench_bulk"]
        db.sessions.update_many({}, {"$inc": {"votes": 1}})  # drift for tally to find

        started = time.perf_counter()
        fixed = ledger.tally()
        figures["tally_s"] = round(time.perf_counter() - started, 3)
        figures["tally_fixed"] = len(fixed)

        # The per-document recount that tally replaces: one count per talk. On the embedded server
        # a count scans, so time a sample of talks and scale it up to all of them.
        sample = [t["_id"] for t in db.sessions.find({}, {"_id": 1}).limit(RECOUNT_SAMPLE)]
        started = time.perf_counter()
        for talk_id in sample:
            db.sessions.update_one({"_id": talk_id}, {"$set": {"votes": db.votes.count_documents({"session": talk_id})}})
        figures["recount_s"] = round((time.perf_counter() - started) * db.sessions.count_documents({}) / len(sample), 1)
        figures["recount_sampled_talks"] = len(sample)

        started = time.perf_counter()
        report = fraud.screen()
        figures["check_voters_s"] = round(time.perf_counter() - started, 3)
        figures["flagged"] = len(report)

        started = time.perf_counter()
        bake()
        figures["bake_1000_s"] = round(time.perf_counter() - started, 3)
    app.extensions["mongo"].close()
    return figures


def measure(tmp, quick):
    """Run every measurement and return the figures."""
    results = {}
    with EmbeddedMongo(tmp / "db") as mongo:
        os.environ.update({"MONGO_URI": mongo.uri, "LT_DB_NAME": "bench", "LT_PHASE": "voting",
                           "LT_WWW_DIR": str(tmp / "www"), "LT_RUN_DIR": str(tmp / "run"),
                           "LT_DATA_DIR": str(tmp / "data"),
                           "LT_ENV_FILE": os.devnull})
        config = Config()
        app = create_app()
        with app.app_context():
            indexes.apply()
            demo.load(300, 60, 2000, seed=1)
            bake()
            db = app.extensions["mongo"]["bench"]
            voters = [u["_id"] for u in db.users.find({}, {"_id": 1})]
            talks = [t["_id"] for t in db.sessions.find({}, {"_id": 1})]
        app.extensions["mongo"].close()
        seconds = 3 if quick else 5

        ports = {name: free_port() for name in ("port", "nginx_port", "admin_port")}
        settings = stack.StackSettings.from_config(config, workers=2, **ports)
        with stack.running(settings, config, mongo.uri) as daemons:
            varnish, nginx = stack.urls(settings)["varnish"], stack.urls(settings)["nginx"]
            live_port = free_port()
            with uwsgi_http("bench.live:application", live_port, tmp / "live.log"):
                results["homepage_rps"] = {
                    "varnish_hit": load.wrk(varnish, seconds), "nginx_static": load.wrk(nginx, seconds),
                    "flask_live": load.wrk(f"http://127.0.0.1:{live_port}/", seconds),
                }
            per = 20 if quick else 40
            results["votes_full_stack"] = {
                str(c): load.hammer(varnish, "/api/vote/action/", vote_plans(voters, talks, c, max(4, per * 16 // c // 4), c))
                for c in (1, 16, 64)}
            log = settings.run_dir / "logs" / "uwsgi.log"
            results["polling"] = [polling(varnish.rstrip("/"), log, n) for n in (50, 500)]
            results["worker_rss_mb"] = peak_rss_mb(daemons["uwsgi"].pid)

        comparison = {}
        for name, module in (("ours", "app.wsgi:application"), ("original", "bench.original:application")):
            port = free_port()
            with uwsgi_http(module, port, tmp / f"{name}.log"):
                comparison[name] = load.hammer(f"http://127.0.0.1:{port}", "/api/vote/action/",
                                               toggle_plans(voters, talks, 16, 10 if quick else 25, 7))
        results["votes_vs_original"] = comparison
        results["single_op_rps"], results["single_op_db_cpu_ms"] = single_writes(mongo, seconds)
        app = create_app()
        results["vote_commands_rps"], results["vote_db_cpu_ms"] = vote_commands(
            app, vote_plans(voters, talks, 16, 1000, 16), seconds, mongo.process.pid)
        app.extensions["mongo"].close()
        results["bulk"] = bulk_figures(mongo.uri, tmp / "bulk-www")
    return results


def ratios(results):
    """The ratios we quote, with each target and whether it is met."""
    home, bulk = results["homepage_rps"], results["bulk"]
    polls = results["polling"]
    rows = {
        "hit_vs_nginx": home["varnish_hit"] / home["nginx_static"],
        "hit_vs_live": home["varnish_hit"] / home["flask_live"],
        "votes_vs_original": results["votes_vs_original"]["ours"]["per_second"]
        / results["votes_vs_original"]["original"]["per_second"],
        "p99_16_ms": results["votes_full_stack"]["16"]["p99_ms"],
        "votes_vs_single_op": results["votes_full_stack"]["16"]["per_second"] / results["single_op_rps"],
        "vote_commands_vs_single_op": results["vote_commands_rps"] / results["single_op_rps"],
        # The database's CPU per single write over its CPU per vote: the votes/s its work allows, whatever
        # else shares the machine's cores, against single writes/s.
        "vote_db_cpu_vs_single_op": results["single_op_db_cpu_ms"] / results["vote_db_cpu_ms"],
        "tally_vs_recount": bulk["recount_s"] / max(bulk["tally_s"], 1e-6),
        "bake_1000_s": bulk["bake_1000_s"],
        "worker_rss_mb": results["worker_rss_mb"] or 0,
        "polling_backend_rps_50_vs_500": f"{polls[0]['backend_rps']} vs {polls[1]['backend_rps']}",
    }
    lower_is_better = {"p99_16_ms", "bake_1000_s", "worker_rss_mb"}
    out = {}
    for name, value in rows.items():
        target = TARGETS.get(name)
        met = None if target is None else (value <= target if name in lower_is_better else value >= target)
        out[name] = {"value": round(value, 2) if isinstance(value, float) else value, "target": target, "met": met}
    return out


def table(results, quoted):
    """The figures as a Markdown table (what docs/benchmark.md quotes)."""
    home, bulk = results["homepage_rps"], results["bulk"]
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| homepage req/s: Varnish HIT / nginx static / Flask live | {home['varnish_hit']:.0f} / "
              f"{home['nginx_static']:.0f} / {home['flask_live']:.0f} |"]
    for c, row in results["votes_full_stack"].items():
        lines.append(f"| votes through the stack, {c} concurrent: req/s, p50, p99 | {row['per_second']} /s, "
                     f"{row['p50_ms']} ms, {row['p99_ms']} ms ({row['errors']} errors) |")
    ours, original = results["votes_vs_original"]["ours"], results["votes_vs_original"]["original"]
    lines.append(f"| toggles at 16 concurrent, uWSGI direct: ours / original algorithm | {ours['per_second']} / "
                 f"{original['per_second']} req/s |")
    lines.append(f"| the embedded server's single write (`$inc` by _id), 16 concurrent | "
                 f"{results['single_op_rps']} ops/s, {results['single_op_db_cpu_ms']} ms of its CPU each |")
    lines.append(f"| a vote's database commands alone (the voter, ledger.cast), 16 concurrent | "
                 f"{results['vote_commands_rps']} votes/s, {results['vote_db_cpu_ms']} ms of the database's CPU each |")
    for row in results["polling"]:
        lines.append(f"| {row['pages']} pages polling every 2 s ({row['client_rps']} req/s): backend req/s | {row['backend_rps']} |")
    lines.append(f"| 10k users, 1k talks, 100k votes: tally / per-document recount (scaled from "
                 f"{bulk['recount_sampled_talks']} talks) / check_voters | "
                 f"{bulk['tally_s']} s / {bulk['recount_s']} s / {bulk['check_voters_s']} s |")
    lines.append(f"| bake with 1,000 talks | {bulk['bake_1000_s']} s |")
    lines.append(f"| peak RSS of a uWSGI worker | {results['worker_rss_mb']} MB |")
    lines += ["", "| ratio or limit | value | target | met |", "| --- | --- | --- | --- |"]
    for name, row in quoted.items():
        met = {True: "yes", False: "**no**", None: "(independent of N)"}[row["met"]]
        lines.append(f"| {name} | {row['value']} | {row['target'] or ''} | {met} |")
    return "\n".join(lines)


@click.command()
@click.option("--quick", is_flag=True, help="Shorter runs, for a smoke test.")
def main(quick):
    """Measure and print the figures; write bench/results.json."""
    with tempfile.TemporaryDirectory(prefix="lt-bench-") as tmp:
        Path(tmp).chmod(0o755)  # Varnish's unprivileged child must read its work dir
        results = measure(Path(tmp), quick)
    quoted = ratios(results)
    RESULTS.write_text(json.dumps({"figures": results, "ratios": quoted}, indent=2))
    click.echo(table(results, quoted))
    click.echo(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
