"""vaxmix.mhc stage."""
