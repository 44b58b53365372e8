"""Scene, robot camera, renderer and (later) Gymnasium environments of hrisim."""
import os as _os

# PyOpenGL reads its platform once, at first import: default to headless EGL before anything does.
_os.environ.setdefault("PYOPENGL_PLATFORM", _os.environ.get("HRISIM_GL", "egl"))

from sim_env.envs import registration as _registration  # noqa: E402,F401  (registers hrisim/* env ids)
