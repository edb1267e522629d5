"""Raylabel's plain library: cameras, capture readers, radiance fields, label rendering, export writers.

Never imports Django or ``annotate``; heavy optional dependencies are imported lazily.
"""
