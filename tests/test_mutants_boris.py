"""interchange.boris where a slip would name the wrong unpaired event, show its time a millisecond off,
or miscount the observations a refusal lists (survivors of make mutation). Projects are dicts written
here, read with ``parse_project``: no file, no media."""

from __future__ import annotations

from typing import Any

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.interchange.boris import choose_observation, observation_events, parse_project


def _project(observations: dict[str, list[list[Any]]]) -> dict[str, Any]:
    return {
        "project_format_version": "7.0",
        "behaviors_conf": {
            "0": {"type": "State event", "code": "gaze"},
            "1": {"type": "State event", "code": "wait"},
            "2": {"type": "Point event", "code": "smile"},
        },
        "observations": {
            obs_id: {"file": {"1": [f"{obs_id}.mp4"]}, "type": "MEDIA", "events": events}
            for obs_id, events in observations.items()
        },
    }


def _refusal(project: dict[str, Any], obs_id: str = "v") -> str:
    with pytest.raises(BadInput) as caught:
        observation_events(parse_project(project, "p.boris"), obs_id)
    return str(caught.value)


def test_of_two_unstopped_states_the_refusal_names_the_one_that_started_first() -> None:
    """'wait' starts at 2 s, 'gaze' at 5 s, neither stops. The earliest start is named, whatever the
    comments say: choosing by the comment ('a…' sorts before 'z…') would name 'gaze'."""
    message = _refusal(_project({"v": [
        [2.0, "Mother", "wait", "", "zzz"],
        [5.0, "Baby", "gaze", "", "aaa"],
    ]}))  # fmt: skip
    assert "the state event 'wait' of Mother starting at 00:00:02.000 never stops" in message


def test_the_unstopped_states_time_is_exact_to_the_millisecond_an_hour_in() -> None:
    """3723.456 s is 01:02:03.456. Seconds turned to microseconds by a factor a millionth too big
    would show 01:02:03.460 (3723.456 × 1.000001 = 3723.459723)."""
    message = _refusal(_project({"v": [[3723.456, "", "gaze", "", ""]]}))
    assert "the state event 'gaze' starting at 01:02:03.456 never stops" in message


def _choose_refusal(count: int) -> str:
    project = parse_project(_project({f"o{n}": [] for n in range(1, count + 1)}), "p.boris")
    with pytest.raises(BadInput) as caught:
        choose_observation(project, None)
    return str(caught.value)


def test_a_refusal_lists_eight_observations_and_counts_the_rest() -> None:
    """Eleven observations: the first eight by name, then "and 3 more" (11 − 8; not 11 × 8 or 11 / 8).
    Eight: all eight, and no "more" at all."""
    eleven = _choose_refusal(11)
    assert eleven == (
        "p.boris has 11 observations; say which to import: 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', "
        "'o8' and 3 more."
    )
    eight = _choose_refusal(8)
    assert eight.endswith("'o7', 'o8'.") and "more" not in eight


def test_a_refusal_lists_a_few_observations_whole_and_twenty_as_eight_and_12_more() -> None:
    """Three observations: all three, nothing more ("and -5 more" would be a slip). Twenty: eight
    named and "and 12 more" (20 − 8; 20 % 8 would say 4)."""
    assert _choose_refusal(3) == "p.boris has 3 observations; say which to import: 'o1', 'o2', 'o3'."
    assert _choose_refusal(20).endswith("'o7', 'o8' and 12 more.")


def _with_media(files: dict[str, str]) -> Any:
    data = _project({obs_id: [] for obs_id in files})
    for obs_id, media in files.items():
        data["observations"][obs_id]["file"] = {"1": [media]}
    return parse_project(data, "p.boris")


def test_the_observation_of_the_recordings_film_is_the_only_one_playing_it() -> None:
    """Of two observations, the one playing B.MP4 is chosen for a recording called b.mp4, though the
    other's a.mp4 sorts before it; two playing the same film, or none playing it, are a refusal."""
    project = _with_media({"first": "C:\\films\\a.mp4", "second": "D:/films/B.MP4"})
    assert choose_observation(project, None, "b.mp4") == "second"
    for media_name in ("c.mp4", "a"):
        with pytest.raises(BadInput, match="has 2 observations; say which to import: 'first', 'second'"):
            choose_observation(project, None, media_name)
    both = _with_media({"first": "b.mp4", "second": "/x/b.mp4"})
    with pytest.raises(BadInput, match="has 2 observations"):
        choose_observation(both, None, "b.mp4")


