"""A load generator for Rasa's REST channel: N concurrent conversations, M messages each.

Each conversation sends its next message only after the previous answer arrived, like a
person reading the reply, so latency is end to end per message and throughput is what the
server sustains at that concurrency.
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import aiohttp


@dataclass
class LoadResult:
    concurrency: int
    messages: int
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0  # failed requests (no latency recorded)
    empty_replies: int = 0  # answered with no message (the reference does, for some inputs)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        k = (len(ordered) - 1) * p / 100
        low, high = int(k), min(int(k) + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def _conversation(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    texts: Sequence[str],
    result: LoadResult,
    on_message: Optional[Callable[[], None]],
) -> None:
    for text in texts:
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json()
                if response.status != 200:
                    result.errors += 1
                    continue
                if not body:
                    result.empty_replies += 1
        except (aiohttp.ClientError, asyncio.TimeoutError):
            result.errors += 1
            continue
        finally:
            if on_message:
                on_message()
        result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def run_load(
    base_url: str,
    conversations: int,
    texts_for: Callable[[int], Sequence[str]],
    label: str,
    on_message: Optional[Callable[[], None]] = None,
) -> LoadResult:
    """Runs `conversations` concurrent conversations; conversation i says `texts_for(i)`."""
    url = f"{base_url}/webhooks/rest/webhook"
    scripts = [texts_for(i) for i in range(conversations)]
    result = LoadResult(concurrency=conversations, messages=sum(map(len, scripts)), seconds=0)
    connector = aiohttp.TCPConnector(limit=conversations)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _conversation(session, url, f"{label}-{i}", script, result, on_message)
                for i, script in enumerate(scripts)
            )
        )
        result.seconds = time.perf_counter() - started
    return result
