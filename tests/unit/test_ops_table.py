"""The operation table is the one place an operation is described.

Its rows carry the method, symbol, derivative text, composition (how the
lecture writes ``a - b``, ``-a``, ``a / b``) and the bug models' wrong forms;
the catalogue, the bug models, the diagnosis and the per-family credit read
them from there. The course families (``log``, ``sigmoid``) appear nowhere
but in the table and the catalogue's texts, so they show that a row is enough.
"""
from __future__ import annotations

import math

import pytest

from harness.core import ops
from harness.core.results import Diagnosis
from harness.diagnosis import catalogue, models, pinning
from harness.diagnosis.models import Defect, Model, Style, model_class
from harness.grading import credit
from harness.reference.engine import Value as Reference

COURSE = ("log", "sigmoid")


def test_every_family_names_its_method_symbol_and_derivative():
    for family in ops.FAMILIES:
        method = ops.family_field(family, "method")
        assert method and (method.startswith("__") or method == family), family
        assert ops.symbol(family).count("`") == 2, family
        assert ops.family_field(family, "says"), family
    # The order _family_code numbers closures by (a diagnosis signal): it must not move.
    assert ops.FAMILIES == ("add", "mul", "sub", "neg", "div", "pow", "exp", "tanh", "relu", "log", "sigmoid")
    assert catalogue.COURSE_FAMILIES == COURSE


def test_composition_is_consistent():
    assert ops.lecture_style() == {"sub": "add", "neg": "mul", "div": "mul"}
    for family, carries in ops.lecture_style().items():
        built = ops.built_from(family)
        assert carries in built and set(built) <= set(ops.FAMILIES), family
        assert ops.family_field(family, "lecture", None) is not None, family
    for family in set(ops.FAMILIES) - set(ops.lecture_style()):
        assert ops.built_from(family) == ()


@pytest.mark.parametrize("row", [op.name for op in ops.OPS if op.lecture is not None])
def test_each_lecture_form_computes_its_row(row):
    """``a - b`` as ``a + (-b)``, ``2 / a`` as ``2 * a**-1``, on the reference engine."""
    op = ops.OPS_BY_NAME[row]
    a = Reference(1.5)
    other = Reference(0.75) if op.arity == 2 else 2.0 if op.takes_number else None
    operands = (a,) if other is None else (a, other)
    direct, composed = op.apply(*operands), op.lecture(*operands)
    assert math.isclose(direct.data, composed.data)


def test_the_catalogue_describes_every_family_from_the_table():
    for family in ops.FAMILIES:
        entry = catalogue.describe(catalogue.WRONG_DERIVATIVE, family)
        assert ops.symbol(family) in entry.title
        assert ops.family_field(family, "says") in entry.explanation
    assert catalogue.describe(catalogue.MISSING_OPERATION, "log").explanation.startswith("`log()`")
    assert catalogue.describe(catalogue.WRONG_FORWARD, "").title == "The value computed by an operation is wrong"
    ids = catalogue.all_ids()
    assert [i for i in ids if i.startswith("wrong-derivative-")] == \
        [f"wrong-derivative-{f}" for f in ops.BUILTIN_FAMILIES]
    assert catalogue.FAMILIES == ops.BUILTIN_FAMILIES


def test_one_rule_for_ids_that_end_in_their_family():
    for family in ops.FAMILIES:
        for defect_id in catalogue.SUFFIXED:
            key = Defect(defect_id, family).key()
            assert key == catalogue.with_family(defect_id, family) == f"{defect_id}-{family}"
            assert catalogue.family_suffix(key) == family
            assert pinning.family_of(Diagnosis(id=key, message="")) == family
        assert Defect(catalogue.GRAD_OVERWRITE, family).key() == catalogue.GRAD_OVERWRITE
        assert catalogue.family_suffix(catalogue.GRAD_OVERWRITE) is None
    # Read by prefix, as pinning always has: the net's id reads as a family of its own.
    assert catalogue.family_suffix(catalogue.WRONG_FORWARD_NEURON) == "neuron"
    assert set(catalogue.GENERIC_TITLES) >= {catalogue.TIMEOUT, catalogue.EXCEPTION}


def test_the_models_read_the_table():
    Value = model_class(Model())
    for op in ops.OPS:
        assert callable(getattr(Value, op.method)), op.name
    for family in COURSE:   # the wrong forms come from the rows
        row = ops.OPS_BY_NAME[family]
        x = 1.7
        wrong = model_class(Model(frozenset({Defect(catalogue.WRONG_FORWARD, family)})))
        assert getattr(wrong(x), row.method)().data == ops.wrong_forward(family)(x, None)
        assert list(models.WRONG_DERIVATIVES[family]) == [v for v, _ in row.wrong_derivatives]
        gone = model_class(Model(frozenset({Defect(catalogue.MISSING_OPERATION, family)})))
        assert not hasattr(gone, row.method)
    assert models.LECTURE_STYLE == ops.lecture_style()
    assert Style({"sub": "add", "neg": "mul"}).bases("sub") == {"add", "neg", "mul"}


def test_a_composed_operation_carries_the_closure_of_its_base():
    """The lecture's ``a - b`` carries ``+``'s ``_backward``; written on its own, ``-`` has its own."""
    def first_line(style, row):
        Value = model_class(Model(frozenset(), style))
        out = ops.OPS_BY_NAME[row].apply(Value(2.0), Value(0.5))
        return out._backward.__code__.co_firstlineno

    lecture = tuple(sorted(ops.lecture_style().items()))
    assert first_line(lecture, "sub") == first_line(lecture, "add")
    assert first_line(lecture, "div") == first_line(lecture, "mul")
    assert first_line((), "sub") != first_line((), "add")


def test_credit_blames_what_the_table_says_a_family_is_built_from():
    assert credit.built_from is ops.built_from
    assert credit.built_from("div") == ("mul", "pow")
