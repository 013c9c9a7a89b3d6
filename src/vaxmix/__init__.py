"""vaxmix: design a personalized cancer vaccine from one patient's tumor data.

The package is organised as one subpackage per pipeline stage:

``variants``  read VEP-annotated VCFs, expression tables and HLA typings
``peptides``  mutant / wild-type peptide candidates for every variant type
``mhc``       MHC binding and presentation prediction (built-in model + adapters)
``ranking``   filters, tiers and aggregation of candidates
``vaccine``   long-peptide selection, junction-safe ordering, construct assembly
``mrna``      mRNA design (codons, structure, UTRs, poly(A), constraints)
``virus``     oncolytic virus panel
``trial``     trial analytics (RECIST 1.1, CTCAE, immune response)
``report``    self-contained HTML patient report
``store``     run registry and review web app

Stages exchange plain dataclass records and pandas tables; see ``docs/architecture.md``.
"""

__version__ = "0.1.0"
