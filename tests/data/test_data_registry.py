import pytest

from chainrule.data import Dataset, DatasetSplits, available_datasets, dataset_info, load_dataset

NAMES = ["digits", "mnist", "fashion-mnist", "heart", "circle", "xor", "gaussian", "spiral",
         "plane", "multi-gaussian"]


def test_names_and_descriptions():
    table = available_datasets()
    assert list(table) == NAMES
    assert all(desc and "\n" not in desc for desc in table.values())


@pytest.mark.parametrize("name", ["circle", "xor", "gaussian", "spiral", "plane",
                                  "multi_gaussian", "Multi-Gaussian", "heart", "digits"])
def test_offline_loaders(name):
    ds = load_dataset(name)
    assert isinstance(ds, Dataset)
    assert ds.name == dataset_info(name).name
    assert ds.task == dataset_info(name).task


def test_kwargs_pass_through():
    ds = load_dataset("spiral", n=90, n_classes=3, seed=0)
    assert len(ds) == 90 and ds.n_classes == 3
    with pytest.raises(TypeError, match="bogus"):
        load_dataset("circle", bogus=1)


def test_mnist_entry_returns_splits(tmp_path, monkeypatch):
    assert dataset_info("fashion_mnist").name == "fashion-mnist"
    assert not dataset_info("mnist").offline
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    with pytest.raises(FileNotFoundError):
        load_dataset("mnist", download=False)
    assert DatasetSplits  # the documented return type of the mnist loaders


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match=r"unknown dataset 'spirals'. Did you mean 'spiral'\?"):
        load_dataset("spirals")
    with pytest.raises(ValueError, match="Available: digits, mnist"):
        dataset_info("cifar")
