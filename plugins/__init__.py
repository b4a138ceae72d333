"""Built-in plugins: core behaviour written against the same hooks an outside plugin uses."""
