#!/usr/bin/env python3
# The hand-written part of every generated preflight program (assembled by
# src/preflight/preflight-program.ts): functions only. The generator puts the pipeline model
# (MODEL) and the call of main() below them. Importable alone, for the tests.
# --- Preflight ---
"""
Proves, before any image is built, that each stage has what its steps need:

- the dependency stage: its manifest's metadata is generated in a scratch folder that holds
  exactly the files the stage copies (setup.py egg_info; a PEP 517 metadata hook, or the
  [project] table of pyproject.toml; the local paths of requirements.txt), with this host's
  python3; a file the install reads but the stage does not copy is named, with the stage to add
  it to;
- the manifest's requires-python / python_requires allows the Python the stages declare
  (a subset of PEP 440 specifiers: ==, !=, <, <=, >, >=, ~=, ===, and ".*" wildcards);
- the package stage: the entry module and every data source of the packager exist (sources in
  the image are checked at package time), the application's own hidden imports exist, and a
  smoke check is declared.

Not covered: .dockerignore patterns (a copied file that .dockerignore drops is taken as copied).
Exit status: 0 no problem, 1 problems (listed), 2 usage error.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

# A manifest's own code runs here (setup.py, a build backend): never for long.
TIMEOUT_SECONDS = 120
WILDCARD = re.compile(r"[*?\[]")


class Report:
    """What the checks found, one line each, in the order found."""

    def __init__(self):
        self.lines = []
        self.problems = 0
        self.passed = 0

    def problem(self, stage, text):
        self.problems += 1
        self.lines.append(f"[stage {stage}] problem: {text}")

    def ok(self, stage, text):
        self.passed += 1
        self.lines.append(f"[stage {stage}] ok: {text}")

    def note(self, stage, text):
        self.lines.append(f"[stage {stage}] note: {text}")


# --- PEP 440 specifiers (the subset that Python version requirements use) ---


class SpecifierError(ValueError):
    """A specifier this subset cannot compare (it says which part)."""


RELEASE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)$")


def release(text):
    """'3.10.12' -> (3, 10, 12); anything but digits and dots is outside this subset."""
    if not RELEASE.match(text):
        raise SpecifierError(f'"{text}" is not a release version (digits and dots; pre-, post- and local versions are not supported)')
    return tuple(int(part) for part in text.split("."))


def padded(version, length):
    return version + (0,) * (length - len(version))


def compare(a, b):
    length = max(len(a), len(b))
    a, b = padded(a, length), padded(b, length)
    return (a > b) - (a < b)


def prefix_matches(version, prefix):
    return padded(version, len(prefix))[: len(prefix)] == prefix


def clause_allows(clause, version):
    """Whether one clause ('>=3.10.12', '==3.10.*', ...) allows the release `version` (a string)."""
    match = CLAUSE.match(clause.strip())
    if not match:
        raise SpecifierError(f'"{clause.strip()}" is not a version clause (operator and version, e.g. ">=3.10")')
    operator, target = match.groups()
    if operator == "===":
        return target == version
    candidate = release(version)
    if target.endswith(".*"):
        if operator not in ("==", "!="):
            raise SpecifierError(f'"{clause.strip()}": a ".*" wildcard goes only with == and !=')
        matches = prefix_matches(candidate, release(target[:-2]))
        return matches if operator == "==" else not matches
    wanted = release(target)
    order = compare(candidate, wanted)
    if operator == "~=":
        if len(wanted) < 2:
            raise SpecifierError(f'"{clause.strip()}": ~= needs a version with at least two parts')
        return order >= 0 and prefix_matches(candidate, wanted[:-1])
    return {"==": order == 0, "!=": order != 0, "<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[operator]


def specifier_allows(specifier, version):
    """Whether every comma-separated clause of `specifier` allows `version`; '' allows all."""
    clauses = [c for c in specifier.split(",") if c.strip()]
    return all(clause_allows(c, version) for c in clauses)


# --- The scratch folder: exactly what a stage's COPY steps put in the image ---


def has_wildcard(path):
    return WILDCARD.search(path) is not None


def expand(root, source):
    """The repository paths a COPY source names (Docker expands wildcards like glob)."""
    path = os.path.join(root, source)
    if has_wildcard(source):
        return sorted(glob.glob(path))
    return [path] if os.path.exists(path) else []


def place(source, target, origins, root):
    """Copies a file or a folder's contents to `target`, recording where each file came from."""
    if os.path.isdir(source):
        for dirpath, _dirs, files in os.walk(source):
            for name in files:
                place(os.path.join(dirpath, name), os.path.join(target, os.path.relpath(dirpath, source), name), origins, root)
        os.makedirs(target, exist_ok=True)
        return
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    shutil.copy2(source, target)
    origins[os.path.normpath(target)] = os.path.relpath(source, root)


