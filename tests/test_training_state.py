"""The committed training state: weights and Adam's moments in two files, so each stays
under the repository's 50 MB limit, and everything comes back on resume."""

from __future__ import annotations

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from genart_desktop.core.training_state import (load_training_state, moments_path,
                                                save_training_state)


def _trained_net():
    torch.manual_seed(0)
    net = torch.nn.Linear(8, 4)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    net(torch.randn(16, 8)).pow(2).mean().backward()
    optimizer.step()
    return net, optimizer


def test_moments_are_kept_beside_the_weights_and_come_back(tmp_path):
    net, optimizer = _trained_net()
    path = tmp_path / "state.safetensors"
    save_training_state(path, net, optimizer, 7, 12.5, {"batches": np.random.default_rng(3)}, [1])
    assert not any(k.startswith("adam.") for k in load_file(str(path)))
    assert any(k.startswith("adam.") for k in load_file(str(moments_path(path))))

    fresh = torch.nn.Linear(8, 4)
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=1e-2)
    step, seconds, curve, _ = load_training_state(path, fresh, fresh_optimizer,
                                                  {"batches": np.random.default_rng(0)})
    assert (step, seconds, curve) == (7, 12.5, [1])
    assert torch.equal(fresh.weight, net.weight)
    for old, new in zip(net.parameters(), fresh.parameters()):
        assert torch.equal(optimizer.state[old]["exp_avg_sq"], fresh_optimizer.state[new]["exp_avg_sq"])


def test_a_state_written_as_one_file_still_loads(tmp_path):
    net, optimizer = _trained_net()
    path = tmp_path / "state.safetensors"
    save_training_state(path, net, optimizer, 3, 1.0, {}, [])
    merged = {**load_file(str(path)), **load_file(str(moments_path(path)))}
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata()
    save_file(merged, str(path), metadata=metadata)  # as states were saved before the split
    moments_path(path).unlink()
    fresh = torch.nn.Linear(8, 4)
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=1e-2)
    assert load_training_state(path, fresh, fresh_optimizer, {})[0] == 3
    assert all(fresh_optimizer.state[p] for p in fresh.parameters())
