"""Evidence files lose their identifying metadata before they are stored.

Every fixture is built here, in code, with a recognisable token in each
metadata field; each test first checks that the token really is in the input
(so a broken fixture cannot make a test pass) and then that it is gone.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
import zlib
from typing import Any

import av
import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageOps, PngImagePlugin
from pillow_heif import register_heif_opener
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from hotline.intake.attachments import CleanedFile, UnreadableFile, clean, images
from hotline.intake.attachments.sniffing import sniff
from tests.intake.corpus.make_corpus import recording

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)


# --------------------------------------------------------------------------
# Fixture builders


def _two_tone(size: tuple[int, int] = (40, 20), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows whether a rotation happened."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def _exif(orientation: int | None = None, *, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "ARTIST-JANE-DOE"
    exif[ExifTags.Base.Make] = "MAKE-ACME-CAMERAS"
    exif[ExifTags.Base.Model] = "MODEL-X100"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.BodySerialNumber: "SERIAL-0042-1337",
        ExifTags.Base.CameraOwnerName: "OWNER-JANE-DOE",
    }
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
            ExifTags.GPS.GPSMapDatum: "GPS-DATUM-TOKEN",
        }
    return exif


EXIF_TOKENS = (
    b"ARTIST-JANE-DOE",
    b"MAKE-ACME-CAMERAS",
    b"MODEL-X100",
    b"SERIAL-0042-1337",
    b"OWNER-JANE-DOE",
)
GPS_TOKEN = b"GPS-DATUM-TOKEN"
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator>XMP-CREATOR-TOKEN</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)
XMP_TOKEN = b"XMP-CREATOR-TOKEN"


def _srgb_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _jpeg_with_metadata(orientation: int | None = None) -> bytes:
    return _save(
        _two_tone(),
        "JPEG",
        quality=95,
        exif=_exif(orientation),
        xmp=XMP_PACKET,
        icc_profile=_srgb_icc(),
        comment=b"JPEG-COMMENT-TOKEN",
    )


def _assert_absent(data: bytes, *tokens: bytes) -> None:
    for token in tokens:
        assert token not in data, token


def _assert_present(data: bytes, *tokens: bytes) -> None:
    for token in tokens:
        assert token in data, token


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _close_to(actual: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


# --------------------------------------------------------------------------
# JPEG


def test_jpeg_loses_exif_gps_xmp_icc_and_comment() -> None:
    original = _jpeg_with_metadata()
    _assert_present(original, *EXIF_TOKENS, GPS_TOKEN, XMP_TOKEN, b"JPEG-COMMENT-TOKEN")
    assert b"ICC_PROFILE" in original

    result = clean("photo.jpg", "image/jpeg", original)

    assert result.media_type == "image/jpeg"
    assert result.cleaned is True
    assert result.metadata_warning is False
    _assert_absent(result.content, *EXIF_TOKENS, GPS_TOKEN, XMP_TOKEN, b"JPEG-COMMENT-TOKEN")
    _assert_absent(result.content, b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap")
    assert set(result.removed) == {"exif", "gps", "xmp", "icc_profile", "comment"}

    cleaned = _open(result.content)
    assert cleaned.format == "JPEG"
    assert cleaned.size == (40, 20)
    assert len(cleaned.getexif()) == 0
    assert "icc_profile" not in cleaned.info
    assert "comment" not in cleaned.info
    assert _close_to(cleaned.getpixel((5, 10)), RED)
    assert _close_to(cleaned.getpixel((35, 10)), BLUE)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_jpeg_orientation_is_applied_to_the_pixels(orientation: int) -> None:
    original = _jpeg_with_metadata(orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    assert expected.size == ((20, 40) if orientation in (6, 8) else (40, 20))

    cleaned = _open(clean("p.jpg", None, original).content)

    assert cleaned.size == expected.size
    assert ExifTags.Base.Orientation not in cleaned.getexif()
    width, height = cleaned.size
    for point in [(2, 2), (width - 3, 2), (2, height - 3), (width - 3, height - 3)]:
        want = expected.getpixel(point)
        assert isinstance(want, tuple)
        assert _close_to(cleaned.getpixel(point), want), point


def test_jpeg_without_gps_does_not_report_gps() -> None:
    original = _save(_two_tone(), "JPEG", exif=_exif(gps=False))
    assert b"ARTIST-JANE-DOE" in original

    result = clean("p.jpg", None, original)

    assert result.removed == ("exif",)
    assert b"ARTIST-JANE-DOE" not in result.content


def test_plain_jpeg_reports_nothing_removed_but_is_still_rewritten() -> None:
    original = _save(_two_tone(), "JPEG", quality=100)

    result = clean("p.jpg", None, original)

    assert result.removed == ()
    assert result.cleaned is True
    assert result.content != original  # re-encoded at quality 90


def test_jpeg_with_a_second_embedded_picture_keeps_only_the_first() -> None:
    # An MPO (as written by many phones and 3D cameras): a second full JPEG,
    # with its own EXIF, hides after the first one.
    second = Image.new("RGB", (40, 20), GREEN)
    original = _save(
        _two_tone(),
        "MPO",
        save_all=True,
        append_images=[second],
        exif=_exif(),
    )
    assert Image.open(io.BytesIO(original)).n_frames == 2  # type: ignore[attr-defined]

    result = clean("p.jpg", None, original)

    assert "embedded_images" in result.removed
    cleaned = _open(result.content)
    assert cleaned.format == "JPEG"
    assert getattr(cleaned, "n_frames", 1) == 1
    _assert_absent(result.content, *EXIF_TOKENS, b"MPF\x00")


def test_jpeg_drops_data_appended_after_the_image() -> None:
    # "Motion photos" append a video (with its own metadata) after the JPEG.
    original = _save(_two_tone(), "JPEG") + b"\x00\x00\x00\x18ftypmp42APPENDED-VIDEO-TOKEN"

    result = clean("p.jpg", None, original)

    assert result.removed == ("trailing_data",)
    assert b"APPENDED-VIDEO-TOKEN" not in result.content


def test_cmyk_jpeg_stays_cmyk_and_keeps_its_colours() -> None:
    original = _save(Image.new("CMYK", (8, 8), (10, 200, 30, 40)), "JPEG", quality=100)

    cleaned = _open(clean("p.jpg", None, original).content)

    assert cleaned.mode == "CMYK"
    assert _close_to(cleaned.getpixel((4, 4)), (10, 200, 30, 40))


# --------------------------------------------------------------------------
# PNG


def test_png_loses_text_chunks_and_keeps_exact_pixels() -> None:
    source = _two_tone((30, 16), "RGBA")
    source.putpixel((0, 0), (1, 2, 3, 0))  # a transparent pixel
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PNG-AUTHOR-TOKEN")
    info.add_text("Software", "PNG-ZTXT-TOKEN", zip=True)
    info.add_itxt("Description", "PNG-ITXT-TOKEN", lang="en", tkey="Description")
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 9, 30, 0))
    original = _save(source, "PNG", pnginfo=info, exif=_exif())
    text = Image.open(io.BytesIO(original)).text  # type: ignore[attr-defined]
    assert set(text) == {"Author", "Software", "Description"}  # fixture sanity
    _assert_present(original, b"PNG-AUTHOR-TOKEN", b"PNG-ITXT-TOKEN", b"tIME", b"eXIf")

    result = clean("shot.png", "image/png", original)

    assert result.media_type == "image/png"
    assert set(result.removed) == {"png_text", "timestamp", "exif", "gps"}
    _assert_absent(
        result.content,
        b"PNG-AUTHOR-TOKEN",
        b"PNG-ITXT-TOKEN",
        b"tEXt",
        b"zTXt",
        b"iTXt",
        b"tIME",
        b"eXIf",
        *EXIF_TOKENS,
    )
    cleaned = _open(result.content)
    assert isinstance(cleaned, PngImagePlugin.PngImageFile)
    assert cleaned.text == {}
    assert cleaned.mode == "RGBA"
    assert cleaned.tobytes() == source.tobytes()


def test_png_xmp_and_icc_profile_are_reported_and_removed() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    original = _save(_two_tone(), "PNG", pnginfo=info, icc_profile=_srgb_icc())
    _assert_present(original, XMP_TOKEN, b"iCCP")

    result = clean("x.png", None, original)

    assert set(result.removed) == {"xmp", "icc_profile"}
    _assert_absent(result.content, XMP_TOKEN, b"iCCP")


def test_palette_png_keeps_palette_and_transparency() -> None:
    source = Image.new("P", (4, 4), 1)
    source.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0])
    source.putpixel((0, 0), 2)
    original = _save(source, "PNG", transparency=2)

    cleaned = _open(clean("x.png", None, original).content)

    assert cleaned.mode == "P"
    rgba = cleaned.convert("RGBA")
    assert rgba.getpixel((0, 0)) == (0, 255, 0, 0)
    assert rgba.getpixel((1, 1)) == (255, 0, 0, 255)


# --------------------------------------------------------------------------
# WebP


def test_lossless_webp_loses_exif_and_xmp_and_stays_lossless() -> None:
    source = _two_tone((32, 16), "RGBA")
    original = _save(
        source,
        "WEBP",
        lossless=True,
        exif=_exif(),
        xmp=XMP_PACKET,
        icc_profile=_srgb_icc(),
    )
    _assert_present(original, *EXIF_TOKENS, GPS_TOKEN, XMP_TOKEN, b"ICCP")

    result = clean("x.webp", None, original)

    assert result.media_type == "image/webp"
    assert set(result.removed) == {"exif", "gps", "xmp", "icc_profile"}
    _assert_absent(result.content, *EXIF_TOKENS, GPS_TOKEN, XMP_TOKEN, b"EXIF", b"XMP ", b"ICCP")
    cleaned = _open(result.content)
    assert cleaned.format == "WEBP"
    assert cleaned.convert("RGBA").tobytes() == source.tobytes()


def test_lossy_webp_is_re_encoded_lossy() -> None:
    original = _save(_two_tone((32, 16)), "WEBP", quality=80, exif=_exif(orientation=6))

    result = clean("x.webp", None, original)

    assert b"VP8 " in result.content
    assert b"VP8L" not in result.content
    cleaned = _open(result.content)
    assert cleaned.size == (16, 32)  # orientation 6 applied
    _assert_absent(result.content, *EXIF_TOKENS)


def test_animated_webp_keeps_frames_and_durations() -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in (RED, GREEN, BLUE)]
    original = _save(
        frames[0],
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        lossless=True,
        xmp=XMP_PACKET,
    )
    assert XMP_TOKEN in original

    result = clean("a.webp", None, original)

    assert XMP_TOKEN not in result.content
    cleaned = Image.open(io.BytesIO(result.content))
    assert cleaned.n_frames == 3  # type: ignore[attr-defined]
    for index, colour in enumerate((RED, GREEN, BLUE)):
        cleaned.seek(index)
        cleaned.load()
        assert cleaned.info["duration"] == [100, 200, 300][index]
        assert cleaned.convert("RGB").getpixel((8, 8)) == colour


def test_animated_png_keeps_frames_durations_and_loop() -> None:
    frames = [Image.new("RGBA", (8, 8), (*colour, 255)) for colour in (RED, GREEN, BLUE)]
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PNG-AUTHOR-TOKEN")
    original = _save(
        frames[0],
        "PNG",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=2,
        pnginfo=info,
    )
    assert b"PNG-AUTHOR-TOKEN" in original

    result = clean("a.png", None, original)

    assert result.removed == ("png_text",)
    assert b"PNG-AUTHOR-TOKEN" not in result.content
    cleaned = Image.open(io.BytesIO(result.content))
    assert cleaned.n_frames == 3  # type: ignore[attr-defined]
    assert cleaned.info["loop"] == 2
    for index, colour in enumerate((RED, GREEN, BLUE)):
        cleaned.seek(index)
        cleaned.load()
        assert cleaned.info["duration"] == [100, 200, 300][index]
        assert cleaned.convert("RGB").getpixel((4, 4)) == colour


# --------------------------------------------------------------------------
# GIF


def test_gif_loses_its_comment() -> None:
    original = _save(_two_tone().convert("P"), "GIF", comment=b"GIF-COMMENT-TOKEN")
    assert b"GIF-COMMENT-TOKEN" in original

    result = clean("x.gif", None, original)

    assert result.media_type == "image/gif"
    assert result.removed == ("comment",)
    assert b"GIF-COMMENT-TOKEN" not in result.content
    cleaned = _open(result.content)
    assert cleaned.size == (40, 20)
    assert "comment" not in cleaned.info
    assert cleaned.convert("RGB").getpixel((5, 5)) == RED


def test_animated_gif_keeps_all_frames_durations_and_loop() -> None:
    frames = [Image.new("RGB", (10, 10), colour).convert("P") for colour in (RED, GREEN, BLUE)]
    original = _save(
        frames[0],
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=b"GIF-COMMENT-TOKEN",
    )

    result = clean("a.gif", None, original)

    assert b"GIF-COMMENT-TOKEN" not in result.content
    cleaned = Image.open(io.BytesIO(result.content))
    assert cleaned.n_frames == 3  # type: ignore[attr-defined]
    assert cleaned.info["loop"] == 0
    for index, colour in enumerate((RED, GREEN, BLUE)):
        cleaned.seek(index)
        cleaned.load()
        assert cleaned.info["duration"] == [100, 200, 300][index]
        assert cleaned.convert("RGB").getpixel((5, 5)) == colour


def test_transparent_gif_keeps_transparency() -> None:
    source = Image.new("P", (6, 6), 0)
    source.putpalette([255, 0, 0, 0, 0, 255])
    source.putpixel((0, 0), 1)
    original = _save(source, "GIF", transparency=1)

    cleaned = _open(clean("x.gif", None, original).content)

    rgba = cleaned.convert("RGBA")
    assert rgba.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert rgba.getpixel((3, 3)) == (255, 0, 0, 255)


def test_animated_gif_with_transparency_does_not_leave_old_pixels_behind() -> None:
    first = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    first.putpixel((0, 0), (*RED, 255))
    second = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    second.putpixel((1, 1), (*BLUE, 255))
    original = _save(first, "GIF", save_all=True, append_images=[second], duration=100, disposal=2)

    cleaned = Image.open(io.BytesIO(clean("a.gif", None, original).content))

    cleaned.seek(1)
    frame = cleaned.convert("RGBA")
    assert frame.getpixel((0, 0))[3] == 0  # type: ignore[index]  # frame 0's red pixel is gone
    assert frame.getpixel((1, 1)) == (*BLUE, 255)


def test_too_large_animation_keeps_only_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_TOTAL_PIXELS", 250)
    frames = [Image.new("RGB", (10, 10), colour).convert("P") for colour in (RED, GREEN, BLUE)]
    original = _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    result = clean("a.gif", None, original)

    assert result.removed == ("animation_frames",)
    cleaned = Image.open(io.BytesIO(result.content))
    assert getattr(cleaned, "n_frames", 1) == 1
    assert cleaned.convert("RGB").getpixel((5, 5)) == RED


# --------------------------------------------------------------------------
# Broken and oversized images


def _noisy_jpeg() -> bytes:
    return _save(Image.effect_noise((128, 128), 80).convert("RGB"), "JPEG", quality=95)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_noisy_jpeg()[:1500], id="truncated-jpeg"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"not a jpeg at all " * 50, id="garbage-jpeg"),
        pytest.param(_save(_two_tone(), "PNG")[:60], id="truncated-png"),
        pytest.param(b"GIF89a" + b"\x00junk" * 20, id="garbage-gif"),
        pytest.param(b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 30, id="garbage-webp"),
    ],
)
def test_undecodable_images_are_refused(content: bytes) -> None:
    with pytest.raises(UnreadableFile) as caught:
        clean("x", None, content)
    assert "could not be read" in str(caught.value)


def _png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb)."""
    data = bytearray(_save(Image.new("L", (1, 1)), "PNG"))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (9_000, 9_000),  # 81 Mpx: above our 80 Mpx, below anything Pillow objects to
        (20_000, 20_000),  # 400 Mpx: Pillow refuses it itself
    ],
)
def test_decompression_bombs_are_refused(width: int, height: int) -> None:
    before = Image.MAX_IMAGE_PIXELS
    bomb = _png_claiming_size(width, height)
    assert Image.open(io.BytesIO(_png_claiming_size(100, 100))).size == (100, 100)

    with pytest.raises(UnreadableFile, match="too large"):
        clean("bomb.png", None, bomb)

    assert before == Image.MAX_IMAGE_PIXELS


