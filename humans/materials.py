"""MakeHuman ``.mhmat`` materials, read into what hrisim's renderer can draw.

Only what changes a rendered face is kept: the diffuse texture, the diffuse colour, opacity,
transparency and backface culling. MakeHuman's shader settings (litsphere, SSS, bump maps) have no
counterpart in a physically based renderer, and unknown keys are ignored, as MakeHuman does.

How colour is chosen: a texture *is* the colour (MakeHuman's skins say ``diffuseColor 0.5`` but
its litsphere shader shows the photo texture at full brightness, so the colour is not multiplied
in); ``diffuseColor`` colours untextured materials. When a material names a texture that no asset
root has, hrisim warns once per material (:class:`MissingTextureWarning`, naming the .mhmat, its
line and the roots searched) and the surface is drawn with hrisim's fallback, opaque: for a skin,
hrisim's built-in painted skin in the person's Monk skin tone; for hair, brows and lashes, a flat
colour, the built-in hair colour of the person. Never a silent grey.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
import warnings
from pathlib import Path

import numpy as np

from hrisim.textio import read_text
from humans.assets import AssetError, AssetRoots

MAX_TEXTURE_PIXELS = 8192 * 8192  # MakeHuman's largest textures are 4096²; bigger is a mistake or a bomb


class MissingTextureWarning(UserWarning):
    """A material's texture was not found in any asset root; a flat fallback colour is drawn."""


@dataclasses.dataclass(frozen=True)
class Material:
    """What a .mhmat says about how a surface looks."""

    path: Path
    name: str
    diffuse_colour: tuple[float, float, float] = (1.0, 1.0, 1.0)
    opacity: float = 1.0
    transparent: bool = False
    backface_cull: bool = True
    diffuse_texture: Path | None = None
    missing_texture: str | None = None  # named on a line but not found: "name (line N)"

    @property
    def alpha_textured(self) -> bool:
        """Hair, brows and lashes: a texture whose alpha cuts the strands out."""
        return self.transparent and self.diffuse_texture is not None


_BOOL = {"true": True, "false": False, "1": True, "0": False}


def read_mhmat(path: str | Path, roots: AssetRoots) -> Material:
    """Read ``path``; textures are found beside it, else at the same root-relative path elsewhere.

    Numbers must be finite and in [0, 1]; a key given twice is an error naming both lines; a
    texture path that leads outside the asset roots is refused (see ``AssetRoots.find_beside``).
    """
    path = Path(path)
    fields: dict = {"path": path, "name": path.stem}
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path}: no such MakeHuman material")
    lines = read_text(path, AssetError, "MakeHuman material").splitlines()
    seen: dict[str, int] = {}
    unknown: list[str] = []
    known = 0
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        key, *values = line.split()
        if key not in _MAKEHUMAN_KEYS:
            unknown.append(f"{key!r} (line {lineno})" if _IDENTIFIER.match(key) else f"a line that is no key (line {lineno})")
        else:
            known += 1
        if key in _CHECKED_KEYS:
            if key in seen:
                raise AssetError(f"{path}:{lineno}: '{key}' again (first on line {seen[key]}); "
                                 "each key may appear once")
            seen[key] = lineno
        if key == "name" and values:
            fields["name"] = " ".join(values)
        elif key == "diffuseColor":
            fields["diffuse_colour"] = tuple(_floats(path, lineno, key, values, 3))
        elif key == "opacity":
            fields["opacity"] = _floats(path, lineno, key, values, 1)[0]
        elif key in ("transparent", "backfaceCull"):
            flag = _BOOL.get(values[0].lower()) if values else None
            if flag is None:
                raise AssetError(f"{path}:{lineno}: expected '{key} True|False', got {line!r}")
            fields["transparent" if key == "transparent" else "backface_cull"] = flag
        elif key == "diffuseTexture" and values:
            reference = " ".join(values)
            try:
                found = roots.find_beside(path, reference)
            except AssetError as err:
                raise AssetError(f"{path}:{lineno}: diffuseTexture {err}") from None
            if found is None:
                fields["missing_texture"] = f"{reference} (line {lineno})"
            fields["diffuse_texture"] = found
    if unknown and not known:  # not quoted: the file may be anything (a link to a system file)
        raise AssetError(f"{path}: no MakeHuman material keys (name, diffuseColor, diffuseTexture...): "
                         "not a .mhmat file")
    if unknown:  # names only, never values
        warnings.warn(f"{path}: {len(unknown)} key(s) MakeHuman materials do not have were ignored: "
                      + ", ".join(unknown[:8]), stacklevel=2)
    return Material(**fields)


