"""What an instance stores, as bytes, and the check that a secret is nowhere in it."""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import create_engine, text

from hotline.config import Config


def dump_database(config: Config) -> bytes:
    """Everything the database holds, as bytes: the SQLite files themselves, or a
    dump of every row of every table on PostgreSQL."""
    if config.database_url.startswith("sqlite"):
        path = Path(config.database_url.removeprefix("sqlite:///"))
        parts = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
        return b"".join(parts)
    engine = create_engine(config.database_url)
    chunks: list[bytes] = []
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            # Table names come from the catalogue, not from input.
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value))
                    else:
                        chunks.append(str(value).encode())
    engine.dispose()
    return b"\n".join(chunks)


def dump_keys(config: Config) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(config.keys_dir.iterdir()) if p.is_file())


def assert_absent(secret: bytes, haystack: bytes) -> None:
    """The secret appears nowhere: not raw, not as hex, not as base64."""
    forms = {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "base64": base64.b64encode(secret).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(secret).rstrip(b"="),
    }
    for name, form in forms.items():
        # base64 of a substring depends on alignment: check a middle slice too.
        probe = form if name == "raw" or len(form) < 24 else form[4:-4]
        assert probe not in haystack, f"secret found in stored bytes ({name})"
