"""README.md stays true to the code: the two commands and the schema table."""

from pathlib import Path

from planner.scenario.schema import markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_readme_schema_table_matches_schema():
    text = (ROOT / "README.md").read_text()
    start = text.index("<!-- schema-table")
    block = text[text.index("\n", start) + 1 : text.index("<!-- /schema-table -->")]
    assert block.strip() == markdown_table().strip()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make run" in readme
    assert ci.strip().splitlines()[-1] == "make test"
