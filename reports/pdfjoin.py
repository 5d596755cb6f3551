"""Join PDF/A files written one per document into one tagged PDF/A file (pikepdf, i.e. qpdf).

The pool writes each document of a proposal file on its own; the first one is written with the whole
file's metadata (title, author, subject, keywords: its XMP stream and its Info dictionary say the same), so
the joined file keeps the first file's catalogue (language, output intent, XMP, viewer preferences) and
gains the other files' pages, bookmarks and structure. The structure trees are joined so that the file
stays tagged for screen readers: the other files' top elements go under the first file's Document element,
and the keys by which pages and links find their structure (StructParents / StructParent, the ParentTree)
are shifted past the ones already used. qpdf copies a file's objects once, so the structure elements and
bookmarks copied after the pages point at the copied pages.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary


def _nums(tree: pikepdf.Object) -> list:
    """The flat [key, value, key, value, ...] of a number tree (WeasyPrint writes one /Nums array; a tree
    with /Kids is read through too)."""
    out: list = []
    if "/Nums" in tree:
        out.extend(tree.Nums)
    for kid in tree.get("/Kids", []):
        out.extend(_nums(kid))
    return out


def _kids(element: pikepdf.Object) -> list:
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _copy(dst: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """A copy of another file's object in `dst` (qpdf copies indirect objects only; a direct array of
    them, as in a ParentTree, is rebuilt around the copies)."""
    if obj.is_indirect:
        return dst.copy_foreign(obj)
    if isinstance(obj, Array):
        return Array([_copy(dst, x) for x in obj])
    return obj


def _copy_outline(src_items: Any, dst_items: Any, dst: pikepdf.Pdf, page_of: dict) -> None:
    for item in src_items:
        dest = item.destination
        new_dest = None
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in page_of:
            new_dest = Array([page_of[dest[0].objgen], *list(dest)[1:]])
        copy = pikepdf.OutlineItem(str(item.title), destination=new_dest)
        _copy_outline(item.children, copy.children, dst, page_of)
        dst_items.append(copy)


def join(pdfs: Sequence[bytes]) -> bytes:
    """One PDF with the pages of `pdfs` in order; catalogue and metadata of the first."""
    if len(pdfs) == 1:
        return pdfs[0]
    dst = pikepdf.open(io.BytesIO(pdfs[0]))
    tree_root = dst.Root.StructTreeRoot
    top = _kids(tree_root)[0]  # the Document element
    top_kids = _kids(top)
    nums = _nums(tree_root.ParentTree)
    next_key = max((int(k) for k in nums[::2]), default=-1) + 1
    sources = []
    with dst.open_outline() as outline:
        for data in pdfs[1:]:
            src = pikepdf.open(io.BytesIO(data))
            sources.append(src)  # qpdf reads a copied object's data from its file when saving
            src_tree = src.Root.StructTreeRoot
            src_nums = _nums(src_tree.ParentTree)
            offset = next_key
            for page in src.pages:
                if "/StructParents" in page.obj:
                    page.obj.StructParents = int(page.obj.StructParents) + offset
                for annot in page.obj.get("/Annots", []):
                    if "/StructParent" in annot:
                        annot.StructParent = int(annot.StructParent) + offset
            first_new = len(dst.pages)
            dst.pages.extend(src.pages)
            page_of = {p.obj.objgen: dst.pages[first_new + i].obj for i, p in enumerate(src.pages)}
            # The top elements point up to their own Document element: cut that link before copying, so
            # the copy does not drag the other file's whole tree root along; it points at ours instead.
            src_kids = _kids(_kids(src_tree)[0])
            for kid in src_kids:
                if isinstance(kid, Dictionary) and "/P" in kid:
                    del kid["/P"]
            for kid in src_kids:
                copied = dst.copy_foreign(kid)
                if isinstance(copied, Dictionary):
                    copied.P = top
                top_kids.append(copied)
            for key, value in zip(src_nums[::2], src_nums[1::2], strict=True):
                nums.extend([int(key) + offset, _copy(dst, value)])
            next_key = max([next_key - 1] + [int(k) + offset for k in src_nums[::2]]) + 1
            with src.open_outline() as src_outline:
                _copy_outline(src_outline.root, outline.root, dst, page_of)
    top.K = Array(top_kids)
    tree_root.ParentTree = dst.make_indirect(Dictionary(Nums=Array(nums)))
    tree_root.ParentTreeNextKey = next_key
    out = io.BytesIO()
    dst.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return out.getvalue()
