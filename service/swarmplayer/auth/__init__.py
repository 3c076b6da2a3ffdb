"""Who may use the box: paired devices' tokens, pairing codes, signed stream links."""
