"""No library writes a log line while Hotline cleans a file, in a fresh interpreter.

pypdf makes some of its module loggers on first use, in the middle of a file:
a filter set on the loggers that existed before the first file missed them,
and "EOF marker not found" (and, from other files, their bytes) reached the
server's log. The test runs a new Python with the root logger at DEBUG on
stderr, as a careless deployment might, and cleans files that make pypdf,
pikepdf and Pillow talk.
"""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.servers import ROOT

MARKER = "---cleaning-starts---"

PROGRAM = f"""
import io, logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="LOG %(name)s %(message)s")
from PIL import Image
from hotline.intake.attachments import UnreadableFile, clean

page = b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]"
start = b"%PDF-1.4\\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\\n"
kids = b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\\n"
truncated = start + kids + page + b"/Author (JaneDoe-Umutoni)"
wrong_offsets = (
    start + kids + page + b">>endobj\\nxref\\n0 2\\n0000000000 65535 f \\n0000009999 00000 n \\n"
    b"trailer<</Size 2/Root 1 0 R/Info<</Author(JaneDoe-Umutoni)>>>>\\nstartxref\\n99999\\n%%EOF\\n"
)
picture = Image.new("RGB", (8, 8))
exif = Image.Exif()
exif[0x013B] = "JaneDoe-Umutoni"
tiff = io.BytesIO()
picture.save(tiff, "TIFF", exif=exif)

print({MARKER!r}, file=sys.stderr, flush=True)
for name, content in (("a.pdf", truncated), ("b.pdf", wrong_offsets), ("c.tif", tiff.getvalue())):
    try:
        clean(name, None, content)
    except UnreadableFile:
        pass
print("done")
"""


def test_cleaning_writes_no_log_line_even_with_debug_logging_on() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "done"
    before, marker, during = ran.stderr.partition(MARKER)
    assert marker, ran.stderr
    assert "LOG PIL" in before  # the logging is on: saving the test picture talked
    assert during.strip() == "", during
