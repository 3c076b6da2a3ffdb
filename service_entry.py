"""Kodi's service entry point: report playback to the SwarmPlayer service until Kodi exits."""
from addon.player import run

run()
