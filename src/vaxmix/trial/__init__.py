"""vaxmix.trial stage."""