def test_webp_bomb_is_refused_before_pillow_allocates_the_canvas() -> None:
    # 100 Mpx: more than our limit, less than Pillow's own hard limit, which
    # it would apply in Image.open only after creating the decoder.
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (9_999).to_bytes(3, "little") * 2
    bomb = b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x

    with pytest.raises(UnreadableFile, match="too large"):
        clean("bomb.webp", None, bomb)


def test_pixel_limit_is_ours_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    pillow_limit = Image.MAX_IMAGE_PIXELS
    monkeypatch.setattr(images, "MAX_PIXELS", 100)

    with pytest.raises(UnreadableFile, match="too large"):
        clean("x.jpg", None, _save(_two_tone(), "JPEG"))  # 800 px
    assert clean("x.jpg", None, _save(_two_tone((10, 10)), "JPEG")).cleaned is True

    assert pillow_limit == Image.MAX_IMAGE_PIXELS  # Pillow's global is untouched


def test_pillow_bomb_warning_becomes_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone lowered Pillow's global limit: a 144 px image now triggers its
    # DecompressionBombWarning (raised, since warnings are errors here).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(UnreadableFile, match="too large"):
        clean("x.png", None, _save(Image.new("RGB", (12, 12)), "PNG"))


# --------------------------------------------------------------------------
# PDF


