"""Every misconception is named, exactly, on engines written in different ways.

Two corpora feed this:
* ``tests/corpus/buggy/*.py``: whole engines, each with one defect, named
  after it (the file says what it shows);
* ``MUTATIONS`` below: one-line changes to two correct engines written very
  differently: the reference (the lecture's shape, ``a - b`` as
  ``a + (-b)``, a closure per method) and ``correct/direct_sub_div.py``
  (every operation on its own, all closures from one shared helper, which
  makes the closure locations useless as a hint).
Each is graded as 04_engine through the ``grade`` command, and the set of
diagnosis ids over all its failed checks must be exactly the expected one:
no generic id, no extra misconception. Some cases carry two misconceptions.
"""
from __future__ import annotations


import pytest

from support import REPO, checks_by_exercise

LECTURE = REPO / "reference" / "engine.py"
DIRECT = REPO / "tests" / "corpus" / "correct" / "direct_sub_div.py"
BUGGY = REPO / "tests" / "corpus" / "buggy"

# The buggy corpus: file -> the ids it must be diagnosed with on 04_engine.
CORPUS = {
    "assign_grad": {"grad-overwrite"},
    "assign_grad_add_only": {"grad-overwrite"},
    "assign_grad_in_exp": {"grad-overwrite"},
    "eq_by_data": {"value-identity"},
    "hash_by_data": {"value-identity"},
    "exp_uses_input": {"wrong-derivative-exp"},
    "forgot_seed": {"missing-grad-seed"},
    "missing_radd": {"reflected-operand"},
    "rsub_as_sub": {"reflected-operand"},
    "rdiv_as_div": {"reflected-operand"},
    "neg_detached": {"wrong-derivative-neg"},
    "no_chain_rule_mul": {"missing-chain-rule"},
    "no_topo_sort": {"repeated-backward", "recursion-depth"},  # its backward recurses per level
    "topo_without_visited": {"repeated-backward"},
    "pow_forgets_exponent": {"wrong-derivative-pow"},
    "recursive_topo": {"recursion-depth"},
    "relu_passes_gradient_always": {"wrong-derivative-relu"},
    "sub_grad_sign": {"wrong-derivative-sub"},
    "tanh_wrong_derivative": {"wrong-derivative-tanh"},
    "topo_not_reversed": {"wrong-topological-order"},
}

_RECURSIVE_TOPO = '''    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

    def _unused_iterative_backward(self):'''
_BREADTH_FIRST = '''    def backward(self):
        order, seen, queue = [], {id(self)}, [self]
        while queue:
            node = queue.pop(0)
            order.append(node)
            for child in node._prev:
                if id(child) not in seen:
                    seen.add(id(child))
                    queue.append(child)
        self.grad = 1.0
        for node in order:
            node._backward()

    def _unused_backward(self):'''

