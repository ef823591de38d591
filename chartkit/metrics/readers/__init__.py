"""One module per log format; each returns a `chartkit.metrics.schema.RunLog`."""
