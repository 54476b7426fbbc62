"""The one flag parser every service reads its on/off environment variables with."""

import pytest

from env_flags import OFF, ON, parse_flag


@pytest.mark.parametrize("value", [*ON, "ON", " Yes ", "True", True])
def test_every_spelling_of_on_is_on(value):
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", [*OFF, "OFF", " No ", "False", False])
def test_every_spelling_of_off_is_off(value):
    assert parse_flag(value) is False


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_blank_is_the_default(value):
    assert parse_flag(value) is False
    assert parse_flag(value, default=True) is True


@pytest.mark.parametrize("value", ["maybe", "enabled", "2", "tru"])
def test_anything_else_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError, match="VOICE_DEV_INSECURE must be one of"):
        parse_flag(value, "VOICE_DEV_INSECURE")
