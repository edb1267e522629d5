import importlib.util
from tests.annotate.test_active_learning_heartbeat import test_a_round_that_trains_longer_than_the_heartbeat_timeout_is_not_failed as inner

def test_probe_head(transactional_db, project, manager, tmp_path, settings, monkeypatch):
    spec = importlib.util.spec_from_file_location("annotate.services.al_head", "/tmp/ssl/al_head.py")
    head = importlib.util.module_from_spec(spec); spec.loader.exec_module(head)
    from annotate.services import active_learning as al
    monkeypatch.setattr(al, "run_round", head.run_round)
    inner(transactional_db, project, manager, tmp_path, settings)
