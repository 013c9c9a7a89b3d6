"""Mutant and wild-type protein windows around a variant, following pVACseq 7.1.5's rules.

For an epitope length ``L`` the flank is ``L − 1`` residues, so every k-mer that overlaps the
change fits in the window. The rules (pVACtools' ``FastaGenerator``; Hundal et al. 2020,
doi:10.1186/s13073-020-00814-x) are restated in ``docs/pipeline.md``; the short version:

* missense / inframe: the wild-type window is centred on the changed residues (clamped at the
  protein ends), the mutant window is the same window with REF replaced by ALT; a stop in ALT
  truncates the mutant window there;
* frameshift: the wild-type window is ``WT[p − flank : p + flank]`` and the mutant window the
  frameshift protein from ``p − flank`` up to ``downstream_length`` residues past ``p``;
* stop_lost (a vaxmix addition; pVACseq 7.1.5 skips it): the mutant protein is the wild type
  followed by the residues VEP reports in place of the lost stop (Amino_acids ``*/Y``) or, when
  the CSQ carries one, the full read-through protein (FrameshiftSequence); windows and pairing
  then follow the frameshift rule. VEP's CSQ holds no read-through sequence beyond the codon
  itself (HGVSp ``p.Ter79TyrextTer54`` gives only its length), so without it the candidates
  are the k-mers that end at the new residues: true sub-sequences of the mutant protein;
* one non-standard residue is trimmed from each window end, windows that still contain one (e.g.
  selenocysteine ``U``) are skipped, and so are windows shorter than ``L`` or whose mutant k-mers
  all occur in the wild-type window.
"""

from __future__ import annotations

from dataclasses import dataclass

from vaxmix.common.aminoacids import AMINO_ACID_SET

__all__ = ["Window", "WindowSkip", "build_window", "first_protein_position"]


@dataclass(frozen=True)
class Window:
    """The mutant and wild-type windows of one variant × transcript for one epitope length.

    Attributes
    ----------
    mutant, wildtype
        The windows (amino-acid strings).
    kind
        ``missense``, ``FS``, ``inframe_ins`` or ``inframe_del``: how to pair k-mers.
    shift
        Residues inserted (``inframe_ins``) or deleted (``inframe_del``) in the mutant; 0 else.
    """

    mutant: str
    wildtype: str
    kind: str
    shift: int = 0


@dataclass(frozen=True)
class WindowSkip:
    """Why a variant × transcript gives no peptides at one length (a counted reason)."""

    reason: str


def first_protein_position(protein_position: str) -> int | None:
    """First residue of VEP's Protein_position (``"58"``, ``"726-727"``, ``--total_length``'s
    ``"58/207"``); None if unparseable."""
    head = str(protein_position).split("/", 1)[0].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _cut_at_stop(residues: str) -> tuple[str, bool]:
    """Cut at the first ``*`` or ``X``; report whether a cut happened."""
    for i, residue in enumerate(residues):
        if residue in "*X":
            return residues[:i], True
    return residues, False


def _wildtype_subsequence(position: int, wildtype: str, span: int, flank: int) -> tuple[int, str]:
    """pVACseq's centred WT window: (index of the change in the window, window)."""
    length = min(2 * flank + span, len(wildtype))
    from_end = len(wildtype) - 1 - position
    if position < flank:
        return position, wildtype[:length]
    if from_end < flank:
        start = len(wildtype) - length
        return position - start, wildtype[start:]
    start = position - flank
    return flank, wildtype[start : start + length]


def _trim(window: str) -> str:
    if window and window[0] not in AMINO_ACID_SET:
        window = window[1:]
    if window and window[-1] not in AMINO_ACID_SET:
        window = window[:-1]
    return window


