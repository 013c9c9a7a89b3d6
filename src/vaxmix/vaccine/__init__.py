"""vaxmix.vaccine stage."""
