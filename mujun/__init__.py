"""mujun: per-mu (亩均) efficiency evaluation of industrial enterprises from a rules file."""

from ._version import __version__
from .engine.compare import Comparison, compare
from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .engine.uncertainty import uncertainty
from .errors import DataError, ExportError, MujunError, RulesError
from .export import write_run, write_workbooks
from .history import Archive
from .issues import Issue
from .read import apply_corrections, read_sources
from .read.appeals import apply_appeals, read_appeals
from .read.commissioners import read_commissioners
from .rules import Rules, load_rules, parse_rules
from .selection import KeyFirms, select_key_firms
from .table import EnterpriseTable

__all__ = [
    "Archive",
    "Comparison",
    "DataError",
    "EnterpriseTable",
    "Evaluation",
    "ExportError",
    "Issue",
    "KeyFirms",
    "MujunError",
    "Rules",
    "RulesError",
    "__version__",
    "apply_appeals",
    "apply_corrections",
    "compare",
    "evaluate",
    "load_rules",
    "parse_rules",
    "read_appeals",
    "read_commissioners",
    "read_sources",
    "select_key_firms",
    "uncertainty",
    "write_run",
    "write_workbooks",
]