def _pdf_page(writer: PdfWriter, text: str) -> DictionaryObject:
    page = writer.add_blank_page(300, 300)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    _set_contents(writer, page, text)
    return page


def _set_contents(writer: PdfWriter, page: DictionaryObject, text: str) -> None:
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)


def _draw(writer: PdfWriter, page: DictionaryObject, drawing: bytes) -> None:
    """Replace the page's drawing: the visible text, then ``drawing``."""
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 150 Td (visible text) Tj ET " + drawing)
    page[NameObject("/Contents")] = writer._add_object(stream)


def _pdf_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# pypdf writes every character of a string that is not a letter, digit or
# space as an octal escape, so tokens inside PDF strings are plain words.
PDF_INFO_TOKENS = (b"PdfAuthorToken", b"PdfCreatorToken", b"PdfProducerToken", b"PdfTitleToken")


def _pdf_with_history() -> bytes:
    """Author/Creator/Producer, XMP, and an incremental update that replaced
    the page text: the old text is still in the file's first revision."""
    writer = PdfWriter()
    _pdf_page(writer, "OLD-REVISION-SECRET")
    writer.add_metadata(
        {
            "/Author": "PdfAuthorToken",
            "/Creator": "PdfCreatorToken",
            "/Producer": "PdfProducerToken",
            "/Title": "PdfTitleToken",
        }
    )
    writer.xmp_metadata = XMP_PACKET
    first = _pdf_bytes(writer)

    update = PdfWriter(io.BytesIO(first), incremental=True)
    page = update.pages[0]
    _set_contents(update, page, "NEW-REVISION-TEXT")
    return _pdf_bytes(update)


