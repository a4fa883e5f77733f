"""Read YAML as a tree of positioned nodes, so that every error can name its line and column.

We never let YAML guess types (``1:20:00`` would be a base-60 integer, ``no`` a boolean):
scalars are read as the exact text written, and each loader interprets them itself. Errors
are collected, not raised one at a time, so a user sees every problem in a file at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

from pacer.core.errors import InputErrors, LocatedError, Location
from pacer.core.terminal import unsafe

MAX_FILE_BYTES = 64 * 1024


def decode_text(data: str | bytes, source: str, error: type[LocatedError]) -> str:
    """The text of a small UTF-8 text file, or InputErrors at 1:1."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    start = Location(source, 1, 1)
    if len(raw) > MAX_FILE_BYTES:
        raise InputErrors([error(_too_big(len(raw)), start)])
    if b"\x00" in raw:
        raise InputErrors([error("not a text file (it contains NUL bytes)", start)])
    if isinstance(data, str):
        return data
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputErrors([error(f"not a UTF-8 text file (byte {exc.start})", start)]) from None


def printable_line(value: str) -> bool:
    """No control, format, private-use, unassigned or line/paragraph-separator characters."""
    return not any(unsafe(ch) for ch in value)


def _too_big(n: int) -> str:
    return f"file too large ({n} bytes; the limit is {MAX_FILE_BYTES // 1024} KiB)"


#: Deeper YAML is refused while it is read (a workout nests a few levels; PyYAML's composer
#: recurses per level and its scanner slows quadratically with the depth).
MAX_NESTING = 64


class NestingLimitedLoader(yaml.SafeLoader):
    """The safe loader, refusing (at the node's position) nesting deeper than MAX_NESTING
    before the scanner reads further."""

    _depth = 0

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        # ``[[[[...``: refused as the scanner meets it, before its simple-key look-ahead
        # (quadratic in the depth) runs over the rest of the line.
        if self.flow_level >= MAX_NESTING:
            message = f"nested more than {MAX_NESTING} levels deep"
            raise yaml.scanner.ScannerError(None, None, message, self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_NESTING} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str | bytes, source: str, error: type[LocatedError]) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=NestingLimitedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source, 1, 1)
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        raise InputErrors([error(msg, where)]) from None
    except yaml.YAMLError as exc:
        raise InputErrors([error(f"YAML error: {exc}", Location(source, 1, 1))]) from None
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        raise InputErrors([error("nested too deeply", Location(source, 1, 1))]) from None


@dataclass
class NodeReader:
    """Helpers that read nodes and collect located errors."""

    source: str
    error: type[LocatedError]
    errors: list[LocatedError] = field(default_factory=list)

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.source, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, message: str) -> None:
        self.errors.append(self.error(message, self.loc(node)))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of keys to values")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.fail(k, f"keys in {what} must be plain words")
                continue
            if k.value in out:
                self.fail(k, f"duplicate key '{k.value}' in {what}")
                continue
            out[k.value] = (k, v)
        return out

    def unknown_keys(
        self, entries: dict[str, tuple[yaml.Node, yaml.Node]], allowed: Iterable[str], what: str
    ) -> None:
        allowed = list(allowed)
        for name, (k, _v) in entries.items():
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(k, f"unknown key '{name}' in {what}{hint}")

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be a single value, not a list or mapping")
            return None
        return str(node.value)

    def text(self, node: yaml.Node, what: str, max_len: int) -> str | None:
        """Free text (names, notes): one printable line."""
        value = self.scalar(node, what)
        if value is None:
            return None
        if not value.strip():
            self.fail(node, f"{what} is empty")
            return None
        if not printable_line(value):
            self.fail(node, f"{what} must be one line of printable text")
            return None
        if len(value) > max_len:
            self.fail(node, f"{what} is {len(value)} characters; at most {max_len} fit")
            return None
        return value

    def integer(self, node: yaml.Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node, what)
        if value is None:
            return None
        from pacer.workout.syntax import long_number, out_of_range

        if (m := long_number(value)) is not None:
            self.fail(node, f"{what}: {out_of_range(m.group(0))}")
            return None
        try:
            n = int(value.strip())
        except ValueError:
            self.fail(node, f"{what} must be a whole number, not '{value}'")
            return None
        if not low <= n <= high:
            self.fail(node, f"{what} {n} is out of range ({low} to {high})")
            return None
        return n

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputErrors(sorted(self.errors, key=_order))


def _order(e: LocatedError) -> tuple[int, int]:
    return (e.location.line, e.location.col) if e.location else (0, 0)


def quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)
