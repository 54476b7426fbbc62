"""How long a long message takes, end to end over REST, up to and past the length limit.

A 900 KB message once held the Rasa server at full CPU for minutes (the question splitter cost
grew with the square of the length). This measures the answer time of messages of growing
length in several shapes, the pathological one included, so a return of super-linear cost shows
as a growing ratio between sizes; and what a message over the limit and a body over the cap
cost. Medians of a few tries from one run.

    python -m benchmarks.long_messages --url http://localhost:5005   # against a running server
"""

import argparse
import json
import statistics
import time
import urllib.error
import urllib.request
from typing import Dict, List

from channels.settings import ChannelSettings

SHAPES = {
    "forum post": "My wife was diagnosed ten years ago. What are the side effects of HSCT? ",
    "abbreviations": "i.e. e.g. ",
    "short questions": "Why? And cost? ",
    "one line, no stops": "hsct side effects cost recovery fertility ",
}
TRIES = 5


def post(url: str, body: bytes) -> float:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.close()
    return (time.perf_counter() - started) * 1000


def message_body(sender: str, text: str) -> bytes:
    return json.dumps({"sender": sender, "message": text}).encode()


def measure(url: str) -> Dict[str, Dict[str, float]]:
    limit = ChannelSettings().max_message_chars
    lengths = [limit // 4, limit // 2, limit, limit * 2]
    results: Dict[str, Dict[str, float]] = {}
    for shape, unit in SHAPES.items():
        results[shape] = {}
        for length in lengths:
            text = (unit * (length // len(unit) + 1))[:length]
            senders = [
                f"bench-long-{shape[:5]}-{length}-{i}".replace(" ", "-") for i in range(TRIES)
            ]
            times = [post(url, message_body(sender, text)) for sender in senders]
            results[shape][str(length)] = statistics.median(times)
    oversized = message_body("bench-long-body", "x" * (ChannelSettings().max_request_bytes * 4))
    results["body over the cap (413)"] = {
        "bytes": float(len(oversized)),
        "ms": statistics.median(post(url, oversized) for _ in range(TRIES)),
    }
    return results


def report(results: Dict[str, Dict[str, float]]) -> str:
    shapes = [s for s in results if s in SHAPES]
    lengths: List[str] = list(results[shapes[0]])
    lines = [
        "## Long messages (REST, median ms of 5, one run)",
        "",
        f"The limit is {ChannelSettings().max_message_chars} characters: the last column is over"
        " it and gets the 'please shorten' reply without NLU.",
        "",
        "| shape | " + " | ".join(f"{n} chars" for n in lengths) + " |",
        "|---|" + "---|" * len(lengths),
    ]
    for shape in shapes:
        row = " | ".join(f"{results[shape][n]:.0f}" for n in lengths)
        lines.append(f"| {shape} | {row} |")
    over = results["body over the cap (413)"]
    lines += ["", f"A {over['bytes'] / 1024:.0f} KB body is refused (413) in {over['ms']:.0f} ms."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    print(report(measure(parser.parse_args().url)))


if __name__ == "__main__":
    main()
