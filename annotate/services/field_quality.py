"""A trained field's quality verdict in the platform: measured after training, required before labels.

The measures and thresholds live in :mod:`nerf_labeling.fields.quality`; here they are taken on a
capture's frames, described in plain sentences, and enforced: labels are not rendered from a field
judged poor unless the user explicitly overrides.
"""
from __future__ import annotations

from annotate.errors import UserFacingError
from annotate.models import FieldModel
from nerf_labeling.fields.quality import POOR, assess_field
#: What a user types to render from a poor field anyway, in each place they can ask for a render.
OVERRIDE_HINT = 'allow_poor_field (API: "allow_poor_field": true; CLI: render_labels --allow-poor-field)'


def assess_capture_field(field, frames, pairs, held_out_positions) -> dict:
    """The field's quality as stored on its row: :meth:`FieldQuality.as_dict` with capture frame indices.

    ``frames`` are the capture's frames in order, ``pairs`` their ``(image, camera)``, and
    ``held_out_positions`` the positions (in ``frames``) of the frames training never saw.
    """
    quality = assess_field(
        field, [camera for _, camera in pairs], {i: pairs[i][0] for i in held_out_positions}
    ).as_dict()
    quality["frames"] = [{**entry, "index": frames[entry["index"]].index} for entry in quality["frames"]]
    return quality


def describe_quality(quality: dict) -> str:
    """``poor: held-out PSNR 18.5 dB, depth disagreement 3.2%, crisp surface on 0% of surface pixels``."""
    if not quality.get("verdict"):
        return "not assessed"
    figures = []
    if quality.get("held_out_psnr") is not None:
        figures.append(f"held-out PSNR {quality['held_out_psnr']:.1f} dB")
    if quality.get("depth_disagreement") is not None:
        figures.append(f"depth disagreement {quality['depth_disagreement']:.1%}")
    if quality.get("crisp_fraction") is not None:
        figures.append(f"crisp surface on {quality['crisp_fraction']:.0%} of surface pixels")
    return f"{quality['verdict']}: {', '.join(figures)}"


def poor_field_reason(field_model: FieldModel) -> str:
    """Why labels are not rendered from ``field_model`` without an override ('' when its verdict allows them)."""
    if field_model.verdict != POOR:
        return ""
    why = "; ".join(field_model.quality.get("reasons", [])) or "its measures are below the usable thresholds"
    return (
        f"The radiance field of capture {field_model.capture_id} (preset {field_model.preset}) was judged poor: "
        f"{why}. Labels rendered from it would put masks and occlusions in the wrong places. Train the "
        f"capture longer (for example with the grid-default preset) and render again, or render anyway with "
        f"{OVERRIDE_HINT}."
    )


def require_trusted_field(field_model: FieldModel, *, allow_poor_field: bool) -> None:
    """Raise :class:`UserFacingError` when ``field_model`` is judged poor and no override was given."""
    reason = poor_field_reason(field_model)
    if reason and not allow_poor_field:
        raise UserFacingError(reason)
