"""Streaming benchmarks on a local swarm: `python -m bench` writes docs/benchmarks.md."""
