"""A positioned XML tree for the Zwift importer (pure): every element with its line and
column, read by :mod:`xml.parsers.expat` with DOCTYPEs (and so entities) refused, and the
encoding rule (a declared encoding is honoured; without one UTF-8, else Windows-1252)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pacer.core.errors import InputErrors, Location, WorkoutError
from pacer.formats.workouts.common import MAX_IMPORT_BYTES


@dataclass
class XmlNode:
    tag: str
    #: attribute names lower-cased (Zwift files spell them both ways)
    attrs: dict[str, str]
    line: int
    col: int
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""

    @property
    def name(self) -> str:
        return self.tag.lower()


class _Refused(Exception):
    pass


_DECLARED = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
FALLBACK_ENCODING = "cp1252"


def xml_bytes(data: bytes, source: str) -> tuple[bytes, int | None]:
    """The bytes to parse, and the line of the first byte that is not UTF-8 when they were
    read as Windows-1252: with a declared encoding, ``data`` as it is (expat decodes it);
    without one, UTF-8, else Windows-1252 re-encoded as UTF-8."""
    if _DECLARED.match(data[:200]) or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return data, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            message = f"neither UTF-8 nor Windows-1252 (byte {exc.start}) and no encoding declared"
            raise InputErrors([WorkoutError(message, Location(source, line, 1))]) from None
        return text.encode("utf-8"), data[: exc.start].count(b"\n") + 1
    return data, None


def parse_xml(data: bytes, source: str) -> XmlNode:
    """The element tree of ``data`` with 1-based line and column of each element."""
    from xml.parsers import expat

    if len(data) > MAX_IMPORT_BYTES:
        raise InputErrors(
            [
                WorkoutError(
                    f"file too large for a workout ({len(data)} bytes)", Location(source, 1, 1)
                )
            ]
        )
    parser = expat.ParserCreate()
    root: list[XmlNode] = []
    stack: list[XmlNode] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = XmlNode(
            tag,
            {k.lower(): v for k, v in attrs.items()},
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].text += text

    def doctype(*_args: object) -> None:
        raise _Refused("a DOCTYPE is not allowed in a workout file")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        where = Location(source, exc.lineno, exc.offset + 1)
        message = f"XML syntax error: {expat.errors.messages[exc.code]}"
        raise InputErrors([WorkoutError(message, where)]) from None
    except (ValueError, LookupError):
        # pyexpat reads single-byte codecs only: shift_jis, utf-32, gb18030 raise ValueError,
        # an unknown or non-text codec (x-nope, base64) LookupError
        m = _DECLARED.match(data[:200])
        name = m[1].decode("ascii") if m else "of the file"
        message = f"encoding {name} is not supported (use UTF-8, UTF-16 or a single-byte one)"
        raise InputErrors([WorkoutError(message, Location(source, 1, 1))]) from None
    except _Refused as exc:
        where = Location(source, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        raise InputErrors([WorkoutError(str(exc), where)]) from None
    return root[0]


__all__ = ["FALLBACK_ENCODING", "XmlNode", "parse_xml", "xml_bytes"]
