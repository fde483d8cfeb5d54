"""The JSON contract of the fixed sample report, as a golden file (the schema tests live in
tests/test_json_report.py)."""

from __future__ import annotations

import json

import jsonschema

from certready.adapters.reporting import json_report, renderer
from tests.reporting.sample import check_golden, clean_report, sample_report


def test_golden() -> None:
    check_golden("report.json", json_report.render(sample_report()))


def test_sample_validates_and_the_registry_serves_it() -> None:
    text = renderer("json")(sample_report())
    jsonschema.validate(json.loads(text), json_report.shipped_schema())
    assert text == json_report.render(sample_report())


def test_the_streamed_json_report_is_the_rendered_one() -> None:
    from certready.adapters.reporting.json_stream import streamed

    for report in (sample_report(), sample_report("lint"), clean_report()):
        assert streamed(report).decode("utf-8") == json_report.render(report)
