"""Malformed and unusual inputs to every subcommand: the command ends with the documented
status, says what was wrong in one line, and leaves files as they were.

Each run calls :func:`survrepro.cli.main` in-process with the argv a user could type and
asserts the contract: exit status 0, 1 (a target missed, a search not converged: the
statuses the subcommands document) or 2; on 2 exactly one line on stderr, no traceback
and no file written; whatever the status, no input file changed. Numpy warnings are
errors in the test run, so a run that only warns fails too. Examples are derandomized
(tests/conftest.py) and few per subcommand, so the file runs in well under a minute.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survrepro import paths
from survrepro.cli import main

REGISTER = paths.TESTS / "data" / "registers" / "lung_by_sex_undated.toml"
FUZZ = settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# --------------------------------------------------------------------------- building blocks
#: Cell values a hostile or careless file holds.
ODD_CELLS = ["", " ", "0", "1", "2", "-1", "0.5", "1e308", "-1e308", "1e-308", "inf", "-inf", "nan", "NA",
             "abc", "1,5", "1e9", "999999999999", "\x1b[31m", "\u202e", "x" * 300, '"', "'", "é", "0x10", "True"]
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=40).map(str),
    st.floats(min_value=0, max_value=60, allow_nan=False).map(lambda x: f"{x:.3g}"),
    st.sampled_from(ODD_CELLS),
)
#: Option values: ordinary, boundary and absurd numbers, and text.
ODD_OPTIONS = ["0", "1", "-1", "-5", "0.5", "2", "20", "1e300", "1e308", "-1e308", "inf", "nan", "1e-300",
               "1000000000", "abc", "", " ", "1,2", "3.7", "0.999999", "100"]
OPTION = st.sampled_from(ODD_OPTIONS)


def good(low, high, odd=True):
    """An option value: usually a number in [low, high], else an odd one."""
    number = st.floats(low, high, allow_nan=False).map(lambda x: f"{x:.3g}")
    return st.one_of(number, number, OPTION) if odd else number


def _csv(header, rows) -> str:
    return "\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n"


def table(columns, max_rows=12):
    """CSV text: usually the ``columns`` header (sometimes one missing, renamed or doubled) and odd rows."""
    header = st.one_of(
        st.just(list(columns)),
        st.just(list(columns)),
        st.lists(st.sampled_from([*columns, "x", "", " time", "TIME", "a" * 200]), min_size=1, max_size=4),
    )
    return header.flatmap(lambda h: st.lists(st.lists(NUMBERS, min_size=len(h), max_size=len(h)),
                                             max_size=max_rows).map(lambda rows: _csv(h, rows)))


def _corrupt(rows, hit):
    """``rows`` with at most one cell replaced by an odd value."""
    if hit is not None and rows:
        i, j, value = hit
        rows[i % len(rows)][j % len(rows[0])] = value
    return rows


CELLS = {
    "time": st.one_of(st.integers(0, 48).map(str), st.floats(0, 48, allow_nan=False).map(lambda x: f"{x:.2f}")),
    "event": st.sampled_from(["0", "1", "1"]),
    "arm": st.sampled_from(["A", "B", "A", "B", "C", "1", "W\x1b[2Jomen"]),
    "count": st.integers(0, 30).map(str),
    "death": st.sampled_from(["0", "0", "0", "0", "1"]),
}
HIT = st.one_of(st.none(), st.none(), st.none(), st.none(), st.tuples(st.integers(0, 50), st.integers(0, 5), st.sampled_from(ODD_CELLS)))


def plausible(columns, kinds, max_rows=15):
    """CSV text that is valid or nearly so: times, 0/1 events, arm labels, now and then one odd cell."""
    row = st.tuples(*[CELLS[k] for k in kinds]).map(list)
    return st.tuples(st.lists(row, min_size=1, max_size=max_rows), HIT).map(
        lambda x: _csv(columns, _corrupt(x[0], x[1])))


def _curve_rows(times, drops, arm):
    times = sorted(set(times))
    s, rows = 1.0, []
    for t, d in zip([0.0, *times], [0.0, *drops]):
        s = max(0.0, s - d)
        rows.append([f"{t:g}", f"{s:.3f}", *([arm] if arm else [])])
    return rows


def curves(with_arm: bool):
    """A digitized curve: increasing times, falling survival from 1, maybe one odd cell."""
    one = st.builds(_curve_rows, st.lists(st.floats(0.5, 36, allow_nan=False), min_size=1, max_size=10),
                    st.lists(st.floats(0, 0.2, allow_nan=False), min_size=10, max_size=10),
                    st.sampled_from(["A", "B"] if with_arm else [None]))
    rows = st.lists(one, min_size=1, max_size=2 if with_arm else 1).map(lambda arms: [r for a in arms for r in a])
    header = ["time", "survival", "arm"] if with_arm else ["time", "survival"]
    return st.tuples(rows, HIT).map(lambda x: _csv(header, _corrupt(x[0], x[1])))


CONTENT = st.one_of(
    st.binary(max_size=64).map(lambda b: b),  # not text, or not UTF-8
    st.just(b""),
    st.just(b"\xef\xbb\xbftime,event\n1,1\n"),  # a byte-order mark
    st.just(("time,event\n" + "1,1\n" * 3).encode("utf-16")),
)


# --------------------------------------------------------------------------- running
def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: its kind and bytes (link targets for symbolic links)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", None)
            elif p.is_file():
                out[rel] = ("file", p.read_bytes())
            else:
                out[rel] = ("special", None)
    return out


def run(argv, folder: Path, *, allowed=(0, 1, 2)):
    """Run the command in ``folder``; check the contract; return (status, stdout, stderr)."""
    before = snapshot(folder)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse: usage errors (2), --help (0)
                status = exc.code
    finally:
        os.chdir(cwd)
    stdout, stderr = out.getvalue(), err.getvalue()
    after = snapshot(folder)
    assert status in allowed, (argv, status, stderr[-2000:])
    assert "Traceback" not in stderr, (argv, stderr[-2000:])
    if status == 2:
        lines = stderr.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].strip(), (argv, stderr)
        assert len(lines[0]) < 1000, (argv, lines[0][:300])
        assert before == after, (argv, "files changed on exit 2", set(after) ^ set(before))
    else:
        changed = [k for k, v in before.items() if after.get(k) != v]
        assert not changed, (argv, "inputs changed", changed)
    for text in (stdout, stderr):
        assert not any(ord(c) < 32 and c not in "\n\t\r" for c in text), (argv, "raw control character")
    return status, stdout, stderr


@contextlib.contextmanager
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="survrepro-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write(folder: Path, name: str, content) -> str:
    p = folder / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return name


#: Output names: ordinary, an existing input, a folder, a path under a file, a device, a symbolic link
#: out of the folder, names too long.
OUTPUT_KINDS = st.sampled_from(["new", "new", "new", "new", "new", "new", "input", "folder", "under_file", "device", "link_out",
                                "link_in", "long", "nested"])


def output_path(folder: Path, kind: str, input_name: str) -> str:
    if kind == "input":
        return input_name
    if kind == "folder":
        (folder / "sub").mkdir(exist_ok=True)
        return "sub"
    if kind == "under_file":
        (folder / "plain.txt").write_text("keep\n")
        return "plain.txt/out.csv"
    if kind == "device":
        return os.devnull
    if kind == "link_out":
        if not (folder / "link.csv").exists():
            os.symlink("/etc/hostname", folder / "link.csv")
        return "link.csv"
    if kind == "link_in":
        (folder / "target.csv").write_text("old\n")
        if not os.path.lexists(folder / "inlink.csv"):
            os.symlink("target.csv", folder / "inlink.csv")
        return "inlink.csv"
    if kind == "long":
        return "o" * 300 + ".csv"
    if kind == "nested":
        return "new/folder/out.csv"
    return "out.csv"


# --------------------------------------------------------------------------- analyze
@settings(FUZZ, max_examples=80)
@given(
    content=st.one_of(plausible(["time", "event", "arm"], ["time", "event", "arm"]),
                      plausible(["time", "event", "arm"], ["time", "event", "arm"]),
                      plausible(["time", "event", "arm"], ["time", "event", "arm"], 40),
                      table(["time", "event", "arm"]), CONTENT),
    options=st.lists(st.sampled_from([
        ["--json"], ["--json"], ["--json"], ["--ci", "log-log"], ["--ci", "log-log"], ["--ties", "breslow"],
        ["--landmarks", "6,12"], ["--landmarks", "0,3.5,400"], ["--reference", "A"], ["--ci", "plain"],
        ["--ci", "log-log"], ["--ties", "breslow"], ["--landmarks", "6,12"],
        ["--landmarks", "1e308"],
        ["--landmarks", "x,-1"], ["--conf-level", "0.5"], ["--conf-level", "95"], ["--conf-level", "nan"],
        ["--reference", "B"], ["--reference", "\x1b[31m"], ["--strata", "arm"], ["--strata", "nope"],
        ["--arm", "event"], ["--arm", " "], ["--arm", "time"],
    ]), max_size=3),
)
def test_analyze(content, options):
    with workdir() as folder:
        name = write(folder, "ipd.csv", content)
        run(["analyze", name, *[x for o in options for x in o]], folder, allowed=(0, 2))


# --------------------------------------------------------------------------- proportion
@settings(FUZZ, max_examples=50)
@given(
    content=st.one_of(table(["time", "event", "death", "group"]),
                      plausible(["time", "event", "death", "group"], ["time", "event", "death", "arm"]),
                      plausible(["time", "event", "group"], ["time", "event", "arm"])),
    landmark=good(1, 24),
    options=st.lists(st.sampled_from([["--json"], ["--by", "group"], ["--by", "time"], ["--by", "nope"],
                                      ["--evaluable", "all"], ["--no-death-is-failure"], ["--conf-level", "2"],
                                      ["--ci", "plain"]]), max_size=3),
)
def test_proportion(content, landmark, options):
    with workdir() as folder:
        name = write(folder, "on_therapy.csv", content)
        run(["proportion", name, "--landmark", landmark, *[x for o in options for x in o]], folder, allowed=(0, 2))


# --------------------------------------------------------------------------- reconstruct
@settings(FUZZ, max_examples=80)
@given(
    curve=st.one_of(curves(False), curves(False), curves(True), table(["time", "survival"]), CONTENT),
    at_risk=st.one_of(st.none(), st.none(), table(["time", "n_at_risk"], 5),
                      st.just("time,n_at_risk\n0,20\n12,10\n"), st.just("time,n_at_risk\n0,1e308\n"),
                      st.just("time,n_at_risk\n0,1000000000\n"), st.just("time,n_at_risk,arm\n0,20,A\n0,15,B\n")),
    n=st.one_of(st.none(), st.just("20"), st.just("20"), st.just("35"), OPTION, st.just("A=10,B=12"),
                st.just("A=1e9"), st.just("=4")),
    events=st.one_of(st.none(), st.none(), st.none(), st.tuples(st.just("--total-events"), good(0, 30)),
                     st.tuples(st.just("--events-by-arm"), st.sampled_from(["A=5,B=3", "A=500", "A=-1", "x", "A=2,A=3"]))),
    out=OUTPUT_KINDS,
    fidelity=st.sampled_from([None, None, "fit.json", "fit.json", "same_as_out", "curve", "sub"]),
)
def test_reconstruct(curve, at_risk, n, events, out, fidelity):
    with workdir() as folder:
        argv = ["reconstruct", "--curve", write(folder, "curve.csv", curve)]
        if at_risk is not None:
            argv += ["--at-risk", write(folder, "at_risk.csv", at_risk)]
        if n is not None or at_risk is None:
            argv += ["--n", n if n is not None else "20"]
        if events is not None:
            argv += list(events)
        target = output_path(folder, out, "curve.csv")
        argv += ["-o", target]
        if fidelity is not None:
            (folder / "sub").mkdir(exist_ok=True)
            argv += ["--fidelity", {"same_as_out": target, "curve": "curve.csv"}.get(fidelity, fidelity)]
        status, _, _ = run(argv, folder, allowed=(0, 2))
        if status == 0:
            assert (folder / target).is_file()


# --------------------------------------------------------------------------- registers: audit, synthesize, reproduce
#: Replacements of a line of the test register: wrong types, absurd numbers, paths out of the project.
REGISTER_EDITS = [
    ('quantity = "n"', 'quantity = ["n"]'),
    ('quantity = "median"', "quantity = 5"),
    ("value = 90", "value = 1e308"),
    ("value = 90", "value = -90"),
    ("value = 90", 'value = "90"'),
    ("value = 138", "value = 100000000000"),
    ('id = "lung_by_sex_undated"', 'id = "' + "a" * 300 + '"'),
    ('id = "lung_by_sex_undated"', 'id = "../../etc"'),
    ('ipd = "lung_by_sex_undated/lung_by_sex_undated_synthetic_ipd.csv"', 'ipd = "../../../etc/passwd.csv"'),
    ('ipd = "lung_by_sex_undated/lung_by_sex_undated_synthetic_ipd.csv"', 'ipd = "/etc/passwd.csv"'),
    ('ipd = "lung_by_sex_undated/lung_by_sex_undated_synthetic_ipd.csv"', 'ipd = "' + "b" * 300 + '_synthetic.csv"'),
    ('label = "Women"', 'label = "W\\u001b[31momen"'),
    ('time_unit = "months"', 'time_unit = "fortnights"'),
    ("[[target]]", "[[target]]\n[[target]]"),
    ("[study]", "[study"),
    ('design = "randomized"', "design = 1"),
    ("", ""),
]


def register_text(edit: int, junk: str) -> bytes:
    old, new = REGISTER_EDITS[edit]
    text = REGISTER.read_text(encoding="utf-8")
    text = text.replace(old, new, 1) if old else text
    return (text + junk).encode("utf-8", "surrogatepass")


EDITED_REGISTER = st.builds(register_text, st.integers(0, len(REGISTER_EDITS) - 1),
                            st.sampled_from(["", "", "", "\n", "\nextra = 1\n", "\n[[target]]\nid = 1\n", "\x00"]))
REGISTER_CONTENT = st.one_of(EDITED_REGISTER, EDITED_REGISTER, EDITED_REGISTER, CONTENT)


@settings(FUZZ, max_examples=30)
@given(content=REGISTER_CONTENT, as_json=st.booleans(),
       path=st.sampled_from(["file"] * 8 + ["folder", "missing", "study_id", "long_id"]))
def test_audit(content, as_json, path):
    with workdir() as folder:
        name = write(folder, "register.toml", content)
        name = {"folder": ".", "missing": "nothing.toml", "study_id": "no_such_study",
                "long_id": "s" * 300}.get(path, name)
        run(["audit", name, *(["--json"] if as_json else [])], folder, allowed=(0, 2))


@settings(FUZZ, max_examples=15)
@given(content=REGISTER_CONTENT, seed=st.sampled_from(["0", "-5", "1e3", "x", "99999999999999999999999"]),
       max_iter=st.sampled_from(["1", "0", "-3", "abc"]), out=OUTPUT_KINDS)
def test_synthesize(content, seed, max_iter, out):
    with workdir() as folder:
        name = write(folder, "register.toml", content)
        argv = ["synthesize", name, "--seed", seed, "--max-iter", max_iter,
                "-o", output_path(folder, out, name)]
        run(argv, folder)


@settings(FUZZ, max_examples=10)
@given(content=REGISTER_CONTENT, out=st.sampled_from(["report", "plain.txt", "plain.txt/sub", "r" * 300]))
def test_reproduce(content, out):
    with workdir() as folder:
        name = write(folder, "register.toml", content)
        (folder / "plain.txt").write_text("keep\n")
        run(["reproduce", name, "--out", out], folder, allowed=(2,))  # the register's data file is not there


# --------------------------------------------------------------------------- design
DESIGN_COMMANDS = st.one_of(
    st.tuples(st.just("events"), st.fixed_dictionaries({"--hr": good(0.2, 1.5)}, optional={
        "--power": good(0.5, 0.95), "--alpha": good(0.01, 0.2), "--allocation": good(0.5, 3), "--events": good(10, 500),
        "--median-control": good(2, 30), "--accrual": good(0, 36), "--follow-up": good(0, 24),
        "--dropout": good(0, 0.1), "--sides": st.sampled_from(["1", "2", "both", "3"]),
        "--method": st.sampled_from(["freedman", "schoenfeld", "x"]),
    })),
    st.tuples(st.just("binomial"), st.fixed_dictionaries({"--p0": good(0.05, 0.5), "--p1": good(0.2, 0.9)}, optional={
        "--n": st.sampled_from(["20", "45", "0", "1000000000", "x"]), "--power": good(0.5, 0.95),
        "--alpha": good(0.01, 0.2), "--n-max": st.sampled_from(["50", "2000", "1000000000", "0", "x"]),
    })),
    st.tuples(st.just("simon"), st.fixed_dictionaries({
        "--p0": st.sampled_from(["0.1", "0.3", "0.2", "1e-300", "nan", "1", "0"]),
        "--p1": st.sampled_from(["0.3", "0.32", "0.5", "0.6", "2", "-1", "0.2"]),
        "--n-max": st.sampled_from(["12", "20", "25", "2000", "1", "x"]),
    }, optional={"--alpha": good(0.05, 0.2), "--power": good(0.5, 0.8)})),
    st.tuples(st.just("simulate"), st.fixed_dictionaries({
        "--n": st.sampled_from(["20", "40", "20", "40", "1", "10000000", "0", "x"]),
        "--hr": st.sampled_from(["0.7", "0.5,1", "0.7", "0.5,1", "1e308", "0", "-1", "x,", "nan"]),
        "--median-control": good(2, 24), "--accrual": good(0, 24), "--follow-up": good(0, 12),
        "--trials": st.sampled_from(["5", "20", "5", "20", "1000000000", "0"]),
    }, optional={"--seed": st.sampled_from(["0", "7", "-5", "1e3", "99999999999999999999999"]),
                 "--dropout": good(0, 0.1), "--allocation": good(0.5, 3), "--alpha": good(0.01, 0.2),
                 "--baskets": st.sampled_from(["2", "100", "0"]), "--endpoint": st.sampled_from(["os", "pfs"]),
                 "--crossover": good(0, 1), "--batch-size": st.sampled_from(["1", "3", "7", "0"])})),
)


@settings(FUZZ, max_examples=120)
@given(command=DESIGN_COMMANDS, as_json=st.booleans())
def test_design(command, as_json):
    kind, options = command
    with workdir() as folder:
        argv = ["design", kind, *[x for k, v in options.items() for x in (k, v)], *(["--json"] if as_json else [])]
        run(argv, folder, allowed=(0, 2))


DESIGN_FILE = paths.DESIGNS / "boss.toml"
DESIGN_EDITS = [
    ("", ""),
    ('target = "', 'target = "../../../outside/evil:'),
    ('target = "', 'target = "' + "z" * 300 + ":"),
    ('target = "', 'target = ["'),
    ('kind = "binomial"', 'kind = "events"'),
    ("[assumptions", "[[assumptions"),
]


@settings(FUZZ, max_examples=12)
@given(edit=st.integers(0, len(DESIGN_EDITS) - 1), binary=st.booleans())
def test_design_file(edit, binary):
    old, new = DESIGN_EDITS[edit]
    text = DESIGN_FILE.read_text(encoding="utf-8")
    text = text.replace(old, new, 1) if old else text
    with workdir() as folder:
        name = write(folder, "design.toml", b"\xff\xfe" + text.encode() if binary else text)
        run(["design", "binomial", "--design", name, "--n-max", "60"], folder, allowed=(0, 2))


# --------------------------------------------------------------------------- every subcommand: odd paths
@pytest.mark.parametrize("argv", [
    ["analyze", "{p}"], ["proportion", "{p}", "--landmark", "6"], ["audit", "{p}"], ["synthesize", "{p}"],
    ["reconstruct", "--curve", "{p}", "--n", "20", "-o", "out.csv"],
    ["reconstruct", "--curve", "curve.csv", "--at-risk", "{p}", "-o", "out.csv"],
    ["reproduce", "{p}"], ["design", "events", "--design", "{p}"],
])
@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "missing", "long", "under_file"])
def test_odd_input_paths(argv, kind):
    with workdir() as folder:
        (folder / "curve.csv").write_text("time,survival\n0,1\n6,0.8\n12,0.5\n")
        (folder / "plain.txt").write_text("keep\n")
        (folder / "dir.toml").mkdir()
        if kind == "fifo":
            os.mkfifo(folder / "pipe.toml")
        p = {"folder": "dir.toml", "fifo": "pipe.toml", "device": "/dev/zero", "missing": "none.toml",
             "long": "l" * 300 + ".toml", "under_file": "plain.txt/x.toml"}[kind]
        status, _, _ = run([a.replace("{p}", p) for a in argv], folder, allowed=(2,))
        assert status == 2


# --------------------------------------------------------------------------- one odd option on a valid command
#: Valid commands (files written by :func:`_valid_files`), each option of which gets every odd value in turn.
VALID = {
    "analyze": (["analyze", "ipd.csv", "--landmarks", "6,12", "--conf-level", "0.9"], ["--landmarks", "--conf-level",
                                                                                        "--reference", "--arm"]),
    "proportion": (["proportion", "ipd.csv", "--landmark", "6", "--conf-level", "0.9"], ["--landmark", "--conf-level"]),
    "reconstruct": (["reconstruct", "--curve", "curve.csv", "--n", "20", "--total-events", "12", "-o", "out.csv"],
                    ["--n", "--total-events"]),
    "events": (["design", "events", "--hr", "0.7", "--median-control", "12", "--accrual", "24", "--follow-up", "12",
                "--dropout", "0.01", "--allocation", "1", "--power", "0.8", "--alpha", "0.05"],
               ["--hr", "--median-control", "--accrual", "--follow-up", "--dropout", "--allocation", "--power",
                "--alpha"]),
    "events_given": (["design", "events", "--hr", "0.7", "--events", "100", "--alpha", "0.05"], ["--events"]),
    "binomial": (["design", "binomial", "--p0", "0.1", "--p1", "0.3", "--n", "25", "--power", "0.8", "--n-max", "60"],
                 ["--p0", "--p1", "--n", "--power", "--n-max", "--alpha"]),
    "simon": (["design", "simon", "--p0", "0.1", "--p1", "0.4", "--n-max", "20"], ["--p0", "--p1", "--alpha", "--power"]),
    "simulate": (["design", "simulate", "--n", "20", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
                  "--follow-up", "6", "--trials", "3", "--endpoint", "os", "--crossover", "0.5"],
                 ["--n", "--hr", "--median-control", "--accrual", "--follow-up", "--trials", "--dropout", "--allocation",
                  "--alpha", "--seed", "--crossover", "--crossover-hr", "--post-progression-median", "--baskets",
                  "--batch-size"]),
}
ODD_ONE = ["0", "-1", "1e308", "-1e308", "inf", "nan", "1e-300", "1000000000", "abc", "", "0.5", "1e300"]


def _valid_files(folder: Path) -> None:
    rows = [f"{t},{e},{a}" for a, ts in (("A", range(1, 12)), ("B", range(2, 14))) for t, e in zip(ts, [1, 0] * 7)]
    (folder / "ipd.csv").write_text("time,event,arm\n" + "\n".join(rows) + "\n")
    (folder / "curve.csv").write_text("time,survival\n0,1\n3,0.9\n6,0.7\n12,0.5\n18,0.4\n24,0.3\n")


def _with(argv, option, value):
    if option in argv:
        i = argv.index(option)
        return argv[:i + 1] + [value] + argv[i + 2:]
    return argv + [option, value]


@pytest.mark.parametrize("name", sorted(VALID))
def test_one_odd_option_on_a_valid_command(name):
    argv, options = VALID[name]
    with workdir() as folder:
        _valid_files(folder)
        status, _, _ = run(argv, folder, allowed=(0,))  # the base command is valid
        if name == "reconstruct":
            (folder / "out.csv").unlink()
        for option in options:
            for value in ODD_ONE:
                run(_with(argv, option, value), folder, allowed=(0, 2))
                for p in folder.iterdir():
                    if p.name not in ("ipd.csv", "curve.csv"):
                        p.unlink()