def lay_out(stages, root, scratch, report):
    """
    Copies what each stage's COPY steps copy into `scratch`, a stand-in for the image's file
    system, following Docker's rules. Returns {scratch path: repository path}; missing sources
    are problems of the stage that copies them.
    """
    origins = {}
    for stage in stages:
        for copy in stage["copies"]:
            destination = copy["destination"]
            into_folder = destination.endswith("/") or len(copy["sources"]) > 1
            for source in copy["sources"]:
                found = expand(root, source)
                if not found:
                    report.problem(stage["name"], f"copies '{source}', which is missing in {root}; add it or change the copy step in {CONFIG}")
                    continue
                for path in found:
                    if os.path.isdir(path):
                        target = destination
                    elif into_folder or len(found) > 1:
                        target = os.path.join(destination, os.path.basename(path))
                    else:
                        target = destination
                    place(path, os.path.join(scratch, target.lstrip("/")), origins, root)
    return origins


# --- Metadata of the dependency manifest ---

# A file the manifest's code could not open: an error, or setuptools' warning for a file it names.
MISSING_FILE = re.compile(r"No such file or directory: '([^']+)'|File '([^']+)' cannot be found")
# A folder setuptools needs (e.g. the package_dir root, where egg_info writes).
MISSING_FOLDER = re.compile(r"'([^']+)' does not exist or is not a directory")


def missing_files(text):
    """[(path, whether only its existence matters)] of what the manifest's code could not find."""
    return [(a or b, False) for a, b in MISSING_FILE.findall(text)] + [(f, True) for f in MISSING_FOLDER.findall(text)]


def run_python(arguments, cwd):
    """Runs this host's python3 on the manifest's code, without writing bytecode."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, *arguments], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=env, check=False
    )


def header_field(text, field):
    """A field of core metadata (PKG-INFO / METADATA): the headers end at the first blank line."""
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        if key.strip().lower() == field.lower():
            return value.strip()
    return None


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


class Manifest:
    """The dependency stage's manifest, in the scratch folder and in the repository."""

    def __init__(self, stage, scratch_path, origins, root):
        self.stage = stage
        self.path = scratch_path
        self.folder = os.path.dirname(scratch_path)
        self.name = os.path.basename(scratch_path)
        self.repository_path = origins.get(os.path.normpath(scratch_path), stage["dependencies"]["manifest"])
        self.root = root

    def repository_file(self, relative):
        """Where a file the manifest reads (relative to the manifest) is in the repository."""
        return os.path.normpath(os.path.join(os.path.dirname(self.repository_path), relative))

    def explain_missing(self, report, relative, what, existence_only=False):
        """A file the manifest needs is not in the scratch folder: name it, and where to add it."""
        in_repository = self.repository_file(relative)
        if existence_only and os.path.isdir(os.path.join(self.root, in_repository)):
            report.problem(
                self.stage["name"],
                f"{self.name} needs the folder {in_repository} ({what}), which stage {self.stage['name']} does not copy; "
                f"copy it, or, when only the folder must exist (the sources come in a later stage), add it to "
                f"pythonDependencies.emptyFolders of stage {self.stage['name']} in {CONFIG}",
            )
        elif os.path.exists(os.path.join(self.root, in_repository)):
            report.problem(
                self.stage["name"],
                f"{self.name} needs {in_repository} ({what}), which stage {self.stage['name']} does not copy; "
                f"add {in_repository} to the copy step of stage {self.stage['name']} in {CONFIG}",
            )
        else:
            report.problem(
                self.stage["name"],
                f"{self.name} needs {in_repository} ({what}), which is missing in the repository too; add it, or change {self.repository_path}",
            )

    def explain_missing_files(self, report, how, result):
        """Names the files the manifest's code could not find; returns whether there was one."""
        missing = missing_files(f"{result.stderr}\n{result.stdout}")
        for path, existence_only in dict.fromkeys(missing):
            relative = os.path.relpath(path, self.folder) if os.path.isabs(path) else path
            failed = "failed without it" if existence_only else "failed with FileNotFoundError"
            self.explain_missing(report, relative, f"{how} {failed if result.returncode else 'could not find it'}", existence_only)
        return bool(missing)

    def explain_failure(self, report, how, result):
        if not self.explain_missing_files(report, how, result):
            output = f"{result.stderr}\n{result.stdout}"
            report.problem(self.stage["name"], f"{how} failed with only the files stage {self.stage['name']} copies: {last_line(output)}")


