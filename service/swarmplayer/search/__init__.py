"""Search beyond feeds: Torznab indexers (Jackett, Prowlarr) asked at once, their answers read
by the feed worker into the episodes model of feeds."""
