"""Publishing a folder of videos (`swarmplayer publish`): each video made into a .tstream,
seeded from the folder itself, and listed in an RSS feed other boxes subscribe to."""
