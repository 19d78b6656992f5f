"""Command implementations: each a short function that returns an exit code. The CLI modules
only parse options and call these."""
