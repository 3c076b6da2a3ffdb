"""The disk cache: what to evict (policy, pure) and the component that applies it (janitor)."""
