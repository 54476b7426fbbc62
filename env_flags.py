"""On/off switches from environment variables: one parser, so every service reads a flag alike.

`VOICE_DEV_INSECURE=on` once turned the phone channel's signature check off while `make run`,
reading the same variable its own way, dropped the phone channel. Every flag goes through
`parse_flag` (the settings objects call it from a validator). A value that is neither
on nor off is refused, never read as "off": a typo in a switch must not go unnoticed.
"""

from typing import Any, Optional

ON = ("1", "true", "yes", "on")
OFF = ("0", "false", "no", "off")


def parse_flag(value: Optional[Any], name: str = "flag", default: bool = False) -> bool:
    """True or False from a flag's value; `default` when it is unset or blank."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return default
    if text in ON:
        return True
    if text in OFF:
        return False
    raise ValueError(f"{name} must be one of {'/'.join(ON)} or {'/'.join(OFF)}, not {value!r}")
