"""Restoration: find damage (cracks, scratches, dust), repair it, and whole-picture
fixes (denoise, JPEG blocking, faded colours). Qt-free; the panel and ``genart restore``
call the same functions.

    from genart_desktop.restore.detect import find_damage
    from genart_desktop.restore.repair import repair
    found = find_damage(picture, sensitivity=0.5)
    repaired, report = repair(picture, found.mask)
"""

#: The whole-picture fixes (``enhance.enhance(picture, kind, strength)``), by name. Kept
#: here, free of heavy imports, so the window can list them without loading OpenCV.
ENHANCEMENTS = {
    "denoise": "Denoise (non-local means)",
    "deblock": "Remove JPEG blocking",
    "fade": "Restore faded colours",
}
