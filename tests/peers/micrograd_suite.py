"""micrograd's own test suite, the peer figure of tests/benchmark.py.

The two tests of karpathy/micrograd's test/test_engine.py (MIT licence),
``test_sanity_check`` and ``test_more_ops``: the same expressions built with a
``Value`` and with PyTorch doubles, forward values and gradients compared. The
PyPI package does not ship them. ``Value`` comes from the file named by
MICROGRADE_PEER_ENGINE (the engine the benchmark grades), else micrograd's.

Not collected by the project's suite (the name does not start with test_):
the benchmark copies it into its work folder and runs pytest on it in the
peers' venv.
"""
import importlib.util
import os

import torch

if os.environ.get("MICROGRADE_PEER_ENGINE"):
    _spec = importlib.util.spec_from_file_location("peer_engine", os.environ["MICROGRADE_PEER_ENGINE"])
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    Value = _module.Value
else:
    from micrograd.engine import Value


def sanity(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    f = (c - d) ** 2
    return f / 2.0 + 10.0 / f


def torch_leaf(x):
    return torch.tensor([x], dtype=torch.double, requires_grad=True)


def test_sanity_check():
    x = Value(-4.0)
    y = sanity(x)
    y.backward()
    xt = torch_leaf(-4.0)
    yt = sanity(xt)
    yt.backward()
    assert y.data == yt.data.item()
    assert x.grad == xt.grad.item()


def test_more_ops():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()
    at, bt = torch_leaf(-4.0), torch_leaf(2.0)
    gt = more_ops(at, bt)
    gt.backward()
    tol = 1e-6
    assert abs(g.data - gt.data.item()) < tol
    assert abs(a.grad - at.grad.item()) < tol
    assert abs(b.grad - bt.grad.item()) < tol