def test_pdf_loses_info_xmp_and_old_revisions() -> None:
    original = _pdf_with_history()
    _assert_present(original, *PDF_INFO_TOKENS, XMP_TOKEN, b"OLD-REVISION-SECRET")
    assert original.count(b"startxref") == 2  # really an incremental update
    assert "NEW-REVISION-TEXT" in PdfReader(io.BytesIO(original)).pages[0].extract_text()

    result = clean("report.pdf", "application/pdf", original)

    assert result.media_type == "application/pdf"
    assert result.cleaned is True
    assert result.metadata_warning is False
    assert {"pdf_document_info", "pdf_xmp", "pdf_incremental_updates"} <= set(result.removed)
    _assert_absent(result.content, *PDF_INFO_TOKENS, XMP_TOKEN, b"OLD-REVISION-SECRET")
    # pypdf must not have signed its own name in our place either.
    _assert_absent(result.content, b"pypdf", b"/Producer", b"/Info", b"/Metadata")
    assert result.content.count(b"startxref") == 1

    reader = PdfReader(io.BytesIO(result.content))
    assert reader.metadata is None
    assert "/Info" not in reader.trailer
    assert "/Metadata" not in reader.trailer["/Root"]  # type: ignore[operator]
    assert len(reader.pages) == 1
    assert "NEW-REVISION-TEXT" in reader.pages[0].extract_text()


def test_pdf_file_identifier_is_not_copied() -> None:
    writer = PdfWriter()
    _pdf_page(writer, "hello")
    writer._ID = ArrayObject(
        [TextStringObject("FileIdTokenAAAA"), TextStringObject("FileIdTokenBBBB")]
    )
    original = _pdf_bytes(writer)
    assert b"FileIdTokenAAAA" in original

    result = clean("x.pdf", None, original)

    assert "pdf_file_id" in result.removed
    _assert_absent(result.content, b"FileIdToken")
    # qpdf always writes an /ID: it is a hash of the new content, so the same
    # pages under another identifier come out byte for byte the same.
    writer._ID = ArrayObject([TextStringObject("OtherIdAAAA"), TextStringObject("OtherIdBBBB")])
    assert clean("y.pdf", None, _pdf_bytes(writer)).content == result.content


def _action(script: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(script),
        }
    )


def _annotation(subtype: str, **entries: object) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10)] * 2),
        }
    )
    for key, value in entries.items():
        assert isinstance(value, (DictionaryObject, TextStringObject, NameObject))
        annotation[NameObject("/" + key)] = value
    return annotation


