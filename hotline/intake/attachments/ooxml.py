"""Rebuild Word, Excel and PowerPoint files from their content parts.

An Office Open XML file is a zip of parts linked by relationships. The new
package starts from the main document and follows only the relationships
that lead to content (:data:`_CONTENT_RELATIONSHIPS`: styles, numbering,
themes, pictures, headers and footers, notes, sheets, shared strings,
slides, charts...). What every other relationship leads to is never copied:
document properties (author, company, dates, program, template path),
custom XML, comments and the people who wrote them, printer settings,
thumbnails, embedded objects and ActiveX controls, macros, settings (which
hold revision ids and the template's path), links to other files. Pictures
are re-encoded from their pixels; pictures we cannot re-encode (EMF, WMF,
SVG) are replaced by a blank one. Each XML part kept is then cleaned by
:mod:`.ooxml_markup`.
"""

from __future__ import annotations

import posixpath

from lxml import etree

from hotline.intake.attachments.errors import UnreadableFile
from hotline.intake.attachments.office_package import (
    BLANK_PNG,
    DOCUMENT_UNREADABLE,
    blank_name,
    clean_media,
    open_package,
    parse_xml,
    serialise,
    write_package,
)
from hotline.intake.attachments.ooxml_markup import clean_markup

_CONTENT_TYPES = "[Content_Types].xml"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# The last segment of the relationship type URIs we follow.
_CONTENT_RELATIONSHIPS = frozenset(
    {
        "officeDocument", "styles", "stylesWithEffects", "numbering", "theme", "image",
        "header", "footer", "footnotes", "endnotes", "fontTable", "worksheet",
        "sharedStrings", "chartsheet", "chart", "chartStyle", "chartColorStyle", "drawing",
        "slide", "slideLayout", "slideMaster", "notesSlide", "notesMaster", "handoutMaster",
        "tableStyles", "table", "diagramData", "diagramLayout", "diagramQuickStyle",
        "diagramColors", "diagramDrawing", "themeOverride",
    }
)  # fmt: skip
_PICTURE_RELATIONSHIPS = frozenset({"image"})
_DROPPED_LABELS = {
    "core-properties": "office_properties",
    "metadata/core-properties": "office_properties",
    "extended-properties": "office_properties",
    "custom-properties": "office_properties",
    "thumbnail": "thumbnail",
    "metadata/thumbnail": "thumbnail",
    "comments": "office_comments",
    "commentsExtended": "office_comments",
    "commentsIds": "office_comments",
    "commentsExtensible": "office_comments",
    "people": "office_comments",
    "commentAuthors": "office_comments",
    "threadedComment": "office_comments",
    "person": "office_comments",
    "customXml": "office_custom_xml",
    "customXmlProps": "office_custom_xml",
    "printerSettings": "office_printer_settings",
    "oleObject": "office_embedded_objects",
    "package": "office_embedded_objects",
    "control": "office_embedded_objects",
    "activeXControlBinary": "office_embedded_objects",
    "vbaProject": "office_macros",
    "settings": "office_settings",
    "webSettings": "office_settings",
    "presProps": "office_settings",
    "viewProps": "office_settings",
    "attachedTemplate": "office_external_links",
    "externalLink": "office_external_links",
    "externalLinkPath": "office_external_links",
    "connections": "office_external_links",
    "queryTable": "office_external_links",
    "subDocument": "office_external_links",
    "frame": "office_external_links",
    "revisionHeaders": "office_revisions",
    "revisionLog": "office_revisions",
    "usernames": "office_revisions",
}
_SILENT = frozenset({"calcChain", "font", "glossaryDocument", "vmlDrawing", "customData"})
_SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")


def clean_ooxml(content: bytes) -> tuple[bytes, tuple[str, ...]]:
    """A new package holding only the content of ``content``."""
    members = open_package(content)
    if _CONTENT_TYPES not in members or "_rels/.rels" not in members:
        raise UnreadableFile(DOCUMENT_UNREADABLE)
    removed: set[str] = set()
    walk = _Walk(members, removed)
    walk.part("")
    if not any(walk.main_documents):
        raise UnreadableFile(DOCUMENT_UNREADABLE)

    output: dict[str, bytes] = {}
    for name in sorted(walk.kept):
        data = walk.replaced.get(name, members.get(name, b""))
        if name in walk.replaced or not _is_xml(name):
            output[name] = data
        else:
            root = parse_xml(data)
            clean_markup(root, walk.dropped_ids.get(name, set()), removed)
            output[name] = serialise(root)
    output.update(walk.rels)
    types = _content_types(members[_CONTENT_TYPES], set(output))
    ordered = [(_CONTENT_TYPES, types), *sorted(output.items())]
    return write_package(ordered), tuple(sorted(removed))


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".vml", ".rels"))


