"""Desktop integration files: they parse, agree with each other and with pyproject, and validate."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "org.vfeedback.VFeedback"
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
SVG_NS = "{http://www.w3.org/2000/svg}"


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    assert isinstance(project, dict)
    return project


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"), source=str(DESKTOP))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def _list(value: str) -> list[str]:
    assert value.endswith(";"), value
    return value[:-1].split(";")


# --- the desktop entry ---------------------------------------------------------------------------


def test_desktop_entry_launches_the_installed_script_with_a_file() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    exe, *codes = entry["Exec"].split()
    scripts = pyproject()["scripts"]
    assert isinstance(scripts, dict)
    assert exe in scripts, f"Exec runs {exe}, which pyproject does not install"
    assert entry["TryExec"] == exe
    assert codes == ["%f"]


def test_desktop_entry_opens_phone_and_camera_video() -> None:
    entry = desktop_entry()
    mime = _list(entry["MimeType"])
    for wanted in ("video/mp4", "video/quicktime", "video/x-matroska"):
        assert wanted in mime
    assert all(m.startswith("video/") for m in mime)
    assert len(mime) == len(set(mime))
    categories = _list(entry["Categories"])
    assert categories[:2] == ["AudioVideo", "Video"]


def test_desktop_entry_names_the_icon_that_is_shipped() -> None:
    assert desktop_entry()["Icon"] == APP_ID
    # The installed icon file is named after the app id (see packaging/README.md).
    readme = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
    assert f"apps/{APP_ID}.svg" in readme
    for size in (64, 128, 256):
        assert f"vfeedback-{size}.png" in readme
        assert f"{size}x{size}/apps/{APP_ID}.png" in readme


# --- the AppStream metainfo ----------------------------------------------------------------------


def test_metainfo_describes_the_app_and_its_release() -> None:
    root = metainfo()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license")
    assert (root.findtext("summary") or "").strip()
    paragraphs = [p.text or "" for p in root.iterfind("description/p")]
    assert paragraphs and all(p.strip() for p in paragraphs)
    assert root.find("content_rating") is not None
    launchable = root.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert root.findtext("icon[@type='stock']") == desktop_entry()["Icon"]


def test_metainfo_lists_a_release_for_the_current_version() -> None:
    releases = metainfo().findall("releases/release")
    assert releases, "no <release> entries"
    versions = [r.get("version") for r in releases]
    assert versions[0] == pyproject()["version"], (
        "add a <release> for the new version, newest first"
    )
    first = next(r for r in releases if r.get("version") == "0.1.0")
    assert first.get("date") == "2026-11-26"
    dates = [r.get("date") or "" for r in releases]
    assert dates == sorted(dates, reverse=True)


def test_metainfo_agrees_with_the_desktop_entry() -> None:
    root = metainfo()
    entry = desktop_entry()
    assert root.findtext("provides/binary") == entry["Exec"].split()[0]
    mime = set(_list(entry["MimeType"]))
    provided = {m.text for m in root.iterfind("provides/mediatype")}
    assert provided and provided <= mime
    categories = [c.text for c in root.iterfind("categories/category")]
    assert categories == [c for c in _list(entry["Categories"]) if c]


# --- the icon ------------------------------------------------------------------------------------


def test_icon_svg_is_square_and_has_no_text() -> None:
    svg = ET.parse(ICONS / "vfeedback.svg").getroot()
    assert svg.tag == f"{SVG_NS}svg"
    x, y, width, height = (float(v) for v in (svg.get("viewBox") or "").split())
    assert (x, y) == (0, 0) and width == height
    assert svg.find(f".//{SVG_NS}text") is None
    assert svg.find(f".//{SVG_NS}image") is None, "the icon must not embed bitmaps"


def _png_header(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


@pytest.mark.parametrize("size", [64, 128, 256])
def test_icon_png_renders_exist_at_their_size(size: int) -> None:
    width, height, colour_type = _png_header(ICONS / f"vfeedback-{size}.png")
    assert (width, height) == (size, size)
    assert colour_type == 6, "the rounded corners need an alpha channel (RGBA)"


# --- the official validators ---------------------------------------------------------------------


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (apt-get install desktop-file-utils appstream)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, check=False)


def test_desktop_file_validate_accepts_the_entry() -> None:
    result = _run("desktop-file-validate", str(DESKTOP))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error:" not in output and "warning:" not in output, output


def test_appstreamcli_accepts_the_metainfo() -> None:
    result = _run("appstreamcli", "validate", "--no-net", str(METAINFO))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "E:" not in output and "W:" not in output, output
