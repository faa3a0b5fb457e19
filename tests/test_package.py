"""The package needs NumPy only: the extras are imported lazily, and a missing one is named."""
import subprocess
import sys
import textwrap

BLOCK = textwrap.dedent("""
    import sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"sklearn", "matplotlib", "safetensors", "scipy",
                                      "torch"}:
                raise ImportError(f"blocked for the test: {name}")
            return None

    sys.meta_path.insert(0, Block())
""")


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_import_and_train_with_numpy_only():
    out = run("""
        import numpy as np
        import chainrule as cr
        from chainrule import data, nn, optim, train
        ds = data.xor(n=200, seed=0)
        model = nn.MLP(2, [8], 1, activation="tanh", seed=0)
        train.fit(model, nn.default_loss(model.output_unit),
                  optim.SGD(model.parameters(), lr=0.5), (ds.X, ds.y), epochs=2, verbose=0)
        print(sorted(m for m in ("sklearn", "matplotlib", "safetensors") if m in sys.modules))
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("[]")


def test_missing_extra_is_named():
    out = run("""
        from chainrule import data
        try:
            data.digits()
        except ImportError as exc:
            print(exc)
    """)
    assert out.returncode == 0, out.stderr
    assert 'chainrule[data]' in out.stdout


def test_command_reports_missing_extra_in_one_line():
    out = run("""
        from chainrule.cli import main
        raise SystemExit(main(["train", "--epochs", "1", "--quiet"]))
    """)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert "chainrule[data]" in out.stderr
