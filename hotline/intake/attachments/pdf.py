"""Rebuild a PDF from what its pages draw. See the package docstring.

The output is a new document made by pikepdf (qpdf): for each page, a page
dictionary we write ourselves with the page boxes and rotation, one content
stream re-written from its parsed instructions, and the resources those
instructions name, rebuilt by :mod:`.pdf_resources` from an allow-list.
Nothing else of the source is reachable from the new document, so nothing
else is written: not the catalogue, the trailer's /Info and /ID, the names
tree, outlines, form fields, annotations, page piece info, structure tree,
nor any object of an earlier revision. Annotations that show something on
screen are first flattened into the page by qpdf, so a stamp or a filled-in
field stays visible as part of the drawing, without its author or dates.

Why pikepdf rather than pypdf: docs/pdf-cleaning.md (measured on pdf.js's
and py-pdf's test files).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import warnings

import pikepdf
from pypdf import PasswordType, PdfReader, PdfWriter

from hotline.intake.attachments.errors import UnreadableFile
from hotline.intake.attachments.pdf_content import clean_content
from hotline.intake.attachments.pdf_resources import ResourceCopier, used_names

#: Largest number of pages we rewrite in a PDF.
MAX_PDF_PAGES = 5_000

_PDF_UNREADABLE = "This PDF could not be read. It may be damaged."
_PDF_NO_PAGES = "This PDF has no pages that could be read."
_PDF_TOO_MANY_PAGES = "This PDF has too many pages to be processed."

_BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# Page keys whose content we rebuild or knowingly leave out without a word.
_PAGE_STRUCTURE = frozenset(
    {"/Type", "/Parent", "/Resources", "/Contents", "/Rotate", "/Group", "/UserUnit", *_BOXES}
    | {"/StructParents", "/Tabs", "/Annots"}
)
_PAGE_LABELS = {
    "/Metadata": "pdf_xmp",
    "/Thumb": "pdf_thumbnails",
    "/PieceInfo": "pdf_piece_info",
    "/LastModified": "pdf_piece_info",
}
_INFO_REFERENCE = re.compile(rb"/Info\s*\d+\s+\d+\s+R")
_US_LETTER = (0, 0, 612, 792)
#: How long poppler may take to redraw a file neither qpdf nor pypdf can read.
_POPPLER_SECONDS = 20
_MAX_PARENTS = 64


def clean_pdf(content: bytes) -> tuple[bytes, tuple[str, ...]] | None:
    """A new PDF drawing the same pages, or None when it is encrypted with a
    password we do not have."""
    with warnings.catch_warnings():
        # qpdf reports the repairs it makes as Python warnings that quote the
        # file; they must neither reach a log nor (under pytest) become errors.
        warnings.simplefilter("ignore")
        try:
            source = _open(content)
        except pikepdf.PasswordError:
            return None
        except Exception:
            # "from None": qpdf's messages quote bytes of the file, and they
            # must not reach a logged traceback.
            raise UnreadableFile(_PDF_UNREADABLE) from None
        try:
            with source:
                return _rebuild(source, content)
        except UnreadableFile:
            raise
        except Exception:
            raise UnreadableFile(_PDF_UNREADABLE) from None


def _open(content: bytes) -> pikepdf.Pdf:
    """Open with qpdf; failing that, let pypdf (which repairs other damage
    than qpdf does) copy the pages into a file qpdf reads; failing that, let
    poppler, the reader most PDF viewers on Debian use, draw the pages into a
    new file. Whichever it is, the result is only a source for the rebuild
    below: nothing of it reaches the output unless the allow-list keeps it."""
    try:
        return pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError:
        raise
    except Exception:
        return _repaired(content)


def _repaired(content: bytes) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(_copied_by_pypdf(content)))
    except pikepdf.PasswordError:
        raise
    except Exception:
        redrawn = _redrawn_by_poppler(content)
        if redrawn is None:
            raise
        return pikepdf.open(io.BytesIO(redrawn))


def _copied_by_pypdf(content: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise pikepdf.PasswordError
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None  # pypdf's own /Producer: not the reporter's to be told of
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _redrawn_by_poppler(content: bytes) -> bytes | None:
    """The pages as poppler's ``pdftocairo`` draws them into a new PDF, or
    None when it is not installed (Debian: poppler-utils) or cannot read the
    file either. The file goes through pipes, never a file on disk; poppler
    runs with the limits of the cleaning child that calls it, and what it
    prints about the file goes nowhere."""
    tool = shutil.which("pdftocairo")
    if tool is None:
        return None
    try:
        run = subprocess.run(  # noqa: S603 - poppler's own program, no shell
            [tool, "-pdf", "-", "-"],
            input=content,
            capture_output=True,
            timeout=_POPPLER_SECONDS,
            env={"PATH": "/usr/bin:/bin"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if run.returncode != 0 or not run.stdout.startswith(b"%PDF-"):
        return None
    return run.stdout


def _rebuild(source: pikepdf.Pdf, content: bytes) -> tuple[bytes, tuple[str, ...]]:
    removed = _document_labels(source, content)
    if len(source.pages) > MAX_PDF_PAGES:
        raise UnreadableFile(_PDF_TOO_MANY_PAGES)
    if len(source.pages) == 0:
        raise UnreadableFile(_PDF_NO_PAGES)
    for page in source.pages:
        removed |= _page_labels(page.obj)
    try:
        # Draw what annotations show on screen into the page itself; a form
        # field's value shows only once qpdf has drawn its appearance.
        _forget_passwords(source)
        source.generate_appearance_streams()
        source.flatten_annotations("screen")
    except Exception:
        removed.add("pdf_damaged_content")

    rebuilt = pikepdf.Pdf.new()
    copier = ResourceCopier(rebuilt, removed)
    for page in source.pages:
        rebuilt.pages.append(pikepdf.Page(_page(rebuilt, copier, page.obj, removed)))
    out = io.BytesIO()
    # The /ID qpdf must write is a hash of the new content, not of the time
    # or the source file.
    rebuilt.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue(), tuple(sorted(removed))


def _page(
    rebuilt: pikepdf.Pdf, copier: ResourceCopier, src: pikepdf.Object, removed: set[str]
) -> pikepdf.Object:
    data = clean_content(_contents(src, removed), removed)
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page)
    for key in _BOXES:
        box = _box(_inherited(src, key))
        if box is not None:
            page[key] = box
    if "/MediaBox" not in page:
        page.MediaBox = pikepdf.Array(_US_LETTER)
    rotate = _inherited(src, "/Rotate")
    if isinstance(rotate, int) and rotate % 90 == 0:
        page.Rotate = rotate % 360
    unit = src.get("/UserUnit")
    if isinstance(unit, (int, float)) and 0 < float(unit) <= 75_000:
        page.UserUnit = unit
    group = copier.value(src.get("/Group"), 0) if "/Group" in src else None
    if group is not None:
        page.Group = group
    page.Resources = copier.resources(_inherited(src, "/Resources"), used_names(data))
    page.Contents = rebuilt.make_indirect(pikepdf.Stream(rebuilt, data))
    return rebuilt.make_indirect(page)


def _contents(page: pikepdf.Object, removed: set[str]) -> bytes:
    contents = page.get("/Contents")
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    parts = []
    for stream in streams:
        if not isinstance(stream, pikepdf.Stream):
            continue
        try:
            parts.append(stream.read_bytes())
        except Exception:
            removed.add("pdf_damaged_content")
    # Content streams may split an instruction between them: join, then parse.
    return b"\n".join(parts)


_PASSWORD_FIELD = 1 << 13


def _forget_passwords(source: pikepdf.Pdf) -> None:
    """qpdf draws a field's value in clear, password fields included: their
    values are dropped before it draws."""
    for page in source.pages:
        annotations = page.obj.get("/Annots")
        if not isinstance(annotations, pikepdf.Array):
            continue
        for annotation in annotations:
            node: object = annotation
            for _ in range(_MAX_PARENTS):
                if not isinstance(node, pikepdf.Dictionary):
                    break
                flags = node.get("/Ff")
                if isinstance(flags, int) and flags & _PASSWORD_FIELD:
                    for holder in (annotation, node):
                        if isinstance(holder, pikepdf.Dictionary):
                            holder.V = pikepdf.String("")
                            if "/AP" in holder:
                                del holder.AP
                    break
                node = node.get("/Parent")


def _inherited(page: pikepdf.Object, key: str) -> object:
    node: object = page
    for _ in range(_MAX_PARENTS):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node.get(key)
        if key not in _INHERITED:
            return None
        node = node.get("/Parent")
    return None


def _box(value: object) -> pikepdf.Array | None:
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    return pikepdf.Array(numbers)


def _page_labels(page: pikepdf.Object) -> set[str]:
    """What a page carried besides its drawing (none of it is copied)."""
    found = set()
    for key in sorted(page.keys()):
        if key in _PAGE_LABELS:
            found.add(_PAGE_LABELS[key])
        elif key.startswith("/PTEX."):
            found.add("pdf_file_paths")
        elif key not in _PAGE_STRUCTURE:
            found.add("pdf_piece_info")
    annotations = page.get("/Annots")
    if isinstance(annotations, pikepdf.Array):
        for annotation in annotations:
            if isinstance(annotation, pikepdf.Dictionary):
                found |= _annotation_labels(annotation)
    return found


def _annotation_labels(annotation: pikepdf.Dictionary) -> set[str]:
    found = {"pdf_annotations"}
    subtype = annotation.get("/Subtype")
    if subtype == "/FileAttachment":
        found.add("pdf_embedded_files")
    value = annotation.get("/V")
    if annotation.get("/FT") == "/Sig" or (
        isinstance(value, pikepdf.Dictionary) and "/ByteRange" in value
    ):
        found.add("pdf_signatures")
    if "/AA" in annotation or "/A" in annotation:
        found.add("pdf_actions")
    return found


def _document_labels(source: pikepdf.Pdf, content: bytes) -> set[str]:
    """What the document-level structures held (none of it is copied)."""
    found: set[str] = set()
    trailer = source.trailer
    info = trailer.get("/Info")
    # An earlier revision's trailer may point at an /Info that the last one
    # no longer does: it is in the file all the same.
    if (isinstance(info, pikepdf.Dictionary) and len(info) > 0) or _INFO_REFERENCE.search(content):
        found.add("pdf_document_info")
    if "/ID" in trailer:
        found.add("pdf_file_id")
    root = source.Root
    if "/Metadata" in root:
        found.add("pdf_xmp")
    if "/OpenAction" in root or "/AA" in root:
        found.add("pdf_actions")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
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
