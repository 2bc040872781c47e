"""Before the web server starts: can it listen where it was asked to? A Chinese message instead of a traceback."""

from __future__ import annotations

import errno
import socket

from index.errors import BudgetQAError


class PortUnavailable(BudgetQAError):
    pass


def check_port(host: str, port: int) -> None:
    """Raise `PortUnavailable` when (host, port) cannot be listened on (bound the way the server binds it)."""
    if not 0 < port < 65536:
        raise PortUnavailable(f"端口 {port} 无效：端口号应在 1 到 65535 之间，例如 --port 7860。")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise PortUnavailable(
            f"无法识别监听地址“{host}”（{exc.strerror}）。请用 --host 指定本机地址，例如 127.0.0.1。"
        ) from exc
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise PortUnavailable(port_message(host, port, exc)) from exc


def port_message(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE or (exc.errno is None and "port" in str(exc).lower()):  # Gradio's own
        return (
            f"端口 {port} 已被占用（{host}）：可能已有一个预算问答或其他程序在使用它。"
            f"请先关闭那个程序，或用 --port 换一个端口，例如 --port {port + 1 if port < 65535 else 7860}。"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限监听端口 {port}：1024 以下的端口需要管理员权限。请用 --port 换一个 1024 以上的端口。"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"本机没有地址“{host}”，无法在它上面监听。请用 --host 127.0.0.1（仅本机访问）或本机网卡的地址。"
    return f"无法在 {host}:{port} 上监听（{exc.strerror or exc}）。请用 --port 换一个端口。"
