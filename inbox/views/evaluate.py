"""The curators' "Try a question" page: what the assistant would do with a question, typed and as
phone text, so a curator can check a new or changed evidence item before it goes live.

The running assistant parses the question (Rasa's `/model/parse`: the inbox never loads the
model); the answering action's planner then runs here, on the evidence store this process
loaded once (inbox/evaluation.py). GET `?q=` gives a link to a result; the form posts.
"""

import asyncio
import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional

import aiohttp
from sanic import Request
from sanic.response import HTTPResponse

from actions.answer_planner import CALIBRATION
from actions.evidence_store import get_store
from channels.phone_text import voice_channel_text
from channels.settings import channel_settings
from channels.user_input import admit
from handoff.rasa_client import RasaClient, RasaError
from inbox.evaluation import evaluate

QUESTION_FIELD = "question"
QUERY_PARAMETER = "q"
logger = logging.getLogger("inbox")


@lru_cache(maxsize=1)
def message_limit() -> int:
    """The longest message a person can send (the channels' limit): longer ones never reach NLU."""
    return channel_settings().max_message_chars


async def page(request: Request) -> HTTPResponse:
    question = request.args.get(QUERY_PARAMETER)
    if question is None:
        return _render(request, "")
    return await _try(request, question)


async def submit(request: Request) -> HTTPResponse:
    return await _try(request, (request.form or {}).get(QUESTION_FIELD) or "")


async def _try(request: Request, question: str) -> HTTPResponse:
    ctx = request.app.ctx
    admitted = admit(question, message_limit())
    if admitted.too_long:
        return _render(request, question, problem="too_long", status=400)
    if not admitted.text.strip():
        return _render(request, question, problem="empty", status=400)
    typed_text = admitted.text
    phone_text = await ctx.run(voice_channel_text, typed_text)
    try:
        typed, phone = await _parse_both(ctx.rasa, typed_text, phone_text)
    except RasaError as error:
        logger.warning("try a question: %s", error)
        problem = "assistant_refused" if error.status in (401, 403) else "assistant_down"
        return _render(request, question, problem=problem, status=503)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("try a question: the assistant is unreachable (%s)", type(error).__name__)
        return _render(request, question, problem="assistant_down", status=503)
    store = await ctx.run(get_store)  # cached: read once per process
    typed_result = await ctx.run(evaluate, store, typed)
    phone_result = await ctx.run(evaluate, store, phone, spoken=True)
    return _render(request, question, typed=typed_result, phone=phone_result)


async def _parse_both(rasa: RasaClient, typed: str, phone: str) -> List[Dict[str, Any]]:
    """Both parses at once; the first failure is raised once both are done, so neither
    request is left running unobserved."""
    results = await asyncio.gather(rasa.parse(typed), rasa.parse(phone), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


def _render(
    request: Request,
    question: str,
    problem: Optional[str] = None,
    status: int = 200,
    **results: Any,
) -> HTTPResponse:
    context: Dict[str, Any] = {
        "question": question,
        "limit": message_limit(),
        "problem": problem,
        "calibration": CALIBRATION,
        **results,
    }
    return request.app.ctx.render(request, "curation_evaluate.html", status=status, **context)
