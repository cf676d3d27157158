#!/usr/bin/env python3
"""
Executes a PyInstaller spec file with PyInstaller's API stood in by recorders, where PyInstaller
itself cannot run (it is not installable on this kind of machine). Analysis, PYZ, EXE and COLLECT,
and the collection helpers of PyInstaller.utils.hooks, record what the spec gives them; the spec's
own code (paths, loops, the copies beside the bundle) runs for real, into a temporary DISTPATH.

Then it lists every data source, binary, hidden import and collection the spec names, and checks
what can be checked here:
  - sources under the spec's ROOT (the repository): each exists (a glob matches something);
  - sources elsewhere (in the image the spec runs in): reported, not checkable here;
  - hidden imports and collected packages of the application's own packages (found in pathex):
    each module exists; third-party ones are reported, not checkable here;
  - the entry scripts, pathex and hook folders exist; the copies beside the bundle were made.

Usage: spec-recorder.py SPEC [--root DIR] [--json FILE]
Exit status: 0 no problem, 1 problems (listed), 2 the spec could not be executed.
"""

import argparse
import glob
import json
import os
import sys
import tempfile
import traceback
import types


class Recorder:
    """What the spec handed to PyInstaller's API."""

    def __init__(self):
        self.analyses = []
        self.exes = []
        self.collects = []
        self.helper_calls = []

    def stand_ins(self, distpath):
        recorder = self

        class Analysis:
            def __init__(self, scripts, pathex=None, binaries=None, datas=None, hiddenimports=None, hookspath=None,
                         hooksconfig=None, runtime_hooks=None, excludes=None, noarchive=False, **options):
                self.record = {
                    "scripts": list(scripts), "pathex": list(pathex or []), "binaries": [list(b) for b in binaries or []],
                    "datas": [list(d) for d in datas or []], "hiddenimports": list(hiddenimports or []),
                    "hookspath": list(hookspath or []), "runtime_hooks": list(runtime_hooks or []),
                    "excludes": list(excludes or []), "noarchive": noarchive,
                }
                recorder.analyses.append(self.record)
                self.pure, self.scripts, self.binaries, self.datas, self.zipfiles = [], [], [], [], []

        class PYZ:
            def __init__(self, *tocs, **options):
                self.tocs = tocs

        class EXE:
            def __init__(self, *args, **options):
                recorder.exes.append({
                    "name": options.get("name"), "console": options.get("console", True),
                    "exclude_binaries": options.get("exclude_binaries", False),
                    # One file: the TOCs of binaries and datas are given to EXE itself.
                    "one_file": not options.get("exclude_binaries", False),
                })

        class COLLECT:
            def __init__(self, *args, **options):
                name = options.get("name")
                recorder.collects.append({"name": name})
                # PyInstaller makes DISTPATH/<name>; the spec's later code may copy files into it.
                os.makedirs(os.path.join(distpath, name), exist_ok=True)

        def helper(kind):
            def call(package, *args, **options):
                recorder.helper_calls.append({"helper": kind, "package": package, "options": {k: repr(v) for k, v in options.items()}})
                return []

            return call

        hooks = types.ModuleType("PyInstaller.utils.hooks")
        hooks.collect_data_files = helper("collect_data_files")
        hooks.collect_submodules = helper("collect_submodules")
        hooks.collect_dynamic_libs = helper("collect_dynamic_libs")
        utils = types.ModuleType("PyInstaller.utils")
        utils.hooks = hooks
        package = types.ModuleType("PyInstaller")
        package.utils = utils
        modules = {"PyInstaller": package, "PyInstaller.utils": utils, "PyInstaller.utils.hooks": hooks}
        api = {"Analysis": Analysis, "PYZ": PYZ, "EXE": EXE, "COLLECT": COLLECT}
        return modules, api


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def module_location(module, pathex):
    """(exists, path) for a module whose top-level package is in pathex; None for a third-party one."""
    parts = module.split(".")
    for base in pathex:
        if os.path.isdir(os.path.join(base, parts[0])) or os.path.isfile(os.path.join(base, parts[0] + ".py")):
            path = os.path.join(base, *parts)
            return os.path.isfile(path + ".py") or os.path.isdir(path), path
    return None


def local_package_files(package, pathex, include_py):
    """What a collection helper would take from one of the application's own packages."""
    found = module_location(package, pathex)
    if not found or not found[0] or not os.path.isdir(found[1]):
        return None
    files = []
    for dirpath, dirs, names in os.walk(found[1]):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        files += [os.path.join(dirpath, n) for n in names if include_py or not n.endswith((".py", ".pyc"))]
    return sorted(files)


def execute(spec, distpath, workpath):
    recorder = Recorder()
    modules, api = recorder.stand_ins(distpath)
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    namespace = dict(api)
    namespace.update({
        "__name__": "__main__", "__file__": spec, "SPEC": spec, "SPECPATH": os.path.dirname(spec),
        "specnm": os.path.splitext(os.path.basename(spec))[0], "DISTPATH": distpath, "workpath": workpath,
    })
    error = None
    try:
        with open(spec, encoding="utf-8") as source:
            exec(compile(source.read(), spec, "exec"), namespace)
    except Exception:
        error = traceback.format_exc()
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return recorder, namespace, error


