"""Issue 15, item 4: what one hostile file, or one report's files, may cost.

A PNG of zeros is a few hundred kilobytes on the wire and gigabytes in a
decoder. Each test sends what an attacker would (the bomb, a file that needs
more memory than a cleaning may take, one that would keep a worker busy, a
report with more files or pixels than allowed) and checks the server refuses
it quickly, stays up, and keeps what the reporter typed.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.intake.attachments import TooCostly, UnreadableFile, clean, confinement
from hotline.intake.attachments.confinement import Allowance, clean_confined
from hotline.intake.service import DraftRejected, Limits, Upload, clean_uploads
from hotline.models import Disclosure
from hotline.procedure import DraftRefusal
from tests.helpers.reporter import open_form


def png_of_zeros(width: int, height: int, *, bit_depth: int = 8) -> bytes:
    """A valid RGBA PNG whose rows are all zeros: tiny compressed, huge decoded."""
    row = b"\x00" + bytes(width * 4 * bit_depth // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


#: Cleans stdin's bytes in a fresh interpreter; prints seconds and bytes of
#: memory the attempt added (peak resident size, after imports).
_MEASURE = """
import resource, sys, time
from hotline.intake.attachments import TooCostly, clean
bomb = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    clean("bomb.png", None, bomb)
except TooCostly:
    pass
else:
    raise SystemExit("the bomb was cleaned")
