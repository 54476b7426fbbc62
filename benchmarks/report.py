"""The benchmark's Markdown table and chart."""

from pathlib import Path
from typing import Dict, List, Sequence

from benchmarks.load import LoadResult


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}" if reference else "–"


def markdown_table(
    ours: Dict[str, object], reference: Dict[str, object], levels: Sequence[int]
) -> str:
    """One row per measure: ours, the reference, ours / reference."""
    rows: List[List[str]] = []

    def add(label: str, a: float, b: float, digits: int = 1) -> None:
        rows.append([label, _fmt(a, digits), _fmt(b, digits), _ratio(a, b)])

    for level in levels:
        mine: LoadResult = ours["load"][level]  # type: ignore[index]
        theirs: LoadResult = reference["load"][level]  # type: ignore[index]
        for p in (50, 95, 99):
            add(
                f"latency p{p}, {level} conversation(s) (ms)",
                mine.percentile(p),
                theirs.percentile(p),
            )
        add(f"messages/s at {level} conversation(s)", mine.throughput, theirs.throughput)
        if mine.errors or theirs.errors:
            rows.append([f"failed requests at {level}", str(mine.errors), str(theirs.errors), ""])
        if mine.empty_replies or theirs.empty_replies:
            rows.append(
                [
                    f"replies with no message at {level}",
                    str(mine.empty_replies),
                    str(theirs.empty_replies),
                    "",
                ]
            )
    for name in ours["peak_rss_mb"]:  # type: ignore[attr-defined]
        rows.append([f"peak RSS, {name} (MB)", _fmt(ours["peak_rss_mb"][name]), "–", ""])  # type: ignore[index]
    add(
        "peak RSS, all processes (MB)",
        sum(ours["peak_rss_mb"].values()),  # type: ignore[attr-defined]
        sum(reference["peak_rss_mb"].values()),
    )  # type: ignore[attr-defined]
    add("training time (s)", ours["train_seconds"], reference["train_seconds"])  # type: ignore[arg-type]
    add("start-up to first answer (s)", ours["startup_seconds"], reference["startup_seconds"])  # type: ignore[arg-type]
    header = ["measure", str(ours["name"]), str(reference["name"]), "ours / reference"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def chart(
    ours: Dict[str, object], reference: Dict[str, object], levels: Sequence[int], path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    positions, data, colours = [], [], []
    for i, level in enumerate(levels):
        for j, (contender, colour) in enumerate(((ours, "#1f6f8b"), (reference, "#c56b2d"))):
            positions.append(i * 3 + j)
            data.append(contender["load"][level].latencies_ms)  # type: ignore[index]
            colours.append(colour)
    boxes = latency.boxplot(
        data, positions=positions, widths=0.8, patch_artist=True, showfliers=False
    )
    for box, colour in zip(boxes["boxes"], colours, strict=False):
        box.set_facecolor(colour)
    latency.set_xticks([i * 3 + 0.5 for i in range(len(levels))])
    latency.set_xticklabels([f"{level} conv." for level in levels])
    latency.set_yscale("log")
    latency.set_ylabel("end-to-end latency per message (ms, log)")
    latency.set_title("Latency distribution (box: p25–p75, whiskers: 1.5 IQR)")
    width = 0.38
    xs = range(len(levels))
    throughput.bar(
        [x - width / 2 for x in xs],
        [ours["load"][lv].throughput for lv in levels],
        width,  # type: ignore[index]
        label=str(ours["name"]),
        color="#1f6f8b",
    )
    throughput.bar(
        [x + width / 2 for x in xs],
        [reference["load"][lv].throughput for lv in levels],
        width,  # type: ignore[index]
        label=str(reference["name"]),
        color="#c56b2d",
    )
    throughput.set_xticks(list(xs))
    throughput.set_xticklabels([f"{level} conv." for level in levels])
    throughput.set_ylabel("messages per second")
    throughput.set_title("Throughput by concurrency")
    throughput.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
