"""This checkout's files, as an operator's clone has them: tracked and new, not ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.helpers.servers import ROOT


def copy_checkout(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
