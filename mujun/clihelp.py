"""The command line's own texts in Chinese: help pages and usage errors.

Click (vendored by Typer) writes its help and its usage errors in English ("Usage:", "Missing
option", "No such option", "Show this message and exit."). `ChineseTyper` makes every command of
the app a `ChineseCommand` and the app a `ChineseGroup`: their help pages are laid out here, and
the group's `main` catches every usage error Click raises — while parsing the root or any
command — and says it in Chinese with the usage line and where to find help. Exit codes stay
Click's: 2 for a usage error.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

try:  # Typer ≥ 0.22 vendors Click; before, Click is its own package
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

USAGE_EXIT = 2
HELP_TEXT = "显示本帮助并退出"
TYPE_NAMES: dict[type, str] = {Path: "路径", int: "整数", float: "数值", str: "文本"}
TYPE_NEEDS: dict[type, str] = {int: "须为整数", float: "须为数值", bool: "须为 true 或 false"}
MAX_HELP_WIDTH = 100
NO_BREAK_BEFORE = frozenset("，。；：、）》」”！？,.;:)")
INDENT, GAP, MIN_TEXT = 2, 2, 20


def _width() -> int:
    return max(40, min(MAX_HELP_WIDTH, shutil.get_terminal_size((80, 24)).columns - 1))


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns (CJK counted double): a break may fall between any
    two Chinese characters but not inside an ASCII word (--report, results.csv), and never
    before a closing mark (，。）)."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"\s+|[!-~]+|.", " ".join(text.split())):
        if token.isspace():
            line += " " if line else ""
            continue
        if line and cell_len(line + token) > width and token not in NO_BREAK_BEFORE:
            lines.append(line.rstrip())
            line = ""
        while cell_len(token) > width:  # a word longer than a line: cut
            cut = max(1, width)
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _columns(rows: Sequence[tuple[str, ...]], width: int) -> list[str]:
    """Rows as aligned columns, indented; the last column wrapped to the width left."""
    if not rows:
        return []
    widths = [max(cell_len(r[k]) for r in rows) for k in range(len(rows[0]) - 1)]
    left = INDENT + sum(w + GAP for w in widths)
    room = width - left
    out = []
    for row in rows:
        cells = zip(row[:-1], widths, strict=True)
        head = " " * INDENT + "".join(c + " " * (w - cell_len(c) + GAP) for c, w in cells)
        text = wrap(row[-1], room) if room >= MIN_TEXT else [row[-1]]
        if room < MIN_TEXT:  # too narrow: the text goes below, indented
            out.append(head.rstrip())
            out += [" " * (INDENT * 3) + t for t in wrap(row[-1], width - INDENT * 3)]
            continue
        out.append((head + (text[0] if text else "")).rstrip())
        out += [" " * left + t for t in text[1:]]
    return out


def _annotation(param: Any) -> Any:
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if get_origin(annotation) in (list, tuple):
        annotation = get_args(annotation)[0]
    return annotation


def _metavar(param: Any) -> str:
    if param.metavar:
        return str(param.metavar)
    if getattr(param, "is_flag", False):
        return ""
    name = TYPE_NAMES.get(_annotation(param), "值")
    return f"{name}…" if param.multiple or param.nargs == -1 else name


def _names(param: Any) -> str:
    names = ", ".join(sorted(param.opts, key=len))
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    return names


def _default(param: Any) -> str:
    default = param.default
    if param.required or default is None or callable(default):
        return ""
    if getattr(param, "is_flag", False):
        if not param.secondary_opts:
            return ""
        return param.opts[-1] if default else param.secondary_opts[0]
    if isinstance(default, list | tuple):
        return "、".join(map(str, default))
    return str(default)


def _option_rows(command: Any, ctx: Any) -> list[tuple[str, str, str]]:
    rows = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False) or not param.opts or _is_argument(param):
            continue
        text = getattr(param, "help", None) or ""
        extra = []
        if param.required:
            extra.append("必填")
        if default := _default(param):
            extra.append(f"默认：{default}")
        if extra:
            text = f"{text}［{'；'.join(extra)}］"
        rows.append((_names(param), _metavar(param), text))
    return rows


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _arguments(command: Any, ctx: Any) -> list[Any]:
    return [p for p in command.get_params(ctx) if _is_argument(p) and not p.hidden]


def _usage(command: Any, ctx: Any) -> str:
    tail = "[选项] 命令 [参数]…" if isinstance(command, TyperGroup) else "[选项]"
    names = [f"<{_metavar(p)}>" for p in _arguments(command, ctx)]
    return " ".join([f"用法：{ctx.command_path} {tail}", *names])


def help_page(command: Any, ctx: Any) -> str:
    """The whole help page of a command or of the app, as plain text."""
    width = _width()
    lines = [_usage(command, ctx), ""]
    if command.help:
        lines += [*wrap(command.help, width), ""]
    arguments = [(_metavar(p), getattr(p, "help", None) or "") for p in _arguments(command, ctx)]
    if arguments:
        lines += ["参数：", *_columns(arguments, width), ""]
    lines += ["选项：", *_columns(_option_rows(command, ctx), width)]
    if isinstance(command, TyperGroup):
        rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                rows.append((name, _summary(sub)))
        lines += ["", "命令：", *_columns(rows, width)]
        lines += ["", f"各命令的用法：{ctx.command_path} 命令 --help"]
    return "\n".join(lines) + "\n"


def _summary(command: Any) -> str:
    """A command's one-line summary: its short help, else its help up to the first ： or 。"""
    if command.short_help:
        return str(command.short_help)
    text = " ".join((command.help or "").split())
    return re.split(r"[：。]", text, maxsplit=1)[0]


