"""Package data of ``animations`` (a package so that setuptools' ``find:`` ships it)."""