def test_pdf_loses_scripts_actions_and_annotation_authors() -> None:
    writer = PdfWriter()
    page = _pdf_page(writer, "visible text")
    root = writer.root_object
    root[NameObject("/OpenAction")] = _action("app.alert('OpenActionJsToken')")
    root[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [
                            TextStringObject("startup"),
                            writer._add_object(_action("NameTreeJsToken()")),
                        ]
                    )
                }
            )
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("PageOpenJsToken()")})
    uri = DictionaryObject(
        {
            NameObject("/S"): NameObject("/URI"),
            NameObject("/URI"): TextStringObject("https://example.org/kept"),
        }
    )
    launch = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("LaunchToken")}
    )
    annotations = [
        _annotation("/Link", A=_action("LinkJsToken()")),
        _annotation("/Link", A=launch),
        _annotation("/Link", A=uri),
        _annotation(
            "/Text",
            T=TextStringObject("AnnotAuthorToken"),
            M=TextStringObject("D:20240517093000+02'00'"),
            Contents=TextStringObject("reviewer note kept"),
        ),
    ]
    page[NameObject("/Annots")] = ArrayObject(writer._add_object(a) for a in annotations)
    original = _pdf_bytes(writer)
    _assert_present(
        original,
        b"OpenActionJsToken",
        b"NameTreeJsToken",
        b"PageOpenJsToken",
        b"LinkJsToken",
        b"LaunchToken",
        b"AnnotAuthorToken",
    )

    result = clean("x.pdf", None, original)

    assert {"pdf_javascript", "pdf_actions", "pdf_annotations"} <= set(result.removed)
    _assert_absent(
        result.content,
        b"OpenActionJsToken",
        b"NameTreeJsToken",
        b"PageOpenJsToken",
        b"LinkJsToken",
        b"LaunchToken",
        b"AnnotAuthorToken",
        b"20240517093000",
        b"/JavaScript",
        b"/JS",
        b"/OpenAction",
        b"/AA",
        b"/Launch",
    )
    # Annotations are not carried over (those without an appearance show
    # nothing, so nothing of them is flattened into the page either).
    assert "/Annots" not in PdfReader(io.BytesIO(result.content)).pages[0]
    assert b"reviewer note kept" not in result.content


def test_pdf_page_level_private_data_is_removed() -> None:
    writer = PdfWriter()
    page = _pdf_page(writer, "visible text")
    page_xmp = DecodedStreamObject()
    page_xmp.set_data(b"<x:xmpmeta>PAGE-XMP-TOKEN</x:xmpmeta>")
    thumb = DecodedStreamObject()
    thumb.set_data(b"THUMBNAIL-OF-OLD-PAGE-TOKEN")
    page[NameObject("/Metadata")] = writer._add_object(page_xmp)
    page[NameObject("/Thumb")] = writer._add_object(thumb)
    form = DecodedStreamObject()
    form.set_data(b"0 0 m 10 10 l S")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(0), NumberObject(0)] * 2),
            NameObject("/OPI"): DictionaryObject(
                {NameObject("/F"): TextStringObject("OpiPathToken")}
            ),
            NameObject("/Metadata"): writer._add_object(page_xmp),
        }
    )
    resources = page["/Resources"]
    assert isinstance(resources, DictionaryObject)
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Fm0"): writer._add_object(form)}
    )
    _draw(writer, page, b"/Fm0 Do")
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {
            NameObject("/Illustrator"): DictionaryObject(
                {NameObject("/Private"): TextStringObject("PieceInfoToken")}
            )
        }
    )
    signature = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Name"): TextStringObject("SignerNameToken"),
            NameObject("/ByteRange"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    widget = _annotation("/Widget", T=TextStringObject("Signature1"), FT=NameObject("/Sig"))
    widget[NameObject("/V")] = writer._add_object(signature)
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(widget)])
    original = _pdf_bytes(writer)
    tokens = (
        b"PAGE-XMP-TOKEN",
        b"THUMBNAIL-OF-OLD-PAGE-TOKEN",
        b"PieceInfoToken",
        b"SignerNameToken",
        b"OpiPathToken",
    )
    _assert_present(original, *tokens)

    result = clean("x.pdf", None, original)

    assert {
        "pdf_xmp",
        "pdf_thumbnails",
        "pdf_piece_info",
        "pdf_signatures",
        "pdf_file_paths",
    } <= set(result.removed)
    _assert_absent(result.content, *tokens)
    # Form fields are not carried over, only what they show.
    _assert_absent(result.content, b"Signature1", b"/Annots")


def test_pdf_embedded_jpeg_loses_its_exif() -> None:
    photo = _save(_two_tone((16, 8)), "JPEG", exif=_exif(), comment=b"JPEG-COMMENT-TOKEN")
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    image = DecodedStreamObject()
    image.set_data(photo)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(16),
            NameObject("/Height"): NumberObject(8),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    draw = DecodedStreamObject()
    draw.set_data(b"q 80 0 0 40 10 10 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(draw)
    original = _pdf_bytes(writer)
    _assert_present(original, *EXIF_TOKENS, GPS_TOKEN, b"JPEG-COMMENT-TOKEN")

    result = clean("scan.pdf", None, original)

    assert "pdf_image_metadata" in result.removed
    _assert_absent(result.content, *EXIF_TOKENS, GPS_TOKEN, b"JPEG-COMMENT-TOKEN")
    xobject: Any = PdfReader(io.BytesIO(result.content)).pages[0]["/Resources"]
    xobject = xobject["/XObject"]["/Im0"]
    embedded = _open(xobject.get_object().get_data())
    assert embedded.size == (16, 8)
    assert len(embedded.getexif()) == 0
    assert _close_to(embedded.getpixel((2, 4)), RED)


def test_pdf_embedded_files_are_dropped() -> None:
    writer = PdfWriter()
    _pdf_page(writer, "visible text")
    writer.add_attachment("minutes.txt", b"ATTACHED-FILE-TOKEN")
    original = _pdf_bytes(writer)
    assert "minutes.txt" in PdfReader(io.BytesIO(original)).attachments

    result = clean("x.pdf", None, original)

    assert "pdf_embedded_files" in result.removed
    assert PdfReader(io.BytesIO(result.content)).attachments == {}
    _assert_absent(result.content, b"minutes", b"/EmbeddedFile", b"/Filespec")


def test_pdf_file_attachment_annotations_are_dropped() -> None:
    writer = PdfWriter()
    page = _pdf_page(writer, "visible text")
    embedded = DecodedStreamObject()
    embedded.set_data(b"ATTACHED-FILE-TOKEN")
    embedded[NameObject("/Type")] = NameObject("/EmbeddedFile")
    filespec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("AttachedNameToken"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(embedded)}),
        }
    )
    attachment = _annotation("/FileAttachment", FS=filespec)
    note = _annotation("/Text", Contents=TextStringObject("reviewer note kept"))
    page[NameObject("/Annots")] = ArrayObject(
        [writer._add_object(attachment), writer._add_object(note)]
    )
    original = _pdf_bytes(writer)
    _assert_present(original, b"ATTACHED-FILE-TOKEN", b"AttachedNameToken")

    result = clean("x.pdf", None, original)

    assert "pdf_embedded_files" in result.removed
    _assert_absent(result.content, b"ATTACHED-FILE-TOKEN", b"AttachedNameToken", b"/FileAttachment")
    assert "/Annots" not in PdfReader(io.BytesIO(result.content)).pages[0]


