"""Strip identifying metadata from evidence files before anything stores them.

A whistle-blower's photo or document usually carries more than its visible
content: EXIF GPS coordinates and camera serial numbers, author names in a
PDF's document information dictionary or XMP packet, earlier revisions of a
PDF that were "deleted" by an incremental save, comments added by an editor.
Any of these can tell the employer who made the report, so every upload goes
through :func:`clean` and only the cleaned bytes are ever kept.

What happens to each type (decided from the content's magic bytes; the
filename and the type the client claims are never trusted):

* JPEG, PNG, WebP, GIF: decoded with Pillow and re-encoded from the pixels
  alone, into a brand-new image object that has no ``info`` at all, so no
  EXIF/GPS, XMP, ICC profile, IPTC, comment, text chunk or unknown chunk can
  ride along. The EXIF orientation is applied to the pixels first. Animated
  GIF, WebP and PNG (APNG) keep all their frames, per-frame durations and the
  loop count (unless the animation is too large, in which case only the first
  frame is kept and ``"animation_frames"`` is reported).
* PDF: a new file is written by pypdf containing only the pages. The
  document information dictionary, the catalog's XMP packet, the trailer /ID,
  the document-level JavaScript, open action, embedded files, outlines and
  every old revision are simply never copied. On the pages (and everything
  they reference) we also remove XMP packets, /PieceInfo, thumbnails, OPI file
  paths, annotation authors and dates, signature values, automatic and
  script actions, and the metadata segments of embedded JPEG images.
* Everything else (HEIC/HEIF, AVIF, Office and OpenDocument files, other zip
  files, old binary Office files, audio, video, text, unknown) is returned
  unchanged with ``metadata_warning=True`` so the reporter can be told that we
  could not clean it.

Limits we know of and cannot fix here: visible content (a name in the text,
a reflection in a photo) is untouched; a camera can still be recognised from
its sensor noise (PRNU) after re-encoding; images drawn inline in a PDF
content stream and non-JPEG images inside a PDF are copied as they are.

This module never logs: file names and contents must not reach any log.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from PIL import (
    ExifTags,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    StreamObject,
)

__all__ = [
    "MAX_PDF_PAGES",
    "MAX_PIXELS",
    "MAX_TOTAL_PIXELS",
    "CleanedFile",
    "UnreadableFile",
    "clean",
]

#: Largest single image (or animation canvas) we decode. Pillow's own global
#: limit (``Image.MAX_IMAGE_PIXELS``) is left alone for the rest of the
#: process; if someone lowers it, the lower of the two applies.
MAX_PIXELS = 80_000_000
#: Largest total pixel count over all frames of an animation that we keep in
#: memory at once; beyond it only the first frame is kept.
MAX_TOTAL_PIXELS = 80_000_000
#: Largest number of pages we rewrite in a PDF.
MAX_PDF_PAGES = 5_000

_MAX_NAME_CHARS = 120
_MAX_EXTENSION_CHARS = 16
_FALLBACK_NAME = "attachment"
_JPEG_QUALITY = 90

_IMAGE_UNREADABLE = "This image could not be read. It may be damaged or incomplete."
_IMAGE_TOO_LARGE = "This image is too large to be processed safely."
_PDF_UNREADABLE = "This PDF could not be read. It may be damaged."
_PDF_NO_PAGES = "This PDF has no pages that could be read."
_PDF_TOO_MANY_PAGES = "This PDF has too many pages to be processed."

_OCTET_STREAM = "application/octet-stream"
_PDF = "application/pdf"
# media type -> Pillow format name, for the types we clean.
_PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
# Formats whose extra frames are an animation worth keeping. A JPEG's extra
# "frames" (MPO) are separate embedded pictures and are dropped instead.
_ANIMATED_FORMATS = frozenset({"PNG", "WEBP", "GIF"})


@dataclass(frozen=True)
class CleanedFile:
    """The result of :func:`clean`.

    ``removed`` holds stable lowercase keys (for the web layer to translate):
    ``exif``, ``gps``, ``xmp``, ``icc_profile``, ``iptc``, ``comment``,
    ``png_text``, ``timestamp``, ``thumbnail``, ``embedded_images``,
    ``trailing_data``, ``animation_frames``, ``other_metadata`` for images and
    ``pdf_document_info``, ``pdf_xmp``, ``pdf_file_id``,
    ``pdf_incremental_updates``, ``pdf_javascript``, ``pdf_actions``,
    ``pdf_embedded_files``, ``pdf_annotation_metadata``, ``pdf_signatures``,
    ``pdf_piece_info``, ``pdf_thumbnails``, ``pdf_file_paths``,
    ``pdf_image_metadata`` for PDFs. Only what was actually present is listed.
    """

    name: str
    media_type: str
    content: bytes
    removed: tuple[str, ...]
    metadata_warning: bool
    cleaned: bool


class UnreadableFile(ValueError):
    """The content is (by its magic bytes) an image or PDF we clean, but it
    cannot be decoded, or it is too large to decode safely.

    The message is plain English and contains nothing from the file, so it is
    safe to show to the reporter.
    """


def clean(name: str, claimed_type: str | None, content: bytes) -> CleanedFile:
    """Return a metadata-free copy of an uploaded file, or the file unchanged
    with ``metadata_warning=True`` when its type is one we cannot clean.

    ``claimed_type`` (the client's Content-Type) is deliberately ignored: a
    wrong or hostile claim must not let a file skip cleaning, so the type is
    always decided from the content itself.

    Raises :class:`UnreadableFile` for a JPEG/PNG/WebP/GIF/PDF that cannot
    be decoded; such a file must be refused, never stored as it is.
    """
    content = bytes(content)
    display_name = _safe_name(name)
    media_type = _sniff(content)
    _quiet_library_loggers()
    quiet = _processing.set(True)
    try:
        return _clean_as(display_name, media_type, content)
    finally:
        _processing.reset(quiet)


def _clean_as(display_name: str, media_type: str, content: bytes) -> CleanedFile:
    if media_type in _PILLOW_FORMATS:
        data, removed = _clean_image(_PILLOW_FORMATS[media_type], content)
        return CleanedFile(display_name, media_type, data, removed, False, True)

    if media_type == _PDF:
        result = _clean_pdf(content)
        if result is not None:
            data, removed = result
            return CleanedFile(display_name, media_type, data, removed, False, True)
        # Encrypted with a real password: we cannot even read it, so it is
        # kept as the reporter sent it and the reporter is warned.

    return CleanedFile(display_name, media_type, content, (), True, False)


# --------------------------------------------------------------------------
# Logging
#
# The libraries we feed untrusted files to log what they find in them: pypdf's
# warnings quote raw bytes of the PDF, Pillow's TIFF plugin logs every EXIF
# value (artist, serial number, GPS) at DEBUG level. Records emitted while
# this module is processing a file are dropped. The switch is a ContextVar, so
# it is per thread and per task, and pypdf/Pillow logging elsewhere in the
# process is untouched.

_processing: ContextVar[bool] = ContextVar("hotline_attachments_processing", default=False)
_QUIET_LOGGER_ROOTS = ("pypdf", "PIL")


class _DropWhileProcessing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _processing.get()


_DROP_WHILE_PROCESSING = _DropWhileProcessing()
# The Pillow plugins we use, imported up front so that their loggers already
# exist when _quiet_library_loggers() looks (TiffImagePlugin parses EXIF).
_PILLOW_PLUGINS = (
    GifImagePlugin,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)


def _quiet_library_loggers() -> None:
    # A logger's filters only see records logged on that very logger, not
    # those propagated from its children, so every module logger gets one.
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if (
            isinstance(logger, logging.Logger)
            and name.split(".", 1)[0] in _QUIET_LOGGER_ROOTS
            and _DROP_WHILE_PROCESSING not in logger.filters
        ):
            logger.addFilter(_DROP_WHILE_PROCESSING)


# --------------------------------------------------------------------------
# Names

# Cc: control characters (NUL, newline, ESC...); Cf: invisible format
# characters, including the bidi overrides used to disguise "gpj.exe" as
# "exe.jpg"; Cs: lone surrogates, which cannot even be encoded; Zl/Zp: line
# and paragraph separators.
_DROPPED_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _safe_name(name: str | None) -> str:
    """Basename only, no control or invisible characters, at most 120 chars."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_NAME_CATEGORIES)
    # Split on both separators: a Windows browser sends "C:\\Users\\me\\x.jpg",
    # and "../" must never reach anything that builds a path.
    text = re.split(r"[/\\]", text)[-1].strip()
    if not text.strip("."):
        # "", "." and ".." are not names.
        return _FALLBACK_NAME
    if len(text) > _MAX_NAME_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION_CHARS:
            # Keep the extension so the name still says what the file is.
            stem = stem[: _MAX_NAME_CHARS - len(extension) - 1].rstrip()
            text = f"{stem}.{extension}"
        else:
            text = text[:_MAX_NAME_CHARS].rstrip()
    return text or _FALLBACK_NAME


# --------------------------------------------------------------------------
# Type sniffing
#
# None of the types returned here is rendered actively by a browser (no HTML,
# no SVG): text of any kind, including markup, comes back as text/plain.

_SIMPLE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", _PDF),
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
_TEXT_CONTROLS_ALLOWED = frozenset(b"\t\n\r\f\x1b")


def _sniff(content: bytes) -> str:
    for magic, media_type in _SIMPLE_MAGIC:
        if content.startswith(magic):
            return media_type
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


# --------------------------------------------------------------------------
# Images


def _clean_image(pillow_format: str, content: bytes) -> tuple[bytes, tuple[str, ...]]:
    """Re-encode the pixels only. See the module docstring."""
    limit = _pixel_limit()
    try:
        found = _container_labels(pillow_format, content)
        if pillow_format == "WEBP":
            # Pillow allocates the WebP canvas while *opening* the file, before
            # we get a chance to look at its size, so check the header first.
            canvas = _webp_canvas_size(content)
            if canvas is not None:
                _check_pixels(canvas, limit)
        frames, durations, loop = _decode_frames(pillow_format, content, limit, found)
    except UnreadableFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is only raised (rather than printed) when warnings are
        # errors, as in the tests; either way the image is refused.
        raise UnreadableFile(_IMAGE_TOO_LARGE) from None
    except Exception:
        # Any failure to decode untrusted input (truncated data, a broken
        # chunk, a bug in a decoder tripped by garbage) means the same thing to
        # the reporter: we could not read this picture, so we will not store it.
        # "from None": library messages can quote the file's bytes, and they
        # must not reach a logged traceback.
        raise UnreadableFile(_IMAGE_UNREADABLE) from None

    lossless = pillow_format == "WEBP" and _webp_is_lossless(content)
    try:
        data = _encode_frames(pillow_format, frames, durations, loop, lossless=lossless)
    except (OSError, ValueError, KeyError):
        # Fail closed: a picture we cannot re-encode is not stored as it was.
        raise UnreadableFile(_IMAGE_UNREADABLE) from None
    return data, tuple(sorted(found))


def _pixel_limit() -> int:
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return MAX_PIXELS if pillow_limit is None else min(MAX_PIXELS, pillow_limit)


def _check_pixels(size: tuple[int, int], limit: int) -> None:
    if size[0] * size[1] > limit:
        raise UnreadableFile(_IMAGE_TOO_LARGE)


# Same mapping as PIL.ImageOps.exif_transpose. We apply it ourselves so that
# every frame of an animation gets the same transform and so that a broken
# EXIF block only costs the rotation instead of making the image unreadable.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _decode_frames(
    pillow_format: str, content: bytes, limit: int, found: set[str]
) -> tuple[list[Image.Image], list[int], int | None]:
    with Image.open(io.BytesIO(content), formats=[pillow_format]) as im:
        # Image.open only parsed the headers; nothing big is allocated yet.
        _check_pixels(im.size, limit)
        found.update(_info_labels(im.info))

        transpose: Image.Transpose | None = None
        try:
            exif = im.getexif()
            if ExifTags.IFD.GPSInfo in exif:
                found.add("gps")
            transpose = _ORIENTATION_TRANSPOSE.get(int(exif.get(ExifTags.Base.Orientation, 1)))
        except Exception:
            # Unparseable EXIF: it is dropped anyway; we only lose the rotation.
            transpose = None

        loop = im.info.get("loop")  # read now: seeking may reset info
        n_frames = int(getattr(im, "n_frames", 1))
        keep = 1
        if n_frames > 1:
            if im.format not in _ANIMATED_FORMATS:
                found.add("embedded_images")  # MPO: a second picture in a JPEG
            elif n_frames * im.size[0] * im.size[1] > MAX_TOTAL_PIXELS:
                found.add("animation_frames")
            else:
                keep = n_frames

        frames: list[Image.Image] = []
        durations: list[int] = []
        for index in range(keep):
            im.seek(index)
            _check_pixels(im.size, limit)  # a GIF frame may enlarge the canvas
            im.load()
            found.update(_info_labels(im.info))  # GIF comments are per frame
            frame = _pixels_only(im)
            if transpose is not None:
                frame = frame.transpose(transpose)
            frames.append(frame)
            duration = im.info.get("duration")
            durations.append(round(duration) if isinstance(duration, (int, float)) else 0)
    return frames, durations, loop if isinstance(loop, int) else None


