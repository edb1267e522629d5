"""One torch thread: the tests' tensors are tiny, and on a shared 2-core machine waiting for a busy
second core makes every op many times slower."""
import pytest
import torch


@pytest.fixture(scope="package", autouse=True)
def single_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
