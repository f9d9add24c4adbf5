"""Clean the XML of an Office part that we keep.

* Revision ids (``w:rsid*``, ``w14:paraId``, ``w14:textId``, ``xr:uid``):
  they tie the document's paragraphs to editing sessions on one computer.
* Tracked changes are accepted: insertions become plain text, deletions and
  the records of old formatting (``w:rPrChange``...) go, and with them their
  authors and dates.
* Comment anchors (the comments themselves are never copied).
* Elements that pointed at a part we did not copy (an embedded object, a
  printer setting, a link to another file); a hyperlink to such a target
  keeps its text.
* Excel's record of the folder the workbook was saved in and of the program
  versions that edited it.
"""

from __future__ import annotations

from lxml import etree

from hotline.intake.attachments.office_package import local_name

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"

_ACCEPTED = frozenset({"ins", "moveTo"})  # unwrapped: their runs stay
_REJECTED = frozenset(
    {
        "del", "moveFrom", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart",
        "moveToRangeEnd", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange",
        "tblPrExChange", "tblGridChange", "trPrChange", "tcPrChange", "numberingChange",
        "cellIns", "cellDel", "cellMerge", "customXmlInsRangeStart", "customXmlInsRangeEnd",
        "customXmlDelRangeStart", "customXmlDelRangeEnd", "customXmlMoveFromRangeStart",
        "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart", "customXmlMoveToRangeEnd",
    }
)  # fmt: skip
_COMMENT_ANCHORS = frozenset({"commentRangeStart", "commentRangeEnd", "commentReference"})
_REVISION_ATTRIBUTES = frozenset({f"{{{_W14}}}paraId", f"{{{_W14}}}textId", f"{{{_XR}}}uid"})
# Excel: x15ac:absPath is the folder the file was saved in ("C:\Users\jane\...");
# fileVersion names the programs that edited it.
_SPREADSHEET_HISTORY = {"absPath": "office_file_paths", "fileVersion": "office_properties"}
# Emptied containers of elements that pointed at dropped parts.
_CONTAINER_SUFFIXES = ("s", "Lst")


def clean_markup(root: etree._Element, dropped_ids: set[str], removed: set[str]) -> None:
    """Clean ``root`` in place. See the module docstring."""
    for node in list(root.iter()):
        if not isinstance(node.tag, str) or node is root:
            continue
        if _clean_node(node, dropped_ids, removed):
            continue
        _clean_attributes(node, removed)


def _clean_node(node: etree._Element, dropped_ids: set[str], removed: set[str]) -> bool:
    """Remove or unwrap ``node`` when it must go; True when it went."""
    name = local_name(node)
    namespace = etree.QName(node).namespace
    if namespace == _W and name in _ACCEPTED:
        removed.add("office_revisions")
        _unwrap(node)
        return True
    if namespace == _W and name in _REJECTED:
        removed.add("office_revisions")
        _remove(node)
        return True
    if namespace == _W and name in ("rsid", "rsids", "rsidRoot"):
        removed.add("office_revision_ids")
        _remove(node)
        return True
    if namespace == _W and name in _COMMENT_ANCHORS:
        removed.add("office_comments")
        _remove(node, keep_tail_run=name == "commentReference")
        return True
    if name in _SPREADSHEET_HISTORY and namespace != _W:
        removed.add(_SPREADSHEET_HISTORY[name])
        _remove(node)
        return True
    if dropped_ids and any(
        etree.QName(key).namespace == _R and value in dropped_ids
        for key, value in node.attrib.items()
    ):
        if name == "hyperlink" and namespace == _W:
            _unwrap(node)
        else:
            _remove(node, prune_parent=True)
        return True
    return False


def _clean_attributes(node: etree._Element, removed: set[str]) -> None:
    for key in list(node.attrib):
        qualified = etree.QName(key)
        word_rsid = qualified.namespace == _W and qualified.localname.startswith("rsid")
        if word_rsid or key in _REVISION_ATTRIBUTES:
            del node.attrib[key]
            removed.add("office_revision_ids")


def _remove(
    node: etree._Element, *, keep_tail_run: bool = False, prune_parent: bool = False
) -> None:
    parent = node.getparent()
    if parent is None:
        return
    _keep_tail(node)
    parent.remove(node)
    if keep_tail_run:
        return
    name = local_name(parent)
    if prune_parent and len(parent) == 0 and name.endswith(_CONTAINER_SUFFIXES):
        _remove(parent)


def _unwrap(node: etree._Element) -> None:
    """Replace ``node`` by its children."""
    parent = node.getparent()
    if parent is None:
        return
    index = parent.index(node)
    for offset, child in enumerate(list(node)):
        parent.insert(index + offset, child)
    _keep_tail(node)
    parent.remove(node)


def _keep_tail(node: etree._Element) -> None:
    """Text after an element belongs to its parent (rare in Office XML)."""
    if not node.tail:
        return
    previous = node.getprevious()
    parent = node.getparent()
    if previous is not None:
        previous.tail = (previous.tail or "") + node.tail
    elif parent is not None:
        parent.text = (parent.text or "") + node.tail
