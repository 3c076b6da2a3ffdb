"""Show feeds: reading RSS/Atom/Torznab feeds into episodes and releases, polling them, and
subscriptions that pick what to fetch."""
