"""A throw-away Hotline instance for benchmarks (real KDF parameters)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hotline.config import Config
from hotline.initialise import initialise


@contextmanager
def temporary_instance(database_url: str | None = None, **changes: object) -> Iterator[Config]:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        root = Path(tmp)
        config = Config(
            database_url=database_url or f"sqlite:///{root / 'bench.sqlite3'}",
            keys_dir=root / "keys",
            insecure_cookies=True,
        ).with_changes(**changes)
        initialise(config, recovery_file=root / "recovery.txt")
        yield config
