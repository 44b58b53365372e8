"""FACS/EMFACS prototype signals, one native YAML timeline per file (see ``animations.library``)."""
