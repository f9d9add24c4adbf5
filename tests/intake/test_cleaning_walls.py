"""A decoder bug in a cleaning child reaches neither keys/ nor the database nor the network.

The attacker here is a reporter's file crafted to run code in the child that
decodes it (a Pillow, qpdf or poppler bug). The child runs as the service
user, so only Landlock stands between that code and ``keys/``. The tests ask
a real child, confined exactly as for a file, to open what the attacker wants,
and run the walls in a fresh interpreter to try the network and to show that
every kind of evidence still cleans behind them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import landlockpy
import pytest
from flask.testing import FlaskCliRunner

from hotline.intake.attachments.confinement import probe_walls
from tests.helpers.instance import Initialised

_CORPUS = Path(__file__).parent / "corpus"

pytestmark = pytest.mark.skipif(
    landlockpy.abi_version() == 0, reason="this kernel enforces no Landlock"
)


def test_a_cleaning_child_cannot_read_keys_or_the_database(initialised: Initialised) -> None:
    config = initialised.config
    keys = config.keys_dir.resolve()
    secret = next(p for p in keys.iterdir() if p.is_file())
    database = Path(config.database_url.removeprefix("sqlite:///"))

    assert probe_walls(str(keys)).readable is False
    assert probe_walls(str(secret)).readable is False
    if database.exists():
        assert probe_walls(str(database)).readable is False
    # The web worker's environment (database URL, gateway tokens) and memory.
    assert probe_walls(f"/proc/{os.getpid()}/environ").readable is False
    assert probe_walls("/proc/self/status").readable is False
    assert probe_walls("/etc/passwd").readable is False


def test_the_probe_says_readable_where_the_child_may_read() -> None:
    walls = probe_walls(sys.executable)
    assert walls.readable is True
    assert walls.landlock_abi >= 1


_BEHIND_WALLS = textwrap.dedent(
    """
    import socket, sys, warnings
    warnings.simplefilter("ignore")
    from hotline.intake.attachments import clean
    from hotline.intake.attachments.landlock_rules import raise_walls
    files = {name: open(path, "rb").read() for name, path in zip(sys.argv[2::2], sys.argv[3::2])}
    assert raise_walls() >= 1
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        print("connected")
    except OSError:
        print("no connection")
    for name, content in files.items():
        result = clean(name, None, content)
        print(name, result.cleaned, result.metadata_warning, len(result.content) > 0)
    """
)


def test_behind_the_walls_no_connection_is_made_and_every_kind_of_file_still_cleans() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # The corpus: a photo, HEIC, AVIF, PDFs, Office and OpenDocument files, recordings.
    files = sorted(p for p in _CORPUS.iterdir() if p.suffix != ".py" and p.is_file())
    arguments = [str(port)]
    for path in files:
        arguments += [path.name, str(path)]
    with listener:
        run = subprocess.run(
            [sys.executable, "-c", _BEHIND_WALLS, *arguments],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0] == "no connection"
    assert sorted(lines[1:]) == sorted(f"{path.name} True False True" for path in files)


def test_hotline_verify_says_whether_the_cleaning_child_can_read_keys(
    runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "cleaning child: cannot read keys/ (Landlock ABI" in result.output
