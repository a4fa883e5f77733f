"""hardware/BOM.md: every line, subtotal and total adds up."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.support.paths import REPO

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


POWER = REPO / "docs" / "power.md"
BOOST_EFFICIENCY = Decimal("0.85")
CELL_VOLTS = Decimal("3.7")
USABLE = Decimal("0.9")


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading`` in docs/power.md (no header rows)."""
    text = POWER.read_text(encoding="utf-8").split(heading, 1)[1]
    rows = []
    for line in text.splitlines():
        if line.startswith("| "):
            rows.append(_cells(line))
        elif rows:
            break
    return rows[2:]


def _tenth(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.1"))


def test_power_budget_adds_up_and_gives_the_hours() -> None:
    rows = {r[0]: r for r in _table("## The budget during a workout")}
    five_volt = [r for r in rows.values() if r[1] != "cell" and not r[0].startswith("Total")]
    assert len(five_volt) >= 9
    totals = []
    for col in (2, 3):
        total_5v = sum(money(r[col]) for r in five_volt)
        assert money(rows["Total on the 5 V rail"][col]) == total_5v
        cell = total_5v * 5 / (CELL_VOLTS * BOOST_EFFICIENCY)
        loss = next(r for name, r in rows.items() if name.startswith("Boost converter loss"))
        assert money(loss[col]) == _tenth(cell - total_5v * 5 / CELL_VOLTS)
        gauge = next(r for name, r in rows.items() if name.startswith("Fuel gauge"))
        cell_total = _tenth(cell + money(gauge[col]))
        assert money(rows["Total from the cell"][col]) == cell_total
        totals.append(cell_total)
    for cell_name, usable, stock_h, pacer_h in _table("### Hours of pacing"):
        label = Decimal(re.match(r"([\d,]+) mAh", cell_name)[1].replace(",", ""))  # type: ignore[index]
        assert money(usable) == label * USABLE, cell_name
        assert money(stock_h) == _tenth(money(usable) / totals[0]), cell_name
        assert money(pacer_h) == _tenth(money(usable) / totals[1]), cell_name


def test_bom_battery_line_says_what_the_budget_gives() -> None:
    hours = {
        int(re.match(r"([\d,]+) mAh", row[0])[1].replace(",", "")): row[3]  # type: ignore[index]
        for row in _table("### Hours of pacing")
    }
    bom = BOM.read_text(encoding="utf-8")
    lipo = next(line for line in bom.splitlines() if line.startswith("| LiPo cell"))
    capacity = re.search(r"([\d,]+) mAh", lipo)
    assert capacity
    assert f"about {hours[int(capacity[1].replace(',', ''))]} h of pacing" in lipo
    assert f"({hours[1200]} h on 1,200 mAh)" in lipo
    pisugar = next(line for line in bom.splitlines() if line.startswith("| PiSugar 3"))
    assert f"about {hours[1200]} h of pacing" in pisugar
    assert "4-5 h" not in bom
