"""vaxmix.virus stage."""
