"""A structural check that a regular expression's work grows linearly with the text.

Python's `re` backtracks and reports no step count, so the check reads the pattern instead:
every repeat must have an upper bound, except one that ends the pattern (nothing after it can
fail, so the engine never retries it). Each starting position then costs a bounded amount of
work, and `search` or `sub` over a text a linear amount. It is stricter than needed (some
unbounded repeats are harmless), which is the safe side for a pattern run on what people send.
"""

import re
from typing import Iterable, List, Tuple

try:  # Python 3.11 renamed the parser's modules and deprecated the old names
    from re import _constants as sre_constants  # type: ignore
    from re import _parser as sre_parse
except ImportError:
    import sre_constants
    import sre_parse

REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)


def retried_unbounded_repeats(pattern: "re.Pattern[str]") -> List[str]:
    """The unbounded repeats of `pattern` that something after them can make the engine retry,
    as readable descriptions; empty when the pattern's work is linear."""
    return _walk(sre_parse.parse(pattern.pattern, pattern.flags), ends_pattern=True)


def _walk(items: Iterable[Tuple], ends_pattern: bool) -> List[str]:
    items = list(items)
    found: List[str] = []
    for index, (op, arg) in enumerate(items):
        last = ends_pattern and index == len(items) - 1
        if op in REPEATS:
            low, high, body = arg
            if high == sre_constants.MAXREPEAT and not last:
                found.append(f"{low} or more of {list(body)}")
            found += _walk(body, ends_pattern=False)  # a repeat retries its own body
        elif op == sre_constants.SUBPATTERN:
            found += _walk(arg[-1], last)
        elif op == sre_constants.BRANCH:
            for alternative in arg[1]:
                found += _walk(alternative, last)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found += _walk(arg[1], ends_pattern=False)
    return found
