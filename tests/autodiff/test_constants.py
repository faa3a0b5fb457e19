"""`constant_for`: the number NumPy would convert a Python float to, as a cached 0-d array
of the operand's dtype, so rules compute the same bits faster."""
import numpy as np
import pytest

from chainrule import Tensor
from chainrule.autodiff.ops._base import constant_for


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_read_only_0d_array_of_the_operand_dtype_with_the_same_results(dtype):
    a = np.linspace(-3, 3, 7).astype(dtype)
    one = constant_for(1.0, a)
    assert one.shape == () and one.dtype == dtype and not one.flags.writeable
    assert constant_for(1.0, a) is one  # cached
    assert np.array_equal(one - a * a, 1.0 - a * a)
    assert (one - a * a).dtype == (1.0 - a * a).dtype == dtype
    assert np.array_equal(np.logaddexp(constant_for(0.0, a), a), np.logaddexp(0, a))


def test_other_operands_get_the_python_number():
    assert constant_for(1.0, np.arange(3)) == 1.0 and type(constant_for(1.0, np.arange(3))) is float
    t = Tensor(np.ones(2))
    assert type(constant_for(1.0, t)) is float


def test_constant_for_is_cached_per_dtype_and_value():
    from chainrule.autodiff.ops._base import constant_for

    a32, a64, ints = np.ones(2, np.float32), np.ones(2), np.ones(2, np.int64)
    c = constant_for(0.25, a32)
    assert c.dtype == np.float32 and c.shape == () and not c.flags.writeable
    assert constant_for(0.25, a32) is c and constant_for(0.25, a64).dtype == np.float64
    assert constant_for(0.25, ints) == 0.25 and type(constant_for(0.25, ints)) is float
    assert constant_for(0.25, [1.0]) == 0.25


def test_constant_for_returns_other_values_as_given():
    from chainrule.autodiff.ops._base import constant_for

    ints = np.ones(2, np.int32)
    assert constant_for(2, ints) == 2
    assert type(constant_for(2.0, ints)) is float  # not the 2 cached for another call
