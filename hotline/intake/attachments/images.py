"""Re-encode pictures from their pixels alone. See the package docstring."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import NamedTuple

from PIL import ExifTags, Image

from hotline.intake.attachments.containers import (
    container_labels,
    webp_canvas_size,
    webp_is_lossless,
)
from hotline.intake.attachments.errors import OverBudget, TooCostly, UnreadableFile
from hotline.intake.attachments.pixel_meter import PIXELS_SPENT

#: Largest single image (or animation canvas) we decode. Pillow's own global
#: limit (``Image.MAX_IMAGE_PIXELS``) is left alone for the rest of the
#: process; if someone lowers it, the lower of the two applies.
MAX_PIXELS = 80_000_000
#: Largest decoded frame in memory (pixels × Pillow's bytes per pixel for the
#: mode): a 50-megapixel colour photo fits (8160 × 6120 × 4 bytes); a PNG of
#: zeros claiming 70 megapixels in colour (230 KB on the wire, 850 MB to
#: clean) is refused from its header, before anything is allocated.
MAX_FRAME_BYTES = 200 * 1024 * 1024
#: Largest total pixel count over all frames of an animation that we keep in
#: memory at once; beyond it only the first frame is kept.
MAX_TOTAL_PIXELS = 80_000_000

_JPEG_QUALITY = 90

_IMAGE_UNREADABLE = "This image could not be read. It may be damaged or incomplete."
_IMAGE_TOO_LARGE = "This image is too large to be processed safely."

# media type -> Pillow format name, for the types we clean.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
}
#: Photo containers we decode but do not write back: the picture is re-encoded
#: as JPEG (PNG when it has transparency), which every officer's computer
#: opens. iPhones save HEIC; AVIF comes from newer Android phones and the web.
CONVERTED_FORMATS = {"image/heic": "HEIF", "image/avif": "AVIF"}
#: What the written formats are called.
WRITTEN_MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}

# Formats whose extra frames are worth keeping: an animation's frames, or the
# pages of a scanned TIFF. A JPEG's extra "frames" (MPO) are separate embedded
# pictures and are dropped instead.
_ANIMATED_FORMATS = frozenset({"PNG", "WEBP", "GIF", "TIFF"})


class CleanedImage(NamedTuple):
    data: bytes
    removed: tuple[str, ...]
    #: Pixels decoded (every kept frame): what the report's budget is charged.
    pixels: int
    #: The Pillow format written (the input's, or JPEG/PNG for a converted photo).
    written: str = ""


def clean_image(
    pillow_format: str, content: bytes, *, max_pixels: int | None = None
) -> CleanedImage:
    """Re-encode the pixels only. See the package docstring.

    ``max_pixels`` is what the report may still decode, over all frames: more
    is refused (:class:`TooCostly`) before the frames are decoded. A format
    of :data:`CONVERTED_FORMATS` is written as JPEG, or PNG if transparent.
    """
    if pillow_format == "HEIF":
        _register_heif()
    limit = _pixel_limit()
    try:
        found = container_labels(pillow_format, content)
        if pillow_format == "WEBP":
            # Pillow allocates the WebP canvas while *opening* the file, before
            # we get a chance to look at its size, so check the header first.
            canvas = webp_canvas_size(content)
            if canvas is not None:
                _check_pixels(canvas, limit)
        frames, durations, loop = _decode_frames(pillow_format, content, limit, found, max_pixels)
    except UnreadableFile:  # TooCostly too
        raise
    except MemoryError:
        raise TooCostly(_IMAGE_TOO_LARGE) from None
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

    lossless = pillow_format == "WEBP" and webp_is_lossless(content)
    written = pillow_format
    if pillow_format in CONVERTED_FORMATS.values():
        written = "PNG" if _has_transparency(frames[0]) else "JPEG"
    try:
        data = _encode_frames(written, frames, durations, loop, lossless=lossless)
    except (OSError, ValueError, KeyError):
        # Fail closed: a picture we cannot re-encode is not stored as it was.
        raise UnreadableFile(_IMAGE_UNREADABLE) from None
    pixels = sum(frame.size[0] * frame.size[1] for frame in frames)
    return CleanedImage(data, tuple(sorted(found)), pixels, written)


_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow to open HEIF (pillow-heif), on first use rather than at import."""
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def _pixel_limit() -> int:
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return MAX_PIXELS if pillow_limit is None else min(MAX_PIXELS, pillow_limit)


