"""`make bench`: this assistant and the stock `rasa init` assistant, measured side by side.

    python -m benchmarks.run [--config default|production] [--messages 10] [--levels 1,10,50]

Both are trained from scratch (fresh Rasa cache) and started on this machine in the same run,
then driven one after the other over the REST channel by the same load generator: our
assistant with FAQ questions, the reference with its own training examples. Then ours alone:
the time of each stage of one message (benchmarks/stages.py), so the next bottleneck shows in
every run. Writes results/bench/<config>/report.md, latency-throughput.png and raw.json, and
prints the tables.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import yaml
from tqdm import tqdm

from benchmarks import item_ranker, long_messages, stages
from benchmarks.load import LoadResult, run_load
from benchmarks.processes import peak_rss_mb
from benchmarks.report import chart, markdown_table
from devtools.serve import PRIVATE_ENV, Stack, sqlite_endpoints

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "build" / "bench"
RESULTS_DIR = ROOT / "results" / "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa(*args: str, cwd: Path, env: Dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "rasa", *args],
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **PRIVATE_ENV, **env},
            start_new_session=True,
        )


def train(project: Path, out: Path, name: str) -> float:
    """Trains from scratch (a fresh Rasa cache), returns seconds."""
    with tempfile.TemporaryDirectory() as cache:
        started = time.monotonic()
        process = rasa(
            "train",
            "--force",
            "--fixed-model-name",
            name,
            "--out",
            str(out),
            cwd=project,
            env={"RASA_CACHE_DIRECTORY": cache},
            log=BENCH_DIR / "logs" / f"train-{name}.log",
        )
        if process.wait() != 0:
            raise RuntimeError(f"training {name} failed: see {BENCH_DIR / 'logs'}")
        return time.monotonic() - started


def reference_project() -> Path:
    """The files `rasa init` creates (Rasa's initial project), copied afresh."""
    import rasa.cli

    template = Path(rasa.cli.__file__).parent / "initial_project"
    target = BENCH_DIR / "reference"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)
    return target


def first_answer(url: str, text: str, started: float, timeout: float = 300) -> float:
    """Seconds from `started` until the server answered `text`."""
    body = json.dumps({"sender": "startup-probe", "message": text}).encode()
    while time.monotonic() - started < timeout:
        try:
            request = urllib.request.Request(
                f"{url}/webhooks/rest/webhook",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                if json.loads(response.read()):
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} gave no answer within {timeout} s")