# (case name, base engine, [(old, new), ...], expected ids)
MUTATIONS = [
    ("lecture-overwrite-mul", LECTURE, [("self.grad += other.data * out.grad", "self.grad = other.data * out.grad")],
     {"grad-overwrite"}),
    ("direct-overwrite-all", DIRECT, [("self.grad += da * out.grad", "self.grad = da * out.grad")],
     {"grad-overwrite"}),
    ("lecture-no-seed", LECTURE, [("        self.grad = 1.0\n        for node in reversed(topo)",
                                   "        for node in reversed(topo)")], {"missing-grad-seed"}),
    ("direct-no-seed", DIRECT, [("        self.grad = 1.0\n        for node in reversed(topo)",
                                 "        for node in reversed(topo)")], {"missing-grad-seed"}),
    ("lecture-breadth-first", LECTURE, [("    def backward(self):", _BREADTH_FIRST)],
     {"wrong-topological-order"}),
    ("direct-not-reversed", DIRECT, [("for node in reversed(topo):", "for node in topo:")],
     {"wrong-topological-order"}),
    ("lecture-no-visited", LECTURE, [("elif node not in visited:", "elif True:")], {"repeated-backward"}),
    ("direct-no-visited", DIRECT, [("elif node not in visited:", "elif True:"),
                                   ("if c not in visited)", ")")], {"repeated-backward"}),
    ("lecture-no-chain-tanh", LECTURE, [("self.grad += (1 - t ** 2) * out.grad", "self.grad += 1 - t ** 2")],
     {"missing-chain-rule"}),
    ("direct-no-chain-unary", DIRECT, [("            self.grad += d * out.grad", "            self.grad += d")],
     {"missing-chain-rule"}),
    ("lecture-add-derivative", LECTURE, [("            other.grad += out.grad", "            other.grad += 2 * out.grad")],
     {"wrong-derivative-add"}),
    ("direct-add-derivative", DIRECT, [("self.data + other.data, 1.0, 1.0", "self.data + other.data, 1.0, 0.0")],
     {"wrong-derivative-add"}),
    ("lecture-mul-derivative", LECTURE, [("other.grad += self.data * out.grad", "other.grad += other.data * out.grad")],
     {"wrong-derivative-mul"}),
    ("direct-mul-derivative", DIRECT, [("self.data * other.data, other.data, self.data",
                                        "self.data * other.data, self.data, other.data")], {"wrong-derivative-mul"}),
    ("direct-sub-derivative", DIRECT, [('1.0, -1.0, "-"', '1.0, 1.0, "-"')], {"wrong-derivative-sub"}),
    ("direct-neg-derivative", DIRECT, [("-self.data, -1.0", "-self.data, 1.0")], {"wrong-derivative-neg"}),
    ("direct-div-derivative", DIRECT, [("-a / (b * b)", "a / (b * b)")], {"wrong-derivative-div"}),
    ("direct-div-derivative-2", DIRECT, [("1.0 / b, -a / (b * b)", "1.0 / b, -a / b")], {"wrong-derivative-div"}),
    ("lecture-pow-derivative", LECTURE, [("other * self.data ** (other - 1)", "other * self.data ** other")],
     {"wrong-derivative-pow"}),
    ("direct-pow-derivative", DIRECT, [("k * self.data ** (k - 1)", "self.data ** (k - 1) / k")],
     {"wrong-derivative-pow"}),
    ("lecture-exp-derivative", LECTURE, [("self.grad += out.data * out.grad", "self.grad += self.data * out.grad")],
     {"wrong-derivative-exp"}),
    ("direct-exp-derivative", DIRECT, [('self._unary(e, e, "exp")', 'self._unary(e, 1.0, "exp")')],
     {"wrong-derivative-exp"}),
    ("lecture-tanh-derivative", LECTURE, [("(1 - t ** 2) * out.grad", "(1 - t) * out.grad")],
     {"wrong-derivative-tanh"}),
    ("direct-tanh-derivative", DIRECT, [("1.0 - t * t", "1.0 - self.data * self.data")], {"wrong-derivative-tanh"}),
    ("lecture-relu-derivative", LECTURE, [("(out.data > 0) * out.grad", "out.grad")], {"wrong-derivative-relu"}),
    ("direct-relu-derivative", DIRECT, [("1.0 if self.data > 0 else 0.0", "0.5")], {"wrong-derivative-relu"}),
    ("lecture-add-forward", LECTURE, [('Value(self.data + other.data, (self, other), "+")',
                                       'Value(self.data + other.data + 1, (self, other), "+")')],
     {"wrong-forward-add"}),
    ("direct-add-forward", DIRECT, [("self.data + other.data, 1.0, 1.0", "self.data * other.data, 1.0, 1.0")],
     {"wrong-forward-add"}),
    ("lecture-mul-forward", LECTURE, [("Value(self.data * other.data", "Value(self.data * abs(other.data)")],
     {"wrong-forward-mul"}),
    ("direct-mul-forward", DIRECT, [("self.data * other.data, other.data", "self.data + other.data, other.data")],
     {"wrong-forward-mul"}),
    ("direct-sub-forward", DIRECT, [("self.data - other.data, 1.0, -1.0", "other.data - self.data, 1.0, -1.0")],
     {"wrong-forward-sub"}),
    ("direct-sub-forward-2", DIRECT, [("self.data - other.data, 1.0, -1.0", "self.data - abs(other.data), 1.0, -1.0")],
     {"wrong-forward-sub"}),
    ("direct-neg-forward", DIRECT, [("self._unary(-self.data, -1.0", "self._unary(self.data, -1.0")],
     {"wrong-forward-neg"}),
    ("lecture-neg-forward", LECTURE, [("        return self * -1", "        return self * -2")],
     {"wrong-forward-neg"}),
    ("direct-div-forward", DIRECT, [("a / b, 1.0 / b", "b / a, 1.0 / b")], {"wrong-forward-div"}),
    ("lecture-div-forward", LECTURE, [("return self * other ** -1", "return self * other ** -2")],
     {"wrong-forward-div"}),
    ("lecture-pow-forward", LECTURE, [("Value(self.data ** other", "Value(self.data * other")],
     {"wrong-forward-pow"}),
    ("direct-pow-forward", DIRECT, [("self._unary(self.data ** k", "self._unary(k ** self.data")],
     {"wrong-forward-pow"}),
    ("lecture-exp-forward", LECTURE, [("Value(math.exp(self.data)", "Value(math.exp(-self.data)")],
     {"wrong-forward-exp"}),
    ("direct-exp-forward", DIRECT, [("e = math.exp(self.data)", "e = 2.0 ** self.data")], {"wrong-forward-exp"}),
    ("lecture-tanh-forward", LECTURE, [("t = math.tanh(self.data)",
                                        "t = (math.exp(self.data) - 1) / (math.exp(self.data) + 1)")],
     {"wrong-forward-tanh"}),
    ("direct-tanh-forward", DIRECT, [("t = math.tanh(self.data)", "t = 0.9 * math.tanh(self.data)")],
     {"wrong-forward-tanh"}),
    ("lecture-relu-forward", LECTURE, [("self.data if self.data > 0 else 0.0", "self.data if self.data < 0 else 0.0")],
     {"wrong-forward-relu"}),
    ("direct-relu-forward", DIRECT, [("max(self.data, 0.0)", "min(self.data, 0.0)")], {"wrong-forward-relu"}),
    ("lecture-add-no-lift", LECTURE, [("other = other if isinstance(other, Value) else Value(other)\n"
                                       "        out = Value(self.data + other.data",
                                       "out = Value(self.data + other.data")], {"number-operand"}),
    ("direct-mul-no-lift", DIRECT, [("        other = _lift(other)\n        return self._binary(other, self.data * other.data",
                                     "        return self._binary(other, self.data * other.data")],
     {"number-operand"}),
    ("lecture-radd-recurses", LECTURE, [("    def __radd__(self, other):\n        return self + other",
                                         "    def __radd__(self, other):\n        return other + self")],
     {"reflected-operand"}),
    ("lecture-no-relu", LECTURE, [("def relu(self):", "def _relu_unused(self):")], {"missing-operation"}),
    ("direct-no-exp", DIRECT, [("def exp(self):", "def _exp_unused(self):")], {"missing-operation"}),
    ("lecture-recursive-topo", LECTURE, [("    def backward(self):", _RECURSIVE_TOPO)], {"recursion-depth"}),
    ("direct-eq-by-data", DIRECT, [("    def backward(self):", "    def __eq__(self, other):\n"
                                    "        return isinstance(other, Value) and self.data == other.data\n\n"
                                    "    def __hash__(self):\n        return hash(self.data)\n\n"
                                    "    def backward(self):")], {"value-identity"}),
    ("lecture-loop-forgotten", LECTURE, [("        for node in reversed(topo):\n            node._backward()\n", "")],
     {"backward-not-propagating"}),
    ("direct-no-backward-method", DIRECT, [("    def backward(self):", "    def backward_todo(self):")],
     {"backward-not-propagating"}),
    # two misconceptions at once
    ("lecture-overwrite-and-tanh", LECTURE, [("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
                                             ("(1 - t ** 2) * out.grad", "(1 - t) * out.grad")],
     {"grad-overwrite", "wrong-derivative-tanh"}),
    ("direct-no-seed-and-relu-forward", DIRECT, [("        self.grad = 1.0\n        for node in reversed(topo)",
                                                  "        for node in reversed(topo)"),
                                                 ("max(self.data, 0.0)", "min(self.data, 0.0)")],
     {"missing-grad-seed", "wrong-forward-relu"}),
    ("lecture-no-lift-and-not-reversed", LECTURE, [
        ("other = other if isinstance(other, Value) else Value(other)\n        out = Value(self.data + other.data",
         "out = Value(self.data + other.data"),
        ("for node in reversed(topo):", "for node in topo:")], {"number-operand", "wrong-topological-order"}),
]


def _diagnosed(graded, source) -> tuple:
    run = graded(source)
    assert run.returncode == 1, run.describe()
    checks = checks_by_exercise(run.report)["04_engine"]
    ids = {d["id"] for c in checks.values() if not c["passed"] for d in c["diagnoses"]}
    return ids, run


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_buggy_corpus_is_diagnosed_exactly(name, graded):
    ids, run = _diagnosed(graded, BUGGY / f"{name}.py")
    assert ids == CORPUS[name], run.describe()


# Known gaps, each with why: they are reported, not hidden.
KNOWN_GAPS = {
    "lecture-no-visited": "a sort without a visited set gives numbers that depend on the order a set of "
                          "children happens to iterate in (the submission's memory layout, so its folder's "
                          "path): in some layouts a wrong-order model also fits some probes and is named too",
    "direct-overwrite-all": "assigning in every operation of an engine whose closures all come from one "
                            "helper: one of the three lecture-reuse graphs gives numbers none of the eight "
                            "topological orders tried gives, so that check also carries gradient-mismatch",
}


@pytest.mark.parametrize("name, base, edits, expected", [
    pytest.param(*m, marks=pytest.mark.xfail(reason=KNOWN_GAPS[m[0]], strict=False)) if m[0] in KNOWN_GAPS
    else m for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_mutated_engines_are_diagnosed_exactly(name, base, edits, expected, graded):
    source = base.read_text(encoding="utf-8")
    for old, new in edits:
        assert source.count(old) >= 1, f"{name}: {old!r} is not in {base.name}: the base engine changed"
        source = source.replace(old, new)
    ids, run = _diagnosed(graded, source)
    assert ids == expected, run.describe()


def test_every_catalogue_id_has_two_implementations():
    from harness.diagnosis import catalogue
    count = {}
    for ids in list(CORPUS.values()) + [m[3] for m in MUTATIONS]:
        for i in ids:
            count[i] = count.get(i, 0) + 1
    thin = {i: count.get(i, 0) for i in catalogue.all_ids() if count.get(i, 0) < 2}
    assert not thin, f"ids with fewer than two buggy implementations in the tests: {thin}"


def test_the_lecture_examples_are_what_the_assignment_bug_shows_on_03(graded):
    """Issue 3: `b = a + a` and the lecture's diamond, shrunk, in the 03_reuse report."""
    run = graded(BUGGY / "assign_grad.py", ("03_reuse",))
    checks = checks_by_exercise(run.report)["03_reuse"]
    lecture = checks["lecture-reuse"]["diagnoses"][0]["example"]
    assert "b = a + a\nb.backward()\na.grad  # expected" in lecture, run.describe()
    assert "c = a * b\nd = a + b\ne = c * d\ne.backward()" in lecture, run.describe()
    generated = checks["reuse"]["diagnoses"][0]["example"]
    operations = [line for line in generated.splitlines()
                  if " = " in line and "Value(" not in line and "#" not in line]
    assert len(operations) == 1, f"the generated graph did not shrink to one operation:\n{generated}"
    assert {d["id"] for c in checks.values() for d in c["diagnoses"]} == {"grad-overwrite"}


@pytest.mark.parametrize("bug, most", [("no_chain_rule_mul", 2), ("topo_not_reversed", 2),
                                       ("tanh_wrong_derivative", 1), ("forgot_seed", 1)])
def test_generated_examples_shrink_to_a_few_operations(bug, most, graded):
    run = graded(BUGGY / f"{bug}.py")
    for name in ("gradients-trees", "reuse"):
        check = checks_by_exercise(run.report)["04_engine"][name]
        if check["passed"]:
            continue
        example = check["diagnoses"][0]["example"]
        operations = [line for line in example.splitlines()
                      if " = " in line and "Value(" not in line and "#" not in line]
        assert 1 <= len(operations) <= most, f"{bug}/{name} shrank to {len(operations)} operations:\n{example}"


def test_the_assignment_bug_is_shown_as_the_lectures_b_equals_a_plus_a_on_04(graded):
    """The smallest example is the simplest failing operation of the whole table, not of the
    failing graph: an example built from that graph's rows once gave `b = a - a` here."""
    run = graded(BUGGY / "assign_grad.py", ("04_engine",))
    example = checks_by_exercise(run.report)["04_engine"]["reuse"]["diagnoses"][0]["example"]
    assert example.startswith("from value import Value\na = Value(3.0)\nb = a + a\nb.backward()\n"), example
