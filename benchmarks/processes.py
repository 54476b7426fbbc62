"""Process measurements from /proc: peak resident memory of a process and its children."""

from pathlib import Path
from typing import List


def _children(pid: int) -> List[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


def process_tree(pid: int) -> List[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) summed over the process and its descendants."""
    total_kb = 0
    for each in process_tree(pid):
        status = Path(f"/proc/{each}/status")
        if not status.exists():
            continue
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def rss_mb(pid: int) -> float:
    """Resident set size now (VmRSS) summed over the process and its descendants: a soak
    compares it over time, which the peak (VmHWM) cannot show."""
    total_kb = 0
    for each in process_tree(pid):
        try:
            lines = Path(f"/proc/{each}/status").read_text().splitlines()
        except OSError:  # exited between listing and reading
            continue
        for line in lines:
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024