# Every key MakeHuman 1.x writes in a .mhmat (its shader settings are read and ignored, as documented).
_MAKEHUMAN_KEYS = frozenset({
    "name", "tag", "description", "uuid", "ambientColor", "diffuseColor", "specularColor", "shininess",
    "emissiveColor", "opacity", "translucency", "shadeless", "wireframe", "transparent", "alphaToCoverage",
    "backfaceCull", "depthless", "castShadows", "receiveShadows", "autoBlendSkin", "diffuseTexture",
    "bumpTexture", "bumpmapTexture", "bumpmapIntensity", "normalmapTexture", "normalmapIntensity",
    "displacementmapTexture", "displacementmapIntensity", "specularmapTexture", "specularmapIntensity",
    "transparencymapTexture", "transparencymapIntensity", "aomapTexture", "aomapIntensity", "shader",
    "shaderParam", "shaderDefine", "shaderConfig", "litsphereTexture", "sssEnabled", "sssRScale",
    "sssGScale", "sssBScale", "viewPortColor", "viewPortAlpha",
})
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_CHECKED_KEYS = frozenset({"name", "diffuseColor", "opacity", "transparent", "backfaceCull", "diffuseTexture"})


def _floats(path: Path, lineno: int, key: str, values: list[str], n: int) -> list[float]:
    """``n`` finite numbers in [0, 1] (MakeHuman's colours and opacity)."""
    try:
        numbers = [float(v) for v in values[:n]]
    except ValueError:
        numbers = []
    if len(numbers) != n:
        raise AssetError(f"{path}:{lineno}: expected '{key}' followed by {n} number(s), got {values[:n]!r}")
    for number in numbers:
        if not (math.isfinite(number) and 0.0 <= number <= 1.0):
            raise AssetError(f"{path}:{lineno}: field '{key}': expected numbers in [0, 1], got {number!r}")
    return numbers


def warn_if_missing(material: Material, roots: AssetRoots, fallback_rgb) -> None:
    """One clear warning per material whose texture could not be found (see module docstring)."""
    if material.missing_texture is None:
        return
    _warn_once(str(material.path), material.missing_texture, tuple(str(r) for r in roots.roots),
               tuple(round(float(c), 3) for c in fallback_rgb))


@functools.lru_cache(maxsize=None)
def _warn_once(path: str, texture: str, roots: tuple[str, ...], fallback: tuple[float, ...]) -> None:
    warnings.warn(
        f"{path}: texture {texture} is in none of the asset roots {list(roots)}; drawing hrisim's "
        f"fallback instead (colour {fallback}; for a skin, the built-in skin of that tone)",
        MissingTextureWarning,
        stacklevel=4,
    )


def open_image(path: Path, mode: str, what: str = "texture"):
    """A decoded PIL image in ``mode``, or AssetError naming the file: missing, not an image,
    truncated or corrupt, or over :data:`MAX_TEXTURE_PIXELS` (checked from the header, before
    any pixel is decoded, so a decompression bomb costs nothing)."""
    import warnings as _warnings

    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_TEXTURE_PIXELS:
                raise AssetError(f"{path}: {what} of {width}x{height} pixels; at most {MAX_TEXTURE_PIXELS} "
                                 "pixels (a decompression bomb?)")
            with _warnings.catch_warnings():
                _warnings.simplefilter("error", Image.DecompressionBombWarning)
                return image.convert(mode)
    except AssetError:
        raise
    except FileNotFoundError:
        raise AssetError(f"{path}: no such {what} image") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            RuntimeError) as err:  # Pillow reports truncation and corruption as OSError/SyntaxError
        raise AssetError(f"{path}: not a readable {what} image ({type(err).__name__}: {str(err)[:100]})") from None


@functools.lru_cache(maxsize=48)
def load_texture(path: Path, max_size: int = 1024, bleed: bool = False) -> np.ndarray:
    """RGBA uint8 (H, W, 4) of an image, at most ``max_size`` wide (2048² photos are downscaled:
    a 256 px face never samples them finer, and upload and sampling are cheaper).

    ``bleed``: fill the colour of transparent texels from their opaque neighbours, so that texture
    filtering at strand edges mixes in hair colour rather than the black that cut-outs store there
    (which is what draws black halos around alpha-textured hair).
    """
    from PIL import Image, ImageFilter

    image = open_image(path, "RGBA")
    if max(image.size) > max_size:
        scale = max_size / max(image.size)
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.LANCZOS)
    rgba = np.asarray(image, np.uint8).copy()
    if bleed:
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        premult = rgba[..., :3].astype(np.float32) * alpha
        mean = premult.reshape(-1, 3).sum(0) / max(float(alpha.sum()), 1e-6)
        fill = np.broadcast_to(mean, premult.shape).copy()
        for radius in (32, 8, 2):  # coarse to fine: nearest opaque colour wins where there is one
            blur_c = np.stack([np.asarray(Image.fromarray(np.clip(premult[..., k], 0, 255).astype(np.uint8))
                                          .filter(ImageFilter.GaussianBlur(radius)), np.float32)
                               for k in range(3)], -1)
            blur_a = np.asarray(Image.fromarray((alpha[..., 0] * 255).astype(np.uint8))
                                .filter(ImageFilter.GaussianBlur(radius)), np.float32)[..., None] / 255.0
            ok = blur_a > 0.02
            fill = np.where(ok, blur_c / np.maximum(blur_a, 1e-6), fill)
        rgb = premult + fill * (1.0 - alpha)
        rgba[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    return rgba
