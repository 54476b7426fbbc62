"""Refuses to start a service with an empty or placeholder secret, outside development.

One check for every service: the staff inbox's settings and the phone channel (channels/voice.py)
call `secret_problem`; the containers of the Kubernetes recipe run it before their real command
(deploy/kubernetes/):

    python -m secrets_check RASA_AUTH_TOKEN POSTGRES_PASSWORD -- python -m rasa run ...

checks the named environment variables, prints what is wrong with each (never the value) and
exits 2, or replaces itself with the command (or exits 0 if there is none: an init container
in front of PostgreSQL and Redis, whose images have no Python).

Strict unless ASSISTANT_ENV=development. The recipe's ConfigMap says `production`; an unset
value counts as production too, so a forgotten flag fails closed. `make run` never calls this
and generates its secrets per checkout (devtools/serve.py `local_secret`).
"""

import os
import sys
from typing import List, Mapping, Optional, Sequence

ENV_FLAG = "ASSISTANT_ENV"
DEVELOPMENT = "development"
MIN_LENGTH = 16
# Matched anywhere in the value, case-insensitively: words long enough that a random value
# never contains them by chance (the chance a 64-character hex or base64 value contains a
# given 6-letter word is below 1 in 10 million).
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "example",
    "replace",
    "secret",
    "password",
)
# A random value of 16+ characters has far more distinct characters than this
# ("xxxxxxxxxxxxxxxx", "1234123412341234", "aaaaaaaabbbbbbbb").
MIN_DISTINCT_CHARACTERS = 8
GENERATE = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def is_production(environ: Mapping[str, str]) -> bool:
    """Strict unless the environment says development (fails closed)."""
    return environ.get(ENV_FLAG, "").strip().lower() != DEVELOPMENT


def secret_problem(name: str, value: Optional[str], min_length: int = MIN_LENGTH) -> Optional[str]:
    """Why `value` cannot be the secret `name`, or None if it can. Never repeats the value."""
    value = (value or "").strip()
    advice = f"set it to a random value of at least {min_length} characters, e.g. {GENERATE}"
    if not value:
        return f"{name} is required (empty or not set): {advice}"
    lowered = value.lower()
    word = next((w for w in PLACEHOLDER_WORDS if w in lowered), None)
    if word:
        return f"{name} looks like a placeholder (it contains '{word}'): {advice}"
    if len(value) < min_length:
        return f"{name} is shorter than {min_length} characters: {advice}"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"{name} looks like a placeholder (too few different characters): {advice}"
    return None


def problems(names: Sequence[str], environ: Mapping[str, str]) -> List[str]:
    """What is wrong with the named secrets; nothing outside production."""
    if not is_production(environ):
        return []
    found = (secret_problem(name, environ.get(name)) for name in names)
    return [problem for problem in found if problem]


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """`NAME... [-- COMMAND...]`: check, then exec COMMAND (returns on refusal or no COMMAND)."""
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    names, command = argv[:split], argv[split + 1 :]
    if not names or ("--" in argv and not command):
        print("usage: python -m secrets_check NAME... [-- COMMAND...]", file=sys.stderr)
        return 2
    found = problems(names, environ)
    if found:
        print("Refusing to start, a secret is not usable:", file=sys.stderr)
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if command:
        sys.stdout.flush()
        os.execvp(command[0], command)  # does not return
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
