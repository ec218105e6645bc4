"""Exercise 05_nn through the real ``grade`` command.

The reference gets full marks; hand-written buggy nets (edits of the
reference ``nn.py``, the way students get it wrong) are each diagnosed with
their catalogue id, and a training loop without ``zero_grad`` is told the step
at which its losses part from the reference. A single notebook holding the
engine and the net grades like the two files.
"""
from __future__ import annotations

import nbformat
import pytest

from support import REPO, checks_by_exercise, make_exercise, run_grade

ENGINE = REPO / "reference" / "engine.py"
NN = (REPO / "reference" / "nn.py").read_text(encoding="utf-8")
IMPORT = '''if __package__ == "harness.reference":   # the grader's own copy: the trusted engine
    from harness.reference.engine import Value
else:                                    # nn.py beside the engine being graded
    from value import Value
'''
STUDENT_NN = NN.replace(IMPORT, "from value import Value\n")

# name -> (edits of the reference nn.py, the id every failed check must carry, checks that must fail)
BUGS = {
    "no_zero_grad_in_train": ([("        model.zero_grad()\n", "")], "zero-grad-missing", {"train"}),
    "zero_grad_skips_bias": ([("""    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0
""", """    def zero_grad(self):
        for layer in getattr(self, "layers", []):
            for n in layer.neurons:
                for w in n.w:
                    w.grad = 0.0
""")], "zero-grad-missing", {"zero-grad", "train"}),
    "parameters_without_bias": ([("        return self.w + [self.b]\n", "        return self.w\n")],
                                "parameters-incomplete", {"parameters", "zero-grad", "train"}),
    "update_uphill": ([("p.data -= learning_rate * p.grad", "p.data += learning_rate * p.grad")],
                      "wrong-update", {"train"}),
    "update_without_rate": ([("p.data -= learning_rate * p.grad", "p.data -= p.grad")], "wrong-update", {"train"}),
    "neuron_without_bias": ([("zip(self.w, x)), self.b)", "zip(self.w, x)))")], "wrong-forward-neuron",
                            {"neuron", "layer", "mlp", "gradients", "train"}),
    "neuron_without_tanh": ([("        return act.tanh()\n", "        return act\n")], "wrong-forward-neuron",
                            {"neuron", "layer", "mlp", "gradients", "train"}),
}


def nn_exercise(folder, nn_source: str):
    make_exercise(folder, "05_nn", ENGINE)
    (folder / "nn.py").write_text(nn_source, encoding="utf-8")
    return folder


def test_student_style_reference_gets_full_marks(tmp_path, workdir):
    assert STUDENT_NN != NN, "reference/nn.py no longer has the import this test replaces"
    run = run_grade(nn_exercise(tmp_path / "sub", STUDENT_NN), "--format", "json", cwd=workdir)
    assert run.returncode == 0, run.describe()


def test_grade_reference_covers_05_nn(workdir):
    run = run_grade("--reference", "--format", "json", REPO / "exercises" / "05_nn", cwd=workdir)
    assert run.returncode == 0, run.describe()
    assert run.report["exercises"][0]["name"] == "05_nn"


@pytest.mark.parametrize("name", sorted(BUGS))
def test_buggy_net_is_diagnosed_with_its_id(tmp_path, workdir, name):
    edits, expected_id, failing = BUGS[name]
    source = STUDENT_NN
    for old, new in edits:
        assert old in source, f"{name}: {old!r} is not in reference/nn.py any more"
        source = source.replace(old, new)
    run = run_grade(nn_exercise(tmp_path / "sub", source), "--format", "json", cwd=workdir)
    assert run.returncode == 1, run.describe()
    checks = checks_by_exercise(run.report)["05_nn"]
    assert {n for n, c in checks.items() if not c["passed"]} == failing, run.describe()
    for check_name in failing:
        assert [d["id"] for d in checks[check_name]["diagnoses"]] == [expected_id], run.describe()


def test_training_without_zero_grad_says_where_the_losses_part(tmp_path, workdir):
    source = STUDENT_NN.replace("        model.zero_grad()\n", "")
    run = run_grade(nn_exercise(tmp_path / "sub", source), "--format", "json", cwd=workdir)
    (diagnosis,) = checks_by_exercise(run.report)["05_nn"]["train"]["diagnoses"]
    # Step 1 and 2 start from gradients of one step only; the third adds two steps' gradients.
    assert "agree with the reference for the first 2 steps and part from it at step 3 of 20" \
        in diagnosis["message"], diagnosis
    assert "losses = train(model, xs, ys, 20, 0.05)" in diagnosis["example"]
    assert diagnosis["example"].splitlines()[-1].startswith("losses[2]  # expected ")


def test_one_notebook_holding_engine_and_net_grades_like_the_files(tmp_path, workdir):
    folder = make_exercise(tmp_path / "sub", "05_nn", None)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(ENGINE.read_text(encoding="utf-8")),
                nbformat.v4.new_code_cell(STUDENT_NN.replace("from value import Value\n", "")),
                nbformat.v4.new_code_cell("n = MLP(3, [4, 4, 1])\n"
                                          "losses = train(n, [[2.0, 3.0, -1.0]], [1.0], 20, 0.05)\n"
                                          "import matplotlib.pyplot as plt\nplt.plot(losses)")]
    nbformat.write(nb, str(folder / "micrograd.ipynb"))
    run = run_grade(folder, "--format", "json", cwd=workdir)
    assert run.returncode == 0, run.describe()
