"""Junction peptides and linker choice, checked by hand with the fake anchor-rule predictor."""

from __future__ import annotations

from vaccine_fakes import anchor_rule_binds, fake_predict

from vaxmix.vaccine.junctions import BindingCache, choose_linkers, junction_peptides


def test_junction_peptides_by_hand():
    # left "ABCDEFGH"-like stand-ins with real residues; k = 3 for a readable check
    got = junction_peptides("AAAC", "", "DEEE", [3])
    assert got == ["AAC"[0:0] + "ACD", "CDE"]
    got = junction_peptides("AAAC", "G", "DEEE", [3])
    # joined AAACGDEEE: 3-mers starting at 2..4 -> ACG, CGD, GDE
    assert got == ["ACG", "CGD", "GDE"]
    # a linker longer than k gives linker-only peptides too
    assert "GGG" in junction_peptides("AAAC", "GGGG", "DEEE", [3])


def test_every_junction_peptide_crosses_a_boundary():
    left, linker, right = "KSQAAPGSSPCLGHV", "AAY", "PTAWATAMNN"
    for peptide in junction_peptides(left, linker, right, range(8, 11)):
        assert peptide not in left and peptide not in right


def test_shortest_clean_linker_is_chosen():
    # Worked by hand with the fake rule (residue 2 in L/M/I, C-terminus in V/L/I), k = 8:
    # no linker: ...GAL|AAAAAVGG... contains ALAAAAAV -> binder;
    # GGS: ...GAL GGS AAAAAV... -> ALGGSAAA ends in A, GSAAAAAV has S at 2 -> no binder.
    left, right = "GGGGGGGGGGAL", "AAAAAVGGGGGGGG"
    binders = {p for p in junction_peptides(left, "", right, [8]) if anchor_rule_binds(p)}
    assert binders == {"ALAAAAAV"}
    cache = BindingCache(fake_predict, ["HLA-A*02:01"])
    linkers = {"none": "", "GPGPG": "GPGPG", "GGS": "GGS"}
    [choice] = choose_linkers([(left, right)], linkers, cache, [8])
    assert choice.linker == "GGS"
    assert choice.n_binders == 0


def test_no_clean_linker_keeps_fewest_binders():
    left, right = "AAAAAAAAAL", "LAAAAAAV"
    cache = BindingCache(fake_predict, ["HLA-A*02:01"])
    [choice] = choose_linkers([(left, right)], {"none": ""}, cache, [8])
    truth = {p for p in junction_peptides(left, "", right, [8]) if anchor_rule_binds(p)}
    assert choice.n_binders == len(truth)
    if truth:
        assert choice.worst_peptide in truth


def _rank_one_predict(peptides, alleles):
    """Every peptide: 5000 nM (no affinity binder) at rank 1.0 (weak, not strong, binder)."""
    import pandas as pd

    return pd.DataFrame([
        {"peptide": p, "allele": a, "affinity_nm": 5000.0, "percentile": 1.0, "model": "rank1"}
        for p in peptides for a in alleles
    ])  # fmt: skip


def test_search_and_verification_share_the_config_percentile():
    """One junction-binder percentile: DesignConfig's (0.5, strong binders), in both the search
    cache and the verification; rank 1.0 binds only when the config says 2.0."""
    from vaxmix.vaccine.config import DesignConfig
    from vaxmix.vaccine.construct import assemble
    from vaxmix.vaccine.verification import verify_junctions

    assert DesignConfig().junction_max_percentile == 0.5
    left, right = "GGGGGGGGGGAL", "AAAAAVGGGGGGGG"
    construct = assemble("t", [("a", left, ""), ("b", right, "")], [("none", "")], None, None)
    n_peptides = len(junction_peptides(left, "", right, [8]))
    for config, binders in ((None, 0), (DesignConfig(junction_max_percentile=2.0), n_peptides)):
        cache = BindingCache(_rank_one_predict, ["HLA-A*02:01"], config)
        [choice] = choose_linkers([(left, right)], {"none": ""}, cache, [8])
        assert choice.n_binders == binders
        check = verify_junctions(construct, ["HLA-A*02:01"], [8], _rank_one_predict, config)
        assert check["binders"] == binders
        assert check["junction_peptides"] == n_peptides
