"""One compiled copy of each Jinja template for the whole test process.

Every test builds its own Flask app, and each app's Jinja environment would
compile the same templates again (about a tenth of the suite's CPU time). A
shared in-memory bytecode cache keyed by Jinja on the template's name and
source checksum gives the same output without the recompiling. Production
builds one app per process and is unaffected.
"""

from __future__ import annotations

import jinja2
from flask import Flask


class MemoryBytecodeCache(jinja2.BytecodeCache):
    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


def share_compiled_templates() -> None:
    """Make every Flask app created after this call share one bytecode cache."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": MemoryBytecodeCache()}
