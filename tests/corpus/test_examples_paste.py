"""Every pasteable example runs as printed, in a fresh Python, beside the student's file.

A student copies the example under "Smallest failing example" into a new file
next to their ``value.py`` and runs it. So, for every catalogue id the buggy
corpus shows, each example block of its diagnosis must:

* start with its import (``from value import Value``, or ``from nn import ...``);
* run in a subprocess whose folder holds the buggy engine as ``value.py``;
* give there the numbers it says the student's code gives (``# expected X, got
  Y``: Y is printed), except for engines whose numbers depend on set order;
* raise where it says ``# raises``, and only then.

Each engine (one per id, the quickest that shows it) is graded as 04 once per
test session, in the run the diagnosis tests read too (the ``graded`` fixture). 05's examples of an exception must end with the
call that raises: a net whose ``Neuron.__call__`` raises is graded and pasted too.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import CORPUS, REPO, make_exercise, run_grade

BUGGY = CORPUS / "buggy"
# One engine per catalogue id (the quickest to diagnose that shows it).
ENGINES = ["assign_grad_add_only", "eq_by_data", "exp_uses_input", "forgot_seed", "rdiv_as_div", "neg_detached",
           "no_chain_rule_mul", "no_topo_sort", "pow_forgets_exponent", "relu_passes_gradient_always",
           "sub_grad_sign", "tanh_wrong_derivative", "topo_not_reversed"]
# Their wrong numbers depend on the order a set of children is iterated in (memory addresses):
# which of two assignments lands last in the lecture's diamond, say. Their examples must still run.
ORDER_DEPENDENT = {"no_topo_sort", "assign_grad_add_only"}
CLAIM = re.compile(r"^(?P<expr>[\w.\[\]()]+)  # expected (?P<expected>\S+), got (?P<got>\S+)$")


@pytest.fixture(scope="module")
def diagnosed(graded) -> list:
    """[(engine, check, diagnosis)] for every diagnosis with an example."""
    found = []
    for engine in ENGINES:
        report = graded(BUGGY / f"{engine}.py").report
        found += [(engine, c["name"], d) for e in report["exercises"] for c in e["checks"]
                  for d in c["diagnoses"] if d["example"]]
    return found


def paste(block: str, folder: Path) -> subprocess.CompletedProcess:
    """Run ``block`` as a script in ``folder``, each ``# expected ..., got ...`` line printing its value."""
    lines = []
    for line in block.splitlines():
        m = CLAIM.match(line)
        lines.append(f"print('CLAIM', repr({m['expr']}))" if m else line)
    (folder / "example.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-E", "-s", "example.py"], cwd=folder, capture_output=True, text=True,
                          timeout=60)


def got(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def test_every_catalogue_id_of_the_corpus_has_an_example(diagnosed):
    ids = {d["id"] for _, _, d in diagnosed}
    assert {"grad-overwrite", "value-identity", "missing-grad-seed", "reflected-operand", "missing-chain-rule",
            "repeated-backward", "recursion-depth", "wrong-topological-order", "wrong-derivative-exp",
            "wrong-derivative-tanh", "wrong-derivative-pow", "wrong-derivative-neg"} <= ids, ids


def test_examples_start_with_their_import_and_run_as_printed_beside_the_buggy_engine(diagnosed, tmp_path):
    checked = 0
    for engine, check, d in diagnosed:
        folder = tmp_path / engine
        folder.mkdir(exist_ok=True)
        shutil.copy(BUGGY / f"{engine}.py", folder / "value.py")
        for block in dict.fromkeys(d["example"].split("\n\n")):
            where = f"{engine}/{check} [{d['id']}]:\n{block}"
            assert block.splitlines()[0] == "from value import Value", where
            done = paste(block, folder)
            raises = re.search(r"# raises (\w+)", block)
            if raises:
                assert done.returncode != 0 and raises.group(1) in done.stderr, where + "\n" + done.stderr
                continue
            assert done.returncode == 0, where + "\n" + done.stderr[-2000:]
            claims = [CLAIM.match(line) for line in block.splitlines() if CLAIM.match(line)]
            printed = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("CLAIM ")]
            assert len(printed) == len(claims), where
            if engine in ORDER_DEPENDENT:
                continue
            for claim, seen in zip(claims, printed):
                want = got(claim["got"])
                if isinstance(want, float) and not math.isnan(want):
                    assert math.isclose(float(seen), want, rel_tol=1e-5, abs_tol=1e-9), \
                        f"{where}\nprinted {seen} for {claim['expr']}"
            checked += 1
    assert checked >= len(ENGINES)


def raising_net() -> str:
    """The reference net, but a neuron's forward pass raises (a typo the lecture's learners make)."""
    text = (REPO / "reference" / "nn.py").read_text(encoding="utf-8")
    wrong = text.replace("act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
                         "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.bias)", 1)
    assert wrong != text
    return wrong


def test_05_examples_end_with_the_call_that_raises(tmp_path, workdir):
    folder = make_exercise(tmp_path / "05", "05_nn", REPO / "reference" / "engine.py")
    (folder / "nn.py").write_text(raising_net(), encoding="utf-8")
    run = run_grade("--format", "json", folder, cwd=workdir)
    assert run.returncode == 1, run.describe()
    checks = {c["name"]: c for c in run.report["exercises"][0]["checks"]}
    shown = 0
    for name in ("neuron", "layer", "mlp", "gradients", "train"):
        example = checks[name]["diagnoses"][0]["example"]
        assert example.startswith("from nn import"), example
        done = paste(example, folder)
        assert done.returncode != 0 and "AttributeError" in done.stderr and "bias" in done.stderr, \
            f"{name}:\n{example}\n{done.stderr}"
        if name in ("neuron", "layer", "mlp"):   # the last two lines are the calls: without them, it runs clean
            cut = "\n".join(example.splitlines()[:-2])
            assert paste(cut, folder).returncode == 0, f"{name}: raises before its calls:\n{example}"
        shown += 1
    assert shown == 5
