"""Radiance fields: one interface (:class:`RadianceField`), several backends named in :mod:`nerf_labeling.backends`."""
from nerf_labeling.fields.base import RadianceField, RayRender, RenderedView, render_view

__all__ = ["RadianceField", "RayRender", "RenderedView", "render_view"]
