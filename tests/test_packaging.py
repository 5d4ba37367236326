"""Desktop integration files: they parse, agree with each other and with pyproject, and validate."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

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
    assert versions[0] == pyproject()["version"], "add a <release> for the new version, newest first"
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


# --- the wheel and the sdist (issue 13, section 1) -------------------------------------------------

PY = sys.executable
PAYLOAD_PY = ROOT / "packaging" / "pyinstaller" / "bundle_payload.py"


def _payload() -> Any:
    spec = importlib.util.spec_from_file_location("bundle_payload", PAYLOAD_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_payload"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_has_its_schemes_and_probes(
    tmp_path: Path, media: MediaSet
) -> None:
    """A clinician's pip install of the wheel: vfeedback comes from the fresh environment (not the
    checkout), lists the three shipped schemes and probes a film."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [PY, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("vfeedback-*.whl")
    venv = tmp_path / "fresh env"
    subprocess.run([PY, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    installed = subprocess.run(
        [PY, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    # The dependencies come from the test environment, appended after the fresh site-packages: a
    # plain path line, so the checkout's editable install (a .pth hook there) is never run.
    deps = subprocess.run(
        [PY, "-c", "import numpy, pathlib; print(pathlib.Path(numpy.__file__).parent.parent)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (site / "zz_test_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VFEEDBACK_LIBRARY": str(tmp_path / "library")}
    where = subprocess.run(
        [str(python), "-c", "import vfeedback; print(vfeedback.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    vfeedback = [str(python), "-m", "vfeedback"]  # pip --target writes no scripts; the same entry point
    schemes = subprocess.run(
        [*vfeedback, "schemes", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert schemes.returncode == 0, schemes.stderr
    names = {s["name"] for s in json.loads(schemes.stdout)}
    assert len(names) == 3, names
    probe = subprocess.run(
        [*vfeedback, "probe", str(media.cfr25), "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["video_codec"] == "h264"


@pytest.mark.slow
def test_the_sdist_carries_the_resources_and_the_step_that_puts_them_in_the_wheel(tmp_path: Path) -> None:
    built = subprocess.run(
        [PY, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (sdist,) = tmp_path.glob("vfeedback-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for wanted in (
        "resources/schemes/vig.toml",
        "resources/icons/vfeedback.svg",
        "scripts/wheel_resources.py",
        "vfeedback/storage/migrations/env.py",
    ):
        assert wanted in names, wanted


# --- the self-check (issue 13, section 2) ----------------------------------------------------------


def _self_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "vfeedback", "--self-check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "VFEEDBACK_LIBRARY": str(tmp_path / "never used"),
    }


@pytest.mark.slow
def test_self_check_passes_here_and_touches_no_library(tmp_path: Path) -> None:
    done = _self_check(_base_env(tmp_path))
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    steps = [line.split()[1] for line in lines[:-1]]
    assert steps == [
        "python",
        "ffmpeg",
        "library",
        "film",
        "probe",
        "index",
        "decode",
        "libvlc",
        "export",
        "qt",
    ]
    assert all(line.startswith("ok ") for line in lines[:-1]), done.stdout
    assert lines[-1] == "vfeedback self-check: all 10 steps passed."
    assert "decode   frame 37 decoded exactly" in done.stdout
    assert "export   a 20-frame clip from frame 10, caption burnt in" in done.stdout
    assert not (tmp_path / "never used").exists()  # the user's library is neither made nor opened
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_self_check_without_ffmpeg_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    env = _base_env(tmp_path) | {"PATH": str(tmp_path / "no programs here")}
    done = _self_check(env)
    assert done.returncode == 1
    lines = {line.split()[1]: line for line in done.stdout.splitlines()[:-1]}
    assert lines["ffmpeg"] == "failed  ffmpeg   the ffmpeg program was not found"
    assert lines["film"].startswith("failed  film     ")
    assert lines["python"].startswith("ok ")
    assert lines["library"].startswith("ok ")
    assert done.stdout.splitlines()[-1].startswith("vfeedback self-check: ")
    assert "steps failed (ffmpeg, film, probe, index, decode, libvlc, export)." in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_self_check_film_names_its_frames_so_a_wrong_frame_is_caught() -> None:
    """Frame n is luma 16 + 4n; in RGB (full range) that is 4n * 255 / 219, by hand:
    frame 0 -> 0, frame 10 -> 46.58, frame 37 -> 172.33, frame 49 -> 228.22."""
    from vfeedback import selfcheck

    assert selfcheck.frame_shown(0.0) == 0
    assert selfcheck.frame_shown(46.58) == 10
    assert selfcheck.frame_shown(172.33) == 37
    assert selfcheck.frame_shown(228.22) == 49
    assert selfcheck.frame_shown(172.33 - 4.66) == 36  # a neighbour is told apart
    assert selfcheck.frame_shown(170.0) is None  # between two frames: no frame of the film
    assert selfcheck.frame_shown(255.0) is None
    argv = selfcheck.film_argv(Path("/tmp/a b/film.mp4"))
    assert argv[-1] == "/tmp/a b/film.mp4"
    assert "geq=lum='16+4*N':cb=128:cr=128" in argv[argv.index("-i") + 1]


def test_ffmpeg_version_is_read_from_its_first_line() -> None:
    from vfeedback.selfcheck import ffmpeg_version

    assert ffmpeg_version("ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024") == "5.1.6-0+deb12u1"
    assert ffmpeg_version("ffmpeg version n7.1 Copyright") == "n7.1"
    assert ffmpeg_version("") == "of unknown version"


@pytest.mark.slow
def test_help_check_this_installation_shows_the_report(qtbot: QtBot, tmp_path: Path) -> None:
    from vfeedback.ui.installation_check import FAILED, PASSED, InstallationCheckDialog, add_to

    script = tmp_path / "fake check.py"
    script.write_text(
        "print('ok      python   Python 3')\nprint('failed  ffmpeg   not found')\nraise SystemExit(1)\n"
    )
    dialog = InstallationCheckDialog(argv=[PY, str(script)])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.exit_status is not None, timeout=30_000)
    assert dialog.exit_status == 1
    assert dialog.report.toPlainText() == "ok      python   Python 3\nfailed  ffmpeg   not found"
    assert dialog.status.text() == FAILED
    real = InstallationCheckDialog()
    qtbot.addWidget(real)
    qtbot.waitUntil(lambda: real.exit_status is not None, timeout=120_000)
    assert real.exit_status == 0, real.report.toPlainText()
    assert real.status.text() == PASSED
    assert real.report.toPlainText().endswith("vfeedback self-check: all 10 steps passed.")
    from PySide6.QtWidgets import QMenu, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    menu = QMenu(parent)
    add_to(menu, parent)
    assert [a.text() for a in menu.actions()] == ["Check this installation…"]


# --- what the bundle carries, and where the frozen app finds it ------------------------------------


def test_frozen_app_finds_its_programs_and_libvlc_at_a_windows_drive_letter_with_spaces() -> None:
    payload = _payload()
    base = PureWindowsPath(r"C:\Users\Ann Smith\Programs\vfeedback\_internal")
    env = payload.runtime_environment(base, "windows", {"PATH": r"C:\Windows\system32;C:\Windows"})
    assert env == {
        "PATH": r"C:\Users\Ann Smith\Programs\vfeedback\_internal\bin;C:\Windows\system32;C:\Windows",
        "PYTHON_VLC_LIB_PATH": r"C:\Users\Ann Smith\Programs\vfeedback\_internal\libvlc.dll",
        "PYTHON_VLC_MODULE_PATH": r"C:\Users\Ann Smith\Programs\vfeedback\_internal\vlc\plugins",
        "VLC_PLUGIN_PATH": r"C:\Users\Ann Smith\Programs\vfeedback\_internal\vlc\plugins",
    }


def test_frozen_app_finds_its_programs_on_a_unc_share_and_without_any_path() -> None:
    payload = _payload()
    base = PureWindowsPath(r"\\clinic-files\apps\vfeedback\_internal")
    env = payload.runtime_environment(base, "windows", {})
    assert env["PATH"] == r"\\clinic-files\apps\vfeedback\_internal\bin"  # no empty entry: never the cwd
    assert env["PYTHON_VLC_LIB_PATH"] == r"\\clinic-files\apps\vfeedback\_internal\libvlc.dll"
    linux = payload.runtime_environment(PurePosixPath("/opt/vfeedback/_internal"), "linux", {})
    assert linux["PATH"] == "/opt/vfeedback/_internal/bin:/usr/bin:/bin"
    assert linux["PYTHON_VLC_LIB_PATH"] == "/opt/vfeedback/_internal/libvlc.so.5"
    assert linux["VLC_PLUGIN_PATH"] == "/opt/vfeedback/_internal/vlc/plugins"


def test_filter_paths_keep_windows_drive_letters_unc_names_and_spaces() -> None:
    """Escaped for ffmpeg's two parsers by hand: the option level puts a backslash before each
    backslash, quote and colon; the graph level then before each backslash, quote, bracket, comma and
    semicolon."""
    from vfeedback.export.titlecard import filter_path

    drive = PureWindowsPath(r"C:\Users\Ann Smith\clips\card.ass")
    assert filter_path(drive) == r"C\\:\\\\Users\\\\Ann Smith\\\\clips\\\\card.ass"  # type: ignore[arg-type]
    unc = PureWindowsPath(r"\\server\share\team [2]\card.ass")
    assert filter_path(unc) == r"\\\\\\\\server\\\\share\\\\team \[2\]\\\\card.ass"  # type: ignore[arg-type]


@pytest.mark.slow
def test_ffmpeg_reads_a_subtitle_file_through_such_an_escaped_name(tmp_path: Path) -> None:
    """The same escaping, checked by ffmpeg itself: on Linux a backslash and a colon are ordinary
    characters of a name, so a folder can be spelled like a Windows drive and share."""
    from vfeedback.export.titlecard import filter_path

    folder = tmp_path / "C:\\Users\\Ann Smith [team], notes; 'x'"
    folder.mkdir()
    ass = folder / "card.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 64\nPlayResY: 64\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize\nStyle: Default,DejaVu Sans,20\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Text\nDialogue: 0,0:00:00.00,0:00:01.00,Default,Hi\n"
    )
    done = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=s=64x64:d=0.2",
            "-vf",
            f"ass=filename={filter_path(ass)}",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_plugin_whitelist_names_files_that_exist_in_debian_here() -> None:
    payload = _payload()
    whitelist = payload.read_whitelist((ROOT / "packaging" / "vlc-plugins.txt").read_text("utf-8"))
    linux = payload.plugins_for(whitelist, "linux")
    assert {p.folder for p in linux} >= {"access", "demux", "codec", "video_output", "audio_output"}
    assert next(p for p in whitelist if p.name == "mp4").file_name("windows") == "libmp4_plugin.dll"
    assert all("windows" not in p.systems for p in whitelist if p.name.startswith("xcb"))
    if not (payload.DEBIAN_LIBDIR / "vlc" / "plugins").is_dir():
        pytest.skip("Debian's VLC plugins are not installed here")
    entries = payload.binaries("linux", whitelist, {})
    assert len(entries) == len(linux) + 4  # libvlc, libvlccore, ffmpeg, ffprobe
    assert ("/usr/bin/ffprobe", "bin") in entries


def test_a_whitelisted_plugin_missing_from_the_sources_stops_the_build(tmp_path: Path) -> None:
    payload = _payload()
    (tmp_path / "vlc" / "plugins" / "demux").mkdir(parents=True)
    for name in ("libvlc.so.5", "libvlccore.so.9"):
        (tmp_path / name).write_bytes(b"")
    whitelist = payload.read_whitelist("demux/mp4\naccess/filesystem   linux\n")
    with pytest.raises(payload.PayloadError) as caught:
        payload.binaries(
            "linux", whitelist, {"VFEEDBACK_VLC_DIR": str(tmp_path), "VFEEDBACK_FFMPEG_DIR": "/usr/bin"}
        )
    said = str(caught.value)
    assert said.startswith("missing from the sources: ")
    assert "demux/libmp4_plugin.so" in said and "access/libfilesystem_plugin.so" in said
    with pytest.raises(payload.PayloadError, match="needs VFEEDBACK_VLC_DIR and VFEEDBACK_FFMPEG_DIR"):
        payload.sources("windows", {})
    with pytest.raises(payload.PayloadError, match="line 1"):
        payload.read_whitelist("demux/mp4 plan9\n")


def test_licences_list_every_linux_plugin_the_whitelist_ships_and_the_ffmpeg_build() -> None:
    payload = _payload()
    listed = (ROOT / "packaging" / "LICENSES.md").read_text("utf-8")
    whitelist = payload.plugins_for(
        payload.read_whitelist((ROOT / "packaging" / "vlc-plugins.txt").read_text("utf-8")), "linux"
    )
    rows = set(re.findall(r"^\| `([a-z_]+/lib[a-z0-9_]+_plugin\.so)` \|", listed, re.M))
    assert rows == {f"{p.folder}/{p.file_name('linux')}" for p in whitelist}, (
        "run make bundle: LICENSES.md is stale"
    )
    assert "--enable-gpl" in listed and "This is a **GPL** build" in listed
    for name in ("PySide6_Essentials", "python-vlc", "opencv-python-headless", "av", "numpy", "SQLAlchemy"):
        assert f"| {name} |" in listed, name


# --- installers for Windows and macOS, the Flatpak manifest ------------------------------------------


def test_the_nsis_installer_compiles_over_a_dummy_payload(tmp_path: Path) -> None:
    if shutil.which("makensis") is None:
        pytest.skip("makensis is not installed (apt-get install nsis)")
    payload = tmp_path / "dist with spaces" / "vfeedback"
    (payload / "_internal").mkdir(parents=True)
    (payload / "vfeedback.exe").write_bytes(b"MZ dummy")
    (payload / "_internal" / "libvlc.dll").write_bytes(b"MZ dummy")
    out = tmp_path / "vfeedback-0.1.0-setup.exe"
    done = subprocess.run(
        [
            "makensis",
            "-V2",
            "-DVERSION=0.1.0",
            f"-DPAYLOAD={payload}",
            f"-DOUTFILE={out}",
            str(ROOT / "packaging" / "windows" / "vfeedback.nsi"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.read_bytes()[:2] == b"MZ"
    missing = subprocess.run(
        ["makensis", "-V1", str(ROOT / "packaging" / "windows" / "vfeedback.nsi")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode != 0 and "PAYLOAD must name" in missing.stdout + missing.stderr


def test_the_windows_uninstaller_leaves_the_library_alone() -> None:
    script = (ROOT / "packaging" / "windows" / "vfeedback.nsi").read_text("utf-8")
    uninstall = script.split('Section "Uninstall"', 1)[1].split("SectionEnd", 1)[0]
    removals = [
        line.strip() for line in uninstall.splitlines() if line.strip().startswith(("RMDir", "Delete "))
    ]
    assert removals == [
        'RMDir /r "$INSTDIR\\_internal"',
        'Delete "$INSTDIR\\vfeedback.exe"',
        'Delete "$INSTDIR\\uninstall.exe"',
        'RMDir "$INSTDIR"',
        'Delete "$SMPROGRAMS\\${APP}.lnk"',
    ]  # RMDir without /r: the folder goes only if nothing of the user's is in it
    assert "RequestExecutionLevel user" in script
    for suffix in (".mp4", ".mov"):
        assert f'"Software\\Classes\\{suffix}\\OpenWithProgids"' in script


def test_macos_info_plist_opens_videos_and_names_the_app() -> None:
    info = plistlib.loads((ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == APP_ID
    assert info["CFBundleShortVersionString"] == pyproject()["version"]
    types = {t for doc in info["CFBundleDocumentTypes"] for t in doc["LSItemContentTypes"]}
    assert {"public.mpeg-4", "com.apple.quicktime-movie"} <= types
    entitlements = plistlib.loads((ROOT / "packaging" / "macos" / "entitlements.plist").read_bytes())
    assert not any("network" in key for key in entitlements)


def test_flatpak_manifest_is_accepted_by_flatpak_builder_and_has_no_network() -> None:
    done = _run("flatpak-builder", "--show-manifest", str(LINUX / f"{APP_ID}.yml"))
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["id"] == APP_ID
    assert manifest["command"] in pyproject()["scripts"]  # type: ignore[operator]
    assert not any("network" in arg for arg in manifest["finish-args"])


def test_no_archive_host_is_written_into_the_project() -> None:
    """The chroot takes the Debian archive's address from the machine's own apt sources."""
    for path in [*ROOT.joinpath("scripts").iterdir(), *ROOT.joinpath("packaging").rglob("*")]:
        if path.is_file() and path.suffix not in (".png", ".ico"):
            text = path.read_text("utf-8", "replace")
            assert "debian.org" not in text and "ubuntu.com" not in text, path


def test_ci_runs_the_bundle_and_its_test_and_the_readme_says_how_to_install() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert [line for line in ci.splitlines() if line.startswith("make ")] == [
        "make test",
        "make bundle",
        "make bundle-test",
    ]
    readme = (ROOT / "README.md").read_text("utf-8")
    assert readme.index("## Installing") < readme.index("## The two commands")
    installing = readme.split("## Installing", 1)[1].split("\n## ", 1)[0]
    assert "make bundle" in installing and "make bundle-test" in installing
