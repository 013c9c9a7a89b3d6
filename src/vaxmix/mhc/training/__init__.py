"""Training of the vaxmix MHC class I predictor (needs the ``train`` extra: torch)."""
