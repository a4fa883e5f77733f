"""Foreign text escaped before it reaches a terminal (issue 20 D10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacer.core.terminal import escaped, unsafe
from tests.support.hostile import TERMINAL_ATTACKS


@pytest.mark.parametrize("attack", TERMINAL_ATTACKS)
def test_every_attack_is_escaped_and_stays_readable(attack: str) -> None:
    text = escaped(f"Polar{attack}H10")
    assert text.startswith("Polar\\")
    assert text.endswith("H10")
    assert not [ch for ch in text if unsafe(ch)]


def test_escapes_read_as_python_writes_them() -> None:
    assert escaped("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escaped("\u202eevil") == "\\u202eevil"
    assert escaped("line\nnext") == "line\\nnext"
    assert escaped("line\nnext\x1b", newlines=True) == "line\nnext\\x1b"


@pytest.mark.parametrize("text", ["Stryd", "Läufer Ø", "心拍計", "🏃 run", "  x  "])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert escaped(text) == text


@given(st.text())
def test_nothing_unsafe_survives_and_safe_text_is_kept(text: str) -> None:
    out = escaped(text)
    assert not [ch for ch in out if unsafe(ch)]
    if not any(unsafe(ch) for ch in text):
        assert out == text
