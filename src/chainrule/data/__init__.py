"""chainrule.data: datasets (digits, MNIST, Fashion-MNIST, heart, the 2-D playground sets),
a CSV loader, mini-batch loading, preprocessing and splits. Needs only NumPy; `digits` also
needs scikit-learn (``pip install "chainrule[data]"``)."""

from .csv import load_csv
from .dataset import Dataset, DatasetSplits
from .digits import digits
from .heart import heart, heart_csv_path
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import (
    ChecksumError,
    DownloadError,
    default_cache_dir,
    download_file,
    fashion_mnist,
    mnist,
    sha256_file,
)
from .playground import (
    circle,
    gaussian,
    multi_gaussian,
    plane,
    playground_features,
    spiral,
    xor,
)
from .preprocessing import MinMaxScaler, OneHotEncoder, Standardizer, one_hot
from .registry import DatasetInfo, available_datasets, dataset_info, load_dataset
from .split import train_test_split, train_val_test_split

__all__ = [
    "ChecksumError",
    "DataLoader",
    "Dataset",
    "DatasetInfo",
    "DatasetSplits",
    "DownloadError",
    "MinMaxScaler",
    "OneHotEncoder",
    "Standardizer",
    "available_datasets",
    "circle",
    "dataset_info",
    "default_cache_dir",
    "digits",
    "download_file",
    "fashion_mnist",
    "gaussian",
    "heart",
    "heart_csv_path",
    "load_csv",
    "load_dataset",
    "mnist",
    "multi_gaussian",
    "one_hot",
    "plane",
    "playground_features",
    "read_idx",
    "sha256_file",
    "spiral",
    "train_test_split",
    "train_val_test_split",
    "write_idx",
    "xor",
]
