"""HLA allele names: the one parser every vaxmix stage uses.

Typing tools, users and other pipelines spell one allele many ways (``HLA-A*02:01``,
``A*02:01``, ``A0201``, ``HLA-A02:01``, ``A*02:01:01:01``, ``DRB1_1501``,
``HLA-DQA10501-DQB10201``). :func:`parse_allele` reads any of them into an :class:`AlleleName`:
the canonical two-field (protein-level) name that the binding predictors are defined at, the
name at the resolution given, the expression suffix and a line saying what was changed, so the
caller can print and record every normalisation (``A0201`` read as ``HLA-A*02:01``).

Expression suffixes follow the WHO Nomenclature Committee for Factors of the HLA System
(Marsh SGE et al., Tissue Antigens 2010;75:291-455; hla.alleles.org/nomenclature/naming.html):

* ``N`` null: not expressed. ``S`` secreted: a soluble molecule, not at the cell surface.
  ``C``: in the cytoplasm, not at the cell surface. None of these presents peptides to T cells
  at the cell surface, so :attr:`AlleleName.expressed` is False and callers exclude them with a
  warning (a null allele predicted as the expressed allele of the same two fields would put
  epitopes into a vaccine for a molecule the patient does not have).
* ``L`` low cell-surface expression, ``A`` aberrant (doubtful) expression, ``Q`` questionable
  (a mutation known to affect expression elsewhere): the molecule may be at the surface, so it
  is kept, and the suffix is recorded and warned about (:attr:`AlleleName.warning`).
* ``G`` and ``P`` name allele groups with identical peptide-binding-domain nucleotide (G) or
  protein (P) sequences; the group is read as its named two-field allele, which shares that
  domain, and the normalisation says so.

Standard WHO spellings are read by a regular expression (no import cost); anything else by
``mhcgnomes`` (imported only then). Names longer than :data:`MAX_NAME_LENGTH` characters are
refused before any parsing (an overlong token made the general parser quadratic).

Only the classical class I genes (HLA-A, -B, -C) and the expressed class II chains are
supported: other genes raise :class:`UnsupportedAllele`, which says why and what the options
are (e.g. HLA-E and HLA-G, which vaxmix's models do not cover).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = [
    "CLASS1_GENES",
    "CLASS2_CHAINS",
    "EXPRESSION_SUFFIXES",
    "MAX_NAME_LENGTH",
    "AlleleName",
    "UnsupportedAllele",
    "is_class2_name",
    "parse_allele",
]

#: Classical class I genes, the ones vaxmix's class I model covers.
CLASS1_GENES = frozenset({"A", "B", "C"})
#: Expressed class II chains (DRB2/6/7/8/9 are pseudogenes; DM and DO are not presenters).
CLASS2_CHAINS = frozenset({"DRA", "DRB1", "DRB3", "DRB4", "DRB5", "DQA1", "DQB1", "DPA1", "DPB1"})
#: Beta chain gene -> the alpha chain gene it pairs with.
ALPHA_OF = {"DRB1": "DRA", "DRB3": "DRA", "DRB4": "DRA", "DRB5": "DRA", "DQB1": "DQA1",
            "DPB1": "DPA1"}  # fmt: skip
#: WHO expression suffixes: letter -> (short word, meaning, presented at the cell surface).
EXPRESSION_SUFFIXES: dict[str, tuple[str, str, bool]] = {
    "N": ("null", "a null allele, not expressed", False),
    "S": ("secreted", "expressed only as a secreted (soluble) molecule, not at the cell surface",
          False),
    "C": ("cytoplasm", "expressed in the cytoplasm, not at the cell surface", False),
    "L": ("low", "low cell-surface expression", True),
    "A": ("aberrant", "aberrant expression: it is doubtful whether the protein is expressed",
          True),
    "Q": ("questionable", "questionable expression (a mutation known to affect expression)",
          True),
}  # fmt: skip
_GROUPS = {"G": "G group (identical peptide-binding-domain exons)",
           "P": "P group (identical peptide-binding-domain protein)"}  # fmt: skip
#: Longest accepted name: a four-field DQ/DP pair with prefixes and suffixes is ~45 characters.
MAX_NAME_LENGTH = 64

_SUPPORTED_NOTE = (
    "vaxmix's built-in models cover the classical class I genes HLA-A, -B, -C and the class II "
    "molecules HLA-DR, -DQ, -DP"
)
_NONCLASSICAL = (
    "HLA-{gene} is a non-classical class I gene: the built-in class I model does not cover it "
    "(it is trained on and defined for HLA-A, -B, -C). Options: leave it out (typing files: "
    "vaxmix skips non-classical genes), or predict it with a tool that covers HLA-{gene} "
    "(e.g. NetMHCpan 4.1 through pVACseq) and design from that result folder with "
    "`vaxmix design --run-dir`"
)
_PSEUDO = {"H", "J", "K", "L", "N", "P", "S", "T", "U", "V", "W", "Y", "DRB2", "DRB6", "DRB7",
           "DRB8", "DRB9"}  # fmt: skip

# WHO spelling: optional HLA- prefix, gene, '*', 2-4 colon-separated fields, optional suffix.
_CHAIN = r"(?:HLA-)?([A-Z][A-Z0-9]{0,4})\*(\d{2,4}(?::\d{2,4}){0,3})([NLSCAQGP]?)"
_WHO_CHAIN = re.compile(_CHAIN)
_WHO_PAIR = re.compile(_CHAIN + r"[-/]" + _CHAIN)
_CLASS2_PREFIX = re.compile(r"(?:HLA-)?D[PQRMO]", re.IGNORECASE)
#: Characters an allele name can hold in any spelling; others are refused without parsing.
_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9*:_\-/. ]+")


class UnsupportedAllele(InputError):
    """A real allele name that vaxmix's models do not cover (HLA-E/-G, DM, H-2, ...)."""


