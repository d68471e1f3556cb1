"""The bundled demo data: read by the app's own reader, each of its task, and showing what the README says."""

import numpy as np
import pytest

from lossexplorer.demo import DEMO_FILES, demo_dataset, demo_path


@pytest.mark.parametrize("task", sorted(DEMO_FILES))
def test_each_demo_reads_as_its_task(task):
    data = demo_dataset(task)
    assert data.task == task
    assert data.n_rows >= 40
    assert data.source == demo_path(task)


def test_regression_demo_first_row_and_two_gross_outliers():
    data = demo_dataset("regression")
    # First data line of assets/demo_regression.csv: "1,4.31,4.27".
    assert (data.y_true[0], data.y_pred[0]) == (4.31, 4.27)
    errors = np.abs(data.y_pred - data.y_true)
    assert np.count_nonzero(errors > 3.0) == 2
    assert np.median(errors) < 0.5


def test_multiclass_demo_names_its_classes():
    data = demo_dataset("multiclass")
    assert data.class_names == ("cat", "dog", "bird")
    # Second data line: "img_002.jpg,dog,0.2479,0.5765,0.1756".
    assert data.y_true[1] == 1
    np.testing.assert_allclose(data.y_pred[1], [0.2479, 0.5765, 0.1756])
