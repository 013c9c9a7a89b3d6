"""Orchestration of the stages: `vaxmix run` and `vaxmix demo`."""