@dataclass(frozen=True)
class AlleleName:
    """One allele (or class II alpha-beta molecule) name, read and normalised.

    Attributes
    ----------
    given
        The text as written.
    name
        Canonical two-field name: ``HLA-A*02:01``; ``HLA-DRB1*04:05`` (DR molecules by their
        beta chain, DRA*01:01 implied); ``HLA-DQA1*01:02-DQB1*06:02``; a single DQ/DP chain
        ``HLA-DQA1*01:02`` (pairing chains into molecules is the caller's job).
    full
        The name at the resolution given, in WHO spelling, with its suffix
        (``HLA-B*45:01N``, ``HLA-A*24:02:01:02L``).
    genes
        Gene of each chain given (``("A",)``, ``("DQA1", "DQB1")``, ``("DRA", "DRB1")``).
    chains
        Two-field name of each chain given (``("HLA-DQA1*01:02", "HLA-DQB1*06:02")``).
    mhc_class
        1 or 2.
    suffix
        WHO expression suffix (N, S, C, L, A, Q) or ``""``; for a pair, the first chain's that
        has one (a null chain makes the molecule null).
    group
        ``"G"`` or ``"P"`` for an allele group name, else ``""``.
    resolution
        Fields given (2-4; for a pair, the larger of the two chains').
    source
        Where the name came from (``"--alleles"``, ``"hla.txt line 3"``), for messages.
    """

    given: str
    name: str
    full: str
    genes: tuple[str, ...]
    mhc_class: int
    chains: tuple[str, ...] = ()
    suffix: str = ""
    group: str = ""
    resolution: int = 2
    source: str = ""

    @property
    def expressed(self) -> bool:
        """False for null, secreted and cytoplasmic alleles (no cell-surface molecule)."""
        return EXPRESSION_SUFFIXES.get(self.suffix, ("", "", True))[2]

    @property
    def expression(self) -> str:
        """``expressed``, or the suffix's word (``null``, ``low``, ``questionable``, ...)."""
        return EXPRESSION_SUFFIXES[self.suffix][0] if self.suffix else "expressed"

    @property
    def normalisation(self) -> str | None:
        """What reading the name changed (spelling, resolution, group), or ``None``."""
        stripped = self.given.strip()
        if stripped == self.name:
            return None
        changes = []
        if self.resolution > 2:
            changes.append(f"{self.resolution} fields reduced to two, the protein level the "
                           "models are defined at")
        if self.group:
            changes.append(f"{_GROUPS[self.group]} read as its named allele")
        if self.genes[0] == "DRA":
            changes.append("a DR molecule is named by its beta chain (DRA*01:01 implied)")
        if self.suffix:
            changes.append(f"suffix {self.suffix} recorded as {self.expression} expression")
        if not changes or stripped.upper().removeprefix("HLA-") != self.full.upper().removeprefix(
                "HLA-"):
            changes.insert(0, "spelling")
        return f"{stripped!r} read as {self.name} ({'; '.join(changes)})"

    @property
    def warning(self) -> str | None:
        """The warning an expression suffix calls for, or ``None`` for an ordinary allele."""
        if not self.suffix:
            return None
        _word, meaning, presented = EXPRESSION_SUFFIXES[self.suffix]
        where = f" ({self.source})" if self.source else ""
        if not presented:
            return (f"allele {self.full}{where} is {meaning} (WHO suffix {self.suffix}): "
                    "excluded, no peptides are predicted for it")  # fmt: skip
        return (f"allele {self.full}{where} has {meaning} (WHO suffix {self.suffix}): kept as "
                f"{self.name}, but its presentation of peptides is uncertain")  # fmt: skip

    def record(self) -> dict[str, object]:
        """A plain dict for run.json: given, used name, resolution, expression, action."""
        return {
            "given": self.given.strip(),
            "source": self.source or None,
            "name": self.name,
            "full": self.full,
            "mhc_class": "II" if self.mhc_class == 2 else "I",
            "expression": self.expression,
            "suffix": self.suffix or None,
            "group": self.group or None,
            "action": "used" if self.expressed else "excluded",
            "normalisation": self.normalisation,
        }