def check(recorder, namespace, root, distpath):
    """The record as plain data, with a problem list."""
    problems, lines = [], []
    if len(recorder.analyses) != 1:
        problems.append(f"the spec made {len(recorder.analyses)} Analysis objects (expected 1)")
        return {"problems": problems, "lines": lines}
    analysis = recorder.analyses[0]
    pathex = analysis["pathex"]
    in_root = lambda path: os.path.abspath(path).startswith(root + os.sep)  # noqa: E731

    def source_entries(kind, entries):
        out = []
        for source, destination in entries:
            entry = {"kind": kind, "source": source, "destination": destination}
            if in_root(source):
                matches = glob.glob(source, recursive=True)
                entry.update(where="repository", path=os.path.relpath(source, root), exists=bool(matches))
                if not matches:
                    problems.append(f"{kind} source {entry['path']} (to {destination}) is missing in {root}")
            else:
                entry.update(where="image", path=source, exists=os.path.exists(source))
            out.append(entry)
        return out

    sources = source_entries("data", analysis["datas"]) + source_entries("binary", analysis["binaries"])
    for script in analysis["scripts"]:
        if not os.path.isfile(script):
            problems.append(f"entry script {script} is missing")
    for folder in pathex + analysis["hookspath"]:
        if not os.path.isdir(folder):
            problems.append(f"folder {folder} (pathex or hookspath) is missing")

    imports = []
    for module in analysis["hiddenimports"]:
        found = module_location(module, pathex)
        entry = {"module": module, "own": found is not None, "exists": found[0] if found else None}
        if found and not found[0]:
            problems.append(f"hidden import {module}: {found[1]}.py and {found[1]}/ are missing")
        imports.append(entry)

    collections = []
    for call in recorder.helper_calls:
        include_py = call["options"].get("include_py_files") == "True"
        files = local_package_files(call["package"], pathex, include_py or call["helper"] == "collect_submodules")
        entry = dict(call, own=files is not None, files=None if files is None else [os.path.relpath(f, root) for f in files])
        if files is None and module_location(call["package"], pathex):
            problems.append(f"{call['helper']}({call['package']!r}): the package is not in {', '.join(pathex)}")
        collections.append(entry)

    bundle_dir = namespace.get("BUNDLE_DIR")
    beside = []
    for source, folder in namespace.get("beside_bundle", []):
        target = os.path.join(bundle_dir, folder, os.path.basename(source.rstrip("/")))
        beside.append({"source": os.path.relpath(source, root) if in_root(source) else source, "folder": folder, "copied": os.path.exists(target)})
        if not os.path.exists(target):
            problems.append(f"{source} was not copied beside the bundle ({target})")

    exe = recorder.exes[0] if recorder.exes else {}
    repository = [s for s in sources if s["where"] == "repository"]
    image = [s for s in sources if s["where"] == "image"]
    own = [i for i in imports if i["own"]]
    lines.append(f"entry: {', '.join(os.path.relpath(s, root) for s in analysis['scripts'])}; pathex: {', '.join(os.path.relpath(p, root) for p in pathex)}")
    lines.append(f"application: {exe.get('name')}, {'console' if exe.get('console') else 'windowed'}, {'one-file' if exe.get('one_file') else 'one-dir'}")
    for s in sources:
        state = ("present" if s["exists"] else "MISSING") if s["where"] == "repository" else ("present on this host" if s["exists"] else "in the image: not checkable here")
        lines.append(f"{s['kind']}: {s['path']} -> {s['destination']} ({state})")
    for c in collections:
        state = f"own package, {len(c['files'])} file(s)" if c["own"] else "third-party: not checkable here"
        lines.append(f"{c['helper']}({c['package']}{', include_py_files=True' if c['options'].get('include_py_files') == 'True' else ''}) ({state})")
    for b in beside:
        lines.append(f"beside the bundle: {b['source']} -> {b['folder']} ({'copied' if b['copied'] else 'NOT COPIED'})")
    lines.append(f"hidden imports: {len(imports)} ({len(own)} of the application's own packages, "
                 f"{sum(1 for i in own if i['exists'])} present; {len(imports) - len(own)} third-party: not checkable here)")
    lines.append(f"excludes: {', '.join(analysis['excludes']) or '(none)'}")
    lines.append(f"summary: {len(repository)} repository source(s), {sum(1 for s in repository if s['exists'])} present; "
                 f"{len(image)} image source(s); {len(imports)} hidden import(s); {len(collections)} collection call(s); "
                 f"{len(beside)} file(s) beside the bundle; {len(problems)} problem(s)")
    return {
        "analysis": analysis, "exe": exe, "collect": recorder.collects, "sources": sources, "hiddenimports": imports,
        "collections": collections, "beside": beside, "problems": problems, "lines": lines,
    }


def main(argv):
    parser = argparse.ArgumentParser(description="Execute a PyInstaller spec with recorders and check what it names.")
    parser.add_argument("spec")
    parser.add_argument("--root", help="the repository root (default: the spec's ROOT)")
    parser.add_argument("--json", help="write the full record to this file")
    args = parser.parse_args(argv)
    spec = os.path.abspath(args.spec)
    with tempfile.TemporaryDirectory(prefix="spec-recorder-") as scratch:
        distpath = os.path.join(scratch, "dist")
        os.makedirs(distpath)
        recorder, namespace, error = execute(spec, distpath, os.path.join(scratch, "build"))
        if error:
            print(f"spec-recorder: the spec {args.spec} failed:\n{error}", file=sys.stderr)
            if not recorder.analyses:
                return 2
        root = os.path.abspath(args.root or namespace.get("ROOT") or os.path.dirname(spec))
        result = check(recorder, namespace, root, distpath)
        if error:
            # What the spec named before it stopped is still listed.
            result["problems"].append(f"the spec stopped: {last_line(error)}")
    for line in result["lines"]:
        print(f"spec-recorder: {line}")
    for problem in result["problems"]:
        print(f"spec-recorder: problem: {problem}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2)
    return 2 if error else 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
