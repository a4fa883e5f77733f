"""The elements and attributes of a Zwift ``.zwo`` file the importer knows (data only):
what it reads, and what it passes over without a warning because it changes nothing pacer
can show."""

from __future__ import annotations

#: attributes that change nothing pacer can show (display hints, Zwift game options)
COSMETIC = {
    "flatroad",
    "quantize",
    "show_avg",
    "zone",
    "units",
    "neverfails",
    "failthresholdduration",
    "forced_performance_test",
    "replacement_prescription",
    "replacement_verb",
    "ramptest",
    "ftptest",
    "slop",
    "text",
    "target",
    "overunder",
    "poweronzone",
    "poweroffzone",
}
KNOWN = {
    "warmup": {"duration", "powerlow", "powerhigh", "cadence", "cadencelow", "cadencehigh", "pace"},
    "steadystate": {
        "duration",
        "power",
        "powerlow",
        "powerhigh",
        "cadence",
        "cadencelow",
        "cadencehigh",
        "pace",
    },
    "intervalst": {
        "repeat",
        "onduration",
        "offduration",
        "onpower",
        "offpower",
        "poweronlow",
        "poweronhigh",
        "powerofflow",
        "poweroffhigh",
        "cadence",
        "cadencelow",
        "cadencehigh",
        "cadenceresting",
        "pace",
    },
    "freeride": {"duration", "cadence", "power"},
    "maxeffort": {"duration"},
}
KNOWN["cooldown"] = KNOWN["warmup"]
KNOWN["ramp"] = KNOWN["warmup"] | {"power", "cadenceresting"}
TEXT_EVENTS = ("textevent", "textnotification")
TOP_IGNORED = {
    "author",
    "author_alias",
    "authoricon",
    "category",
    "categoryindex",
    "subcategory",
    "tags",
    "entid",
    "overridehash",
    "painindex",
    "showcp20",
    "skippable",
    "visibleaftertime",
    "visibleoutsideplan",
    "workoutlength",
    "workoutplan",
    "activitysavename",
    "test_details",
    "uniqueid",
    "legacyidhash",
    "categoryoverride",
}


__all__ = ["COSMETIC", "KNOWN", "TEXT_EVENTS", "TOP_IGNORED"]