# Runs a setup.py with a recording stand-in for setuptools, when this host has none.
SETUP_PY_STAND_IN = r"""
import os, sys, types
manifest, out = sys.argv[1], sys.argv[2]
recorded = {}
def setup(**kwargs):
    recorded.update(kwargs)
def find_packages(where=".", exclude=(), include=("*",)):
    return []
stand_in = types.ModuleType("setuptools")
stand_in.setup, stand_in.find_packages, stand_in.find_namespace_packages = setup, find_packages, find_packages
sys.modules["setuptools"] = stand_in
sys.argv = [manifest, "egg_info"]
with open(manifest, encoding="utf-8") as source:
    exec(compile(source.read(), manifest, "exec"), {"__name__": "__main__", "__file__": manifest})
with open(os.path.join(out, "PKG-INFO"), "w", encoding="utf-8") as pkg_info:
    pkg_info.write("Metadata-Version: 2.1\nName: %s\nRequires-Python: %s\n" % (recorded.get("name", ""), recorded.get("python_requires", "")))
"""


def has_setuptools():
    import importlib.util

    return importlib.util.find_spec("setuptools") is not None


def setup_py_requirements(manifest, report, scratch):
    """Runs `setup.py egg_info` on the scratch copy; returns [(what, requires-python)] or None on failure."""
    out = tempfile.mkdtemp(dir=scratch)
    if has_setuptools():
        # As pip's build runs it: egg_info writes into the package_dir root, which must exist.
        how = "setup.py egg_info"
        result = run_python([manifest.name, "--quiet", "egg_info"], manifest.folder)
    else:
        how = "setup.py (with a recording stand-in: setuptools is not installed on this host)"
        result = run_python(["-c", SETUP_PY_STAND_IN, manifest.name, out], manifest.folder)
    if result.returncode != 0:
        manifest.explain_failure(report, how, result)
        return None
    if manifest.explain_missing_files(report, how, result):
        return None
    found = glob.glob(os.path.join(manifest.folder, "**", "*.egg-info", "PKG-INFO"), recursive=True) + glob.glob(os.path.join(out, "PKG-INFO"))
    if not found:
        report.problem(manifest.stage["name"], f"{how} wrote no PKG-INFO; check {manifest.repository_path}")
        return None
    with open(found[0], encoding="utf-8") as pkg_info:
        requires = header_field(pkg_info.read(), "Requires-Python") or ""
    report.ok(manifest.stage["name"], f"{how} generated the metadata with only the files the stage copies")
    return [(f"{manifest.repository_path} (python_requires)", requires)]


def load_toml(path):
    """The parsed TOML file, or raises LookupError when this host cannot read TOML."""
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            raise LookupError("reading pyproject.toml needs Python 3.11+ (tomllib) or the tomli package on this host") from None
    with open(path, "rb") as file:
        return tomllib.load(file)


# Calls a PEP 517 backend's prepare_metadata_for_build_wheel and writes the metadata folder's path
# to a file (the backend may print anything); exit 3: the backend is not importable here.
METADATA_HOOK = r"""
import importlib, json, os, sys
backend, backend_path, out, answer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path[:0] = [os.path.abspath(p) for p in backend_path]
module_name, _, attribute = backend.partition(":")
try:
    backend_object = importlib.import_module(module_name)
except ImportError as error:
    print("backend not importable: %s" % error)
    sys.exit(3)
for part in filter(None, attribute.split(".")):
    backend_object = getattr(backend_object, part)
hook = getattr(backend_object, "prepare_metadata_for_build_wheel", None)
if hook is None:
    print("backend has no prepare_metadata_for_build_wheel")
    sys.exit(3)
folder = os.path.join(out, hook(out, {}))
with open(answer, "w", encoding="utf-8") as file:
    file.write(folder)
"""


