"""Request handlers, one module per API area."""
