"""Databricks source-format notebooks split into cells, with line numbers kept."""

from __future__ import annotations

from mlops_stacks.runner.notebook import is_notebook, parse

SOURCE = """# Databricks notebook source
# MAGIC %md
# MAGIC # Train

# COMMAND ----------

# MAGIC %pip install -r ../requirements.txt

# COMMAND ----------

import os
x = 1

# COMMAND ----------

# MAGIC %run ./Common $env="dev"

# COMMAND ----------

# MAGIC %python
# MAGIC y = x + 1
"""


def test_cells_magics_and_bodies() -> None:
    assert is_notebook(SOURCE) and not is_notebook("import os\n")
    cells = parse(SOURCE)
    assert [c.magic for c in cells] == ["md", "pip", None, "run", "python"]
    assert cells[1].body == "install -r ../requirements.txt"
    assert cells[3].body == './Common $env="dev"'
    assert cells[2].start_line == 10


def test_python_source_keeps_file_line_numbers() -> None:
    cells = parse(SOURCE)
    code = cells[2].python_source().splitlines()
    assert code[10:12] == ["import os", "x = 1"]  # lines 11 and 12 of the file
    magic_python = cells[4].python_source().splitlines()
    assert magic_python[20] == "y = x + 1"  # line 21 of the file
    compile(cells[4].python_source(), "nb.py", "exec")


def test_plain_python_is_one_cell() -> None:
    (cell,) = parse("import os\nprint(os.sep)\n")
    assert cell.magic is None and cell.start_line == 1
