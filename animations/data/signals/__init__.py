"""Built-in social signals, one native YAML timeline per file (see ``animations.library``)."""