def _check_pixels(size: tuple[int, int], limit: int, mode: str | None = None) -> None:
    pixels = size[0] * size[1]
    if pixels > limit:
        raise UnreadableFile(_IMAGE_TOO_LARGE)
    if mode is not None and pixels * _bytes_per_pixel(mode) > MAX_FRAME_BYTES:
        raise TooCostly(_IMAGE_TOO_LARGE)


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow stores per pixel of a mode (colour modes take 4 bytes)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


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
    pillow_format: str, content: bytes, limit: int, found: set[str], max_pixels: int | None
) -> tuple[list[Image.Image], list[int], int | None]:
    with Image.open(io.BytesIO(content), formats=[pillow_format]) as im:
        # Image.open only parsed the headers; nothing big is allocated yet.
        _check_pixels(im.size, limit, im.mode)
        found.update(_info_labels(im.info))
        if pillow_format == "TIFF":
            found.update(_tiff_labels(im))
        if pillow_format == "HEIF":
            found.update(_heif_labels(im.info))

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
        if max_pixels is not None and keep * im.size[0] * im.size[1] > max_pixels:
            raise OverBudget(PIXELS_SPENT)

        frames: list[Image.Image] = []
        durations: list[int] = []
        for index in range(keep):
            if keep > 1:
                # An animation's frames in order; a single picture stays on the
                # image the file opened with (a HEIF's primary image, which need
                # not be the first).
                im.seek(index)
            _check_pixels(im.size, limit, im.mode)  # a GIF frame may enlarge the canvas
            im.load()
            found.update(_info_labels(im.info))  # GIF comments are per frame
            frame = _pixels_only(im)
            if transpose is not None:
                frame = frame.transpose(transpose)
            frames.append(frame)
            duration = im.info.get("duration")
            durations.append(round(duration) if isinstance(duration, (int, float)) else 0)
    return frames, durations, loop if isinstance(loop, int) else None


#: TIFF tags that only describe the pixels: everything else (artist, software,
#: date, description, host, EXIF/GPS/XMP/IPTC/ICC pointers...) is metadata.
_TIFF_PIXEL_TAGS = frozenset(
    {254, 255, 256, 257, 258, 259, 262, 266, 273, 274, 277, 278, 279, 282, 283, 284, 296}
    | {317, 320, 322, 323, 324, 325, 338, 339, 347, 530, 531, 532}
)
_TIFF_LABELS = {34853: "gps", 34665: "exif", 700: "xmp", 33723: "iptc", 34675: "icc_profile"}
_TIFF_DATE = 306


def _tiff_labels(im: Image.Image) -> set[str]:
    """What a TIFF page carries besides its pixels (all of it is dropped)."""
    tags = set(getattr(im, "tag_v2", {}))
    found = {_TIFF_LABELS[tag] for tag in tags if tag in _TIFF_LABELS}
    if _TIFF_DATE in tags:
        found.add("timestamp")
    if tags - _TIFF_PIXEL_TAGS - set(_TIFF_LABELS) - {_TIFF_DATE}:
        found.add("other_metadata")
    return found


def _heif_labels(info: Mapping[str | tuple[int, int], object]) -> set[str]:
    """What pillow-heif exposes of a HEIF besides the primary picture."""
    labels = set()
    if info.get("thumbnails"):
        labels.add("thumbnail")
    if info.get("depth_images") or info.get("aux"):
        labels.add("embedded_images")  # depth maps, HDR gain maps, mattes
    if info.get("metadata"):
        labels.add("other_metadata")
    return labels


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
    elif pillow_format == "TIFF":
        # Lossless: a scanned page stays legible. Only the tags the pixels need
        # are written (size, mode, compression), none carried over.
        options["compression"] = "tiff_lzw"
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
