"""vaxmix.variants stage."""