def is_class2_name(name: str) -> bool:
    """True for HLA-DR/DQ/DP (and DM/DO) names, chains or pairs, in any common spelling."""
    return bool(_CLASS2_PREFIX.match(str(name).strip()))


def parse_allele(
    text: str,
    path: str | Path | None = None,
    line: int | None = None,
    field: str | None = None,
    source: str | None = None,
) -> AlleleName:
    """Read one allele or class II molecule name (module doc).

    Parameters
    ----------
    text
        The name as written.
    path, line, field
        Where it came from, for the error message.
    source
        Where it came from, recorded in :attr:`AlleleName.source` (default: from ``path`` and
        ``line``, else ``field``).

    Raises
    ------
    UnsupportedAllele
        For a well-formed name of a gene or species vaxmix's models do not cover.
    InputError
        For anything that is not an allele name at two-field resolution or better, or a class II
        pair of chains that do not pair.
    """
    raw = str(text)
    stripped = raw.strip()
    if len(stripped) > MAX_NAME_LENGTH:
        raise InputError(
            f"not an HLA allele name: {len(stripped):,} characters (names are at most "
            f"{MAX_NAME_LENGTH}); starts {stripped[:20]!r}", path=path, line=line, field=field,
        )  # fmt: skip
    outcome = _parse_cached(stripped)
    if isinstance(outcome, tuple):
        kind, message = outcome
        error = UnsupportedAllele if kind == "unsupported" else InputError
        raise error(message, path=path, line=line, field=field)
    if source is None:  # a file and line, a file, or a command-line option
        source = f"{Path(path).name} line {line}" if path is not None and line is not None else (
            str(path) if path is not None else (field if field and field.startswith("--")
                                                else ""))  # fmt: skip
    return replace(outcome, given=raw, source=source)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> AlleleName | tuple[str, str]:
    """The name, or ``(kind, message)`` for an error (errors are cached too)."""
    try:
        return _parse(text)
    except _Bad as bad:
        return bad.kind, bad.message


