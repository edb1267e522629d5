"""The data model of the whole product, one module per concern."""
from annotate.models.projects import LabelClass, Membership, Project, Role
from annotate.models.captures import Capture, CaptureStatus, Frame
from annotate.models.jobs import Job, JobKind, JobStatus
from annotate.models.scene import FieldModel, FrameLabel, FrameRender, SceneObject, SceneObjectKind
from annotate.models.review import Batch, BatchFrame, Review, ReviewDecision
from annotate.models.active import ActiveLearningRound, FrameScore, ScoringModel, ScoringModelKind
from annotate.models.exports import Export

__all__ = [
    "ActiveLearningRound",
    "Batch",
    "BatchFrame",
    "Capture",
    "CaptureStatus",
    "Export",
    "FieldModel",
    "Frame",
    "FrameLabel",
    "FrameRender",
    "FrameScore",
    "Job",
    "JobKind",
    "JobStatus",
    "LabelClass",
    "Membership",
    "Project",
    "Review",
    "ReviewDecision",
    "Role",
    "SceneObject",
    "SceneObjectKind",
    "ScoringModel",
    "ScoringModelKind",
]
