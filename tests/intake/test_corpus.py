"""Every leak of issue 15, cleaned, then looked for by readers we did not write.

The corpus (tests/intake/corpus/, made by its make_corpus.py) plants names,
paths and serial numbers containing "leak" and dates in 1987. Each file is
first scanned as it is, so a corpus file that plants nothing fails; then its
cleaned copy is scanned by exiftool (Debian's libimage-exiftool-perl, with
libarchive-zip-perl for Office files) and by a raw walk of every PDF object,
every stream decoded, or of every part of an Office/OpenDocument package.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale

from hotline.intake.attachments import clean
from hotline.intake.attachments.pdf_images import photo_bytes
from hotline.intake.web.receipts import REMOVED_LABELS, removed_labels
from tests.helpers.instance import IN_CI

CORPUS = Path(__file__).parent / "corpus"
SUFFIXES = {
    ".pdf",
    ".jpg",
    ".heic",
    ".avif",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".m4a",
    ".mp3",
    ".ogg",
    ".wav",
}
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES)

# What must never be in a cleaned file, in any part, stream or string.
MARKS = re.compile(
    rb"(?i)leak|1987|Exif\x00|xmpmeta|GPSL(at|ong)itude|ICC_PROFILE|/ICCBased|w:rsid|w:author"
    rb"|dc:creator|meta:initial-creator|docProps/|comments|/PTEX\.|/PieceInfo"
)
# Keys that must not be left on any PDF object.
PDF_KEYS = frozenset(
    {"/Author", "/Creator", "/Producer", "/Title", "/CreationDate", "/ModDate", "/Metadata"}
    | {"/PieceInfo", "/LastModified", "/Annots", "/T", "/Info", "/OPI", "/Thumb"}
)
# exiftool tags that name a person or program, a date or a place.
EXIFTOOL_TAGS = re.compile(
    r"(?i)author|creator|producer|artist|owner|serial|gps|lastmodifiedby|company|manager"
    r"|template|application|appversion|createdate|modifydate|datetime|comment|xmp|preview"
    r"|thumbnail|initial|editing|revision|profile"
)
IGNORED_GROUPS = ("System:", "ExifTool:")


def _raw_findings(name: str, data: bytes) -> list[str]:
    if name.endswith(".pdf"):
        return _pdf_findings(data)
    if name.endswith((".docx", ".xlsx", ".pptx", ".odt")):
        return _package_findings(data)
    return [m.group().decode("latin-1") for m in MARKS.finditer(data)]


def _pdf_findings(data: bytes) -> list[str]:
    found = [m.group().decode("latin-1") for m in MARKS.finditer(data)]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            found.append("trailer /Info")
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                keys = sorted(obj.keys())
                found += [f"key {k}" for k in keys if k in PDF_KEYS or k.startswith("/PTEX")]
                found += [f"{v}" for v in obj.values() if _marked(v)]
            if isinstance(obj, pikepdf.Stream):
                found += [m.group().decode("latin-1") for m in MARKS.finditer(_stream(obj))]
    return found


def _marked(value: object) -> bool:
    return isinstance(value, pikepdf.String) and MARKS.search(bytes(value)) is not None


def _stream(stream: pikepdf.Stream) -> bytes:
    """The stream decoded as far as anything can decode it: Flate layers
    undone, a JPEG or JPEG 2000 left as the file it is."""
    try:
        return bytes(stream.read_bytes())
    except pikepdf.PdfError:
        try:
            return photo_bytes(stream)
        except pikepdf.PdfError:
            raw = bytes(stream.read_raw_bytes())
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return raw


def _package_findings(data: bytes) -> list[str]:
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if MARKS.search(info.filename.encode()):
                found.append(f"part {info.filename}")
            if info.date_time != (1980, 1, 1, 0, 0, 0):
                found.append(f"date on {info.filename}")
            found += [
                f"{info.filename}: {m.group().decode('latin-1')}"
                for m in MARKS.finditer(archive.read(info))
            ]
    return found


def _exiftool() -> str:
    tool = shutil.which("exiftool")
    if tool is None:
        if IN_CI:
            pytest.fail("exiftool is missing (CI=true: .ci/run installs libimage-exiftool-perl)")
        pytest.skip("exiftool is not installed (Debian: libimage-exiftool-perl)")
    # Without Archive::Zip exiftool reads nothing inside Office files, and
    # would find nothing there whatever they held.
    zip_reader = subprocess.run(["perl", "-MArchive::Zip", "-e1"], capture_output=True, check=False)
    if zip_reader.returncode != 0:
        if IN_CI:
            pytest.fail("exiftool cannot read Office files (CI=true: install libarchive-zip-perl)")
        pytest.skip("exiftool cannot read Office files (Debian: libarchive-zip-perl)")
    return tool


def _exiftool_findings(tool: str, path: Path) -> list[str]:
    run = subprocess.run(
        [tool, "-j", "-a", "-G1", "-ee", "-api", "LargeFileSupport=1", str(path)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    tags = json.loads(run.stdout or b"[{}]")[0]
    found = []
    for tag, value in tags.items():
        if tag.startswith(IGNORED_GROUPS) or tag == "SourceFile":
            continue
        if tag == "ZIP:ZipModifyDate" and value == "1980:01:01 00:00:00":
            continue  # the fixed date we write on every member
        if value in ("0000:00:00 00:00:00", "0 s"):
            continue  # a rewritten recording's header: zero dates, no preview
        if EXIFTOOL_TAGS.search(tag.split(":", 1)[-1]) or MARKS.search(str(value).encode()):
            found.append(f"{tag}={value}")
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_cleaned_corpus_file_carries_no_leak(path: Path, tmp_path: Path) -> None:
    tool = _exiftool()
    original = path.read_bytes()
    assert _raw_findings(path.name, original) or _exiftool_findings(tool, path)

    result = clean(path.name, None, original)

    assert result.cleaned is True
    assert result.metadata_warning is False
    assert result.removed, "the receipt must say what was removed"
    cleaned = tmp_path / ("cleaned" + Path(result.name).suffix)  # a HEIC becomes a .jpg
    cleaned.write_bytes(result.content)
    assert _raw_findings(path.name, result.content) == []
    assert _exiftool_findings(tool, cleaned) == []


def test_corpus_covers_every_leak_of_the_issue() -> None:
    names = {p.name for p in FILES}
    assert {
        "pdf-ptex-infodict.pdf",
        "pdf-link-author.pdf",
        "pdf-page-properties.pdf",
        "pdf-incremental-info.pdf",
        "pdf-flate-dct-gps.pdf",
        "pdf-jpx-xmp.pdf",
        "docx-author-comments-rsid.docx",
        "odt-meta-comments-changes.odt",
    } <= names


TRANSLATIONS = Path(__file__).parents[2] / "hotline" / "translations"


@pytest.mark.parametrize("language", ["fr", "rw", "sw", "ar"])
def test_the_receipt_words_what_was_done_to_each_file_in_every_language(language: str) -> None:
    """Every key the cleaner reports for the corpus has a receipt label,
    translated: the reporter reads what was removed, not a code."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(TRANSLATIONS))
    for path in FILES:
        removed = clean(path.name, None, path.read_bytes()).removed
        assert set(removed) <= set(REMOVED_LABELS), path.name
        with app.test_request_context(), force_locale(language):
            shown = removed_labels(removed)
        for key in removed:
            entry = catalogue.get(str(REMOVED_LABELS[key]))
            assert entry is not None, key
            assert entry.string, key
            assert not entry.fuzzy, key
            assert entry.string in shown, key