def _pixels_only(frame: Image.Image) -> Image.Image:
    """A new image holding this frame's pixels and nothing else.

    ``frombytes`` starts from an empty ``info`` dict, so no metadata can be
    carried into the encoder, whatever the plugin stored while decoding. Only
    the palette and the transparency, which are part of the picture, are
    copied across.
    """
    fresh = Image.frombytes(frame.mode, frame.size, frame.tobytes())
    if frame.palette is not None and fresh.mode in ("P", "PA"):
        palette_mode = frame.palette.mode
        palette = frame.getpalette(palette_mode)
        if palette:
            fresh.putpalette(palette, palette_mode)
    transparency = frame.info.get("transparency")
    if isinstance(transparency, (int, bytes, tuple)):
        fresh.info["transparency"] = transparency
    return fresh


def _encode_frames(
    pillow_format: str,
    frames: list[Image.Image],
    durations: list[int],
    loop: int | None,
    *,
    lossless: bool,
) -> bytes:
    frames = [_encodable(pillow_format, frame) for frame in frames]
    first, rest = frames[0], frames[1:]
    options: dict[str, object] = {}
    if pillow_format == "JPEG":
        options.update(quality=_JPEG_QUALITY, optimize=True)
    elif pillow_format == "WEBP":
        if lossless:
            options["lossless"] = True
        else:
            options["quality"] = _JPEG_QUALITY
    if rest:
        options.update(save_all=True, append_images=rest, duration=durations)
        if loop is not None:
            options["loop"] = loop
        if pillow_format == "GIF" and any(_has_transparency(f) for f in frames):
            # Each frame we hand over is the fully composed picture, so clear
            # the previous frame before drawing the next one; otherwise pixels
            # that become transparent would keep showing the old frame.
            options["disposal"] = 2
    out = io.BytesIO()
    first.save(out, format=pillow_format, **options)
    return out.getvalue()


