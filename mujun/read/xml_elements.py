"""The length of each element of one kind (a cell, a shared string) in XML read in regions.

An element runs from its start tag to its end tag, or is one self-closing tag: whatever lies
between two elements (empty rows, merged ranges, formatting, whitespace) belongs to neither. A
start tag that does not close itself holds everything up to the next end tag, other start tags
included (a cell's text runs with stray <c/> tags between them is one cell all the same), and an
element still open at the end of a region goes on into the next one.

The elements are measured a group at a time, a group being the elements between one end tag
and the next: only a group longer than the bound can hold an element longer than it, and such
groups are few (each is longer than the bound), so only they are searched tag by tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # any namespace prefix, or none
# attributes: quoted values may hold '>' or '/'; an unquoted '<' ends them (and every tag), so
# that no search for a tag's end runs past the next tag
_ATTRS = rb"(?:[^<>\"']|\"[^\"]*\"|'[^']*')*"


_BLANKS = np.frombuffer(b" \t\r\n", dtype=np.uint8)
_AFTER_NAME = np.frombuffer(b" \t\r\n/>", dtype=np.uint8)


@dataclass(frozen=True)
class Element:
    """The patterns of one kind of element: where one starts (split with the start kept), its
    end tag, a start tag that stays open, a self-closing tag; and, for a plain name (c, si), the
    name and a pattern finding it under a prefix, so that a region without one is searched by
    its bytes alone (numpy), not by the patterns."""

    start: re.Pattern[bytes]
    end: re.Pattern[bytes]
    opening: re.Pattern[bytes]
    closed: re.Pattern[bytes]
    plain: bytes = b""
    prefixed: re.Pattern[bytes] | None = None


def element(name: bytes) -> Element:
    """The patterns of the element called `name` (a regular expression), in any namespace."""
    tag = rb"<" + _P + rb"(?:" + name + rb")(?=[\s/>])"
    literal = re.fullmatch(rb"[A-Za-z]+", name) is not None
    return Element(
        start=re.compile(rb"(" + tag + rb")"),
        end=re.compile(rb"(</" + _P + rb"(?:" + name + rb")\s*>)"),
        opening=re.compile(tag + _ATTRS + rb"(?<!/)>"),
        closed=re.compile(tag + _ATTRS + rb"/>"),
        plain=name if literal else b"",
        prefixed=re.compile(rb":" + name + rb"[\s/>]") if literal else None,
    )


def longest(region: bytes, kind: Element, bound: int, carried: int = 0) -> tuple[int, int]:
    """(bytes of the longest element of `region` if one is longer than `bound`, else a length
    not above it; bytes of the element still open at the region's end, 0 if none).

    `carried` is how many bytes of an open element the regions before this one held.
    """
    starts, end_starts, end_ends = _tags(region, kind)
    found = 0
    if carried:  # the element left open closes at the first end tag, else goes on
        if not len(end_ends):
            return carried + len(region), carried + len(region)
        found = carried + int(end_ends[0])
        starts = starts[starts >= end_ends[0]]  # the starts it held are inside it
    if not len(starts):
        return found, 0
    reached = np.searchsorted(end_starts, starts, side="left")  # the end tag each start reaches
    first = np.flatnonzero(np.r_[True, reached[1:] != reached[:-1]])
    group_start = starts[first]
    group_end = np.append(end_ends, len(region))[reached[first]]
    last = reached[first] == len(end_ends)  # the group after the last end tag: may stay open
    wide = (group_end - group_start > bound) | last
    open_bytes = 0
    for lo, hi, trailing in zip(  # groups longer than the bound: a few at most
        group_start[wide].tolist(), group_end[wide].tolist(), last[wide].tolist(), strict=True
    ):
        opened = kind.opening.search(region, lo, hi)
        stop = opened.start() if opened else hi
        tags = kind.closed.findall(region, lo, stop)
        found = max(found, max(map(len, tags), default=0))
        if opened:
            found = max(found, hi - opened.start())
            if trailing:
                open_bytes = hi - opened.start()
    return found, open_bytes


def _tags(region: bytes, kind: Element) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each start tag starts, and where each end tag starts and ends."""
    if kind.prefixed is not None and not kind.prefixed.search(region):
        found = _plain_tags(region, kind.plain)
        if found is not None:
            return found
    starts, _ = _positions(kind.start, region)
    return (starts, *_positions(kind.end, region))


def _plain_tags(region: bytes, name: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The same from the bytes alone, for a region where the element has no prefix; None when
    an end tag holds blanks (</c >): the patterns measure those."""
    data = np.frombuffer(region, dtype=np.uint8)
    size = len(data)
    brackets = np.flatnonzero(data == ord("<"))
    found = []
    for tag in (b"<" + name, b"</" + name):  # a start tag, an end tag
        at = brackets[brackets + len(tag) < size]
        hit = np.ones(len(at), dtype=bool)
        for i, byte in enumerate(tag[1:], start=1):
            hit &= data[at + i] == byte
        after = data[at[hit] + len(tag)]
        found.append((at[hit], after))
    (starts, after_start), (ends, after_end) = found
    if np.isin(after_end, _BLANKS).any():
        return None
    ends = ends[after_end == ord(">")]  # not </cols>
    return starts[np.isin(after_start, _AFTER_NAME)], ends, ends + len(name) + 3


def _positions(split: re.Pattern[bytes], region: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each match of `split` (one capturing group around the whole) starts and ends."""
    pieces = split.split(region)  # text, match, text, match, …, text
    offsets = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
    return offsets[0:-1:2], offsets[1:-1:2]
