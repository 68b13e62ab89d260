"""Design files: the library names the assumption, the command line names the file."""
from __future__ import annotations

import pytest

from survrepro import cli
from survrepro import design as dz
from survrepro.errors import InputError


def test_resolve_design_states_the_fact_without_a_file_name():
    with pytest.raises(InputError, match=r"^assumption 'hr' refers to register 'nowhere', which is not available"):
        dz.resolve_design({"assumptions": {"hr": {"target": "nowhere:hr"}}}, {})
    with pytest.raises(InputError, match=r"^the design has no \[assumptions\] table"):
        dz.resolve_design({}, {})


def test_command_line_adds_the_file_name(tmp_path, capsys):
    path = tmp_path / "trial.toml"
    path.write_text('[design]\nkind = "events"\n[assumptions.hr]\nvalue = 0.5\n', encoding="utf-8")
    assert cli.main(["design", "events", "--design", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"survrepro design: {path}: assumption 'hr' has a value but neither a source nor assumed = true."
    )
