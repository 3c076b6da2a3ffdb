"""Who may drive the box: paired devices' tokens, pairing codes, signed stream links."""
