"""``python -m genart_desktop.bench AREA [options]``: print benchmark JSON lines.

AREA is ``ui`` or one of the creative areas; each has its own ``bench.py`` (``close``, the
window closed while each kind of job runs: ``ui/close_bench.py``; ``melody``:
``music/melody_bench.py``; ``decoding``, the text sampling defaults: ``text/decoding_bench.py``).
``panel NAME`` runs a panel's latency benchmark (``genart_desktop/ui/panels/NAME_bench.py``).
"""

from __future__ import annotations

import importlib
import sys

AREAS = ("ui", "close", "latent", "style", "insight", "study", "restore", "music", "melody", "text",
         "decoding", "panel")
# Areas whose benchmark lives in another area's folder.
MODULES = {"close": "genart_desktop.ui.close_bench",
           "melody": "genart_desktop.music.melody_bench",
           "decoding": "genart_desktop.text.decoding_bench"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in AREAS:
        print(f"usage: python -m genart_desktop.bench {{{','.join(AREAS)}}} [options]",
              file=sys.stderr)
        return 2
    area, rest = argv[0], argv[1:]
    if area == "panel":
        if not rest:
            print("usage: python -m genart_desktop.bench panel NAME [options]", file=sys.stderr)
            return 2
        module = importlib.import_module(f"genart_desktop.ui.panels.{rest[0]}_bench")
        return int(module.main(rest[1:]) or 0)
    module = importlib.import_module(MODULES.get(area, f"genart_desktop.{area}.bench"))
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
