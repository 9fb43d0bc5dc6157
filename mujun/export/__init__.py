"""Writers of evaluation results. They write what the Evaluation holds and never compute."""

from .folder import write_run
from .tables import write_csv, write_issues_csv, write_parquet

__all__ = ["write_csv", "write_issues_csv", "write_parquet", "write_run"]
