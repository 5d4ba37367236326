"""The media layer's seams: one module opens containers with PyAV, and media modules import each
other without cycles (a cycle is what made probe and frameindex impossible to change apart)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from mediagen import MediaSet

import vfeedback
from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.faces import scan_faces
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.proxy import make_proxy
from vfeedback.media.waveform import audio_layout

PACKAGE = Path(vfeedback.__file__).parent

# The Player protocol module picks an implementation at run time (a lazy import in make_player),
# and each implementation imports the protocol's types: a plug-in point, not tangled code.
ALLOWED_CYCLES = [{"vfeedback.media.player", "vfeedback.media.vlc_player", "vfeedback.media.clock_player"}]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _trees() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}


def test_only_the_container_module_opens_files_with_pyav() -> None:
    """``av.open`` (or ``from av import open``) anywhere else is a second way of refusing a file."""
    openers = []
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            called = (
                isinstance(node, ast.Attribute)
                and node.attr == "open"
                and isinstance(node.value, ast.Name)
                and node.value.id == "av"
            )
            imported = isinstance(node, ast.ImportFrom) and node.module == "av" and any(
                a.name == "open" for a in node.names
            )
            if called or imported:
                assert isinstance(node, ast.expr | ast.stmt)
                openers.append(f"{name}:{node.lineno}")
    assert openers and all(o.startswith("vfeedback.media.container:") for o in openers), openers


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Every vfeedback module ``name`` imports, at the top, inside functions or for type checking."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return (found & known) - {name}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        order[v] = low[v] = len(order)
        stack.append(v)
        for w in graph[v]:
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in graph:
        if v not in order:
            visit(v)
    return groups


def test_media_modules_import_each_other_without_cycles() -> None:
    trees = {n: t for n, t in _trees().items() if n.startswith("vfeedback.media")}
    graph = {name: _imports(name, tree, set(trees)) for name, tree in trees.items()}
    assert "vfeedback.media.container" in graph["vfeedback.media.frameindex"]
    assert [c for c in _cycles(graph) if c not in ALLOWED_CYCLES] == []


def _text_file(folder: Path) -> Path:
    path = folder / "session notes.txt"  # ffmpeg would show it as a "video" of ANSI art
    path.write_text("Session notes\n" * 40, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("missing", "The file 'gone.mp4' does not exist."),
        ("text", "The file 'session notes.txt' is not a video file."),
        ("text_mp4", "The file 'notes.mp4' is not a video file."),
        ("jpeg_mov", "The file 'photo.mov' is a still image, not a video."),
        ("audio_only", "The file 'voice memo.m4a' has no video, only sound."),
    ],
)
def test_every_reader_refuses_a_bad_file_with_the_same_sentence(
    media: MediaSet, tmp_path: Path, kind: str, sentence: str
) -> None:
    """Indexing, exact frames, the preview copy and face finding meet a file first in different
    places; each says the same about it."""
    if kind == "missing":
        path = tmp_path / "gone.mp4"
    elif kind == "text":
        path = _text_file(tmp_path)
    else:
        path = media[kind]
    index = FrameIndex([0, 40_000])
    readers: dict[str, Callable[[], object]] = {
        "index": lambda: build_frame_index(path),
        "decoder": lambda: FrameDecoder(path, index),
        "proxy": lambda: make_proxy(path, tmp_path / "proxy.mp4", index),
        "faces": lambda: scan_faces(path, index, 0, 0, 40_000),
    }
    said = {}
    for reader, read in readers.items():
        with pytest.raises(BadInput) as caught:
            read()
        said[reader] = str(caught.value)
    assert said == dict.fromkeys(readers, sentence)
    assert not (tmp_path / "proxy.mp4").exists()


def test_the_sound_is_aligned_without_a_video_check(media: MediaSet) -> None:
    """The waveform opens through the same module but wants sound, not pictures: a voice memo has
    its layout, a film without sound has none."""
    memo = audio_layout(media["audio_only"])
    assert memo is not None and memo.offset_samples == 0
    assert audio_layout(media["no_audio"]) is None
