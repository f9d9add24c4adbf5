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
* TIFF: every page re-encoded from its pixels (LZW, lossless) into a new
  file whose only tags describe the pixels; artist, software, dates,
  description, EXIF/GPS/XMP/IPTC/ICC directories are never copied.
* HEIC/HEIF (pillow-heif) and AVIF (Pillow): the primary picture decoded and
  re-encoded from its pixels as JPEG (PNG if it has transparency), which
  every officer's computer opens, and the file name's extension changed to
  match; thumbnails, depth and gain maps, burst frames and every metadata
  item stay behind.
* PDF: a new document (pikepdf) whose pages carry only their boxes, rotation,
  one content stream re-written from its parsed instructions, and the
  resources that stream names, each rebuilt from an allow-list of keys; every
  image re-encoded from its pixels; annotations flattened into the page.
  Nothing of the catalogue, trailer, names tree, form, outlines, structure
  tree, page piece info, property lists or old revisions is copied.
* Word, Excel, PowerPoint (OOXML) and OpenDocument text, spreadsheet and
  presentation files: a new package with the content parts only, pictures
  re-encoded; properties, comments, tracked changes, revision ids, custom
  XML, settings, thumbnails and embedded objects are left behind.
* Recordings (WAV, MP3, M4A, OGG, and AMR voice notes from feature phones,
  which become MP3): the first audio stream decoded to samples and encoded
  into a new file of the same kind, bit-exact, without a tag, a cover picture
  or any other stream (:mod:`.audio`).
* Everything else (encrypted OpenDocument files, other zip files, old
  binary Office files, FLAC, video, text, unknown) is returned
  unchanged with ``metadata_warning=True`` so the reporter can be told that we
  could not clean it.

Limits we know of and cannot fix here: visible content (a name in the text,
a reflection in a photo) is untouched; a camera can still be recognised from
its sensor noise (PRNU) after re-encoding; small raw images drawn inline in
a PDF content stream are copied as they are (JPEG ones are removed); fonts
embedded in a PDF are copied (their programs name the font, not the author).

This package never logs: file names and contents must not reach any log.

Where each part lives: :mod:`.sniffing` decides the type from the content,
:mod:`.names` makes the file name safe to show, :mod:`.images` re-encodes
pictures (with :mod:`.containers` reading their metadata structure),
:mod:`.pdf` rebuilds PDFs from their pages (with :mod:`.pdf_content`,
:mod:`.pdf_resources` and :mod:`.pdf_images`), :mod:`.ooxml` (with
:mod:`.ooxml_markup`) and :mod:`.odf` rebuild Office and OpenDocument files
from a package read by :mod:`.office_package`, :mod:`.pixel_meter` charges
the pictures inside a document to the report's pixel budget, and :mod:`.quiet`
keeps the libraries from logging while they read a file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hotline.intake.attachments import pixel_meter
from hotline.intake.attachments.audio import AUDIO_FORMATS, WRITTEN_AUDIO, clean_audio
from hotline.intake.attachments.errors import TooCostly, UnreadableFile
from hotline.intake.attachments.images import (
    CONVERTED_FORMATS,
    PILLOW_FORMATS,
    WRITTEN_MEDIA_TYPES,
    clean_image,
)
from hotline.intake.attachments.names import safe_name, with_extension
from hotline.intake.attachments.odf import ODF_TYPES, clean_odf
from hotline.intake.attachments.ooxml import clean_ooxml
from hotline.intake.attachments.pdf import clean_pdf
from hotline.intake.attachments.quiet import processing, quiet_library_loggers
from hotline.intake.attachments.sniffing import OOXML_TYPES, PDF, sniff

__all__ = [
    "CleanedFile",
    "TooCostly",
    "UnreadableFile",
    "clean",
]


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
    ``pdf_image_metadata``, ``pdf_annotations``, ``pdf_images_dropped``,
    ``pdf_damaged_content`` for PDFs, ``office_*`` for Office and OpenDocument
    files (hotline/intake/web/receipts.py words each). Only what was actually
    present is listed.
    """

    name: str
    media_type: str
    content: bytes
    removed: tuple[str, ...]
    metadata_warning: bool
    cleaned: bool
    #: Pixels decoded: a picture's (all its frames or pages), or those of the
    #: pictures inside a PDF, Office or OpenDocument file.
    pixels: int = 0


def clean(
    name: str, claimed_type: str | None, content: bytes, *, max_pixels: int | None = None
) -> CleanedFile:
    """Return a metadata-free copy of an uploaded file, or the file unchanged
    with ``metadata_warning=True`` when its type is one we cannot clean.

    ``claimed_type`` (the client's Content-Type) is deliberately ignored: a
    wrong or hostile claim must not let a file skip cleaning, so the type is
    always decided from the content itself.

    Raises :class:`UnreadableFile` for a JPEG/PNG/WebP/GIF/PDF that cannot
    be decoded; such a file must be refused, never stored as it is; and its
    :class:`TooCostly` for a picture over the size limits or over
    ``max_pixels`` (what the report may still decode).
    """
    content = bytes(content)
    display_name = safe_name(name)
    media_type = sniff(content)
    quiet_library_loggers()
    quiet = processing.set(True)
    try:
        with pixel_meter.metered(max_pixels) as inside:
            cleaned = _clean_as(display_name, media_type, content, max_pixels)
    finally:
        processing.reset(quiet)
    # A picture counts its own pixels; a document, those of the pictures in it.
    return cleaned if cleaned.pixels else dataclasses.replace(cleaned, pixels=inside.spent)


def _clean_as(
    display_name: str, media_type: str, content: bytes, max_pixels: int | None
) -> CleanedFile:
    if media_type in PILLOW_FORMATS:
        image = clean_image(PILLOW_FORMATS[media_type], content, max_pixels=max_pixels)
        return CleanedFile(
            display_name, media_type, image.data, image.removed, False, True, image.pixels
        )

    if media_type in CONVERTED_FORMATS:
        image = clean_image(CONVERTED_FORMATS[media_type], content, max_pixels=max_pixels)
        written = WRITTEN_MEDIA_TYPES[image.written]
        extension = "png" if image.written == "PNG" else "jpg"
        return CleanedFile(
            with_extension(display_name, extension),
            written,
            image.data,
            image.removed,
            False,
            True,
            image.pixels,
        )

    if media_type == PDF:
        result = clean_pdf(content)
        if result is not None:
            data, removed = result
            return CleanedFile(display_name, media_type, data, removed, False, True)
        # Encrypted with a real password: we cannot even read it, so it is
        # kept as the reporter sent it and the reporter is warned.

    if media_type in OOXML_TYPES:
        data, removed = clean_ooxml(content)
        return CleanedFile(display_name, media_type, data, removed, False, True)

    if media_type in AUDIO_FORMATS:
        audio, removed = clean_audio(media_type, content)
        written, extension = WRITTEN_AUDIO.get(media_type, (media_type, ""))
        name = with_extension(display_name, extension) if extension else display_name
        return CleanedFile(name, written, audio, removed, False, True)

    if media_type in ODF_TYPES:
        office = clean_odf(content)
        if office is not None:
            data, removed = office
            return CleanedFile(display_name, media_type, data, removed, False, True)
        # Encrypted: kept as it is, with the warning.

    return CleanedFile(display_name, media_type, content, (), True, False)
