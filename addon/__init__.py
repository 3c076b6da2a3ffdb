"""The SwarmPlayer Kodi add-on: a thin client of the service's HTTP API."""
