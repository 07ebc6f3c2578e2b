"""Style transfer: the 26 built-in styles, any picture as a style, and Gatys' optimization.

Qt-free. ``stylize.stylize(content, request, job)`` is the one entry the window and the
``genart stylize`` command call; the networks are the project's own modules
(``multistyle``, ``arbitrary``, ``vgg16``) loading safetensors written by
``python -m genart_desktop.style.convert``.
"""
