"""Writers of evaluation results. They write what the Evaluation holds and never compute."""

from .folder import write_run
from .issues_workbook import write_issues_workbook
from .tables import write_csv, write_issues_csv, write_parquet
from .workbooks import write_workbooks

__all__ = [
    "write_csv",
    "write_issues_csv",
    "write_issues_workbook",
    "write_parquet",
    "write_run",
    "write_workbooks",
]