def test_pdf_encrypted_with_empty_user_password_is_cleaned() -> None:
    writer = PdfWriter()
    _pdf_page(writer, "visible text")
    writer.add_metadata({"/Author": "PdfAuthorToken"})
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    original = _pdf_bytes(writer)
    assert PdfReader(io.BytesIO(original)).is_encrypted

    result = clean("x.pdf", None, original)

    assert result.cleaned is True
    assert "pdf_document_info" in result.removed
    reader = PdfReader(io.BytesIO(result.content))
    assert not reader.is_encrypted
    assert reader.metadata is None
    assert "visible text" in reader.pages[0].extract_text()
    assert b"PdfAuthorToken" not in result.content


def test_pdf_with_a_real_password_is_kept_with_a_warning() -> None:
    writer = PdfWriter()
    _pdf_page(writer, "visible text")
    writer.encrypt(user_password="user-secret", algorithm="AES-256")
    original = _pdf_bytes(writer)

    result = clean("locked.pdf", None, original)

    assert result == CleanedFile("locked.pdf", "application/pdf", original, (), True, False)


def test_pdf_without_history_reports_no_incremental_updates() -> None:
    writer = PdfWriter()
    _pdf_page(writer, "plain")
    writer.metadata = None
    original = _pdf_bytes(writer)

    result = clean("x.pdf", None, original)

    assert result.removed == ()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.7\n" + b"\x8f\x13 this is not a pdf " * 40, id="garbage"),
        pytest.param(b"%PDF-1.4\n%%EOF\n", id="empty"),
    ],
)
def test_unreadable_pdf_is_refused(content: bytes) -> None:
    with pytest.raises(UnreadableFile, match="PDF"):
        clean("x.pdf", None, content)


# --------------------------------------------------------------------------
# Types we cannot clean


def _zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, members.pop(stored_first), zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


CORE_XML = b"<cp:coreProperties><dc:creator>DOCX-AUTHOR-TOKEN</dc:creator></cp:coreProperties>"
# Headers alone: the type is recognised, the picture cannot be decoded.
DAMAGED_PHOTOS = [
    pytest.param(
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"Exif\x00\x00ARTIST-JANE-DOE",
        "image/heic",
        id="heic",
    ),
    pytest.param(
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 16,
        "image/avif",
        id="avif",
    ),
]
UNCLEANABLE = [
    pytest.param(_zip({"notes.txt": b"hello"}), "application/zip", id="zip"),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "application/x-ole-storage", id="doc"
    ),
    pytest.param(
        b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 32,
        "video/mp4",
        id="mp4",
    ),
    pytest.param(
        b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32,
        "video/quicktime",
        id="mov",
    ),
    pytest.param("Grüße from the warehouse\r\n\tline two\n".encode(), "text/plain", id="text"),
    pytest.param(b"<html><body>hi</body></html>", "text/plain", id="html-is-just-text"),
    pytest.param(bytes(range(256)), "application/octet-stream", id="binary"),
    pytest.param(b"", "application/octet-stream", id="empty"),
]


# Office and OpenDocument files are rebuilt (tests/intake/test_office.py); these
# have the members that tell their type but not the structure to rebuild from.
DAMAGED_OFFICE = [
    pytest.param(
        _zip(
            {
                "[Content_Types].xml": b"<Types/>",
                "word/document.xml": b"<w:document/>",
                "docProps/core.xml": CORE_XML,
            }
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        id="docx",
    ),
    pytest.param(
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        id="xlsx",
    ),
    pytest.param(
        _zip(
            {"mimetype": b"application/vnd.oasis.opendocument.text", "meta.xml": CORE_XML},
            stored_first="mimetype",
        ),
        "application/vnd.oasis.opendocument.text",
        id="odt",
    ),
]


@pytest.mark.parametrize(("content", "media_type"), DAMAGED_OFFICE)
def test_office_files_without_their_structure_are_refused(content: bytes, media_type: str) -> None:
    with pytest.raises(UnreadableFile, match="document"):
        clean("upload", None, content)


@pytest.mark.parametrize(("content", "media_type"), DAMAGED_PHOTOS)
def test_a_damaged_heic_or_avif_is_refused_never_kept_as_sent(
    content: bytes, media_type: str
) -> None:
    assert sniff(content) == media_type
    with pytest.raises(UnreadableFile):
        clean("IMG_0001.HEIC", None, content)


@pytest.mark.parametrize(
    ("save_format", "suffix"), [pytest.param("HEIF", "HEIC", id="heic"), ("AVIF", "avif")]
)
def test_a_phone_photo_in_heic_or_avif_becomes_a_clean_jpeg(save_format: str, suffix: str) -> None:
    register_heif_opener()
    picture = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x013B] = "ARTIST-JANE-DOE"
    exif.get_ifd(0x8825)[2] = (1.0, 56.0, 0.0)
    exif[0x0112] = 6  # taken with the phone on its side
    out = io.BytesIO()
    picture.save(out, save_format, exif=exif.tobytes())

    result = clean(f"IMG_0001.{suffix}", None, out.getvalue())

    assert (result.name, result.media_type) == ("IMG_0001.jpg", "image/jpeg")
    assert result.cleaned
    assert not result.metadata_warning
    assert {"exif", "gps"} <= set(result.removed)
    assert b"ARTIST-JANE-DOE" not in result.content
    cleaned = Image.open(io.BytesIO(result.content))
    assert cleaned.format == "JPEG"
    assert not cleaned.getexif()
    assert cleaned.size == (48, 64)  # upright, as the phone showed it
    assert result.pixels == 48 * 64


