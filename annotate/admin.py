from django.contrib import admin

from annotate import models

for model in (
    models.Project,
    models.Membership,
    models.LabelClass,
    models.Capture,
    models.Frame,
    models.Job,
    models.SceneObject,
    models.FieldModel,
    models.Batch,
    models.Review,
    models.ActiveLearningRound,
    models.Export,
):
    admin.site.register(model)
