"""Kodi's service entry point: report playback and carry out the phone's commands until Kodi
exits."""
from addon.service import run

run()