@pytest.mark.parametrize(("content", "media_type"), UNCLEANABLE)
def test_uncleanable_types_are_returned_unchanged_with_a_warning(
    content: bytes, media_type: str
) -> None:
    result = clean("upload", "image/jpeg", content)

    assert result.media_type == media_type
    assert result.content == content
    assert result.metadata_warning is True
    assert result.cleaned is False
    assert result.removed == ()


def test_type_comes_from_content_not_from_the_claim_or_name() -> None:
    jpeg = _jpeg_with_metadata()

    as_pdf = clean("report.pdf", "application/pdf", jpeg)
    as_text = clean("photo.jpg", "image/jpeg", b"just some words\n")

    assert as_pdf.media_type == "image/jpeg"
    assert as_pdf.cleaned is True
    assert b"ARTIST-JANE-DOE" not in as_pdf.content
    assert as_text.media_type == "text/plain"
    assert as_text.metadata_warning is True


# --------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd\x00.jpg", "passwd.jpg"),
        ("C:\\Users\\jdoe\\Desktop\\evidence.pdf", "evidence.pdf"),
        ("/home/jdoe/evidence.png", "evidence.png"),
        ("report\r\nX-Injected: 1.txt", "reportX-Injected: 1.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # right-to-left override
        ("  spaced.txt  ", "spaced.txt"),
        ("", "attachment"),
        ("..", "attachment"),
        ("dir/", "attachment"),
        ("\x00\x01", "attachment"),
        ("Überweisung März.pdf", "Überweisung März.pdf"),
    ],
)
def test_names_are_safe_basenames(given: str, expected: str) -> None:
    assert clean(given, None, b"text\n").name == expected


def test_long_names_are_cut_to_120_characters_keeping_the_extension() -> None:
    name = clean("a" * 300 + ".pdf", None, b"text\n").name
    assert len(name) == 120
    assert name.endswith("aaa.pdf")

    no_extension = clean("b" * 300, None, b"text\n").name
    assert no_extension == "b" * 120


def _library_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.split(".")[0] in ("PIL", "pypdf")]


def test_pillow_debug_logging_of_exif_values_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    original = _jpeg_with_metadata()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="PIL")  # as if someone turned Pillow's logs on
    Image.open(io.BytesIO(original)).getexif()
    assert "ARTIST-JANE-DOE" in caplog.text  # Pillow really does log it
    caplog.clear()

    clean("p.jpg", None, original)

    assert "ARTIST-JANE-DOE" not in caplog.text
    assert _library_records(caplog) == []


def test_pypdf_warnings_about_the_file_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    writer = PdfWriter()
    _pdf_page(writer, "visible text")
    # A wrong startxref offset: pypdf recovers, and logs a warning about it.
    original = re.sub(rb"startxref\n\d+", b"startxref\n3", _pdf_bytes(writer))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pypdf")  # as if someone turned pypdf's logs on
    assert len(PdfReader(io.BytesIO(original)).pages) == 1
    assert _library_records(caplog) != []
    caplog.clear()

    result = clean("x.pdf", None, original)

    assert result.cleaned is True
    assert _library_records(caplog) == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.7\n1 0 obj << /Author (SECRET-CONTENT) " * 5, id="pdf"),
        pytest.param(b"\xff\xd8\xff\xe0SECRET-CONTENT" * 10, id="jpeg"),
    ],
)
def test_unreadable_errors_carry_no_library_message(content: bytes) -> None:
    # Library exceptions may quote the file's bytes; a logged traceback of
    # UnreadableFile must not show them as its cause.
    with pytest.raises(UnreadableFile) as caught:
        clean("x", None, content)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
    assert "SECRET" not in str(caught.value)


def test_unreadable_message_does_not_echo_the_file() -> None:
    with pytest.raises(UnreadableFile) as caught:
        clean("SECRET-NAME.jpg", None, b"\xff\xd8\xff\xe0SECRET-CONTENT" * 10)
    assert "SECRET" not in str(caught.value)


def test_tiff_is_rebuilt_from_its_pixels_keeping_every_page() -> None:
    """Issue 15, item 2: a scanned TIFF carried its artist, software, date and
    GPS through unchanged; now every page is re-encoded from its pixels."""
    from PIL import TiffImagePlugin

    pages = [Image.new("RGB", (40, 30), (60 * i, 10, 10)) for i in range(3)]
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[315] = "Jane Whistler"  # Artist
    tags[270] = "Payroll office scanner"  # ImageDescription
    tags[305] = "ScanSoft 9.1"  # Software
    tags[306] = "2026:01:02 03:04:05"  # DateTime
    tags[33432] = "Serial 4417-XK"  # Copyright
    original = io.BytesIO()
    pages[0].save(original, format="TIFF", save_all=True, append_images=pages[1:], tiffinfo=tags)

    result = clean("scan.tif", None, original.getvalue())

    assert (result.media_type, result.cleaned, result.metadata_warning) == (
        "image/tiff",
        True,
        False,
    )
    assert {"timestamp", "other_metadata"} <= set(result.removed)
    for needle in (b"Jane", b"Payroll", b"ScanSoft", b"2026", b"4417"):
        assert needle not in result.content
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert isinstance(cleaned, TiffImagePlugin.TiffImageFile)
        assert cleaned.n_frames == 3
        for index, page in enumerate(pages):
            cleaned.seek(index)
            assert set(cleaned.tag_v2) <= {256, 257, 258, 259, 262, 273, 277, 278, 279, 284}
            assert cleaned.convert("RGB").tobytes() == page.tobytes()