def build_window(
    variant_type: str,
    protein_position: str,
    amino_acid_change: str,
    wildtype_protein: str,
    frameshift_protein: str,
    length: int,
    downstream_length: int | None = 1000,
) -> Window | WindowSkip:
    """Mutant/wild-type windows for one parsed-VCF row and epitope length ``length``.

    Parameters
    ----------
    variant_type
        ``missense``, ``inframe_ins``, ``inframe_del`` or ``FS`` (pVACseq's variant types), or
        ``stop_lost``.
    protein_position, amino_acid_change
        VEP's Protein_position (``"58"``, ``"726-727"``) and Amino_acids (``"P/A"``).
    wildtype_protein, frameshift_protein
        Full reference protein, and the full frameshift protein (FS only).
    length
        Epitope length; the flank is ``length − 1``.
    downstream_length
        Frameshift residues kept past the variant (pVACseq ``-d``, default 1000; ``None`` = all).
    """
    flank = length - 1
    first = first_protein_position(protein_position)
    if first is None:
        return WindowSkip("unparseable protein position")
    if variant_type == "stop_lost":
        return _stop_lost_window(
            first - 1, amino_acid_change, wildtype_protein, frameshift_protein, length,
            downstream_length,
        )
    if variant_type == "FS":
        if wildtype_protein.startswith(frameshift_protein):
            return WindowSkip("frameshift protein is a prefix of the wild type")
        position = first - 1
        begin = max(0, position - flank)
        wildtype = wildtype_protein[begin : position + flank]
        end = None if downstream_length is None else position + downstream_length
        mutant = frameshift_protein[begin:end]
        kind, shift = "FS", 0
    else:
        ref_aa, sep, alt_aa = amino_acid_change.partition("/")
        if not sep:
            return WindowSkip("Amino_acids has no REF/ALT change")
        pure_insertion = ref_aa == "-"
        if pure_insertion:
            ref_aa = ""
        ref_aa, _ = _cut_at_stop(ref_aa)
        if alt_aa == "-":
            alt_aa = ""
        alt_aa, stop_gain = _cut_at_stop(alt_aa)
        position = first if pure_insertion else first - 1
        span = len(alt_aa) if variant_type == "inframe_ins" else len(ref_aa)
        at, wildtype = _wildtype_subsequence(position, wildtype_protein, span, flank)
        if wildtype[at : at + len(ref_aa)] != ref_aa:
            return WindowSkip("reference amino acids do not match WildtypeProtein")
        tail = "" if stop_gain else wildtype[at + len(ref_aa) :]
        mutant = wildtype[:at] + alt_aa + tail
        kind = variant_type
        if variant_type == "inframe_ins":
            shift = len(alt_aa) - len(ref_aa)
        elif variant_type == "inframe_del":
            shift = len(ref_aa) - len(alt_aa)
        else:
            shift = 0
    mutant, wildtype = _trim(mutant), _trim(wildtype)
    if any(r not in AMINO_ACID_SET for r in mutant) or any(
        r not in AMINO_ACID_SET for r in wildtype
    ):
        return WindowSkip("non-standard amino acid in the window")
    if len(mutant) < length or len(wildtype) < length:
        return WindowSkip("window shorter than the epitope length")
    wildtype_kmers = {wildtype[i : i + length] for i in range(len(wildtype) - length + 1)}
    if all(mutant[i : i + length] in wildtype_kmers for i in range(len(mutant) - length + 1)):
        return WindowSkip("no mutant k-mer absent from the wild type")
    return Window(mutant=mutant, wildtype=wildtype, kind=kind, shift=shift)


def _stop_lost_window(
    position: int,
    amino_acid_change: str,
    wildtype_protein: str,
    readthrough_protein: str,
    length: int,
    downstream_length: int | None,
) -> Window | WindowSkip:
    """Windows of a lost stop at 0-based ``position`` (= the wild-type protein's length)."""
    ref_aa, _, alt_aa = amino_acid_change.partition("/")
    if not ref_aa.startswith("*"):
        return WindowSkip("stop_lost without a lost stop in Amino_acids")
    if position != len(wildtype_protein):
        return WindowSkip("lost stop position does not match WildtypeProtein length")
    if readthrough_protein and readthrough_protein.startswith(wildtype_protein):
        mutant_protein = readthrough_protein
    else:
        new, _ = _cut_at_stop(alt_aa)
        mutant_protein = wildtype_protein + new
    mutant_protein, _ = _cut_at_stop(mutant_protein)
    flank = length - 1
    begin = max(0, position - flank)
    end = None if downstream_length is None else position + downstream_length
    mutant, wildtype = _trim(mutant_protein[begin:end]), _trim(wildtype_protein[begin:])
    if len(mutant) <= len(wildtype):
        return WindowSkip("stop_lost adds no residue")
    if any(r not in AMINO_ACID_SET for r in mutant + wildtype):
        return WindowSkip("non-standard amino acid in the window")
    if len(mutant) < length:
        return WindowSkip("window shorter than the epitope length")
    return Window(mutant=mutant, wildtype=wildtype, kind="FS", shift=0)
