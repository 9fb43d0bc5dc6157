"""An OSError as a short Chinese reason for a person, naming the path the system refused."""

from __future__ import annotations

import errno

_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统为只读",
    errno.ENOSPC: "磁盘空间已满",
    getattr(errno, "EDQUOT", -1): "超出磁盘配额",
    errno.ENAMETOOLONG: "路径或文件名过长",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOENT: "路径不存在",
    errno.EEXIST: "已经存在",
    errno.ENOTEMPTY: "文件夹不为空",
    errno.EXDEV: "不在同一文件系统上",
    errno.EBUSY: "正被占用",
    errno.EMFILE: "打开的文件过多",
    errno.EIO: "读写设备出错",
    errno.ELOOP: "符号链接层数过多",
}


def describe_os_error(exc: OSError, *, path: bool = True) -> str:
    """'没有权限（/path）': the reason in Chinese and, with `path`, the path the error names."""
    reason = _REASONS.get(exc.errno or 0)
    if reason is None:
        reason = f"系统错误：{exc.strerror}" if exc.strerror else "系统错误"
    return f"{reason}（{exc.filename}）" if exc.filename and path else reason
