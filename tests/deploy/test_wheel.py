"""What deploy/install.sh and the Dockerfile install is a wheel, not this checkout.

A module folder without ``__init__.py``, a migration, a template or a style sheet
left out of the wheel works here and fails on the server (the voice line and every
migration once did). The wheel is built from a copy of the checkout and compared
with it, file by file.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers.checkout import copy_checkout


def test_the_wheel_carries_every_module_migration_page_and_translation(tmp_path: Path) -> None:
    source = tmp_path / "source"
    copy_checkout(source)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path / "wheels"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "wheels").glob("hotline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    data = next(name.split("/", 1)[0] for name in names if ".data/" in name)
    expected = {
        path.relative_to(source).as_posix()
        for pattern in ("hotline/**/*.py", "hotline/**/*.toml", "hotline/**/*.po")
        for path in source.glob(pattern)
    }
    expected |= {
        f"{data}/data/share/hotline/{path.relative_to(source).as_posix()}"
        for folder in ("templates", "static")
        for path in (source / folder).rglob("*")
        if path.is_file()
    }
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing}"
