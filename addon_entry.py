"""Kodi's plugin entry point: hand the plugin URL (sys.argv) to the router."""
from addon.plugin import run

run()
