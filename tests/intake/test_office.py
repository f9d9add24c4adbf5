"""Word, Excel and OpenDocument files come out rebuilt from their content.

The documents are made with python-docx and openpyxl (tests/intake/corpus/
make_corpus.py), so they are what those libraries, like Office, really write;
each test checks the planted detail is in the input before checking it is
gone, and that the output still opens and shows the same content.
"""

from __future__ import annotations

import io
import time
import zipfile

import docx
import openpyxl
import pytest
from PIL import Image
from pptx import Presentation

from hotline.intake.attachments import UnreadableFile, clean, office_package
from tests.intake.corpus import make_corpus

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _everything(package: bytes) -> bytes:
    return b"\n".join(name.encode() + b"\n" + data for name, data in _parts(package).items())


def _replace(package: bytes, name: str, data: bytes) -> bytes:
    parts = _parts(package)
    parts[name] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in parts.items():
            archive.writestr(member, content)
    return out.getvalue()


def test_docx_loses_authors_comments_revision_ids_and_tracked_changes() -> None:
    original = make_corpus.docx_document()
    planted = (
        b"DocxLeakAuthor",
        b"DocxLeakEditor",
        b"CommentLeakAuthor",
        b"InsLeakAuthor",
        b"DelLeakAuthor",
        b"DeletedLeakText",
        b"w:rsid",
        b"docProps/",
        b"customXml/",
        b"thumbnail",
    )
    everything = _everything(original)
    for token in planted:
        assert token in everything, token

    result = clean("minutes.docx", None, original)

    assert result.media_type == DOCX
    assert result.cleaned is True
    assert result.metadata_warning is False
    assert {
        "office_properties",
        "office_comments",
        "office_revisions",
        "office_revision_ids",
        "office_custom_xml",
        "office_image_metadata",
        "thumbnail",
    } <= set(result.removed)
    everything = _everything(result.content)
    for token in (*planted, b"1987", b"w:author", b"w:date", b"Exif", b"commentReference"):
        assert token not in everything, token
    # Still a Word document with the same text (the insertion accepted)
    # and the same picture.
    document = docx.Document(io.BytesIO(result.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "visible body text" in text
    assert "inserted text" in text
    [picture] = [n for n in _parts(result.content) if n.startswith("word/media/")]
    with Image.open(io.BytesIO(_parts(result.content)[picture])) as image:
        assert image.size == (32, 16)
        assert len(image.getexif()) == 0


def test_xlsx_loses_authors_and_comments_and_keeps_cells_and_pictures() -> None:
    original = make_corpus.xlsx_workbook()
    everything = _everything(original)
    for token in (b"XlsxLeakAuthor", b"CommentLeakAuthor", b"Exif"):
        assert token in everything, token

    result = clean("figures.xlsx", None, original)

    assert {"office_properties", "office_comments", "office_image_metadata"} <= set(result.removed)
    everything = _everything(result.content)
    for token in (b"XlsxLeakAuthor", b"XlsxLeakEditor", b"CommentLeakAuthor", b"Exif"):
        assert token not in everything, token
    workbook = openpyxl.load_workbook(io.BytesIO(result.content))
    sheet = workbook.active
    assert sheet is not None
    assert sheet["A1"].value == "visible cell"
    assert sheet["A1"].comment is None
    assert len(sheet._images) == 1


def test_pptx_loses_its_author_and_keeps_slides_notes_and_pictures() -> None:
    original = make_corpus.pptx_presentation()
    assert b"PptxLeakAuthor" in _everything(original)

    result = clean("slides.pptx", None, original)

    assert {"office_properties", "office_image_metadata"} <= set(result.removed)
    everything = _everything(result.content)
    for token in (b"PptxLeakAuthor", b"PptxLeakEditor", b"Exif", b"docProps/"):
        assert token not in everything, token
    slide = Presentation(io.BytesIO(result.content)).slides[0]
    assert slide.shapes.title is not None
    assert slide.shapes.title.text == "visible slide title"
    assert slide.notes_slide.notes_text_frame is not None
    assert slide.notes_slide.notes_text_frame.text == "speaker notes"
    assert len([s for s in slide.shapes if s.shape_type == 13]) == 1  # one picture


def test_odt_loses_meta_comments_and_tracked_changes() -> None:
    original = make_corpus.odt_document()

    result = clean("notes.odt", None, original)

    assert result.media_type == "application/vnd.oasis.opendocument.text"
    assert {
        "office_properties",
        "office_settings",
        "office_comments",
        "office_revisions",
        "office_file_paths",
        "thumbnail",
    } <= set(result.removed)
    parts = _parts(result.content)
    assert list(parts)[0] == "mimetype"
    with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
        assert archive.infolist()[0].compress_type == zipfile.ZIP_STORED
    assert set(parts) == {"mimetype", "content.xml", "Pictures/photo.jpg", "META-INF/manifest.xml"}
    everything = _everything(result.content)
    for token in (b"Leak", b"1987", b"dc:creator", b"meta.xml", b"Exif", b"file:"):
        assert token not in everything, token
    content = parts["content.xml"]
    assert b"visible text" in content
    assert b"continues" in content
    assert b'xlink:href="Pictures/photo.jpg"' in content
    assert b'full-path="Pictures/photo.jpg"' in parts["META-INF/manifest.xml"]


def test_encrypted_odt_is_kept_with_a_warning() -> None:
    original = _replace(
        make_corpus.odt_document(),
        "META-INF/manifest.xml",
        b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        b'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">'
        b"<manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
    )

    result = clean("locked.odt", None, original)

    assert result.metadata_warning is True
    assert result.cleaned is False
    assert result.content == original


def test_pictures_that_cannot_be_re_encoded_become_blank() -> None:
    original = make_corpus.docx_document()
    [name] = [n for n in _parts(original) if n.startswith("word/media/")]
    metafile = b"\x01\x00\x00\x00" + b"EMF drawing by LeakJane" + b"\x00" * 64
    original = _replace(original, name, metafile)

    result = clean("minutes.docx", None, original)

    assert "office_media_dropped" in result.removed
    parts = _parts(result.content)
    assert name not in parts
    blank = name.rsplit(".", 1)[0] + ".png"
    with Image.open(io.BytesIO(parts[blank])) as image:
        assert image.size == (1, 1)
    assert f'Target="/{blank}"'.encode() in parts["word/_rels/document.xml.rels"]
    assert b"LeakJane" not in _everything(result.content)


def test_external_entities_are_never_read() -> None:
    original = _replace(
        make_corpus.docx_document(),
        "word/document.xml",
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>",
    )

    with pytest.raises(UnreadableFile, match="document"):
        clean("x.docx", None, original)


def test_billion_laughs_is_refused_at_once() -> None:
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1)) * 10) for i in range(1, 10)
    )
    original = _replace(
        make_corpus.docx_document(),
        "word/document.xml",
        b"<?xml version='1.0'?><!DOCTYPE w [" + entities + b"]><w:document>&a9;</w:document>",
    )

    started = time.monotonic()
    with pytest.raises(UnreadableFile, match="document"):
        clean("x.docx", None, original)
    assert time.monotonic() - started < 2


