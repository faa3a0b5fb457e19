import numpy as np
import pytest

from chainrule.data import load_csv


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_types_are_inferred_and_strings_one_hot(tmp_path):
    path = write(tmp_path, "a,colour,b,label\n1,red,0.5,yes\n2,blue,1.5,no\n3,red,2.5,yes\n")
    ds = load_csv(path, target="label")
    assert ds.feature_names == ["a", "colour=blue", "colour=red", "b"]
    np.testing.assert_array_equal(ds.X, [[1, 0, 1, 0.5], [2, 1, 0, 1.5], [3, 0, 1, 2.5]])
    assert ds.X.dtype == np.float32
    assert ds.class_names == ["no", "yes"] and ds.y.tolist() == [1, 0, 1]
    assert ds.task == "binary" and ds.name == "t"


def test_integer_target_with_few_values_is_classification(tmp_path):
    rows = "\n".join(f"{i},{i % 3 + 1}" for i in range(30))
    ds = load_csv(write(tmp_path, "x,k\n" + rows + "\n"), target="k")
    assert ds.task == "multiclass" and ds.class_names == ["1", "2", "3"]
    assert ds.y.dtype == np.int64 and set(ds.y.tolist()) == {0, 1, 2}


def test_float_target_is_regression(tmp_path):
    ds = load_csv(write(tmp_path, "x,t\n1,0.5\n2,1.25\n3,-2\n"), target="t")
    assert ds.task == "regression" and ds.class_names is None
    assert ds.y.dtype == np.float32 and ds.y.tolist() == [0.5, 1.25, -2.0]
    many = "\n".join(f"{i},{i}" for i in range(50))
    assert load_csv(write(tmp_path, "x,t\n" + many + "\n", "m.csv"), target="t").task == \
        "regression"


def test_task_override(tmp_path):
    path = write(tmp_path, "x,t\n1,0\n2,1\n3,1\n")
    assert load_csv(path, target="t", task="regression").task == "regression"
    with pytest.raises(ValueError, match="task='multiclass'.*2 classes"):
        load_csv(path, target="t", task="multiclass")


def test_unnamed_index_column_is_dropped(tmp_path):
    ds = load_csv(write(tmp_path, '"","x","y"\n"1",3,"a"\n"2",4,"b"\n'), target="y")
    assert ds.feature_names == ["x"]


def test_non_numeric_cell_names_column_and_line(tmp_path):
    path = write(tmp_path, "x,z,y\n1,2,a\n2,3,b\n3,oops,a\n4,5,b\n")
    with pytest.raises(ValueError, match=r"t.csv, line 4, column 'z': 'oops' is not a finite"):
        load_csv(path, target="y")


def test_unknown_target_column(tmp_path):
    with pytest.raises(ValueError, match=r"target names column\(s\) \['label'\].*columns are"):
        load_csv(write(tmp_path, "x,y\n1,2\n"), target="label")


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(ValueError, match="empty.csv: the file is empty"):
        load_csv(write(tmp_path, "", "empty.csv"), target="y")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(write(tmp_path, "x,y\n", "head.csv"), target="y")
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        load_csv(tmp_path / "absent.csv", target="y")


def test_ragged_row(tmp_path):
    with pytest.raises(ValueError, match="line 3: 3 fields, but the header has 2"):
        load_csv(write(tmp_path, "x,y\n1,a\n2,b,c\n"), target="y")


def test_missing_value_policies(tmp_path):
    path = write(tmp_path, "x,c,y\n1,a,p\nNA,b,q\n3,,p\n5,a,q\n")
    with pytest.raises(ValueError, match=r"line 3, column 'x': missing value 'NA'"):
        load_csv(path, target="y")
    dropped = load_csv(path, target="y", missing="drop")
    assert len(dropped) == 2 and dropped.X[:, 0].tolist() == [1, 5]
    imputed = load_csv(path, target="y", missing="impute")
    assert imputed.X[:, 0].tolist() == [1, 3, 3, 5]  # median of 1, 3, 5
    assert imputed.feature_names == ["x", "c=a", "c=b"]
    assert imputed.X[2, 1:].tolist() == [1, 0]  # most frequent category "a"
    with pytest.raises(ValueError, match="missing must be"):
        load_csv(path, target="y", missing="zero")


def test_missing_target_only_with_drop(tmp_path):
    path = write(tmp_path, "x,y\n1,a\n2,NA\n3,b\n")
    with pytest.raises(ValueError, match=r"column 'y': missing value.*missing='drop'"):
        load_csv(path, target="y", missing="impute")
    assert len(load_csv(path, target="y", missing="drop")) == 2


def test_forced_types_and_fixed_categories(tmp_path):
    path = write(tmp_path, "code,y\n1,a\n2,b\n1,a\n")
    ds = load_csv(path, target="y", categorical=["code"])
    assert ds.feature_names == ["code=1", "code=2"]
    with pytest.raises(ValueError, match=r"column 'code': unknown category '2'"):
        load_csv(path, target="y", categories={"code": ["1", "3"]})
    with pytest.raises(ValueError, match=r"categorical names column\(s\) \[.nope.\]"):
        load_csv(path, target="y", categorical=["nope"])


def test_identifier_column_is_refused(tmp_path):
    rows = "\n".join(f"id{i},{i},{i % 2}" for i in range(60))
    path = write(tmp_path, "name,x,y\n" + rows + "\n")
    with pytest.raises(ValueError, match="column 'name' has 60 distinct values"):
        load_csv(path, target="y")
    assert load_csv(path, target="y", drop=["name"]).feature_names == ["x"]


def test_single_class_target(tmp_path):
    with pytest.raises(ValueError, match="single value"):
        load_csv(write(tmp_path, "x,y\n1,a\n2,a\n"), target="y")


@pytest.mark.parametrize("cell", ["NAN", "inf", "-Infinity", "nan"])
@pytest.mark.parametrize("task", [None, "classification", "regression"])
def test_non_finite_target_cell_is_refused_naming_its_lines(tmp_path, cell, task):
    rows = [f"{i},{i % 2}" for i in range(20)]
    rows[3], rows[11], rows[17] = f"3,{cell}", f"11,{cell}", f"17,{cell}"
    path = write(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"non-finite.*line\(s\) 5, 13, 19") as err:
        load_csv(path, target="y", task=task, na_values=())
    assert "target column 'y'" in str(err.value)


def test_integer_target_with_inf_cells_does_not_grow_a_class(tmp_path):
    rows = [f"{i},{i % 50}" for i in range(100)] + ["7,inf", "8,inf", "9,inf"]
    path = write(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"3 non-finite cell\(s\) \('inf'\) on line\(s\) "
                                         r"102, 103, 104"):
        load_csv(path, target="y", max_classes=60)


def test_non_finite_target_is_refused_even_with_class_names(tmp_path):
    path = write(tmp_path, "x,y\n1,a\n2,inf\n3,b\n")
    with pytest.raises(ValueError, match=r"line\(s\) 3"):
        load_csv(path, target="y", class_names=["a", "b", "inf"])


def test_non_finite_target_listed_as_missing_is_dropped(tmp_path):
    path = write(tmp_path, "x,y\n1,0\n2,NAN\n3,1\n4,0\n")
    ds = load_csv(path, target="y", na_values=("NAN",), missing="drop")
    assert ds.y.tolist() == [0, 1, 0] and ds.class_names == ["0", "1"]