def _rels_path(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


class _Walk:
    """Follows the content relationships from the package root."""

    def __init__(self, members: dict[str, bytes], removed: set[str]) -> None:
        self.members = members
        self.removed = removed
        self.kept: set[str] = set()
        self.rels: dict[str, bytes] = {}
        self.replaced: dict[str, bytes] = {}
        self.renamed: dict[str, str] = {}
        self.dropped_ids: dict[str, set[str]] = {}
        self.main_documents: list[str] = []

    def part(self, start: str) -> None:
        queue = [start]
        while queue:
            source = queue.pop()
            rels_name = _rels_path(source) if source else "_rels/.rels"
            if rels_name not in self.members:
                continue
            root = parse_xml(self.members[rels_name])
            dropped: set[str] = set()
            for rel in list(root):
                target = self._follow(source, rel)
                if target is None:
                    dropped.add(rel.get("Id", ""))
                    root.remove(rel)
                elif target and target not in self.kept:
                    self.kept.add(target)
                    queue.append(target)
            self.dropped_ids[source] = dropped
            self.rels[rels_name] = serialise(root)

    def _follow(self, source: str, rel: etree._Element) -> str | None:
        """The part a kept relationship leads to ("" for a kept external
        link), or None to drop the relationship."""
        kind = rel.get("Type", "").rsplit("/relationships/", 1)[-1]
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            if kind == "hyperlink" and target.lower().startswith(_SAFE_LINK_SCHEMES):
                return ""
            self.removed.add("office_external_links")
            return None
        if kind not in _CONTENT_RELATIONSHIPS:
            if kind not in _SILENT:
                self.removed.add(_DROPPED_LABELS.get(kind, "other_metadata"))
            return None
        base = "" if target.startswith("/") else posixpath.dirname(source)
        name = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        if name.startswith("..") or name not in self.members:
            return None
        if kind == "officeDocument":
            self.main_documents.append(name)
        if kind in _PICTURE_RELATIONSHIPS:
            name = self._picture(name)
            rel.set("Target", "/" + name)
        return name

    def _picture(self, name: str) -> str:
        if name in self.renamed:
            return self.renamed[name]
        cleaned = clean_media(self.members[name], self.removed)
        if cleaned is None:
            self.removed.add("office_media_dropped")
            new_name = blank_name(name)
            self.replaced[new_name] = BLANK_PNG
        else:
            new_name = name
            self.replaced[name] = cleaned
        self.renamed[name] = new_name
        return new_name


def _content_types(original: bytes, names: set[str]) -> bytes:
    """[Content_Types].xml for the parts we write, and no others."""
    source = parse_xml(original)
    root = etree.Element(f"{{{_CT_NS}}}Types", nsmap={None: _CT_NS})
    extensions = {n.rsplit(".", 1)[-1].lower() for n in names if "." in n}
    defaults = {"rels", "xml", "png"}
    for node in source:
        extension = (node.get("Extension") or "").lower()
        if node.tag == f"{{{_CT_NS}}}Default" and extension in extensions:
            defaults.discard(extension)
            etree.SubElement(
                root, node.tag, Extension=extension, ContentType=node.get("ContentType", "")
            )
    fallback = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        "png": "image/png",
    }
    for extension in sorted(defaults & extensions):
        etree.SubElement(
            root, f"{{{_CT_NS}}}Default", Extension=extension, ContentType=fallback[extension]
        )
    for node in source:
        part = (node.get("PartName") or "").lstrip("/")
        if node.tag == f"{{{_CT_NS}}}Override" and part in names:
            etree.SubElement(
                root, node.tag, PartName="/" + part, ContentType=node.get("ContentType", "")
            )
    return serialise(root)