def faq_questions() -> List[str]:
    """Our FAQ examples (every FAQ intent), shuffled: each load message is a distinct text."""
    questions = []
    for path in sorted((ROOT / "data" / "nlu").glob("faq_*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            questions += [
                line[2:].strip()
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            ]
    random.Random(7).shuffle(questions)
    return questions


def reference_examples(project: Path) -> List[str]:
    data = yaml.safe_load((project / "data" / "nlu.yml").read_text())
    examples = []
    for block in data["nlu"]:
        examples += [
            line[2:].strip()
            for line in block["examples"].splitlines()
            if line.strip().startswith("- ")
        ]
    return examples


def scripts(pool: Sequence[str], messages: int) -> Callable[[int, int], List[str]]:
    """Conversation i at level offset gets its own slice of the pool (wrapping if needed)."""

    def texts(offset: int, conversation: int) -> List[str]:
        start = (offset + conversation * messages) % len(pool)
        return [pool[(start + k) % len(pool)] for k in range(messages)]

    return texts


# The load comes from one address at many messages a second: the benchmark measures how fast
# the assistant answers, not its rate limits (channels/settings.py), which would refuse most.
UNTHROTTLED = {
    "ASSISTANT_MESSAGES_PER_CONVERSATION_PER_MINUTE": "100000",
    "ASSISTANT_MESSAGES_PER_ADDRESS_PER_MINUTE": "1000000",
}


def production_env(rasa_port: int, action_port: int, workers: int) -> Dict[str, str]:
    return {
        "ACTION_SERVER_URL": f"http://localhost:{action_port}/webhook",
        "TRACKER_DB_HOST": os.environ.get("TRACKER_DB_HOST", "127.0.0.1"),
        "TRACKER_DB_PORT": os.environ.get("TRACKER_DB_PORT", "5432"),
        "TRACKER_DB_NAME": os.environ.get("TRACKER_DB_NAME", "rasa_bench"),
        "TRACKER_DB_USER": os.environ.get("TRACKER_DB_USER", "postgres"),
        "TRACKER_DB_PASSWORD": os.environ.get("TRACKER_DB_PASSWORD", ""),
        "REDIS_HOST": os.environ.get("REDIS_HOST", "127.0.0.1"),
        "REDIS_PORT": os.environ.get("REDIS_PORT", "6379"),
        "REDIS_DB": os.environ.get("REDIS_DB", "1"),
        "REDIS_PASSWORD": os.environ.get("REDIS_PASSWORD", ""),
        "SANIC_WORKERS": str(workers),
        "ACTION_SERVER_SANIC_WORKERS": str(workers),
    }


def ensure_postgres_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(
        "postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT", future=True
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def measure(
    label: str,
    url: str,
    texts: Callable[[int, int], List[str]],
    levels: Sequence[int],
    messages: int,
    bar: tqdm,
) -> Dict[int, LoadResult]:
    results = {}
    offset = 0
    for level in levels:
        bar.set_description(f"{label}: {level} conversation(s)")
        results[level] = asyncio.run(
            run_load(
                url,
                level,
                lambda i, o=offset: texts(o, i),
                f"{label}-{level}",
                on_message=lambda: bar.update(1),
            )
        )
        offset += level * messages
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=["default", "production"], default="default")
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations")
    parser.add_argument("--workers", type=int, default=2, help="Sanic workers (production)")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    out = RESULTS_DIR / args.config
    out.mkdir(parents=True, exist_ok=True)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    print("Training both assistants from scratch (fresh Rasa cache) ...")
    ours_models, reference = BENCH_DIR / "ours-models", reference_project()
    ours_train = train(ROOT, ours_models, "ours")
    reference_train = train(reference, reference / "models", "reference")

    ours_port, action_port, reference_port = free_port(), free_port(), free_port()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    if args.config == "production":
        ensure_postgres_database("rasa_bench")
        stack = Stack(
            rasa_port=ours_port,
            action_port=action_port,
            endpoints=ROOT / "endpoints.production.yml",
            model=ours_models / "ours.tar.gz",
            log_dir=BENCH_DIR / "logs",
            extra_env={**production_env(ours_port, action_port, args.workers), **UNTHROTTLED},
        )
    else:
        endpoints = sqlite_endpoints(work, action_port, "bench.db")
        stack = Stack(
            rasa_port=ours_port,
            action_port=action_port,
            endpoints=endpoints,
            model=ours_models / "ours.tar.gz",
            log_dir=BENCH_DIR / "logs",
            extra_env=UNTHROTTLED,
        )
    questions = faq_questions()
    reference_texts = reference_examples(reference)

    reference_process = None
    try:
        started = time.monotonic()
        stack.start()
        ours_startup = first_answer(stack.rasa_url, questions[-1], started)
        started = time.monotonic()
        reference_process = rasa(
            "run",
            "--model",
            str(reference / "models" / "reference.tar.gz"),
            "--port",
            str(reference_port),
            "--enable-api",
            cwd=reference,
            env={},
            log=BENCH_DIR / "logs" / "reference.log",
        )
        reference_url = f"http://localhost:{reference_port}"
        reference_startup = first_answer(reference_url, "hello", started)

        total = sum(levels) * args.messages * 2
        with tqdm(total=total, unit="msg", file=sys.stdout) as bar:
            ours_load = measure(
                "ours",
                stack.rasa_url,
                scripts(questions, args.messages),
                levels,
                args.messages,
                bar,
            )
            reference_load = measure(
                "reference",
                reference_url,
                scripts(reference_texts, args.messages),
                levels,
                args.messages,
                bar,
            )
        ours_rss = {
            "Rasa server": peak_rss_mb(stack.processes[1].pid),
            "action server": peak_rss_mb(stack.processes[0].pid),
        }
        reference_rss = {"Rasa server": peak_rss_mb(reference_process.pid)}
        # after the load, so its peak memory is the load's
        long_report = long_messages.report(long_messages.measure(stack.rasa_url))
        # in this process, against the stack's action server and a tracker store of its kind
        stage_endpoints = stack.endpoints
        if args.config == "default":
            (work / "stages").mkdir()
            stage_endpoints = sqlite_endpoints(work / "stages", action_port, "stages.db")
        stage_times = stages.measure(
            ours_models / "ours.tar.gz", stage_endpoints, questions, env=stack.extra_env
        )
    finally:
        stack.stop()
        if reference_process and reference_process.poll() is None:
            os.killpg(reference_process.pid, signal.SIGTERM)
            reference_process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    ours = {
        "name": f"ours ({args.config})",
        "load": ours_load,
        "peak_rss_mb": ours_rss,
        "train_seconds": ours_train,
        "startup_seconds": ours_startup,
    }
    theirs = {
        "name": "rasa init",
        "load": reference_load,
        "peak_rss_mb": reference_rss,
        "train_seconds": reference_train,
        "startup_seconds": reference_startup,
    }
    table = markdown_table(ours, theirs, levels)
    ranker = item_ranker.report(item_ranker.measure(ours_models / "ours.tar.gz"))
    stage_report = stages.report(stage_times)
    (out / "report.md").write_text(
        f"# Benchmark ({args.config} configuration)\n\n{args.messages} messages per "
        f"conversation; latency is end to end per message over REST; medians and "
        f"percentiles from one run.\n\n{table}\n\n{stage_report}\n\n{ranker}\n\n"
        f"{long_report}"
    )
    chart(ours, theirs, levels, out / "latency-throughput.png")
    raw = {
        name: {
            str(level): {"latencies_ms": r.latencies_ms, "seconds": r.seconds, "errors": r.errors}
            for level, r in data["load"].items()
        }
        for name, data in (("ours", ours), ("reference", theirs))
    }
    raw["stages_ms"] = stage_times["turns"]
    (out / "raw.json").write_text(json.dumps(raw))
    print()
    print(table)
    print(stage_report)
    print(ranker)
    print(f"Written to {out.relative_to(ROOT)}/ (report.md, latency-throughput.png, raw.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
