"""NumPy inference of the exported class II core-window network.

The first layer is linear in the window encoding, so the peptide part of a window's first-layer
activation is a sum of 9 core table rows (residue → hidden), the mean of the flank residues'
rows and 3 categorical rows, computed once per window; the allele part is computed once per
allele. Only the small upper layers run per window × allele. A peptide's score per head is
the maximum over its core windows (the NNAlign rule, :mod:`vaxmix.mhc.classii.encoding`); its
predicted binding core is the 9-mer of the window with the highest presentation logit.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from vaxmix.mhc.classii.encoding import CORE, FLANK, N_SLOTS, window_codes
from vaxmix.mhc.encoding import GAP, encode_pseudosequences

__all__ = ["MODEL_FILE", "ClassIIModel", "default_model", "load_model"]

MODEL_FILE = "class2_model.npz"


@dataclass(frozen=True)
class ClassIIModel:
    """Float32 weights in look-up form."""

    name: str  # "vaxmix-mhc2 1.0"
    metadata: dict
    blosum: np.ndarray  # (21, 21)
    core_tables: np.ndarray  # (9, 21, H): first-layer row per core position and residue
    flank_tables: np.ndarray  # (2, 21, H): left/right flank residue rows ("no residue" = 0)
    category_table: np.ndarray  # (25, H); b1 is added with the allele part
    w_allele: np.ndarray  # (714, H)
    b1: np.ndarray  # (H,)
    w2: np.ndarray  # (H, H2)
    b2: np.ndarray  # (H2,)
    w_out: np.ndarray  # (H2, 2)
    b_out: np.ndarray  # (2,)

    def window_hidden(self, slots: np.ndarray, cats: np.ndarray, chunk: int = 8192) -> np.ndarray:
        """First-layer peptide contribution of each window (W, H)."""
        out = np.empty((len(slots), self.core_tables.shape[2]), dtype=np.float32)
        idx_slots = slots.astype(np.intp)
        idx_cats = cats.astype(np.intp)
        for start in range(0, len(slots), chunk):
            stop = min(len(slots), start + chunk)
            block = out[start:stop]
            np.take(self.category_table, idx_cats[start:stop, 0], axis=0, out=block)
            block += self.category_table[idx_cats[start:stop, 1]]
            block += self.category_table[idx_cats[start:stop, 2]]
            for position in range(CORE):
                block += self.core_tables[position][idx_slots[start:stop, FLANK + position]]
            # mean flank rows: left flank length is one-hot column cats[:, 0] (0..3), right
            # flank length is cats[:, 1] - 4
            for side, columns, count in (
                (0, range(FLANK), idx_cats[start:stop, 0]),
                (1, range(FLANK + CORE, N_SLOTS), idx_cats[start:stop, 1] - (FLANK + 1)),
            ):
                flank = self.flank_tables[side][idx_slots[start:stop, columns[0]]]
                for column in columns[1:]:
                    flank += self.flank_tables[side][idx_slots[start:stop, column]]
                flank *= (1.0 / np.maximum(count, 1)).astype(np.float32)[:, None]
                block += flank
        return out

    def allele_hidden(self, pseudos: list[str]) -> np.ndarray:
        """First-layer allele contribution including the bias (m, H)."""
        return encode_pseudosequences(pseudos, self.blosum) @ self.w_allele + self.b1

    def window_logits(
        self, win_hidden: np.ndarray, allele_row: np.ndarray, chunk: int = 8192
    ) -> np.ndarray:
        """(W, 2) logits of every window for one allele."""
        logits = np.empty((len(win_hidden), 2), dtype=np.float32)
        h = np.empty((chunk, win_hidden.shape[1]), dtype=np.float32)
        h2 = np.empty((chunk, self.w2.shape[1]), dtype=np.float32)
        for start in range(0, len(win_hidden), chunk):
            stop = min(len(win_hidden), start + chunk)
            rows = stop - start
            np.add(win_hidden[start:stop], allele_row, out=h[:rows])
            np.maximum(h[:rows], 0.0, out=h[:rows])
            np.matmul(h[:rows], self.w2, out=h2[:rows])
            h2[:rows] += self.b2
            np.maximum(h2[:rows], 0.0, out=h2[:rows])
            np.matmul(h2[:rows], self.w_out, out=logits[start:stop])
        logits += self.b_out
        return logits

    def score(
        self, peptides: list[str] | np.ndarray, pseudos: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Affinity target, presentation score (both 0..1) and core offset, each (n, m)."""
        slots, cats, _owner, starts = window_codes(peptides)
        win_hidden = self.window_hidden(slots, cats)
        allele_hidden = self.allele_hidden(pseudos)
        n, m = len(peptides), len(pseudos)
        affinity = np.empty((n, m), dtype=np.float32)
        presentation = np.empty((n, m), dtype=np.float32)
        core = np.empty((n, m), dtype=np.int64)
        heads = starts[:-1]
        window_index = np.arange(len(slots), dtype=np.int64)
        owner = _owner
        for a in range(m):
            logits = self.window_logits(win_hidden, allele_hidden[a])
            best = np.maximum.reduceat(logits, heads, axis=0)  # (n, 2)
            affinity[:, a] = best[:, 0]
            presentation[:, a] = best[:, 1]
            is_best = logits[:, 1] >= best[owner, 1]
            first = np.minimum.reduceat(np.where(is_best, window_index, len(slots)), heads)
            core[:, a] = first - heads
        return _sigmoid(affinity), _sigmoid(presentation), core


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def load_model(path: str | Path) -> ClassIIModel:
    """Load an exported ``class2_model.npz`` (written by :func:`vaxmix.mhc.classii.train`)."""
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        blosum = data["blosum"].astype(np.float64)
        wp = data["wp"].astype(np.float64)
        width = blosum.shape[1]
        per_position = wp[: (CORE + 2) * width].reshape(CORE + 2, width, -1)
        tables = np.einsum("ab,sbh->sah", blosum, per_position)
        tables[CORE:, GAP] = 0.0  # a missing flank residue does not count in the mean
        return ClassIIModel(
            name=f"{metadata['name']} {metadata['version']}",
            metadata=metadata,
            blosum=blosum.astype(np.float32),
            core_tables=np.ascontiguousarray(tables[:CORE], dtype=np.float32),
            flank_tables=np.ascontiguousarray(tables[CORE:], dtype=np.float32),
            category_table=np.ascontiguousarray(wp[(CORE + 2) * width:], dtype=np.float32),
            w_allele=data["wa"].astype(np.float32),
            b1=data["b1"].astype(np.float32),
            w2=np.ascontiguousarray(data["w2"], dtype=np.float32),
            b2=data["b2"].astype(np.float32),
            w_out=np.ascontiguousarray(data["wout"], dtype=np.float32),
            b_out=data["bout"].astype(np.float32),
        )


@functools.cache
def default_model() -> ClassIIModel:
    """The model shipped in the package (``vaxmix/mhc/classii/data/class2_model.npz``)."""
    ref = resources.files("vaxmix.mhc.classii").joinpath("data", MODEL_FILE)
    with resources.as_file(ref) as path:
        return load_model(path)