class _Bad(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass(frozen=True)
class _Chain:
    gene: str
    fields: tuple[str, ...]
    suffix: str  # expression suffix or ""
    group: str  # G/P or ""

    @property
    def full(self) -> str:
        return f"HLA-{self.gene}*{':'.join(self.fields)}{self.suffix or self.group}"

    @property
    def two_field(self) -> str:
        return f"HLA-{self.gene}*{':'.join(self.fields[:2])}"


def _parse(text: str) -> AlleleName:
    if not text:
        raise _Bad("input", "empty allele name")
    chains = _who_chains(text)
    if chains is None:
        if not _NAME_CHARACTERS.fullmatch(text):
            bad = next(c for c in text if not _NAME_CHARACTERS.fullmatch(c))
            raise _Bad("input", f"{text!r} is not an HLA allele name (character {bad!r}; "
                       "expected e.g. HLA-A*02:01)")  # fmt: skip
        chains = _mhcgnomes_chains(text)
    for chain in chains:
        _check_gene(text, chain)
    if len(chains) == 1:
        return _single(text, chains[0])
    return _pair(text, chains[0], chains[1])


def _who_chains(text: str) -> list[_Chain] | None:
    """Chains of a name in standard WHO spelling (any case), or None (then mhcgnomes reads it)."""
    text = text.upper()
    match = _WHO_CHAIN.fullmatch(text)
    if match is not None:
        return [_chain_of(*match.groups())]
    match = _WHO_PAIR.fullmatch(text)
    if match is not None:
        groups = match.groups()
        return [_chain_of(*groups[:3]), _chain_of(*groups[3:])]
    return None


def _chain_of(gene: str, fields: str, suffix: str) -> _Chain:
    group = suffix if suffix in _GROUPS else ""
    return _Chain(gene, tuple(fields.split(":")), "" if group else suffix, group)


def _mhcgnomes_chains(text: str) -> list[_Chain]:
    import mhcgnomes

    try:
        parsed = mhcgnomes.parse(text)
    except Exception as exc:  # mhcgnomes raises its own ParseError subclasses
        raise _Bad("input", f"{text!r} is not an HLA allele name (expected e.g. HLA-A*02:01)"
                   ) from exc  # fmt: skip
    kind = type(parsed).__name__
    if kind == "Pair":
        return [_mhcgnomes_chain(text, parsed.alpha), _mhcgnomes_chain(text, parsed.beta)]
    if kind == "Serotype":
        raise _Bad("input", f"{text!r} is a serotype, not a specific allele: give the two-field "
                   "allele the typing reported (e.g. HLA-A*02:01)")  # fmt: skip
    return [_mhcgnomes_chain(text, parsed)]


def _mhcgnomes_chain(text: str, parsed: object) -> _Chain:
    kind = type(parsed).__name__
    fields = getattr(parsed, "allele_fields", None)
    gene = getattr(parsed, "gene", None)
    if kind != "Allele" or fields is None or gene is None:
        raise _Bad("input", f"{text!r} is not a single allele (read as {kind}); give e.g. "
                   "HLA-A*02:01")  # fmt: skip
    species = getattr(getattr(gene, "species", None), "name", None)
    if species != "Homo sapiens":
        raise _Bad("unsupported", f"{text!r} is not a human HLA allele ({species}); "
                   f"{_SUPPORTED_NOTE}")  # fmt: skip
    annotations = tuple(getattr(parsed, "annotations", ()) or ())
    suffix = next((a for a in annotations if a in EXPRESSION_SUFFIXES), "")
    group = next((a for a in annotations if a in _GROUPS), "")
    return _Chain(str(gene.name).upper(), tuple(str(f) for f in fields), suffix, group)


def _check_gene(text: str, chain: _Chain) -> None:
    gene = chain.gene
    if gene in {"E", "F", "G"}:
        raise _Bad("unsupported", f"{text!r}: " + _NONCLASSICAL.format(gene=gene))
    if gene in _PSEUDO:
        raise _Bad("unsupported", f"{text!r}: HLA-{gene} is a pseudogene, not an expressed "
                   f"chain; {_SUPPORTED_NOTE}")  # fmt: skip
    if gene.startswith(("DM", "DO")):
        raise _Bad("unsupported", f"{text!r}: HLA-{gene} is not an expressed HLA class II chain "
                   "(DM and DO are peptide-loading chaperones, not presenters); class II "
                   "chains are DRA, DRB1/3/4/5, DQA1, DQB1, DPA1, DPB1")  # fmt: skip
    if gene not in CLASS1_GENES and gene not in CLASS2_CHAINS:
        raise _Bad("unsupported", f"{text!r}: HLA-{gene} is not a classical HLA gene; "
                   f"{_SUPPORTED_NOTE}")  # fmt: skip
    if len(chain.fields) < 2:
        raise _Bad("input", f"{text!r} has only allele-group resolution; give two fields "
                   f"(e.g. HLA-{gene}*{chain.fields[0]}:01)")  # fmt: skip
    wrong = [f for f in chain.fields if not (f.isdigit() and 2 <= len(f) <= 4)]
    if wrong:  # WHO fields are 2-4 digits; a longer one is a lost ':' (C*07:02201), not a name
        raise _Bad("input", f"{text!r}: field {wrong[0]!r} is not a WHO allele field (2 to 4 "
                   "digits, separated by ':')")  # fmt: skip


def _single(text: str, chain: _Chain) -> AlleleName:
    mhc_class = 1 if chain.gene in CLASS1_GENES else 2
    return AlleleName(given=text, name=chain.two_field, full=chain.full, genes=(chain.gene,),
                      mhc_class=mhc_class, chains=(chain.two_field,), suffix=chain.suffix,
                      group=chain.group, resolution=len(chain.fields))  # fmt: skip


def _pair(text: str, first: _Chain, second: _Chain) -> AlleleName:
    if first.gene in CLASS1_GENES or second.gene in CLASS1_GENES:
        raise _Bad("input", f"{text!r} is not an HLA class II chain or alpha-beta pair")
    alpha, beta = sorted((first, second), key=lambda c: c.gene in ALPHA_OF)  # alpha first
    if ALPHA_OF.get(beta.gene) != alpha.gene:
        raise _Bad("input", f"{text!r} pairs {alpha.gene} with {beta.gene}; class II molecules "
                   "pair DRA with DRB1/3/4/5, DQA1 with DQB1 and DPA1 with DPB1")  # fmt: skip
    suffix = next((c.suffix for c in (alpha, beta) if c.suffix and
                   not EXPRESSION_SUFFIXES[c.suffix][2]), "") or alpha.suffix or beta.suffix
    group = alpha.group or beta.group
    resolution = max(len(alpha.fields), len(beta.fields))
    full = f"{alpha.full}-{beta.full.removeprefix('HLA-')}"
    chains = (alpha.two_field, beta.two_field)
    if alpha.gene == "DRA":  # DR molecules are named by their beta chain (DRA is monomorphic)
        return AlleleName(given=text, name=beta.two_field, full=full, genes=("DRA", beta.gene),
                          mhc_class=2, chains=chains, suffix=suffix, group=group,
                          resolution=resolution)  # fmt: skip
    name = f"{alpha.two_field}-{beta.two_field.removeprefix('HLA-')}"
    return AlleleName(given=text, name=name, full=full, genes=(alpha.gene, beta.gene),
                      mhc_class=2, chains=chains, suffix=suffix, group=group,
                      resolution=resolution)  # fmt: skip
