"""The property tests: their Hypothesis profiles are registered in the root ``conftest.py``."""
