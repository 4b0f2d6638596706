"""Benchmarks: each module's ``main()`` prints its figures as ratios against a baseline of the same run."""
