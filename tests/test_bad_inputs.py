"""The bad-input corpus (tests/bad_inputs.py): every case is one clear error, none a traceback, none accepted,
and nothing is left in its output folder."""

from __future__ import annotations

import pytest

from tests.bad_inputs import CASES, Kit, run_case


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Kit:
    return Kit(tmp_path_factory.mktemp("bad-inputs"))


def test_the_corpus_covers_every_command():
    commands = {case.command for case in CASES}
    assert len(CASES) >= 150
    assert commands >= {"segment", "index", "train", "tune", "evaluate", "predict", "download synthetic"}
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_clear_error(case, kit):
    if case.command == "app":
        pytest.importorskip("streamlit", reason="the app's extra is not installed: pip install 'ballspot[app]'")
    outcome = run_case(case, kit)
    assert outcome.kind == "clear", outcome.detail