def _encodable(pillow_format: str, frame: Image.Image) -> Image.Image:
    """Convert to a mode the encoder accepts (decoders rarely need this)."""
    if pillow_format == "JPEG" and frame.mode not in ("L", "RGB", "CMYK"):
        return frame.convert("RGB")
    if pillow_format == "WEBP" and frame.mode not in ("RGB", "RGBA"):
        return frame.convert("RGBA" if _has_transparency(frame) else "RGB")
    return frame


def _has_transparency(frame: Image.Image) -> bool:
    return "A" in frame.mode or "transparency" in frame.info


def _info_labels(info: Mapping[str | tuple[int, int], object]) -> set[str]:
    """What Pillow's decoder exposed, as a second opinion to our own walk of
    the container (and the only one if that walk gave up)."""
    labels: set[str] = set()
    for key, label in (
        ("exif", "exif"),
        ("xmp", "xmp"),
        ("icc_profile", "icc_profile"),
        ("comment", "comment"),
        ("photoshop", "iptc"),
    ):
        if info.get(key):
            labels.add(label)
    xmp = info.get("xmp")
    if isinstance(xmp, bytes) and (b"GPSLatitude" in xmp or b"GPSLongitude" in xmp):
        labels.add("gps")
    return labels


def _container_labels(pillow_format: str, content: bytes) -> set[str]:
    """Metadata found by walking the file's own structure, for ``removed``.

    Reporting only: whatever this finds or misses, the re-encode keeps
    nothing but pixels.
    """
    if pillow_format == "JPEG":
        scanned = _scan_jpeg(content)
        return scanned[1] if scanned is not None else set()
    if pillow_format == "PNG":
        return _png_labels(content)
    if pillow_format == "WEBP":
        return {label for fourcc, _ in _webp_chunks(content) if (label := _webp_label(fourcc))}
    return _gif_labels(content)


