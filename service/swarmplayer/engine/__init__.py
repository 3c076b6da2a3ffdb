"""The streaming engine: libtorrent (only through lt.py), scheduling, streams, resume data."""