def pyproject_requirements(manifest, report, scratch):
    """PEP 517 metadata when the backend is importable here, else the [project] table."""
    try:
        data = load_toml(manifest.path)
    except LookupError as error:
        report.problem(manifest.stage["name"], f"cannot read {manifest.repository_path}: {error}")
        return None
    except Exception as error:  # a TOML syntax error
        report.problem(manifest.stage["name"], f"{manifest.repository_path} is not valid TOML: {error}")
        return None
    build_system = data.get("build-system", {})
    backend = build_system.get("build-backend")
    if backend:
        out = tempfile.mkdtemp(dir=scratch)
        answer = os.path.join(scratch, "metadata-folder")
        how = f"the metadata hook of {backend}"
        result = run_python(["-c", METADATA_HOOK, backend, json.dumps(build_system.get("backend-path", [])), out, answer], manifest.folder)
        if manifest.explain_missing_files(report, how, result):
            return None
        if result.returncode == 0:
            with open(answer, encoding="utf-8") as file, open(os.path.join(file.read(), "METADATA"), encoding="utf-8") as metadata:
                requires = header_field(metadata.read(), "Requires-Python") or ""
            report.ok(manifest.stage["name"], f"{how} generated the metadata with only the files the stage copies")
            return [(f"{manifest.repository_path} (requires-python)", requires)]
        if result.returncode == 3:
            report.note(manifest.stage["name"], f"{backend} is not importable on this host: read the [project] table instead")
        else:
            # Not a missing file: most often the host's build tools (e.g. no wheel package), not the stage.
            report.note(manifest.stage["name"], f"{how} failed on this host ({last_line(result.stderr or result.stdout)}): read the [project] table instead")
    return project_table_requirements(manifest, data, report)


def project_table_requirements(manifest, data, report):
    """The files [project] names (readme, license) must be copied; returns its requires-python."""
    project = data.get("project")
    if project is None:
        report.note(manifest.stage["name"], f"{manifest.repository_path} has no [project] table and its backend cannot run here: requires-python not checked")
        return []
    named = []
    readme = project.get("readme")
    if isinstance(readme, str):
        named.append((readme, "project.readme"))
    elif isinstance(readme, dict) and "file" in readme:
        named.append((readme["file"], "project.readme"))
    license_table = project.get("license")
    if isinstance(license_table, dict) and "file" in license_table:
        named.append((license_table["file"], "project.license"))
    complete = True
    for relative, field in named:
        if not os.path.exists(os.path.join(manifest.folder, relative)):
            manifest.explain_missing(report, relative, f"named by {field}")
            complete = False
    if complete:
        report.ok(manifest.stage["name"], f"the files {manifest.repository_path} names are among those the stage copies")
    return [(f"{manifest.repository_path} (requires-python)", project.get("requires-python", ""))]


OPTION_WITH_FILE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)$")
EDITABLE = re.compile(r"^(-e|--editable)(?:\s+|=)(\S+)$")
DIRECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@\s*(\S+)")


def requirement_lines(path):
    """The logical lines of a requirements file: continuations joined, comments dropped."""
    with open(path, encoding="utf-8") as file:
        text = re.sub(r"\\\n", "", file.read())
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            yield line


def local_target(line):
    """The local path a requirement line installs from, or None (a name, a URL, an option)."""
    editable = EDITABLE.match(line)
    if editable:
        line = editable.group(2)
    reference = DIRECT_REFERENCE.match(line)
    if reference:
        line = reference.group(2)
    if line.startswith("file:"):
        return re.sub(r"^file:(//)?", "", line)
    if line.startswith("-") or "://" in line:
        return None
    if line.startswith((".", "/")) or "/" in line or line.endswith((".whl", ".tar.gz", ".zip")):
        return line.split(";")[0].strip()
    return None


