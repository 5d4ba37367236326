"""setuptools build step: carry the project's resources/ (schemes, icons) into the wheel, as
vfeedback/resources/."""

from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).resolve().parent.parent / "resources"
        for source in sorted(root.rglob("*")):
            if source.is_file():
                target = Path(self.build_lib, "vfeedback", "resources", source.relative_to(root))
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))
