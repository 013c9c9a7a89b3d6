"""vaxmix.store stage."""
