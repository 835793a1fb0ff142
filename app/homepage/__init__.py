"""The attendees' homepage: baking it, serving it in development, purging Varnish."""
