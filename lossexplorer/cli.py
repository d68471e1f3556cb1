"""The ``lossexplorer`` command: open the window, or evaluate and report on a CSV file without one.

Only the window and report paths import Qt, and only when they run; ``eval`` stays numpy-only and quick,
so module-level imports here are kept to argparse, gc, os and sys (all built in or already loaded).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Any

TASK_CHOICES = ("regression", "binary", "multiclass")
VIEW_CHOICES = ("regression", "classification")
REPORT_SUFFIXES = (".pdf", ".png", ".svg")
SUBCOMMANDS = ("eval", "report")
_DEBUG_VARIABLE = "LOSSEXPLORER_DEBUG"


class InputError(ValueError):
    """Bad input that the user must fix: reported in one line with exit status 1."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Exit statuses: 0 success, 1 bad input (unreadable file, bad parameter, unknown loss, unwritable output),
    2 bad arguments (argparse's own), 130 interrupted. Errors are one line on stderr, never a traceback
    (set ``LOSSEXPLORER_DEBUG=1`` to see one).

    Args:
        argv: The arguments without the program name (default: ``sys.argv[1:]``).
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        return _dispatch(arguments)
    except SystemExit as exit_request:
        return _exit_code(exit_request)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``); silence the flush at interpreter exit as well.
        _silence_stdout()
        return 1
    except (ValueError, OSError) as problem:
        if os.environ.get(_DEBUG_VARIABLE):
            raise
        _print_error(_one_line(problem))
        return 1
    except Exception as problem:
        if os.environ.get(_DEBUG_VARIABLE):
            raise
        _print_error(f"internal error: {type(problem).__name__}: {_one_line(problem)}")
        return 1


