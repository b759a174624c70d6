__version__ = "0.1.0"

from .core.layers import install_aliases as _install_aliases
_install_aliases()   # old module names (balmo.sampler, balmo.repro, ...) still import: core.layers.MOVED