def test_format_7_and_older_are_read_and_8_is_refused() -> None:
    """BORIS 8 and 9 still write "7.0"; a "6.0" project is read too; "8.0" is newer than we know."""
    for version in ("7.0", "6.0", "7"):
        data = _project({"v": []})
        data["project_format_version"] = version
        assert parse_project(data, "p.boris").version == version
    data = _project({"v": []})
    data["project_format_version"] = "8.0"
    with pytest.raises(BadInput) as caught:
        parse_project(data, "p.boris")
    assert str(caught.value) == (
        "p.boris is in BORIS project format 8.0, newer than this version of vfeedback reads (up to 7.x)."
    )


@pytest.mark.parametrize("entry", [["gaze"], {"type": "State event"}, {"code": 3}])
def test_an_ethogram_behaviour_that_is_no_mapping_or_has_no_code_is_refused(entry: Any) -> None:
    data = _project({"v": []})
    data["behaviors_conf"]["9"] = entry
    with pytest.raises(BadInput) as caught:
        parse_project(data, "p.boris")
    assert str(caught.value) == "p.boris is damaged: its ethogram has a behaviour without a code."


def test_a_project_before_format_1_plays_its_first_listed_file_and_no_offset_means_zero() -> None:
    """Before format 1 the files were a plain list, player 1's first: only it is the observation's
    film (two would be refused as two videos, none would match nothing). A missing "time offset" is
    0 s: the event at 2 s stays at 2 s."""
    data = _project({"v": [[2.0, "", "smile", "", ""]]})
    data["observations"]["v"]["file"] = ["old.mp4", "player2.mp4"]
    project = parse_project(data, "p.boris")
    observation = project.observations["v"]
    assert observation.media == ("old.mp4",) and observation.offset_s == 0.0
    (event,) = observation_events(project, "v")
    assert (event.start_s, event.stop_s, event.behaviour) == (2.0, None, "smile")


def test_an_observation_naming_no_film_is_still_read() -> None:
    """A film is chosen in vfeedback, so an observation without one in the project still imports."""
    data = _project({"v": [[1.0, "", "smile", "", "hi"]]})
    data["observations"]["v"]["file"] = {"1": [], "2": []}
    (event,) = observation_events(parse_project(data, "p.boris"), "v")
    assert (event.start_s, event.comment) == (1.0, "hi")


def test_the_behaviours_used_count_events_of_three_fields_and_name_the_bad_one_by_number() -> None:
    """``behaviours`` reads field 3 of every event that has one: an event of exactly three fields
    counts, one of two does not. A behaviour that is not a name is refused naming its event, counted
    from 1 (the second event here)."""
    from vfeedback.interchange.boris import behaviours

    data = _project({"v": [[1.0, "", "wait"], [2.0, ""], [3.0, "", "gaze", "", "", 75]]})
    assert behaviours(parse_project(data, "p.boris"), "v") == ["gaze", "wait"]
    bad = _project({"v": [[1.0, "", "wait", "", ""], [2.0, "", "x" * 5000, "", ""]]})
    with pytest.raises(BadInput, match=r"behaviour of event 2 of observation 'v'"):
        behaviours(parse_project(bad, "p.boris"), "v")


def test_an_incomplete_event_is_refused_by_its_number_counted_from_one() -> None:
    """Four fields (no comment) is incomplete: the sentence names event 1, not 0 or 2."""
    message = _refusal(_project({"v": [[1.0, "", "smile", ""], [2.0, "", "smile", "", ""]]}))
    assert message == "p.boris is damaged: event 1 of observation 'v' is incomplete."


def test_a_strange_observation_type_is_quoted_to_twenty_characters() -> None:
    data = _project({"v": []})
    data["observations"]["v"]["type"] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert _refusal(data) == (
        "Observation 'v' of p.boris is an observation of type 'ABCDEFGHIJKLMNOPQRST', "
        "not one coded on a video."
    )


@pytest.mark.parametrize(
    ("time", "shown"),
    [("abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrs…"), ("twelve", "twelve"), ([1, 2], "list")],
)
def test_a_time_that_is_no_time_is_quoted_to_twenty_characters_or_named_by_its_type(
    time: Any, shown: str
) -> None:
    """Text is quoted (19 characters and an ellipsis when longer than 20), anything else by its type."""
    message = _refusal(_project({"v": [[time, "", "smile", "", ""]]}))
    assert message == f"p.boris is damaged: the time of event 1 of observation 'v' is not a time ('{shown}')."
