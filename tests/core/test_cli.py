"""The command line: eval output against hand-worked values, exit codes, one-line errors, no Qt on eval."""

import gc
import json
import math
import os
import subprocess
import sys
import types

import pytest

from lossexplorer import __version__
from lossexplorer.cli import main

REGRESSION_CSV = "y_true,y_pred\n1,1\n2,3\n3,5\n"
# Errors 0, 1, 2: MSE (0 + 1 + 4) / 3, MAE (0 + 1 + 2) / 3, Huber(1) (0 + 0.5 + 1.5) / 3.
REGRESSION_MEANS = {"mean_squared_error": 5 / 3, "mean_absolute_error": 1.0, "huber": 2 / 3}


@pytest.fixture
def write_csv(tmp_path):
    def write(text, name="data.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run_json(capsys, *arguments):
    code = main(["eval", *arguments, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    return json.loads(captured.out)


def assert_one_line_error(captured, *fragments):
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("lossexplorer: error: ")
    assert "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in lines[0]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"lossexplorer {__version__}"


def test_eval_help_lists_the_options(capsys):
    assert main(["eval", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--task", "--true", "--pred", "--logits", "--probabilities", "--losses", "--param", "--json"):
        assert option in out


def test_eval_json_regression(write_csv, capsys):
    path = write_csv(REGRESSION_CSV)
    document = run_json(capsys, path, "--losses", ",".join(REGRESSION_MEANS))
    assert document["task"] == "regression"
    assert document["rows"] == 3
    assert document["losses"] == pytest.approx(REGRESSION_MEANS, rel=1e-12)
    assert list(document["losses"]) == list(REGRESSION_MEANS)
    assert document["params"]["huber"] == {"delta": 1.0}


def test_eval_json_default_losses_cover_the_task(write_csv, capsys):
    document = run_json(capsys, write_csv(REGRESSION_CSV))
    assert {"mean_squared_error", "mean_absolute_error", "huber", "quantile", "log_cosh"} <= set(document["losses"])
    assert document["losses"]["quantile"] == pytest.approx(0.5)  # half the MAE at tau = 0.5
    assert all(math.isfinite(value) for value in document["losses"].values())


def test_eval_param_changes_the_value(write_csv, capsys):
    path = write_csv(REGRESSION_CSV)
    params = ["--param", "huber.delta=2", "--param", "quantile.tau=0.9"]
    document = run_json(capsys, path, "--losses", "huber,quantile", *params)
    # Huber(2): (0 + 0.5 + 2) / 3; pinball at tau 0.9 on over-predictions 1 and 2: 0.1 * 3 / 3.
    assert document["losses"]["huber"] == pytest.approx(2.5 / 3)
    assert document["losses"]["quantile"] == pytest.approx(0.1)
    assert document["params"] == {"huber": {"delta": 2.0}, "quantile": {"tau": 0.9}}


def test_eval_table(write_csv, capsys):
    path = write_csv(REGRESSION_CSV)
    assert main(["eval", path, "--losses", "mean_squared_error,huber"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert path in lines[0] and "regression" in lines[0] and "3 rows" in lines[0]
    assert lines[1].split()[:3] == ["loss", "name", "mean"]
    assert lines[2].split()[0] == "mean_squared_error" and float(lines[2].split()[-1]) == pytest.approx(5 / 3, rel=1e-5)
    assert lines[3].split()[0] == "huber" and float(lines[3].split()[-1]) == pytest.approx(2 / 3, rel=1e-5)
    # Aligned: the value column ends at the same place on every row.
    assert len({len(line) for line in lines[1:]}) == 1


def test_eval_binary_probabilities(write_csv, capsys):
    path = write_csv("label,prob\n1,0.8\n0,0.4\n")
    document = run_json(capsys, path, "--losses", "binary_crossentropy,mean_squared_error,hinge")
    assert document["task"] == "binary"
    assert document["losses"]["binary_crossentropy"] == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2, rel=1e-6)
    assert document["losses"]["mean_squared_error"] == pytest.approx((0.04 + 0.16) / 2)
    # Scores logit(p): ln 4 (margin beyond 1) and ln(2/3) for label 0 (margin ln 1.5).
    assert document["losses"]["hinge"] == pytest.approx((1 - math.log(1.5)) / 2, rel=1e-6)


def test_eval_binary_logits(write_csv, capsys):
    path = write_csv("label,logit\n1,0\n0,2\n")
    document = run_json(capsys, path, "--logits", "--losses", "binary_crossentropy,hinge")
    assert document["losses"]["binary_crossentropy"] == pytest.approx((math.log(2) + math.log1p(math.exp(2))) / 2)
    # Margins 0 and -2: hinge 1 and 3.
    assert document["losses"]["hinge"] == pytest.approx(2.0)
    assert document["params"]["binary_crossentropy"]["from_logits"] is True


def test_eval_multiclass(write_csv, capsys):
    path = write_csv("label,p_0,p_1,p_2\n1,0.05,0.95,0\n2,0.1,0.8,0.1\n")
    document = run_json(capsys, path, "--losses", "categorical_crossentropy,sparse_categorical_crossentropy")
    assert document["task"] == "multiclass" and document["rows"] == 2
    # Keras documentation values 0.051293 and 2.302585 (-ln 0.95 and -ln 0.1).
    expected = (-math.log(0.95) - math.log(0.1)) / 2
    assert document["losses"]["categorical_crossentropy"] == pytest.approx(expected, rel=1e-6)
    assert document["losses"]["sparse_categorical_crossentropy"] == pytest.approx(expected, rel=1e-6)


def test_eval_column_choice(write_csv, capsys):
    path = write_csv("id,target,model_a,model_b\n1,0,1,2\n2,0,1,4\n")
    document = run_json(capsys, path, "--task", "regression", "--true", "target", "--pred", "model_b",
                        "--losses", "mean_squared_error")
    assert document["losses"]["mean_squared_error"] == pytest.approx((4 + 16) / 2)


def test_eval_multiclass_with_class_names_and_a_task_override(write_csv, capsys):
    path = write_csv("id,label,p_a,p_b\n1,a,0.2,0.8\n2,b,0.6,0.4\n")
    document = run_json(capsys, path, "--losses", "categorical_crossentropy")
    # Row 1 is class a with probability 0.2, row 2 class b with 0.4.
    assert document["losses"]["categorical_crossentropy"] == pytest.approx(-(math.log(0.2) + math.log(0.4)) / 2)
    binary_as_regression = run_json(capsys, write_csv("label,prob\n1,0.8\n0,0.4\n"), "--task", "regression")
    assert binary_as_regression["task"] == "regression"
    assert binary_as_regression["losses"]["huber"] == pytest.approx((0.5 * 0.04 + 0.5 * 0.16) / 2)


def test_eval_without_a_usable_guess_asks_for_the_columns(write_csv, capsys):
    path = write_csv("name,x\nfoo,1\nbar,2\n")
    assert main(["eval", path, "--true", "name"]) == 1
    assert_one_line_error(capsys.readouterr(), "could not guess the columns", "--task, --pred")


def test_file_may_follow_the_options_that_take_several_values(write_csv, capsys):
    path = write_csv(REGRESSION_CSV)
    # Huber(2) on errors 0, 1, 2: (0 + 0.5 + 2) / 3, whichever side of the options FILE stands.
    after_param = run_json(capsys, "--losses", "huber", "--param", "huber.delta=2", path)
    after_pred = run_json(capsys, "--param", "huber.delta=2", "--losses", "huber", "--pred", "y_pred", path)
    for document in (after_param, after_pred):
        assert document["losses"]["huber"] == pytest.approx(2.5 / 3)
        assert document["params"] == {"huber": {"delta": 2.0}}


def test_a_missing_file_after_pred_is_still_asked_for(capsys):
    assert main(["eval", "--pred", "y_pred", "no-such-file.csv"]) == 2
    assert "required: FILE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments",
    [
        ["eval"],
        ["eval", "--param", "huber.delta=2"],
        ["eval", "x.csv", "--task", "ranking"],
        ["eval", "x.csv", "--logits", "--probabilities"],
        ["eval", "x.csv", "--bogus"],
        ["--view", "sideways"],
        ["report", "x.csv"],
        ["report", "x.csv", "-o", "out.docx"],
    ],
)
def test_bad_arguments_exit_2(arguments, capsys):
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "error:" in captured.err


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--losses", "nope"], ["unknown loss 'nope'"]),
        (["--losses", "binary_crossentropy"], ["binary_crossentropy does not apply to regression data"]),
        (["--losses", " , "], ["--losses names no loss"]),
        (["--param", "huber.delta=-1"], ["delta"]),
        (["--param", "huber.delta"], ["must look like loss.name=value"]),
        (["--param", "huber.gamma=1"], ["huber has no parameter 'gamma'"]),
    ],
)
def test_bad_input_exits_1_with_one_line(write_csv, capsys, extra, fragments):
    assert main(["eval", write_csv(REGRESSION_CSV), *extra]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured, *fragments)


def test_missing_and_bad_files_exit_1(write_csv, tmp_path, capsys):
    assert main(["eval", str(tmp_path / "missing.csv")]) == 1
    assert_one_line_error(capsys.readouterr(), "missing.csv")
    assert main(["eval", write_csv("y_true,y_pred\n1,abc\n", "bad.csv")]) == 1
    assert_one_line_error(capsys.readouterr(), 'bad.csv, line 2, column "y_pred"')
    assert main([str(tmp_path / "missing.csv")]) == 1
    assert_one_line_error(capsys.readouterr(), "no such file")


def test_contradicting_from_logits_is_bad_input(write_csv, capsys):
    path = write_csv("label,prob\n1,0.8\n0,0.4\n")
    params = ["--param", "binary_crossentropy.from_logits=true"]
    assert main(["eval", path, "--losses", "binary_crossentropy", *params]) == 1
    assert_one_line_error(capsys.readouterr(), "contradicts the data")


def test_keyboard_interrupt_exits_130_quietly(monkeypatch, write_csv, capsys):
    def interrupted(options):
        raise KeyboardInterrupt

    monkeypatch.setattr("lossexplorer.cli._run_eval", interrupted)
    assert main(["eval", write_csv(REGRESSION_CSV)]) == 130
    assert capsys.readouterr().err == ""


def test_unexpected_errors_are_one_line(monkeypatch, write_csv, capsys):
    def broken(options):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("lossexplorer.cli._run_eval", broken)
    monkeypatch.delenv("LOSSEXPLORER_DEBUG", raising=False)
    assert main(["eval", write_csv(REGRESSION_CSV)]) == 1
    assert_one_line_error(capsys.readouterr(), "internal error: RuntimeError: something broke")


def test_report_calls_write_report_offscreen(monkeypatch, write_csv, tmp_path):
    calls = []
    fake = types.ModuleType("lossexplorer.gui.report")

    def write_report(dataset, loss_ids, params, out_path):
        calls.append((dataset, loss_ids, params, out_path, os.environ.get("QT_QPA_PLATFORM")))

    fake.write_report = write_report
    monkeypatch.setitem(sys.modules, "lossexplorer.gui.report", fake)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    out = str(tmp_path / "report.pdf")
    code = main(["report", write_csv(REGRESSION_CSV), "-o", out, "--losses", "huber", "--param", "huber.delta=2"])
    assert code == 0
    dataset, loss_ids, params, out_path, platform = calls[0]
    assert dataset.n_rows == 3 and loss_ids == ["huber"] and params == {"huber": {"delta": 2.0}}
    assert out_path == out and platform == "offscreen"


def test_report_to_a_missing_folder_exits_1(write_csv, tmp_path, capsys):
    out = str(tmp_path / "no" / "such" / "report.pdf")
    assert main(["report", write_csv(REGRESSION_CSV), "-o", out]) == 1
    assert_one_line_error(capsys.readouterr(), "does not exist")


def test_window_path_passes_its_options_to_the_app(monkeypatch, write_csv, tmp_path):
    calls = []
    fake = types.ModuleType("lossexplorer.gui.app")
    fake.run = lambda **options: calls.append(options) or 0
    monkeypatch.setitem(sys.modules, "lossexplorer.gui.app", fake)
    path = write_csv(REGRESSION_CSV)
    shot = str(tmp_path / "shot.png")
    assert main([path, "--screenshot", shot, "--view", "classification"]) == 0
    assert calls == [{"file": path, "screenshot": shot, "view": "classification"}]
    assert main([]) == 0
    assert calls[-1] == {"file": None, "screenshot": None, "view": None}


def test_window_start_pauses_the_collector_and_resumes_it_on_the_way_out(monkeypatch, write_csv):
    during = []

    def failing_run(**_options):
        during.append(gc.isenabled())
        raise ValueError("broken file")

    fake = types.ModuleType("lossexplorer.gui.app")
    fake.run = failing_run
    monkeypatch.setitem(sys.modules, "lossexplorer.gui.app", fake)
    assert gc.isenabled()
    assert main([write_csv(REGRESSION_CSV)]) == 1
    assert during == [False]
    assert gc.isenabled()


def test_window_without_a_display(monkeypatch, tmp_path, capsys):
    calls = []
    fake = types.ModuleType("lossexplorer.gui.app")
    fake.run = lambda **options: calls.append(os.environ.get("QT_QPA_PLATFORM")) or 0
    monkeypatch.setitem(sys.modules, "lossexplorer.gui.app", fake)
    monkeypatch.setattr(sys, "platform", "linux")
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(variable, raising=False)
    assert main([]) == 1
    assert_one_line_error(capsys.readouterr(), "no display")
    assert calls == []
    # A screenshot needs no screen: it runs offscreen.
    assert main(["--screenshot", str(tmp_path / "shot.png")]) == 0
    assert calls == ["offscreen"]


PROBE = (
    "import runpy, sys\n"
    "sys.argv = ['lossexplorer'] + sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_module('lossexplorer', run_name='__main__')\n"
    "finally:\n"
    "    qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
    "    sys.stderr.write('QT-MODULES:' + ','.join(qt) + '\\n')\n"
)


def test_eval_subprocess_never_imports_qt(write_csv):
    path = write_csv(REGRESSION_CSV)
    environment = {**os.environ, "PYTHONWARNINGS": "error"}
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, "eval", path, "--json"],
        capture_output=True, text=True, timeout=120, env=environment, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip() == "QT-MODULES:"
    assert json.loads(completed.stdout)["losses"]["mean_squared_error"] == pytest.approx(5 / 3)


def test_python_m_bad_file_is_one_line_without_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "lossexplorer", "eval", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert len(completed.stderr.splitlines()) == 1
    assert completed.stderr.startswith("lossexplorer: error: ") and "Traceback" not in completed.stderr
