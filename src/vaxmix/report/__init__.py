"""vaxmix.report stage."""