def build_window_parser() -> argparse.ArgumentParser:
    """Return the parser of the window command ``lossexplorer [FILE] [--screenshot OUT.png] ...``."""
    from lossexplorer import __version__

    parser = argparse.ArgumentParser(
        prog="lossexplorer",
        description="See how neural-network loss functions behave. Opens the explorer window on FILE "
        "(a CSV of predictions) or on the bundled demo data.",
        epilog="Without a window: 'lossexplorer eval FILE' prints each loss's mean; "
        "'lossexplorer report FILE -o OUT.pdf' writes a report. See 'lossexplorer eval --help'.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="CSV file of predictions to open")
    parser.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window to OUT.png and exit")
    parser.add_argument("--view", choices=VIEW_CHOICES, help="the view to show first")
    parser.add_argument("--version", action="version", version=f"lossexplorer {__version__}")
    return parser


def build_eval_parser(command: str = "eval") -> argparse.ArgumentParser:
    """Return the parser of ``lossexplorer eval`` (``command="report"`` adds the output option)."""
    summaries = {
        "eval": "Print each loss's mean over the rows of a CSV file of predictions.",
        "report": "Write a PDF report (or the main plot as PNG or SVG) for a CSV file, without a window.",
    }
    usage = "%(prog)s FILE -o OUT [options]" if command == "report" else "%(prog)s FILE [options]"
    parser = argparse.ArgumentParser(prog=f"lossexplorer {command}", usage=usage, description=summaries[command])
    # Optional here only so that parse_eval_args can take a FILE swallowed by --param or --pred back.
    parser.add_argument("file", metavar="FILE", nargs="?",
                        help="CSV file: a true column and one or more prediction columns")
    if command == "report":
        parser.add_argument("-o", "--output", required=True, metavar="OUT", help="output file: .pdf, .png or .svg")
    parser.add_argument("--task", choices=TASK_CHOICES, help="the task (default: guessed from the file)")
    parser.add_argument("--true", dest="true_column", metavar="COL", help="the column of true values or labels")
    parser.add_argument(
        "--pred",
        dest="pred_columns",
        metavar="COL",
        nargs="+",
        action="extend",
        help="the prediction column, or one column per class for multiclass data",
    )
    kind = parser.add_mutually_exclusive_group()
    for flag, const in (("--logits", "logit"), ("--probabilities", "probability")):
        kind.add_argument(flag, dest="pred_kind", action="store_const", const=const, help=f"predictions are {flag[2:]}")
    parser.add_argument(
        "--losses", metavar="a,b,...", help="comma-separated loss ids (default: every loss that applies to the task)"
    )
    parser.add_argument(
        "--param",
        dest="params",
        metavar="LOSS.NAME=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="a loss parameter, e.g. huber.delta=1.5 (repeatable)",
    )
    if command == "eval":
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def parse_eval_args(command: str, arguments: list[str]) -> argparse.Namespace:
    """Parse the arguments of ``eval`` or ``report``, with FILE before or after the options.

    ``--param`` and ``--pred`` take several values, so argparse hands them a FILE that follows them
    (``eval --param huber.delta=2 data.csv``). A trailing ``--param`` value without "=" cannot be a parameter,
    and a trailing ``--pred`` value that names an existing file is taken for FILE as well.
    """
    parser = build_eval_parser(command)
    options = parser.parse_args(arguments)
    if options.file is None:
        options.file = _reclaim_file(options)
    if options.file is None:
        parser.error("the following arguments are required: FILE")
    return options


def _reclaim_file(options: argparse.Namespace) -> str | None:
    for values, looks_like_file in ((options.params, lambda value: "=" not in value),
                                    (options.pred_columns, os.path.isfile)):
        if values and looks_like_file(values[-1]):
            return values.pop()
    return None


def _dispatch(arguments: list[str]) -> int:
    if arguments and arguments[0] in SUBCOMMANDS:
        command = arguments[0]
        options = parse_eval_args(command, arguments[1:])
        if command == "eval":
            return _run_eval(options)
        return _run_report(options)
    return _run_window(build_window_parser().parse_args(arguments))


def _run_eval(options: argparse.Namespace) -> int:
    dataset = _load(options)
    loss_ids = _chosen_losses(options.losses, dataset.task)
    params = _parameters(options.params)
    from lossexplorer.evaluate import evaluate

    result = evaluate(dataset, loss_ids, params)
    text = _as_json(options.file, result, dataset.pred_kind) if options.json else _as_table(options.file, result)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def _run_report(options: argparse.Namespace) -> int:
    output = options.output
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in REPORT_SUFFIXES:
        build_eval_parser("report").error(f"output {output!r} must end in .pdf, .png or .svg")
    _check_writable(output)
    dataset = _load(options)
    loss_ids = _chosen_losses(options.losses, dataset.task)
    params = _parameters(options.params)
    from lossexplorer.evaluate import loss_inputs

    # Check every parameter against the data before Qt starts, so a bad one costs no window start-up.
    full_params = {loss_id: loss_inputs(dataset, loss_id, params.get(loss_id))[2] for loss_id in loss_ids}
    _use_offscreen_without_display()
    from lossexplorer.gui.report import write_report

    write_report(dataset, loss_ids, full_params, output)
    return 0


def _run_window(options: argparse.Namespace) -> int:
    if options.file and not os.path.exists(options.file):
        raise InputError(f"{options.file}: no such file")
    if options.screenshot:
        _check_writable(options.screenshot)
        # A picture of the window needs no screen.
        _use_offscreen_without_display()
    elif not _has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        raise InputError("no display to open the window on; use --screenshot, 'eval' or 'report' without one")
    from lossexplorer.startup import pause_garbage_collector, resume_garbage_collector

    # Once shown, the window collects from its event loop (lossexplorer.gui.collector); on the way out,
    # automatic collection comes back.
    pause_garbage_collector()
    try:
        from lossexplorer.gui.app import run

        return int(run(file=options.file, screenshot=options.screenshot, view=options.view))
    finally:
        if not gc.isenabled():
            resume_garbage_collector()


def _load(options: argparse.Namespace) -> Any:
    """Read the CSV named on the command line, applying any column, task or kind the user gave."""
    from lossexplorer import csvio

    overrides = {
        "task": options.task,
        "true_column": options.true_column,
        "pred_columns": tuple(options.pred_columns) if options.pred_columns else None,
        "pred_kind": options.pred_kind,
    }
    given = {field: value for field, value in overrides.items() if value is not None}
    try:
        if not given:
            return csvio.read_csv(options.file)
        return csvio.read_csv(options.file, _mapping_with(csvio, options.file, given))
    except csvio.CsvError as problem:
        if problem.line is None:
            raise
        # A row-level message names line and column; on a terminal the file it belongs to must be said too.
        raise csvio.CsvError(f"{os.path.basename(options.file)}, {problem}") from None


def _mapping_with(csvio: Any, path: str, given: dict[str, Any]) -> Any:
    """Return the guessed column mapping of ``path`` with the user's choices put in.

    What the user did not give is kept from the guess where it still fits: a changed task resets the kind of
    prediction to its default, and changed prediction columns or task let the reader name the classes anew.
    """
    preview = csvio.inspect_csv(path)
    guess = preview.mapping
    if guess is None:
        return _mapping_from_scratch(csvio, path, given, preview.ambiguities)
    fields = {
        "task": guess.task,
        "true_column": guess.true_column,
        "pred_columns": guess.pred_columns,
        "pred_kind": guess.pred_kind,
        "class_names": guess.class_names,
    }
    fields.update(given)
    task_changed = fields["task"] != guess.task
    if task_changed and "pred_kind" not in given:
        fields["pred_kind"] = _default_kind(fields["task"], guess.pred_kind)
    if task_changed or "pred_columns" in given or fields["task"] != "multiclass":
        fields["class_names"] = ()
    return csvio.ColumnMapping(**fields)


def _mapping_from_scratch(csvio: Any, path: str, given: dict[str, Any], doubts: tuple[str, ...]) -> Any:
    missing = [flag for flag, field in (("--task", "task"), ("--true", "true_column"), ("--pred", "pred_columns"))
               if field not in given]
    if missing:
        reason = f" ({doubts[0]})" if doubts else ""
        raise InputError(f"{path}: could not guess the columns{reason}; give {', '.join(missing)}")
    kind = given.get("pred_kind") or _default_kind(given["task"], "probability")
    return csvio.ColumnMapping(given["task"], given["true_column"], given["pred_columns"], kind)


def _default_kind(task: str, guessed_kind: str) -> str:
    if task == "regression":
        return "value"
    return guessed_kind if guessed_kind != "value" else "probability"


def _chosen_losses(text: str | None, task: str) -> list[str]:
    from lossexplorer.evaluate import applicable_losses

    applicable = applicable_losses(task)
    if text is None:
        return applicable
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    if not chosen:
        raise InputError("--losses names no loss")
    from lossexplorer import losses

    for loss_id in chosen:
        if loss_id not in losses.REGISTRY:
            raise InputError(f"unknown loss {loss_id!r}; known losses: {', '.join(losses.REGISTRY)}")
        if loss_id not in applicable:
            raise InputError(f"{loss_id} does not apply to {task} data; use one of: {', '.join(applicable)}")
    return list(dict.fromkeys(chosen))


def _parameters(assignments: list[str]) -> dict[str, dict[str, Any]]:
    from lossexplorer.evaluate import parse_param_assignments

    return parse_param_assignments(assignments)


def _as_table(path: str, result: Any) -> str:
    from lossexplorer import losses

    rows = [("loss", "name", "mean")]
    rows += [
        (loss_id, losses.REGISTRY[loss_id].display_name, _format_value(value))
        for loss_id, value in result.means.items()
    ]
    id_width = max(len(row[0]) for row in rows)
    name_width = max(len(row[1]) for row in rows)
    value_width = max(len(row[2]) for row in rows)
    row_word = "row" if result.n_rows == 1 else "rows"
    lines = [f"{path}: {result.task}, {result.n_rows} {row_word}"]
    lines += [f"{a:<{id_width}}  {b:<{name_width}}  {c:>{value_width}}" for a, b, c in rows]
    return "\n".join(lines)


def _format_value(value: float) -> str:
    return f"{value:.6g}"


def _as_json(path: str, result: Any, pred_kind: str) -> str:
    import json

    document = {
        "file": path,
        "task": result.task,
        "pred_kind": pred_kind,
        "rows": result.n_rows,
        "losses": {loss_id: _json_number(value) for loss_id, value in result.means.items()},
        "params": {
            loss_id: {name: _json_number(value) for name, value in params.items()}
            for loss_id, params in result.params.items()
        },
    }
    return json.dumps(document, indent=2, allow_nan=False)


def _json_number(value: Any) -> Any:
    """Return ``value`` unchanged, or None for a non-finite float that JSON cannot hold."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    return value if value == value and abs(value) != float("inf") else None


def _check_writable(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise InputError(f"cannot write {path}: it is a folder")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {path}: folder {folder} is not writable")


def _has_display() -> bool:
    """Return whether a window can be shown: always off Linux, else when X11 or Wayland is there."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _use_offscreen_without_display() -> None:
    """Let Qt run headless when there is no display to draw on."""
    if not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _exit_code(exit_request: SystemExit) -> int:
    code = exit_request.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    _print_error(str(code))
    return 1


def _one_line(problem: BaseException) -> str:
    text = " ".join(str(problem).split())
    return text or type(problem).__name__


def _print_error(message: str) -> None:
    sys.stderr.write(f"lossexplorer: error: {message}\n")
    sys.stderr.flush()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
