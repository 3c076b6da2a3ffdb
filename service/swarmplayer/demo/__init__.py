"""The embedded demo: a local swarm on 127.0.0.1 seeding a bundled sample video."""