def _show_help(ctx: Any, _param: Any, value: bool) -> None:
    """--help: the page on stdout as Python writes it (Click would switch an ASCII stdout to
    UTF-8 behind the console's back; console.plain_fallback escapes instead)."""
    if value and not ctx.resilient_parsing:
        print(ctx.get_help(), flush=True)
        ctx.exit()


def _with_context(parse: Any, ctx: Any, args: list[str]) -> Any:
    """Parse, giving a usage error raised without a context (`-r` with no value) this one,
    so that the usage line can be shown with it."""
    try:
        return parse(ctx, args)
    except click_errors.UsageError as exc:
        if exc.ctx is None:
            exc.ctx, exc.cmd = ctx, ctx.command
        raise


def _chinese_help_option(option: Any) -> Any:
    if option is not None:
        option.help, option.callback = HELP_TEXT, _show_help
    return option


class _ChineseHelp:
    """What a command and the app share: the Chinese help page and --help option, and the
    context every usage error is raised with."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(help_page(self, ctx))

    def get_help_option(self, ctx: Any) -> Any:
        return _chinese_help_option(super().get_help_option(ctx))  # type: ignore[misc]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return list(_with_context(super().parse_args, ctx, args))  # type: ignore[misc]


class ChineseCommand(_ChineseHelp, TyperCommand):
    """A command whose help page is Chinese."""


class ChineseGroup(_ChineseHelp, TyperGroup):
    """The app: a Chinese help page, and every usage error said in Chinese."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, list(self.commands))
            hint = f"（是否想用 {'、'.join(close)}？）" if close else ""
            raise click_errors.UsageError(f"没有“{name}”这个命令{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's main, with Click's own messages replaced by Chinese ones."""
        try:
            result = super().main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=False
            )
            code = result if isinstance(result, int) else 0
        except click_errors.NoArgsIsHelpError as exc:
            print(exc.format_message())
            code = USAGE_EXIT
        except click_errors.UsageError as exc:
            show_usage_error(exc)
            code = USAGE_EXIT
        except click_errors.ClickException as exc:
            _say(f"{exc.format_message()}")
            code = exc.exit_code
        except typer.Abort:
            _say("已中止")
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code)


class ChineseTyper(typer.Typer):
    """A Typer app whose commands are ChineseCommands unless told otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("cls") is None:
            kwargs["cls"] = ChineseCommand
        return super().command(*args, **kwargs)


def _say(message: str) -> None:
    console = Console(stderr=True, markup=False, highlight=False)
    console.print(Text("错误", style="bold red") + Text(f"：{message}"), soft_wrap=True)


def show_usage_error(exc: Any) -> None:
    """The usage line, where help is, and the error in Chinese (stderr)."""
    console = Console(stderr=True, markup=False, highlight=False)
    ctx = exc.ctx
    if ctx is not None:
        console.print(_usage(ctx.command, ctx), soft_wrap=True)
        console.print(f"查看帮助：{ctx.command_path} --help", soft_wrap=True)
    _say(usage_message(exc))


def _hint(param: Any) -> str:
    if param is None:
        return "参数"
    names = sorted(getattr(param, "opts", []) or [param.name], key=len, reverse=True)
    return "（".join(names) + "）" * (len(names) - 1)


def usage_message(exc: Any) -> str:
    """What Click's usage error says, in Chinese."""
    message = str(getattr(exc, "message", "") or "")
    if isinstance(exc, click_errors.MissingParameter):
        if exc.param is not None and _is_argument(exc.param):
            return f"缺少参数 {_metavar(exc.param)}"
        return f"缺少必填选项 {_hint(exc.param)}"
    if isinstance(exc, click_errors.BadParameter):
        return _bad_value(exc)
    if isinstance(exc, click_errors.NoSuchOption):
        near = sorted(exc.possibilities or [])
        hint = f"（是否想用 {'、'.join(near)}？）" if near else ""
        return f"没有 {exc.option_name} 这个选项{hint}"
    if isinstance(exc, click_errors.BadOptionUsage):
        if "does not take" in message:
            return f"选项 {exc.option_name} 后面不能跟值"
        return f"选项 {exc.option_name} 后面须跟一个值"
    if message.startswith("Got unexpected extra argument"):
        found = re.search(r"\(([^()]*)\)$", message)
        extra = found.group(1) if found else ""
        return f"多余的参数：{extra}（文件名中有空格时请加引号；选项须以 - 或 -- 开头）"
    if message.startswith("Missing command"):
        return "缺少命令"
    if message and not message.isascii():
        return message  # already said in Chinese (ours)
    return "命令行参数有误"


def _bad_value(exc: Any) -> str:
    """`--year abc`: the option, the value given and what it must be."""
    value = None
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            value = errors()[0].get("input")
        except (IndexError, TypeError, AttributeError):
            value = None
    need = TYPE_NEEDS.get(_annotation(exc.param), "格式不对") if exc.param else "格式不对"
    given = f"“{value}”" if value is not None else ""
    return f"{_hint(exc.param)} 的值{given}无效：{need}"
