"""Shared, Qt-free foundations: paths, device choice, jobs, checkpoints, safe image loading.

Nothing in this package imports PySide6, and importing it does not import torch: the
window must appear before torch is loaded, so torch is imported inside functions.
"""
