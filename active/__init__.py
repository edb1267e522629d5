"""Raylabel's active-learning library: scoring models, acquisition functions, batch selection,
redundancy estimate and method policy, and AL evaluation (mIoU, AUC@B).

Plain numpy and torch; never imports Django or ``annotate``.
"""
