"""The detector against a generated corpus whose truth is known (tests/voicegen.py): espeak-ng adult
voices (two women, two men), synthetic coos and cries, and a background of pink noise, a television or
kitchen clatter at 10 dB below the voices. Scored with the event matching of ``core.agreement``
(tolerance 0.5 s) on onsets, per actor (a vocalisation counts only with the right actor; a turn only
with the right serving actor): vocalisation precision and recall >= 0.9, turn precision and recall
>= 0.85 (issue 14). Two scenes per background, pooled. The 0 dB figures are in the benchmark
(benchmarks/bench_suggest.py), being a report rather than a promise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from voicegen import Truth, make_scene

from vfeedback.core.agreement import EventCounts, match_events
from vfeedback.core.turns import Vocalisation, Voice, turn_pairs
from vfeedback.media import voices

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

TOLERANCE_US = 500_000


def score(truth: Truth, found: list[Vocalisation]) -> tuple[EventCounts, EventCounts]:
    """(vocalisations, turns) matched per actor on onsets within 0.5 s."""
    voc = EventCounts(0, 0, 0)
    for actor in ("infant", "adult", "cry"):
        a = [s for who, s, _ in truth.vocalisations if who == actor]
        b = [v.start_us for v in found if v.voice.value == actor]
        m = len(match_events(a, b, TOLERANCE_US))
        voc += EventCounts(m, len(a) - m, len(b) - m)
    turns = EventCounts(0, 0, 0)
    pairs = turn_pairs(found)
    for actor in ("infant", "adult"):
        a = sorted(truth.vocalisations[s][1] for s, _ in truth.turns if truth.vocalisations[s][0] == actor)
        b = sorted(serve.start_us for serve, _ in pairs if serve.actor == actor)
        m = len(match_events(a, b, TOLERANCE_US))
        turns += EventCounts(m, len(a) - m, len(b) - m)
    return voc, turns


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("VFEEDBACK_TEST_MEDIA")
    return Path(kept) if kept else tmp_path_factory.mktemp("voices")


def _at_10_db(folder: Path, noises: list[str]) -> tuple[EventCounts, EventCounts]:
    voc = turns = EventCounts(0, 0, 0)
    for noise in noises:
        for seed in (1, 2):
            path, truth = make_scene(folder, seed, noise, 10)
            found, duration = voices.vocalisations(path)
            assert abs(duration - (truth.vocalisations[-1][2] + 3_000_000)) < 100_000
            v, t = score(truth, found)
            voc, turns = voc + v, turns + t
    return voc, turns


def test_at_10_db_the_actors_and_the_turns_are_found(folder: Path) -> None:
    """The whole 10 dB corpus (three backgrounds, two scenes each) against the issue's targets:
    vocalisations 0.9, turns 0.85. Measured: vocalisations 161 of 168 found with 2 false (recall 0.96),
    turns 71 of 78 with 1 false (recall 0.91, precision 0.99); the same figures from run to run (the
    corpus and the analysis are deterministic: same file hashes, same finds, with the machine loaded)."""
    voc, turns = _at_10_db(folder, ["pink", "tv", "clatter"])
    print(f"10 dB: vocalisations {voc}, turns {turns}")
    assert (voc.precision or 0) >= 0.9 and (voc.recall or 0) >= 0.9, voc
    assert (turns.precision or 0) >= 0.85 and (turns.recall or 0) >= 0.85, turns


@pytest.mark.parametrize("noise", ["pink", "tv", "clatter"])
def test_no_background_at_10_db_breaks_the_detector(folder: Path, noise: str) -> None:
    """Each background alone stays near the targets (two scenes: one missed turn of 26 moves recall
    by 0.04; measured 23-24 of 26), so a background the detector cannot hear through still fails."""
    voc, turns = _at_10_db(folder, [noise])
    print(f"{noise} 10 dB: vocalisations {voc}, turns {turns}")
    assert (voc.precision or 0) >= 0.85 and (voc.recall or 0) >= 0.85, voc
    assert (turns.precision or 0) >= 0.8 and (turns.recall or 0) >= 0.75, turns


def test_the_scoring_itself_counts_a_wrong_actor_as_a_miss_and_a_false_find() -> None:
    """Worked by hand: truth infant 1 s -> adult 2 s; found adult 1.1 s, adult 2.2 s."""
    truth = Truth([("infant", 1_000_000, 1_500_000), ("adult", 2_000_000, 3_000_000)], [(0, 1)])
    found = [
        Vocalisation(Voice.ADULT, 1_100_000, 1_500_000),
        Vocalisation(Voice.ADULT, 2_200_000, 3_000_000),
    ]
    voc, turns = score(truth, found)
    assert (voc.matched, voc.only_a, voc.only_b) == (1, 1, 1)
    assert (turns.matched, turns.only_a, turns.only_b) == (0, 1, 0)
