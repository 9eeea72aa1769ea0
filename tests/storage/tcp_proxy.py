"""A TCP proxy that can take a database "down" without touching the shared server.

``await TcpProxy.open(host, port)`` listens on a free local port and pipes every connection to
``host:port``. ``await cut()`` is the server going away: every open connection is reset and new
ones are refused (the port stops listening), as when PostgreSQL restarts or stops.
``await restore()`` listens on the same port again. Other tests keep using the real server.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["TcpProxy"]

CHUNK = 65_536


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()
        self.connections = 0   # accepted while up, in all

    @classmethod
    async def open(cls, upstream_host: str, upstream_port: int) -> TcpProxy:
        proxy = cls(upstream_host, upstream_port)
        await proxy._listen()
        return proxy

    @property
    def is_up(self) -> bool:
        return self._server is not None

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        self._writers |= {client_writer, upstream_writer}
        pipes = [
            asyncio.create_task(self._pipe(client_reader, upstream_writer)),
            asyncio.create_task(self._pipe(upstream_reader, client_writer)),
        ]
        self._pipes.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for writer in (client_writer, upstream_writer):
                writer.transport.abort()   # one side gone: the other goes too
                self._writers.discard(writer)
            for pipe in pipes:
                pipe.cancel()
                self._pipes.discard(pipe)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()

    async def cut(self) -> None:
        """The server goes away: open connections are reset, new ones refused."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if server is not None:
            await server.wait_closed()

    async def restore(self) -> None:
        """The server is back, on the same port."""
        if self._server is None:
            await self._listen()

    async def close(self) -> None:
        await self.cut()
        for pipe in list(self._pipes):
            pipe.cancel()