def requirements_txt_requirements(manifest, report, scratch, run_folder):
    """Every file a requirements file includes and every local path it installs must be copied."""
    results = []
    complete = True
    pending, seen = [manifest.path], set()
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        for line in requirement_lines(path):
            included = OPTION_WITH_FILE.match(line)
            if included:
                target = os.path.join(os.path.dirname(path), included.group(2))
                if os.path.exists(target):
                    pending.append(target)
                else:
                    manifest.explain_missing(report, os.path.relpath(target, manifest.folder), f"included with {included.group(1)}")
                    complete = False
                continue
            local = local_target(line)
            if local is None:
                continue
            # pip resolves a local path from the folder the install runs in (the working directory).
            target = local if os.path.isabs(local) else os.path.join(run_folder, local)
            if os.path.isabs(local) and not os.path.exists(target):
                target = os.path.join(scratch, local.lstrip("/"))
            if not os.path.exists(target):
                manifest.explain_missing(report, os.path.relpath(target, manifest.folder), f"a local requirement: {line}")
                complete = False
                continue
            pyproject = os.path.join(target, "pyproject.toml")
            if os.path.isdir(target) and os.path.exists(pyproject):
                try:
                    project = load_toml(pyproject).get("project", {})
                except Exception as error:
                    report.note(manifest.stage["name"], f"requires-python of {local} not read: {error}")
                    continue
                if project.get("requires-python"):
                    results.append((f"{local} (requires-python)", project["requires-python"]))
    if complete:
        report.ok(manifest.stage["name"], f"every file and local path {manifest.repository_path} names is among those the stage copies")
    return results


