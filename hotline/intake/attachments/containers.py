"""Walk the structure of JPEG, PNG, WebP and GIF files.

Used to report what metadata a picture carried (the ``removed`` keys), to
check a WebP canvas size before Pillow allocates it, and to strip metadata
segments from JPEG images inside PDFs. Reporting aside, nothing here decides
what is kept of a picture: the re-encode in :mod:`.images` keeps only pixels.
"""

from __future__ import annotations

from collections.abc import Iterator


def container_labels(pillow_format: str, content: bytes) -> set[str]:
    """Metadata found by walking the file's own structure, for ``removed``.

    Reporting only: whatever this finds or misses, the re-encode keeps
    nothing but pixels.
    """
    if pillow_format == "JPEG":
        scanned = scan_jpeg(content)
        return scanned[1] if scanned is not None else set()
    if pillow_format == "PNG":
        return _png_labels(content)
    if pillow_format == "WEBP":
        return {label for fourcc, _ in _webp_chunks(content) if (label := _webp_label(fourcc))}
    if pillow_format == "GIF":
        return _gif_labels(content)
    return set()  # TIFF, HEIF, AVIF: the decoder's view (``images``) is the only one


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


def scan_jpeg(data: bytes) -> tuple[bytes, set[str]] | None:
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


def webp_canvas_size(data: bytes) -> tuple[int, int] | None:
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


def webp_is_lossless(data: bytes) -> bool:
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
