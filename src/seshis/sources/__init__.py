"""Where sessions come from: files, the demo site, and (later) the live APIs."""
