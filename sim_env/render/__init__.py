"""The render wing: robot camera, viewpoints, lighting, the pyrender renderer, the person performing
a timeline (``performance``), the drawn person (``actor``), clips and media files.

Nothing here knows about datasets or environments; both use ``render_clip``/``Performance`` with
one ``RenderOptions``.
"""