seconds = time.perf_counter() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(seconds, grown)
"""


def test_a_png_bomb_is_refused_within_two_seconds_and_300_mb() -> None:
    # 70 megapixels in colour: 230 KB sent, 850 MB and 15 s of CPU to clean before.
    bomb = png_of_zeros(8400, 8400)
    assert len(bomb) < 300 * 1024
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        input=bomb,
        capture_output=True,
        check=True,
        timeout=120,
    )
    seconds, grown = (float(x) for x in measured.stdout.split())
    assert seconds < 2
    assert grown < 300 * 1024 * 1024


def test_a_bomb_among_a_reports_files_refuses_the_files_with_a_clear_reason() -> None:
    limits = Limits(max_chars=1000, max_upload_bytes=10 * 1024 * 1024)
    uploads = [
        Upload("ok.jpg", "image/jpeg", photo(64, 64)),
        Upload("x.png", None, png_of_zeros(8400, 8400)),
    ]
    with pytest.raises(DraftRejected) as refused:
        clean_uploads(uploads, limits)
    assert refused.value.reason == DraftRefusal.FILES_TOO_COSTLY


def test_a_file_needing_more_memory_than_allowed_is_refused_and_the_server_stays_up() -> None:
    # 29 megapixels of 16-bit colour: under the header limits, about 400 MB to clean.
    heavy = png_of_zeros(5400, 5400, bit_depth=16)
    with pytest.raises(TooCostly):
        clean_confined("heavy.png", None, heavy, Allowance(memory_bytes=64 * 1024 * 1024))
    # The next reporter's photo still cleans: only the child died.
    cleaned = clean_confined("next.jpg", None, photo(320, 240))
    assert cleaned.cleaned
    assert cleaned.pixels == 320 * 240


def test_a_file_that_takes_too_long_is_stopped() -> None:
    with pytest.raises(TooCostly):
        clean_confined("slow.jpg", None, photo(3000, 2000), Allowance(wall_seconds=0.01))
    assert clean_confined("quick.jpg", None, photo(32, 32)).cleaned


def test_a_report_may_not_decode_more_pixels_than_its_budget() -> None:
    limits = Limits(max_chars=1000, max_upload_bytes=10 * 1024 * 1024, max_pixels=1_000_000)
    one = [Upload("a.jpg", "image/jpeg", photo(800, 800))]
    assert [f.pixels for f in clean_uploads(one, limits)] == [640_000]
    two = one + [Upload("b.jpg", "image/jpeg", photo(800, 800))]
    with pytest.raises(DraftRejected) as refused:
        clean_uploads(two, limits)
    assert refused.value.reason == DraftRefusal.FILES_TOO_COSTLY
    # An animation is charged for every frame it keeps.
    frames = [Image.new("RGB", (600, 600), (i * 40, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(DraftRejected):
        clean_uploads([Upload("anim.gif", None, out.getvalue())], limits)


def _pdf_of_scans(pages: int, size: tuple[int, int]) -> bytes:
    scans = [Image.effect_noise(size, 60).convert("RGB") for _ in range(pages)]
    out = io.BytesIO()
    scans[0].save(out, "PDF", save_all=True, append_images=scans[1:], resolution=100)
    return out.getvalue()


def _docx_with_pictures(count: int, size: tuple[int, int]) -> bytes:
    document = docx.Document()
    for _ in range(count):
        picture = io.BytesIO()
        Image.effect_noise(size, 60).convert("RGB").save(picture, "PNG")
        picture.seek(0)
        document.add_picture(picture)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_pictures_inside_documents_count_against_the_reports_budget() -> None:
    # Ten PDFs of scanned pages must cost what ten photos do: the pictures in
    # a PDF or a Word file are charged to the report like standalone ones.
    limits = Limits(max_chars=1000, max_upload_bytes=20 * 1024 * 1024, max_pixels=1_000_000)
    scans = Upload("scans.pdf", None, _pdf_of_scans(2, (600, 400)))
    pictures = Upload("statement.docx", None, _docx_with_pictures(2, (400, 300)))
    assert [f.pixels for f in clean_uploads([scans], limits)] == [480_000]
    assert [f.pixels for f in clean_uploads([pictures], limits)] == [240_000]
    assert [f.pixels for f in clean_uploads([scans, pictures], limits)] == [480_000, 240_000]
    for over in (
        [scans, scans, pictures],
        [pictures, Upload("more.pdf", None, _pdf_of_scans(4, (600, 400)))],
    ):
        with pytest.raises(DraftRejected) as refused:
            clean_uploads(over, limits)
        assert refused.value.reason == DraftRefusal.FILES_TOO_COSTLY


def test_one_picture_too_large_to_decode_is_blanked_in_a_document_not_refused() -> None:
    # Only the report's budget refuses a document; a single picture over the
    # decoder's own limits becomes a blank, as before, and the rest is kept.
    document = docx.Document()
    document.add_paragraph("Invoice scans attached")
    document.add_picture(io.BytesIO(png_of_zeros(9000, 8000)))
    out = io.BytesIO()
    document.save(out)
    cleaned = clean("scans.docx", None, out.getvalue(), max_pixels=100_000_000)
    assert cleaned.cleaned
    assert cleaned.pixels == 0
    assert b"Invoice scans attached" in zipfile.ZipFile(io.BytesIO(cleaned.content)).read(
        "word/document.xml"
    )


def test_too_many_files_are_refused_on_the_form_and_the_text_is_kept(
    client: FlaskClient, db: Session
) -> None:
    text = "The clearing agent at Rusumo splits every consignment in eleven invoices"
    files = [(io.BytesIO(b"invoice %d" % i), f"invoice-{i}.txt") for i in range(11)]
    data: dict[str, object] = {
        **open_form(client),
        "category": "taxpayer_fraud",
        "body": text,
        "attachment": files,
    }
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at most 10" in html
    assert text in html  # nothing typed is lost
    assert db.scalars(select(Disclosure)).all() == []


def test_a_forged_answer_from_a_subverted_child_is_not_trusted() -> None:
    # A decoder bug exploited in the child could make it answer anything: the
    # parent reads JSON and raw bytes, checks every field, and never unpickles.
    forged = {
        "outcome": "cleaned",
        "name": "photo.jpg",
        "media_type": "image/jpeg",
        "removed": ["exif", {"__reduce__": "os.system"}],
        "metadata_warning": False,
        "cleaned": True,
        "pixels": 1,
    }
    with pytest.raises(UnreadableFile):
        confinement._answer(forged, b"\xff\xd8")
    with pytest.raises(UnreadableFile):
        confinement._answer({"outcome": "cleaned"}, b"")


def test_the_cleaning_child_gets_none_of_the_workers_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A decoder exploit in the child must not find the database URL or a
    # gateway token in its environment: the fork server starts without them.
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql://hotline:s3cret@db/hotline")
    confinement._SERVER._stop()  # a server started after the secret was set
    try:
        assert clean_confined("a.txt", None, b"hello").metadata_warning
        process = confinement._SERVER._process
        assert process is not None
        environ = Path(f"/proc/{process.pid}/environ").read_bytes()
    finally:
        confinement._SERVER._stop()
    assert b"s3cret" not in environ
    assert b"HOTLINE_" not in environ