def test_package_over_the_size_bound_is_refused_before_inflating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = make_corpus.docx_document()
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(original)).infolist())
    monkeypatch.setattr(office_package, "MAX_PACKAGE_BYTES", declared - 1)
    inflated: list[str] = []
    real_read = zipfile.ZipFile.read

    def spy(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        inflated.append(str(name))
        return real_read(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", spy)

    with pytest.raises(UnreadableFile, match="too large"):
        clean("big.docx", None, original)
    assert inflated == []


def test_links_to_files_on_the_authors_computer_are_dropped() -> None:
    original = make_corpus.docx_document()
    rels = _parts(original)["word/_rels/document.xml.rels"]
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdLocal" TargetMode="External" Target="file:///C:/Users/LeakJane/x.docx"'
        b' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"/>'
        b'<Relationship Id="rIdWeb" TargetMode="External" Target="https://example.org/kept"'
        b' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"/>'
        b"</Relationships>",
    )
    original = _replace(original, "word/_rels/document.xml.rels", rels)

    result = clean("x.docx", None, original)

    assert "office_external_links" in result.removed
    kept = _parts(result.content)["word/_rels/document.xml.rels"]
    assert b"https://example.org/kept" in kept
    assert b"LeakJane" not in kept


_SPREADSHEET = b"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:body>
<office:spreadsheet><table:tracked-changes><table:cell-content-change>
<office:change-info><dc:creator>ChangeLeakAuthor</dc:creator></office:change-info>
</table:cell-content-change></table:tracked-changes><table:table table:name="Sheet1">
<table:table-row><table:table-cell><office:annotation><dc:creator>NoteLeakAuthor</dc:creator>
<text:p>a remark</text:p></office:annotation><text:p>visible cell</text:p></table:table-cell>
</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"""


@pytest.mark.parametrize("kind", ["spreadsheet", "presentation"])
def test_ods_and_odp_are_rebuilt_the_same_way(kind: str) -> None:
    mimetype = f"application/vnd.oasis.opendocument.{kind}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype, zipfile.ZIP_STORED)
        archive.writestr("content.xml", _SPREADSHEET)
        archive.writestr("meta.xml", b"<meta>MetaLeakAuthor</meta>")
    original = out.getvalue()

    result = clean("sheet", None, original)

    assert result.media_type == mimetype
    assert {"office_properties", "office_comments", "office_revisions"} <= set(result.removed)
    assert b"Leak" not in _everything(result.content)
    assert b"visible cell" in _parts(result.content)["content.xml"]
