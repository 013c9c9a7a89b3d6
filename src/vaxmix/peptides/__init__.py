"""vaxmix.peptides stage."""
