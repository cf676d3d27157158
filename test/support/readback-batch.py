#!/usr/bin/env python3
"""
Reads back the generated Python files of many property-test cases in ONE python3 process
(test/property-external.test.ts compares what it prints with the model):

  - a PyInstaller spec is executed with the spec recorder's stand-ins for PyInstaller's API
    (spec-recorder.py: Analysis, PYZ, EXE, COLLECT and the collection helpers record what they
    get); the spec's own code runs for real, with shutil stood in by a recorder too, so that the
    copies beside the bundle are recorded rather than made (their sources are not on this host);
  - a preflight program is parsed (ast), its MODEL read as a literal (ast.literal_eval) and
    compared with the MODEL the module defines when executed; then its main() runs with --help,
    and against an empty pipeline root (default scope, and --stage of the case's stage), with its
    output captured.

Usage: readback-batch.py CASES_JSON
CASES_JSON holds a list of {"spec": path or null, "preflight": path, "emptyRoot": dir, "stage": name}.
Prints one JSON object per case and line, in order. Exit status: 0 (a case's failure is in its line).
"""

import ast
import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import sys
import tempfile
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))


def load_recorder():
    """spec-recorder.py as a module (its name has a dash)."""
    spec = importlib.util.spec_from_file_location("spec_recorder", os.path.join(HERE, "spec-recorder.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recording_shutil():
    """A shutil whose copies record (function, source, target) instead of copying."""
    module = types.ModuleType("shutil")
    module.copies = []
    module.copy2 = lambda source, target, **options: module.copies.append(["copy2", source, target])
    module.copytree = lambda source, target, **options: module.copies.append(["copytree", source, target])
    return module


def read_spec(recorder_module, path):
    with tempfile.TemporaryDirectory(prefix="spec-readback-") as scratch:
        distpath = os.path.join(scratch, "dist")
        os.makedirs(distpath)
        stand_in = recording_shutil()
        saved = sys.modules.get("shutil")
        sys.modules["shutil"] = stand_in
        try:
            recorder, namespace, error = recorder_module.execute(path, distpath, os.path.join(scratch, "build"))
        finally:
            sys.modules["shutil"] = saved
        return {
            "error": error,
            "root": namespace.get("ROOT"),
            "distpath": distpath,
            "bundleDir": namespace.get("BUNDLE_DIR"),
            "analyses": recorder.analyses,
            "exes": recorder.exes,
            "collects": recorder.collects,
            "helperCalls": recorder.helper_calls,
            "copies": stand_in.copies,
        }


def run_main(namespace, model, argv):
    """main(model, argv) with its output captured: (status, stdout, stderr, traceback or None)."""
    out, err = io.StringIO(), io.StringIO()
    status, failure = None, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = namespace["main"](model, argv)
        except SystemExit as exit_:
            status = exit_.code
        except Exception:  # a crash is what the property looks for: report it
            failure = traceback.format_exc()
    return {"status": status, "stdout": out.getvalue(), "stderr": err.getvalue(), "traceback": failure}


def read_preflight(path, empty_root, stage):
    with open(path, encoding="utf-8") as file:
        text = file.read()
    tree = ast.parse(text, path)
    assigned = [n for n in tree.body if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "MODEL" for t in n.targets)]
    if len(assigned) != 1:
        return {"error": f"{len(assigned)} assignments of MODEL at the top level (expected 1)"}
    literal = ast.literal_eval(assigned[0].value)
    # Executed as a module (not as __main__): defines the functions and MODEL, runs nothing.
    namespace = {"__name__": "preflight_readback", "__file__": path}
    exec(compile(text, path, "exec"), namespace)
    smoke = literal["package"]["smokeCheck"]
    regex_error = None
    if smoke:
        try:
            re.compile(smoke["expectedOutput"], re.MULTILINE)
        except re.error as error:
            regex_error = str(error)
    return {
        "error": None,
        "model": literal,
        "sameAsExecuted": namespace["MODEL"] == literal,
        "root": os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), literal["rootFromProgram"])),
        "smokeWords": shlex.split(smoke["command"]) if smoke else None,
        "regexError": regex_error,
        "help": run_main(namespace, literal, ["--help"]),
        "emptyRoot": run_main(namespace, literal, ["--root", empty_root]),
        "emptyRootStage": run_main(namespace, literal, ["--root", empty_root, "--stage", stage]),
    }


def main(argv):
    with open(argv[0], encoding="utf-8") as file:
        cases = json.load(file)
    recorder_module = load_recorder()
    for case in cases:
        result = {}
        try:
            if case.get("spec"):
                result["spec"] = read_spec(recorder_module, case["spec"])
            result["preflight"] = read_preflight(case["preflight"], case["emptyRoot"], case["stage"])
        except Exception:
            result["error"] = traceback.format_exc()
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
