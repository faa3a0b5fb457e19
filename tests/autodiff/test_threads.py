"""The engine's switches are per thread: no_grad in one thread never reaches another."""
import threading

import numpy as np

import chainrule as cr


def test_no_grad_in_other_threads_leaves_this_thread_recording():
    start = threading.Barrier(5)

    def toggler():
        start.wait()
        for _ in range(300):
            with cr.no_grad():
                assert not cr.is_grad_enabled()

    threads = [threading.Thread(target=toggler) for _ in range(4)]
    for t in threads:
        t.start()
    start.wait()
    seen = []
    for _ in range(300):
        seen.append(cr.is_grad_enabled())
        x = cr.Tensor(np.ones(3), requires_grad=True)
        (x * x).sum().backward()
        np.testing.assert_array_equal(x.grad, 2 * np.ones(3))
    for t in threads:
        t.join()
    assert all(seen) and cr.is_grad_enabled()


def test_a_new_thread_starts_with_recording_on():
    out = []
    with cr.no_grad():
        t = threading.Thread(target=lambda: out.append(cr.is_grad_enabled()))
        t.start()
        t.join()
        assert not cr.is_grad_enabled()
    assert out == [True]