def test_pdf_loses_ptex_records_property_lists_and_link_authors() -> None:
    writer = PdfWriter()
    page = _pdf_page(writer, "visible text")
    form = DecodedStreamObject()
    form.set_data(b"/OC /MC0 BDC 0 0 m 10 10 l S EMC")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(0), NumberObject(0)] * 2),
            NameObject("/PTEX.FileName"): TextStringObject("PtexFileNameToken"),
            NameObject("/PTEX.InfoDict"): DictionaryObject(
                {NameObject("/Author"): TextStringObject("PtexAuthorToken")}
            ),
            NameObject("/PTEX.PageNumber"): NumberObject(1),
        }
    )
    resources = page["/Resources"]
    assert isinstance(resources, DictionaryObject)
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Fm0"): writer._add_object(form)}
    )
    _draw(writer, page, b"/Fm0 Do /OC /MC0 BDC EMC")
    resources[NameObject("/Properties")] = DictionaryObject(
        {
            NameObject("/MC0"): DictionaryObject(
                {
                    NameObject("/Author"): TextStringObject("PropertiesAuthorToken"),
                    NameObject("/Title"): TextStringObject("PropertiesTitleToken"),
                }
            )
        }
    )
    link = _annotation("/Link", T=TextStringObject("LinkAuthorToken"))
    # A damaged annotation whose /Subtype is an array: pypdf reads it, and
    # the file must be cleaned rather than refused.
    odd = _annotation("/Square", T=TextStringObject("OddAuthorToken"))
    odd[NameObject("/Subtype")] = ArrayObject([NameObject("/Square")])
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link), writer._add_object(odd)])
    original = _pdf_bytes(writer)
    tokens = (
        b"PtexFileNameToken",
        b"PtexAuthorToken",
        b"PropertiesAuthorToken",
        b"PropertiesTitleToken",
        b"LinkAuthorToken",
    )
    _assert_present(original, *tokens)

    result = clean("x.pdf", None, original)

    assert {"pdf_file_paths", "pdf_piece_info", "pdf_annotations"} <= set(result.removed)
    _assert_absent(result.content, *tokens, b"/PTEX.")
    cleaned: Any = PdfReader(io.BytesIO(result.content)).pages[0]
    # The marked content still names its property list, which stays, empty.
    assert cleaned["/Resources"]["/Properties"] == {"/MC0": {}}
    assert "visible text" in cleaned.extract_text()


def test_pdf_page_keeps_only_what_shows_the_page() -> None:
    writer = PdfWriter()
    page = _pdf_page(writer, "visible text")
    page[NameObject("/VendorPageInfo")] = DictionaryObject(
        {NameObject("/CreationDate"): TextStringObject("VendorDateToken")}
    )
    page[NameObject("/Rotate")] = NumberObject(90)
    original = _pdf_bytes(writer)
    _assert_present(original, b"VendorDateToken")

    result = clean("x.pdf", None, original)

    assert "pdf_piece_info" in result.removed
    _assert_absent(result.content, b"VendorDateToken", b"/VendorPageInfo")
    cleaned: Any = PdfReader(io.BytesIO(result.content)).pages[0]
    assert cleaned["/Rotate"] == 90
    assert "visible text" in cleaned.extract_text()


# --------------------------------------------------------------------------
# Recordings


def test_a_feature_phone_voice_note_in_amr_becomes_an_untagged_mp3() -> None:
    voice_note = recording("amr", "libopencore_amrnb", 8_000)
    assert sniff(voice_note) == "audio/amr"

    result = clean("note.amr", None, voice_note)

    assert (result.name, result.media_type) == ("note.mp3", "audio/mpeg")
    assert result.cleaned
    assert sniff(result.content) == "audio/mpeg"  # a bare MPEG frame: no ID3 tag
    with av.open(io.BytesIO(result.content), mode="r") as played:
        assert dict(played.metadata) == {}
        assert played.duration is not None
        assert played.duration / av.time_base == pytest.approx(1.0, abs=0.1)


def test_a_recording_keeps_its_sound_and_loses_its_tags_and_cover() -> None:
    tagged = recording("mp3", "libmp3lame", 44_100, cover=True)

    result = clean("meeting.mp3", None, tagged)

    assert {"comment", "gps", "timestamp", "other_metadata"} <= set(result.removed)
    assert b"LeakOfficer" not in result.content
    with av.open(io.BytesIO(result.content), mode="r") as played:
        assert [s.type for s in played.streams] == ["audio"]
        frames = [f.to_ndarray() for f in played.decode(audio=0)]
    sound = np.concatenate(frames, axis=1)
    assert np.abs(sound).max() > 0.2  # the tone is still there


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 + b"garbage", id="mp3"),
        pytest.param(b"OggS" + bytes(60), id="ogg"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(20), id="wav"),
    ],
)
def test_a_damaged_recording_is_refused_never_kept_as_sent(content: bytes) -> None:
    with pytest.raises(UnreadableFile, match="recording"):
        clean("memo", None, content)
