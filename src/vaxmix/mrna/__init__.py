"""vaxmix.mrna stage."""
