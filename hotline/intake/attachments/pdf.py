"""Rebuild a PDF from its pages alone. See the package docstring."""

from __future__ import annotations

import io
from collections.abc import Iterable

from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from hotline.intake.attachments.containers import scan_jpeg
from hotline.intake.attachments.errors import UnreadableFile

#: Largest number of pages we rewrite in a PDF.
MAX_PDF_PAGES = 5_000

_PDF_UNREADABLE = "This PDF could not be read. It may be damaged."
_PDF_NO_PAGES = "This PDF has no pages that could be read."
_PDF_TOO_MANY_PAGES = "This PDF has too many pages to be processed."

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
# pdfTeX's record of an included PDF: /PTEX.FileName is a path on the
# author's machine, /PTEX.InfoDict the included file's Author, dates...
_PTEX_PREFIX = "/PTEX."
# Document-level name trees, removed should a page ever reach the catalog.
_PDF_NAME_TREES = (("/JavaScript", "pdf_javascript"), ("/EmbeddedFiles", "pdf_embedded_files"))
# Actions that only move around inside the document or open a link when
# clicked. Everything else (JavaScript, launching programs, submitting forms,
# opening other files) is removed.
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})


def clean_pdf(content: bytes) -> tuple[bytes, tuple[str, ...]] | None:
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

        for page in pages:
            _keep_page_keys(page, removed)
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


# What a page needs to be shown. Anything else on a page dictionary is some
# application's private data (pdf.js's corpus has page-level creation dates).
_PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Parent",
        "/Resources",
        "/Contents",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Rotate",
        "/Annots",
        "/Group",
        "/UserUnit",
    }
)


def _keep_page_keys(page: DictionaryObject, removed: set[str]) -> None:
    extra = [key for key in page if key not in _PAGE_KEYS]
    for key in extra:
        del page[key]
    if extra:
        removed.add("pdf_piece_info")


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

    ptex = [key for key in d if str(key).startswith(_PTEX_PREFIX)]
    for key in ptex:
        del d[key]
        removed.add("pdf_file_paths")

    # Marked-content property lists (layers, tags) can carry Author, Title or
    # any private key. The content streams may still name them, so the
    # dictionary stays, empty.
    properties = _get(d, "/Properties")
    if isinstance(properties, DictionaryObject) and len(properties) > 0:
        d[NameObject("/Properties")] = DictionaryObject()
        removed.add("pdf_piece_info")

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
    # A damaged file may give /Subtype as an array or dictionary: not a
    # name, so not a type of annotation we know (and not hashable).
    if not isinstance(subtype, NameObject):
        subtype = None
    if subtype == "/FileAttachment" and "/FS" in d:
        # Also cut here, in case the annotation is reachable some other way.
        del d["/FS"]
        removed.add("pdf_embedded_files")
    # Every annotation but a form field: a link's /T is its author's name too.
    if subtype in _MARKUP_ANNOTATIONS or (subtype not in (None, "/Widget") and "/Rect" in d):
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
        scanned = scan_jpeg(StreamObject.get_data(d))
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
