"""vaxmix.ranking stage."""
