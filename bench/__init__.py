"""Benchmarks and their bench-only Django glue (settings, URL conf, baseline view).

Nothing in frontline/ imports from here; see bench/README.md for the commands.
"""