def check_dependency_stage(stage, stages, root, report):
    """Generates the manifest's metadata from exactly the files the stage copies, then compares Python versions."""
    dependencies = stage["dependencies"]
    scratch = tempfile.mkdtemp(prefix="preflight-")
    try:
        before = report.problems
        origins = lay_out(stages, root, scratch, report)
        workdir = os.path.join(scratch, stage["workdir"].lstrip("/"))
        for folder in dependencies.get("emptyFolders", []):
            os.makedirs(os.path.join(workdir, folder), exist_ok=True)
        manifest_path = os.path.normpath(os.path.join(workdir, dependencies["manifest"]))
        if not os.path.isfile(manifest_path):
            if report.problems == before:
                report.problem(
                    stage["name"],
                    f"installs from {dependencies['manifest']} in {stage['workdir']}, but none of its copy steps puts it there; "
                    f"add it to the copy step of stage {stage['name']} in {CONFIG}",
                )
            return
        manifest = Manifest(stage, manifest_path, origins, root)
        kind = dependencies["kind"]
        if kind == "setup.py":
            requirements = setup_py_requirements(manifest, report, scratch)
        elif kind == "pyproject.toml":
            requirements = pyproject_requirements(manifest, report, scratch)
        else:
            requirements = requirements_txt_requirements(manifest, report, scratch, workdir)
        if requirements is not None:
            check_python_versions(stage, requirements, report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_python_versions(stage, requirements, report):
    python = stage["python"]
    for what, specifier in requirements:
        if not specifier:
            report.note(stage["name"], f"{what}: no Python requirement declared")
            continue
        try:
            allowed = specifier_allows(specifier, python["version"])
        except SpecifierError as error:
            report.problem(stage["name"], f"{what} is \"{specifier}\", which the preflight cannot compare: {error}")
            continue
        if allowed:
            report.ok(stage["name"], f"{what} \"{specifier}\" allows Python {python['version']} (declared by stage {python['declaredBy']})")
        else:
            report.problem(
                stage["name"],
                f"{what} is \"{specifier}\", which Python {python['version']} (declared by stage {python['declaredBy']}) does not meet; "
                f"change the base image and python.version of stage {python['declaredBy']} in {CONFIG}, or the requirement",
            )


# --- The package stage ---


def module_location(module, root, import_paths):
    """
    Where a module of the application's own packages is: (found, top-level folder or file),
    or None when its top-level package is in no import path (a third-party module).
    """
    parts = module.split(".")
    for import_path in import_paths:
        base = os.path.join(root, import_path)
        if not (os.path.isdir(os.path.join(base, parts[0])) or os.path.isfile(os.path.join(base, parts[0] + ".py"))):
            continue
        path = os.path.join(base, *parts)
        return (os.path.isfile(path + ".py") or os.path.isdir(path)), os.path.join(import_path, *parts)
    return None


def check_entry(name, package, root, report):
    """Whether the application's entry script or module is there (without it, its sources are absent)."""
    if package.get("entryScript"):
        if os.path.isfile(os.path.join(root, package["entryScript"])):
            report.ok(name, f"the entry script {package['entryScript']} exists")
            return True
        report.problem(name, f"the entry script {package['entryScript']} is missing in {root}; add it or change the packager's entryPoint in {CONFIG}")
        return False
    found = module_location(package["entryModule"], root, package["importPaths"])
    if found and found[0]:
        report.ok(name, f"the entry module {package['entryModule']} exists ({found[1]})")
        return True
    report.problem(name, f"the entry module {package['entryModule']} is in no import path ({', '.join(package['importPaths'])}) of {root}; fix the packager in {CONFIG}")
    return False


def check_package_stage(stage, package, root, report):
    name = stage["name"]
    if check_entry(name, package, root, report):
        check_package_inputs(name, package, root, report)
    else:
        report.note(name, "the application's sources are absent: its data sources and modules are checked once they are there")
    smoke = package.get("smokeCheck")
    if smoke:
        report.ok(name, f"a smoke check is declared: {smoke['command']} (expects /{smoke['expectedOutput']}/)")
    else:
        report.problem(name, f"no smoke check is declared for the package; add smokeCheck to the packager in {CONFIG}")


def check_package_inputs(name, package, root, report):
    """Every data source in the repository exists; the application's own modules exist."""
    missing = [s for s in package["repositorySources"] if not expand(root, s)]
    for source in missing:
        report.problem(name, f"the package takes '{source}', which {'matches nothing' if has_wildcard(source) else 'is missing'} in {root}; add it or change the packager in {CONFIG}")
    present = len(package["repositorySources"]) - len(missing)
    if present:
        report.ok(name, f"{present} data source(s) of the package exist in the repository")
    if package["imageSources"]:
        report.note(name, f"{len(package['imageSources'])} source(s) in the image, checked at package time: {', '.join(package['imageSources'])}")
    own, third_party = 0, []
    for module in package["modules"]:
        found = module_location(module, root, package["importPaths"])
        if found is None:
            third_party.append(module)
        elif found[0]:
            own += 1
        else:
            report.problem(name, f"the package names the module {module}, but {found[1]}.py and {found[1]}/ are missing; fix the packager's hidden imports in {CONFIG}")
    if own:
        report.ok(name, f"{own} module(s) of the application's own packages named by the packager exist")
    if third_party:
        report.note(name, f"{len(third_party)} third-party module(s) named by the packager, checked at package time")


# --- Command line ---

CONFIG = ".projenrc.ts"


def chain_of(stages, target):
    """The stages from the first to `target`, following each stage's parent."""
    by_name = {s["name"]: s for s in stages}
    chain, stage = [], by_name.get(target)
    while stage is not None and stage not in chain:
        chain.insert(0, stage)
        stage = by_name.get(stage["parent"])
    return chain


def parse_arguments(model, argv):
    parser = argparse.ArgumentParser(
        prog=model["program"],
        description=f"Preflight of the {model['title']} pipeline: checks that each stage has what its steps need, before any build.",
        epilog="Exit status: 0 no problem, 1 problems (one line each), 2 usage error. Run by the driver's check command, its --dry-run, and before every build.",
    )
    names = [s["name"] for s in model["stages"]]
    parser.add_argument("--stage", choices=names, help="check the stages up to this one (default: all)")
    parser.add_argument("--root", help="the pipeline root (default: found from this file's location)")
    return parser.parse_args(argv)


def main(model, argv):
    global CONFIG
    arguments = parse_arguments(model, argv)
    CONFIG = model["config"]
    started = time.monotonic()
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(arguments.root or os.path.join(here, model["rootFromProgram"]))
    stages = model["stages"]
    # The stages the build builds: build_<stage> (--stage) the stage's chain; build, check and
    # --dry-run every stage, also one that is not on the package stage's chain.
    scope = chain_of(stages, arguments.stage) if arguments.stage else list(stages)
    report = Report()
    for stage in scope:
        if stage.get("dependencies"):
            check_dependency_stage(stage, chain_of(stages, stage["name"]), root, report)
        if stage["name"] == model["package"]["stage"]:
            check_package_stage(stage, model["package"], root, report)
    for line in report.lines:
        print(f"preflight: {line}")
    print(
        f"preflight: {report.problems} problem(s), {report.passed} check(s) passed, "
        f"stages {', '.join(s['name'] for s in scope)}, in {time.monotonic() - started:.1f}s (host Python {sys.version.split()[0]})"
    )
    return EXIT_PROBLEMS if report.problems else EXIT_OK