# JPEG ------------------------------------------------------------------

_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_SOS = 0xDA
_JPEG_EOI = 0xD9


def _jpeg_segment_label(marker: int, payload: bytes) -> str | None:
    """The ``removed`` key for a segment we drop, or None to keep it."""
    if marker == 0xFE:
        return "comment"
    if not 0xE0 <= marker <= 0xEF:
        return None  # tables, frame and scan headers: the picture itself
    if marker == 0xE0:
        if payload.startswith(b"JFIF\x00"):
            return None
        return "thumbnail" if payload.startswith(b"JFXX\x00") else "other_metadata"
    if marker == 0xE1:
        if payload.startswith(b"Exif\x00"):
            return "exif"
        if payload.startswith((b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp")):
            return "xmp"
        return "other_metadata"
    if marker == 0xE2:
        if payload.startswith(b"ICC_PROFILE\x00"):
            return "icc_profile"
        return "embedded_images" if payload.startswith(b"MPF\x00") else "other_metadata"
    if marker == 0xED and payload.startswith(b"Photoshop 3.0\x00"):
        return "iptc"
    if marker == 0xEE and payload.startswith(b"Adobe"):
        return None  # says how to read the colour channels; not metadata
    return "other_metadata"


def _scan_jpeg(data: bytes) -> tuple[bytes, set[str]] | None:
    """Walk a JPEG's segments up to its end-of-image marker.

    Returns the same JPEG without APPn/COM metadata segments (bar JFIF and
    Adobe) and without anything appended after the image, plus the keys of
    what was dropped; or None when the structure is not what we expect, in
    which case the caller must not touch the data.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    found: set[str] = set()
    pos, size = 2, len(data)
    while True:
        if pos + 1 >= size or data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == _JPEG_EOI:
            out += b"\xff\xd9"
            pos += 2
            break
        if marker in _JPEG_STANDALONE_MARKERS:
            out += data[pos : pos + 2]
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > size:
            return None
        segment = data[pos : pos + 2 + length]
        label = _jpeg_segment_label(marker, segment[4:])
        if label is None:
            out += segment
        else:
            found.add(label)
        pos += 2 + length
        if marker == _JPEG_SOS:
            scan_end = _jpeg_entropy_end(data, pos)
            out += data[pos:scan_end]
            pos = scan_end
    if pos < size:
        found.add("trailing_data")
    return bytes(out), found


def _jpeg_entropy_end(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data starting at pos.

    In entropy-coded data a 0xFF byte is always followed by 0x00 (stuffing)
    or a restart marker, so the first other 0xFF xx pair is a real marker.
    """
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            return size
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


# PNG -------------------------------------------------------------------

# Chunks that are the picture or say how to display it.
# fmt: off
_PNG_PICTURE_CHUNKS = frozenset({
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"pHYs",
    b"bKGD", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"mDCv", b"cLLI",
    b"cLLi",
})
# fmt: on


def _png_labels(data: bytes) -> set[str]:
    found: set[str] = set()
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if chunk_type in (b"tEXt", b"zTXt"):
            found.add("png_text")
        elif chunk_type == b"iTXt":
            found.add("xmp" if payload.startswith(b"XML:com.adobe.xmp\x00") else "png_text")
        elif chunk_type == b"eXIf":
            found.add("exif")
        elif chunk_type == b"iCCP":
            found.add("icc_profile")
        elif chunk_type == b"tIME":
            found.add("timestamp")
        elif chunk_type == b"IEND":
            if pos < size:
                found.add("trailing_data")
            break
        elif chunk_type not in _PNG_PICTURE_CHUNKS:
            found.add("other_metadata")
    return found


# WebP ------------------------------------------------------------------

_WEBP_PICTURE_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"})


def _webp_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Top-level RIFF chunks of a WebP file, as (fourcc, payload)."""
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos = 12
    while pos + 8 <= end:
        fourcc = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        yield fourcc, data[pos + 8 : pos + 8 + length]
        pos += 8 + length + (length & 1)


def _webp_label(fourcc: bytes) -> str | None:
    if fourcc == b"EXIF":
        return "exif"
    if fourcc == b"XMP ":
        return "xmp"
    if fourcc == b"ICCP":
        return "icc_profile"
    return None if fourcc in _WEBP_PICTURE_CHUNKS else "other_metadata"


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    for fourcc, payload in _webp_chunks(data):
        if fourcc == b"VP8X" and len(payload) >= 10:
            width = int.from_bytes(payload[4:7], "little") + 1
            height = int.from_bytes(payload[7:10], "little") + 1
            return width, height
        if fourcc == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
            width = int.from_bytes(payload[6:8], "little") & 0x3FFF
            height = int.from_bytes(payload[8:10], "little") & 0x3FFF
            return width, height
        if fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
            bits = int.from_bytes(payload[1:5], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _webp_is_lossless(data: bytes) -> bool:
    """True when every frame is VP8L (lossless), so we re-encode losslessly
    and do not degrade a screenshot; lossy sources are re-encoded lossy."""
    kinds: set[bytes] = set()
    for fourcc, payload in _webp_chunks(data):
        if fourcc in (b"VP8 ", b"VP8L"):
            kinds.add(fourcc)
        elif fourcc == b"ANMF":
            # A frame: 16 bytes of placement, then its own ALPH/VP8/VP8L.
            sub = payload[16:]
            while len(sub) >= 8:
                if sub[:4] in (b"VP8 ", b"VP8L"):
                    kinds.add(sub[:4])
                    break
                length = int.from_bytes(sub[4:8], "little")
                sub = sub[8 + length + (length & 1) :]
    return kinds == {b"VP8L"}


# GIF -------------------------------------------------------------------

_GIF_ANIMATION_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_labels(data: bytes) -> set[str]:
    found: set[str] = set()
    size = len(data)
    if size < 13:
        return found
    pos = 13
    if data[10] & 0x80:
        pos += 3 << ((data[10] & 7) + 1)
    while pos < size:
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            if pos + 1 < size:
                found.add("trailing_data")
            break
        if introducer == 0x21 and pos + 1 < size:  # extension
            label = data[pos + 1]
            first, pos = _gif_sub_blocks(data, pos + 2)
            if label == 0xFE:
                found.add("comment")
            elif label == 0xFF:
                if first.startswith(b"XMP DataXMP"):
                    found.add("xmp")
                elif not first.startswith(_GIF_ANIMATION_APPS):
                    found.add("other_metadata")
        elif introducer == 0x2C and pos + 10 <= size:  # image
            flags = data[pos + 9]
            pos += 10
            if flags & 0x80:
                pos += 3 << ((flags & 7) + 1)
            _, pos = _gif_sub_blocks(data, pos + 1)  # skip LZW code size byte
        else:
            break
    return found


def _gif_sub_blocks(data: bytes, pos: int) -> tuple[bytes, int]:
    """Skip a chain of GIF data sub-blocks; return the first one and the
    position after the terminator."""
    first = b""
    size = len(data)
    while pos < size:
        length = data[pos]
        pos += 1
        if length == 0:
            break
        if not first:
            first = data[pos : pos + length]
        pos += length
    return first, pos


# --------------------------------------------------------------------------
# PDF

# Keys removed wherever they appear in the page graph, and what we report.
_PDF_DROPPED_KEYS = {
    "/Metadata": "pdf_xmp",  # XMP packets on pages, images, fonts, forms
    "/PieceInfo": "pdf_piece_info",  # private data of the authoring application
    "/LastModified": "pdf_piece_info",
    "/Thumb": "pdf_thumbnails",  # may still show a page as it was before an edit
    "/OPI": "pdf_file_paths",  # paths to the original high-resolution images
}
# Annotation types other than form widgets; their /T is the author's name.
# fmt: off
_MARKUP_ANNOTATIONS = frozenset({
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup",
    "/FileAttachment", "/Sound", "/Redact",
})
# fmt: on
_ANNOTATION_METADATA_KEYS = ("/T", "/M", "/CreationDate")
# Document-level name trees, removed should a page ever reach the catalog.
_PDF_NAME_TREES = (("/JavaScript", "pdf_javascript"), ("/EmbeddedFiles", "pdf_embedded_files"))
# Actions that only move around inside the document or open a link when
# clicked. Everything else (JavaScript, launching programs, submitting forms,
# opening other files) is removed.
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})


def _clean_pdf(content: bytes) -> tuple[bytes, tuple[str, ...]] | None:
    """A new PDF with the pages only, or None when it is encrypted with a
    password we do not have."""
    removed: set[str] = set()
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            try:
                if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    return None
            except Exception:
                return None  # an encryption scheme pypdf cannot handle
        removed.update(_pdf_document_labels(reader, content))

        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnreadableFile(_PDF_TOO_MANY_PAGES)
        pages = list(reader.pages)
        if not pages:
            raise UnreadableFile(_PDF_NO_PAGES)

        # Scrub the reader's objects *before* cloning: pypdf copies exactly
        # what is reachable from the pages, so anything cut here is never
        # copied and cannot survive as an unreferenced object in the output.
        _scrub_pdf_graph(pages, removed)

        # Building the output from pages alone leaves behind the catalog (XMP,
        # JavaScript, open action, embedded files, outlines), the trailer
        # (/Info and /ID) and every superseded object of earlier revisions.
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page)
        # pypdf gives every new file an info dictionary with /Producer (pypdf);
        # drop it so the output has no document information at all.
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except UnreadableFile:
        raise
    except Exception:
        # "from None": pypdf's messages quote bytes of the file, and they must
        # not reach a logged traceback.
        raise UnreadableFile(_PDF_UNREADABLE) from None
    return out.getvalue(), tuple(sorted(removed))


def _pdf_document_labels(reader: PdfReader, content: bytes) -> set[str]:
    """What the document-level structures held (all of them are dropped)."""
    found: set[str] = set()
    trailer = reader.trailer
    info = _get(trailer, "/Info")
    if isinstance(info, DictionaryObject) and len(info) > 0:
        found.add("pdf_document_info")
    if "/ID" in trailer:
        found.add("pdf_file_id")
    root = _get(trailer, "/Root")
    if isinstance(root, DictionaryObject):
        if "/Metadata" in root:
            found.add("pdf_xmp")
        for key in ("/OpenAction", "/AA"):
            action = _get(root, key)
            if key == "/AA" and isinstance(action, DictionaryObject):
                label = _action_label(dict.values(action), allow_safe=False)
            else:
                label = _action_label([action], allow_safe=True)
            if label:
                found.add(label)
        names = _get(root, "/Names")
        if isinstance(names, DictionaryObject):
            if "/JavaScript" in names:
                found.add("pdf_javascript")
            if "/EmbeddedFiles" in names:
                found.add("pdf_embedded_files")
    # Every save appends one "startxref"; a linearized file has two of its own.
    revisions = content.count(b"startxref")
    if b"/Linearized" in content[:1024]:
        revisions -= 1
    if revisions > 1:
        found.add("pdf_incremental_updates")
    return found


def _resolve(obj: object) -> object:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _get(d: DictionaryObject, key: str) -> object:
    # DictionaryObject.get (unlike d[key]) returns references unresolved.
    return _resolve(d.get(key))


def _scrub_pdf_graph(roots: Iterable[object], removed: set[str]) -> None:
    """Scrub every dictionary reachable from the pages, in place.

    Each dictionary is scrubbed before its values are followed, so the walk
    covers exactly the graph that pypdf will then clone. Iterative, so a
    deeply nested file cannot exhaust the Python stack.
    """
    seen: set[int] = set()
    alive: list[object] = []  # keep objects alive so their id() stays unique
    stack: list[object] = list(roots)
    while stack:
        obj = _resolve(stack.pop())
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        alive.append(obj)
        if isinstance(obj, DictionaryObject):
            _scrub_pdf_dict(obj, removed)
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _scrub_pdf_dict(d: DictionaryObject, removed: set[str]) -> None:
    for key, label in _PDF_DROPPED_KEYS.items():
        if key in d:
            del d[key]
            removed.add(label)

    # Additional actions run by themselves (page opened, field changed...).
    additional = _get(d, "/AA")
    if additional is not None:
        actions = dict.values(additional) if isinstance(additional, DictionaryObject) else ()
        removed.add(_action_label(actions, allow_safe=False) or "pdf_actions")
        del d["/AA"]
    for key in ("/A", "/OpenAction"):
        if key in d:
            verdict = _action_label([d.get(key)], allow_safe=True)
            if verdict:
                del d[key]
                removed.add(verdict)

    names = _get(d, "/Names")
    if isinstance(names, DictionaryObject):
        for key, tree_label in _PDF_NAME_TREES:
            if key in names:
                del names[key]
                removed.add(tree_label)

    # A file specification's embedded copy of another file: that file has
    # metadata of its own that we cannot clean.
    if "/EF" in d:
        del d["/EF"]
        removed.add("pdf_embedded_files")

    annots = _get(d, "/Annots")
    if isinstance(annots, ArrayObject):
        kept = [a for a in annots if not _is_file_attachment(a)]
        if len(kept) != len(annots):
            annots[:] = kept
            removed.add("pdf_embedded_files")

    subtype = _get(d, "/Subtype")
    if subtype == "/FileAttachment" and "/FS" in d:
        # Also cut here, in case the annotation is reachable some other way.
        del d["/FS"]
        removed.add("pdf_embedded_files")
    if subtype in _MARKUP_ANNOTATIONS:
        for key in _ANNOTATION_METADATA_KEYS:
            if key in d:
                del d[key]
                removed.add("pdf_annotation_metadata")

    # A signature value names the signer (and is void anyway once the file
    # has been rewritten).
    value = _get(d, "/V")
    if isinstance(value, DictionaryObject) and "/ByteRange" in value:
        del d["/V"]
        removed.add("pdf_signatures")

    if isinstance(d, StreamObject) and _is_plain_dct(d):
        # StreamObject's own get/set work on the raw, still JPEG-encoded bytes
        # (EncodedStreamObject.set_data refuses anything but Flate).
        scanned = _scan_jpeg(StreamObject.get_data(d))
        if scanned is not None and scanned[1]:
            StreamObject.set_data(d, scanned[0])
            if isinstance(d, EncodedStreamObject):
                d.decoded_self = None
            removed.add("pdf_image_metadata")


def _is_file_attachment(annotation: object) -> bool:
    resolved = _resolve(annotation)
    return (
        isinstance(resolved, DictionaryObject) and _get(resolved, "/Subtype") == "/FileAttachment"
    )


def _is_plain_dct(stream: StreamObject) -> bool:
    filters = _get(stream, "/Filter")
    if isinstance(filters, ArrayObject):
        return len(filters) == 1 and _resolve(filters[0]) == "/DCTDecode"
    return filters == "/DCTDecode"


def _action_label(actions: Iterable[object], *, allow_safe: bool) -> str | None:
    """None if these actions (with their /Next chains) may stay; otherwise
    the key to report, "pdf_javascript" when any part of them is script.

    A destination array (as /OpenAction may be) is a plain "go to" and safe.
    """
    unsafe = script = False
    seen: set[int] = set()
    stack: list[object] = list(actions)
    while stack:
        item = _resolve(stack.pop())
        if not isinstance(item, DictionaryObject) or id(item) in seen:
            continue
        seen.add(id(item))
        kind = _get(item, "/S")
        if kind == "/JavaScript" or "/JS" in item:
            unsafe = script = True
        elif kind == "/URI":
            uri = str(_get(item, "/URI") or "").strip().lower()
            if uri.startswith("javascript:"):
                unsafe = script = True
            elif uri.startswith("file:"):
                unsafe = True
        elif kind not in _SAFE_ACTIONS:
            unsafe = True
        following = _get(item, "/Next")
        if isinstance(following, ArrayObject):
            stack.extend(following)
        elif following is not None:
            stack.append(following)
    if script:
        return "pdf_javascript"
    if unsafe or (not allow_safe and seen):
        return "pdf_actions"
    return None
