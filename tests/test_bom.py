"""hardware/BOM.md: every line, subtotal and total adds up."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import REPO

BOM = REPO / "hardware" / "BOM.md"


def _cells(line: str) -> list[str]:
    return [c.strip().strip("*") for c in line.strip().strip("|").split("|")]


def parse() -> tuple[dict[str, list[list[str]]], dict[str, list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for line in BOM.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:]
            sections[current] = []
        elif line.startswith("| ") and not line.startswith(("| ---", "| Part", "| Build")):
            sections[current].append(_cells(line))
    totals = {row[0]: row for row in sections.pop("Totals")}
    return sections, totals


def money(s: str) -> Decimal:
    return Decimal(s)


def test_lines_and_subtotals_add_up() -> None:
    sections, _ = parse()
    assert len(sections) == 4
    for name, rows in sections.items():
        *items, subtotal = rows
        assert subtotal[0].startswith("Subtotal"), name
        assert items, name
        for part, qty, unit_eur, unit_usd, eur, usd, _ in items:
            assert money(eur) == int(qty) * money(unit_eur), part
            assert money(usd) == int(qty) * money(unit_usd), part
        assert money(subtotal[4]) == sum(money(r[4]) for r in items), name
        assert money(subtotal[5]) == sum(money(r[5]) for r in items), name


def test_build_totals_are_the_sums_of_their_sections() -> None:
    sections, totals = parse()
    subtotal = {
        rows[-1][0].removeprefix("Subtotal "): (money(rows[-1][4]), money(rows[-1][5]))
        for rows in sections.values()
    }
    assert set(totals) == {"LiPo + charger", "PiSugar"}
    for build, (_, parts, eur, usd) in totals.items():
        names = [p.strip() for p in parts.split("+")]
        assert money(eur) == sum(subtotal[n][0] for n in names), build
        assert money(usd) == sum(subtotal[n][1] for n in names), build


def test_bom_lists_every_part_of_the_wiring() -> None:
    text = BOM.read_text(encoding="utf-8")
    for needle in (
        "Zero 2 W",
        "SSD1306",
        "SH1106",
        "vibration motor",
        "2N2222",
        "AO3400",
        "1N4148",
        "1 kΩ",
        "Tactile switch",
        "MAX17048",
        "PiSugar",
        "microSD",
    ):
        assert re.search(re.escape(needle), text), needle
