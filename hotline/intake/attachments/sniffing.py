"""Decide an evidence file's type from its content's magic bytes.

The file name and the type the client claims are never trusted.

None of the types returned here is rendered actively by a browser (no HTML,
no SVG): text of any kind, including markup, comes back as text/plain.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

_OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"


_SIMPLE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", PDF),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xff\x0a", "image/jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"{\\rtf", "application/rtf"),
    (b"%!PS", "application/postscript"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"ID3", "audio/mpeg"),
    (b"#!AMR\n", "audio/amr"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1a\x45\xdf\xa3", "video/x-matroska"),
)
_RIFF_TYPES = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_OOXML_PARTS = (
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
)
#: Word, Excel and PowerPoint files, which :mod:`.ooxml` rebuilds.
OOXML_TYPES = frozenset(media_type for _, media_type in _OOXML_PARTS)
_TEXT_CONTROLS_ALLOWED = frozenset(b"\t\n\r\f\x1b")


def sniff(content: bytes) -> str:
    for magic, media_type in _SIMPLE_MAGIC:
        if content.startswith(magic):
            return media_type
    if len(content) >= 4 and content[0] == 0xFF and content[1] & 0xE6 == 0xE2:
        return "audio/mpeg"  # an MPEG layer III frame header: an MP3 without ID3
    if content.startswith(b"RIFF") and len(content) >= 12:
        return _RIFF_TYPES.get(content[8:12], _OCTET_STREAM)
    if content[4:8] == b"ftyp" and len(content) >= 12:
        return _iso_media_type(content)
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_media_type(content)
    if _looks_like_text(content):
        return "text/plain"
    return _OCTET_STREAM


def _iso_media_type(content: bytes) -> str:
    """ISO base media files: HEIC/AVIF photos, MP4/MOV videos, M4A audio."""
    box_size = int.from_bytes(content[0:4], "big")
    major = content[8:12]
    # Compatible brands follow the major brand and the 4-byte minor version.
    brands = {major}
    end = min(max(box_size, 16), 256, len(content))
    brands.update(content[i : i + 4] for i in range(16, end - 3, 4))
    if brands & _AVIF_BRANDS:
        return "image/avif"
    if brands & _HEIF_BRANDS:
        return "image/heic"
    if major == b"qt  ":
        return "video/quicktime"
    if major.startswith(b"M4A"):
        return "audio/mp4"
    if major.startswith(b"3g"):
        return "video/3gpp"
    return "video/mp4"


def _zip_media_type(content: bytes) -> str:
    """Tell Office/OpenDocument files from other zips by their member names.

    Only the central directory is read; no member is decompressed, except the
    ODF ``mimetype`` member, which the format requires to be stored
    uncompressed and which we read only when it is stored and tiny.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            for part, media_type in _OOXML_PARTS:
                if part in names:
                    return media_type
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.compress_type == zipfile.ZIP_STORED and info.file_size <= 100:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    if re.fullmatch(r"application/vnd\.oasis\.opendocument\.[a-z.-]+", declared):
                        return declared
                    if declared == "application/epub+zip":
                        return declared
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        pass
    return "application/zip"


def _looks_like_text(content: bytes) -> bool:
    sample = content[:8192]
    if not sample:
        return False
    try:
        # An incremental decoder tolerates a multi-byte character cut in two
        # by the sample boundary.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return not any((b < 0x20 and b not in _TEXT_CONTROLS_ALLOWED) or b == 0x7F for b in sample)
