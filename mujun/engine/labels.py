"""Row labels of an evaluation (status reason, class, tier, …) kept as integer codes: one byte a
row while the texts are few, which is what a million-row run needs."""

from __future__ import annotations

import numpy as np
import pandas as pd


class Labels:
    """A column of short texts kept as integer codes (cheap at a million rows): one byte a
    row while the texts are few, widened when they are not."""

    def __init__(self, n: int) -> None:
        self.codes = np.zeros(n, dtype=np.int8)
        self.categories: list[str] = [""]
        self._index: dict[str, int] = {"": 0}  # text → code: many texts (one per parcel) stay fast

    def _code(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.categories)
            self.categories.append(text)
            if len(self.categories) > np.iinfo(self.codes.dtype).max:
                self.codes = self.codes.astype(np.int32)
        return self._index[text]

    def copy_rows(self, to: np.ndarray, source: np.ndarray) -> None:
        """Rows `to` get the texts of rows `source` (a unit's members carry its result)."""
        self.codes[to] = self.codes[source]

    def set(self, mask: np.ndarray, text: str) -> None:
        self.codes[mask] = self._code(text)

    def put(self, at: np.ndarray, which: np.ndarray, texts: list[str | None]) -> None:
        """Row at[i] gets texts[which[i]] (None: no text); only the texts given to some row
        become categories."""
        given = np.zeros(len(texts), dtype=bool)
        given[which] = True
        lookup = np.zeros(len(texts), dtype=np.int32)
        for i, text in enumerate(texts):  # a loop over the few texts
            if given[i] and text is not None:
                lookup[i] = self._code(text)
        self.codes[at] = lookup.astype(self.codes.dtype)[which]

    def set_each(self, mask: np.ndarray, texts: np.ndarray) -> None:
        """Each masked row its own text (few distinct ones)."""
        at = np.flatnonzero(mask)
        idx, uniques = pd.factorize(pd.Series(texts[at], dtype=object))
        lookup = np.asarray([self._code(str(t)) for t in uniques], dtype=np.int32)
        self.codes[at] = lookup.astype(self.codes.dtype)[idx]

    def mask(self, text: str) -> np.ndarray:
        if text not in self._index:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == self._index[text]

    def column(self) -> pd.Categorical:
        """The texts as a categorical; rows never set are missing (NA)."""
        return pd.Categorical.from_codes(self.codes - 1, categories=self.categories[1:])
