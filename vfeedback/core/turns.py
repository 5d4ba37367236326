"""Serve and return: from the vocalisations found in a recording's sound to suggested moments.

Pure: the vocalisations (who, when, pitch) come from ``media.voices``; this module only reasons about
their order and timing, the way the research describes contingent responding:

- a **turn**: an infant vocalisation (not a cry) answered by an adult starting 0.2-5 s after it ends,
  or the reverse (the parent speaks, the baby answers); a reply that starts sooner than 0.2 s (or
  over the other) is talking together, not taking a turn (LENA's "accidental contiguity");
- **waiting**: a turn where the baby served and the parent left at least 1 s before answering (VIG's
  "waiting and watching");
- a **chain**: three or more speaking turns in alternation, each answering the one before within the
  turn window (infant, adult, infant: "a conversation of 3 turns"); its pairs are not repeated as
  turns or waiting;
- **repair**: a cry (or cries close together) that the parent answers with their voice, during the
  cry or within 5 s after it, and that ends: kept apart from the strengths above.

Every suggestion keeps its serve and answer (for a chain, the first two turns; for repair, the cry
episode and the first soothing voice), and the latency from the end of the serve to the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from vfeedback.core.timecode import US_PER_SECOND

ANSWER_MIN_US = 200_000
ANSWER_MAX_US = 5_000_000
WAITING_MIN_US = 1_000_000
CHAIN_MIN_TURNS = 3
CRY_EPISODE_GAP_US = 3_000_000  # cries closer than this are one episode of distress
SOOTHE_AFTER_US = 5_000_000


class Voice(StrEnum):
    """Who made a sound, as the detector judged it."""

    INFANT = "infant"
    ADULT = "adult"
    CRY = "cry"  # the infant, distressed: louder, higher, longer and rougher than a coo


class Kind(StrEnum):
    TURN = "turn"
    CHAIN = "chain"
    WAITING = "waiting"
    REPAIR = "repair"


STRENGTHS = (Kind.TURN, Kind.CHAIN, Kind.WAITING)


@dataclass(frozen=True, slots=True)
class Vocalisation:
    """One stretch of voice: ``start_us``..``end_us`` from the first video frame, its median pitch
    (None where no pitch was found)."""

    voice: Voice
    start_us: int
    end_us: int
    f0_hz: float | None = None

    @property
    def actor(self) -> str:
        """``infant`` or ``adult`` (a cry is the infant's)."""
        return "adult" if self.voice is Voice.ADULT else "infant"


@dataclass(frozen=True, slots=True)
class Span:
    actor: str  # "infant" or "adult"
    start_us: int
    end_us: int


@dataclass(frozen=True, slots=True)
class Found:
    """A suggestion as the engine finds it (stored, then shown with its status, code and words)."""

    kind: Kind
    serve: Span
    answer: Span
    turns: int = 2  # speaking turns in it (a chain: 3 or more)
    end_us: int = 0  # the end of the whole exchange (a chain's last turn; else the answer's end)

    @property
    def start_us(self) -> int:
        return self.serve.start_us

    @property
    def latency_us(self) -> int:
        return self.answer.start_us - self.serve.end_us


def _span(v: Vocalisation) -> Span:
    return Span(v.actor, v.start_us, v.end_us)


def _calm(vocs: Iterable[Vocalisation]) -> list[Vocalisation]:
    return sorted((v for v in vocs if v.voice is not Voice.CRY), key=lambda v: (v.start_us, v.end_us))


def answers(serve: Vocalisation, answer: Vocalisation) -> bool:
    """``answer`` takes the turn after ``serve``: the other party, 0.2-5 s after it ended."""
    if Voice.CRY in (serve.voice, answer.voice) or serve.voice is answer.voice:
        return False
    return ANSWER_MIN_US <= answer.start_us - serve.end_us <= ANSWER_MAX_US


def turn_pairs(vocs: Iterable[Vocalisation]) -> list[tuple[Vocalisation, Vocalisation]]:
    """Every serve and return: each calm vocalisation and the next one, when it answers it.

    Only the very next vocalisation can answer: if the same party speaks again first, the turn is
    theirs still; if anyone started before the serve ended, they talked over it.
    """
    calm = _calm(vocs)
    pairs = []
    latest_end = -1  # the latest end among the vocalisations that started before ``before``
    for before, after in pairwise(calm):
        if answers(before, after) and latest_end <= before.end_us:
            pairs.append((before, after))
        latest_end = max(latest_end, before.end_us)
    return pairs


def suggest(vocs: Sequence[Vocalisation]) -> list[Found]:
    """The suggestions of a recording, in time order: chains, turns, waiting, then repair apart."""
    found = _strengths(turn_pairs(vocs)) + _repairs(vocs)
    return sorted(found, key=lambda f: (f.start_us, f.kind != Kind.REPAIR))


def _strengths(pairs: list[tuple[Vocalisation, Vocalisation]]) -> list[Found]:
    runs: list[list[tuple[Vocalisation, Vocalisation]]] = []
    for pair in pairs:
        if runs and runs[-1][-1][1] is pair[0]:
            runs[-1].append(pair)
        else:
            runs.append([pair])
    found = []
    for run in runs:
        if len(run) + 1 >= CHAIN_MIN_TURNS:
            first = run[0]
            found.append(Found(Kind.CHAIN, _span(first[0]), _span(first[1]), len(run) + 1, run[-1][1].end_us))
            continue
        for serve, answer in run:
            waited = serve.voice is Voice.INFANT and answer.start_us - serve.end_us >= WAITING_MIN_US
            kind = Kind.WAITING if waited else Kind.TURN
            found.append(Found(kind, _span(serve), _span(answer), 2, answer.end_us))
    return found


def _repairs(vocs: Sequence[Vocalisation]) -> list[Found]:
    cries = sorted((v for v in vocs if v.voice is Voice.CRY), key=lambda v: v.start_us)
    adults = sorted((v for v in vocs if v.voice is Voice.ADULT), key=lambda v: v.start_us)
    episodes: list[list[int]] = []
    for cry in cries:
        if episodes and cry.start_us - episodes[-1][1] < CRY_EPISODE_GAP_US:
            episodes[-1][1] = max(episodes[-1][1], cry.end_us)
        else:
            episodes.append([cry.start_us, cry.end_us])
    found = []
    for start, end in episodes:
        soothe = next((a for a in adults if start < a.start_us <= end + SOOTHE_AFTER_US), None)
        if soothe is None:
            continue
        serve = Span("infant", start, end)
        found.append(Found(Kind.REPAIR, serve, _span(soothe), 2, max(end, soothe.end_us)))
    return found


# --- what the clinician reads ---------------------------------------------------------------------


def clock(us: int) -> str:
    """``02:14.3``: minutes, seconds and tenths (hours in front past the first hour)."""
    tenths = (max(us, 0) + 50_000) // 100_000
    seconds, tenth = divmod(tenths, 10)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    head = f"{hours}:{minute:02d}" if hours else f"{minute:02d}"
    return f"{head}:{second:02d}.{tenth}"


def _secs(us: int) -> str:
    return f"{abs(us) / US_PER_SECOND:.1f} s"


def explain(found: Found) -> str:
    """One or two plain sentences in the clinician's words, addressed to the parent's part (no
    pronoun for the baby: the engine does not know who the baby is)."""
    lat = _secs(found.latency_us)
    at = clock(found.serve.start_us)
    if found.kind is Kind.REPAIR:
        if found.latency_us < 0:
            when = "you began to soothe baby with your voice while the crying went on"
        else:
            when = f"you soothed baby with your voice {lat} after"
        return f"Baby cried at {at}; {when}, and the crying stopped."
    if found.kind is Kind.CHAIN:
        who = "Baby vocalised" if found.serve.actor == "infant" else "You spoke to baby"
        reply = "you answered" if found.answer.actor == "adult" else "baby answered"
        return (
            f"{who} at {at}; {reply} {lat} later, and you kept going together: "
            f"a conversation of {found.turns} turns."
        )
    if found.serve.actor == "infant":
        if found.kind is Kind.WAITING:
            return f"Baby vocalised at {at}; you waited {lat}, leaving space, then answered."
        return f"Baby vocalised at {at}; you answered {lat} later."
    return f"You spoke to baby at {at}; baby answered you {lat} later."


CAPTIONS = {
    Kind.TURN: "You answered each other, taking turns",
    Kind.WAITING: "You waited and gave your baby space to say more",
    Kind.CHAIN: "A little conversation, back and forth together",
    Kind.REPAIR: "Your voice helped your baby feel better",
}


def caption(found: Found) -> str:
    """A warm draft caption for the moment; the clinician edits it."""
    if found.kind is Kind.TURN and found.serve.actor == "adult":
        return "Your baby answered you"
    return CAPTIONS[found.kind]


# --- per recording figures (only ever compared with the same family's earlier cycles) -------------


@dataclass(frozen=True, slots=True)
class Figures:
    """Turn-taking in one recording: turns per minute, the share the baby started, and the spread of
    the parent's and the baby's answer latencies (quartiles, microseconds; None without turns)."""

    turns: int
    turns_per_minute: float
    infant_started: float | None
    latency_p25_us: int | None
    latency_median_us: int | None
    latency_p75_us: int | None


def figures(vocs: Sequence[Vocalisation], duration_us: int) -> Figures:
    pairs = turn_pairs(vocs)
    minutes = duration_us / (60 * US_PER_SECOND)
    per_minute = round(len(pairs) / minutes, 2) if minutes > 0 else 0.0
    if not pairs:
        return Figures(0, per_minute, None, None, None, None)
    infant = sum(1 for serve, _ in pairs if serve.voice is Voice.INFANT)
    latencies = sorted(answer.start_us - serve.end_us for serve, answer in pairs)
    return Figures(
        len(pairs),
        per_minute,
        round(infant / len(pairs), 3),
        _quantile(latencies, 0.25),
        _quantile(latencies, 0.5),
        _quantile(latencies, 0.75),
    )


def _quantile(values: Sequence[int], q: float) -> int:
    """Linear interpolation between the closest ranks (numpy's default)."""
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (pos - low))
