import hashlib
import json

import numpy as np
import pytest

from chainrule.data import heart, heart_csv_path

SHA256 = "8d2f18114152427beb57b7a4df4ab71fd41c010136fdaeaf6f168770f865b368"


@pytest.fixture(scope="module")
def complete():
    return heart()


def column(ds, name):
    return ds.X[:, ds.feature_names.index(name)]


def test_bundled_file_is_the_published_one():
    path = heart_csv_path()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256
    assert (path.parent / "NOTICE.md").is_file()


def test_known_counts(complete):
    full = heart(missing="impute")
    assert len(full) == 303 and np.bincount(full.y).tolist() == [164, 139]
    assert len(complete) == 297
    assert complete.class_names == ["No", "Yes"] and complete.task == "binary"
    assert complete.X.dtype == np.float32 and complete.y.dtype == np.int64


def test_features_and_one_hot(complete):
    assert complete.feature_names == [
        "Age", "Sex", "ChestPain=asymptomatic", "ChestPain=nonanginal", "ChestPain=nontypical",
        "ChestPain=typical", "RestBP", "Chol", "Fbs", "RestECG", "MaxHR", "ExAng", "Oldpeak",
        "Slope", "Ca", "Thal=fixed", "Thal=normal", "Thal=reversable"]
    full = heart(missing="impute")
    chest = full.X[:, 2:6]
    assert np.all(chest.sum(axis=1) == 1)
    assert chest.sum(axis=0).tolist() == [144, 86, 50, 23]
    thal = full.X[:, 15:18]
    assert np.all(thal.sum(axis=1) == 1)
    assert thal.sum(axis=0).tolist() == [18, 166 + 2, 117]  # 2 missing imputed as "normal"
    # first row of the file: 63, 1, typical, 145, 233, ... Ca 0, fixed, No
    row = full.X[0]
    assert row[:2].tolist() == [63, 1] and row[5] == 1 and row[6] == 145 and row[7] == 233
    assert row[15] == 1 and full.y[0] == 0
    assert np.isclose(full.X[0, 12], 2.3)


def test_impute_values():
    full = heart(missing="impute")
    ca = column(full, "Ca")
    assert np.isfinite(full.X).all()
    # Ca is NA in rows 167, 193, 288, 303 (1-based) -> median 0
    assert ca[[166, 192, 287, 302]].tolist() == [0, 0, 0, 0]
    assert column(full, "Thal=normal")[[87, 266]].tolist() == [1, 1]


def test_dtype_option():
    assert heart(dtype=np.float64).X.dtype == np.float64


def test_bad_missing_policy():
    with pytest.raises(ValueError, match="missing"):
        heart(missing="zero")


def edited_copy(tmp_path, old, new):
    text = heart_csv_path().read_text()
    assert old in text
    path = tmp_path / "Heart.csv"
    path.write_text(text.replace(old, new, 1))
    return path


def test_unknown_category_names_column_and_line(tmp_path):
    path = edited_copy(tmp_path, '"typical"', '"atypical"')
    with pytest.raises(ValueError, match=r"Heart.csv, line 2, column 'ChestPain': unknown "
                                         r"category 'atypical'"):
        heart(path=path)


def test_unknown_target_value(tmp_path):
    path = edited_copy(tmp_path, '"fixed","No"', '"fixed","Maybe"')
    with pytest.raises(ValueError, match=r"column 'AHD': unknown target class 'Maybe'"):
        heart(path=path)


def test_non_numeric_cell(tmp_path):
    path = edited_copy(tmp_path, '"1",63,', '"1",sixty-three,')
    with pytest.raises(ValueError, match=r"line 2, column 'Age': 'sixty-three' is not"):
        heart(path=path)


def test_wrong_columns_and_missing_file(tmp_path):
    path = edited_copy(tmp_path, '"Chol"', '"Cholesterol"')
    with pytest.raises(ValueError, match="expected the Heart columns"):
        heart(path=path)
    with pytest.raises(FileNotFoundError, match="nothere.csv"):
        heart(path=tmp_path / "nothere.csv")


def test_dataset_is_json_describable(complete):
    json.dumps({"features": complete.feature_names, "classes": complete.class_names})
