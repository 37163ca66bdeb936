"""The guard page's web server, in a thread of the agent."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from edge.agent import Agent
from edge.guard.app import create_app

logger = logging.getLogger(__name__)


class GuardServer:
    def __init__(self, agent: Agent) -> None:
        guard = agent.settings.guard
        self._stopping = threading.Event()  # closes the live streams, so a stop does not wait on them
        proxies = list(guard.trusted_proxies)
        config = uvicorn.Config(create_app(agent, self._stopping), host=guard.host, port=guard.port,
                                log_level="warning", access_log=False, lifespan="off",
                                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                                timeout_graceful_shutdown=3)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="guard-page", daemon=True)

    @property
    def port(self) -> int:
        servers = self._server.servers
        return int(servers[0].sockets[0].getsockname()[1]) if servers else 0

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        logger.info("guard page on http://%s:%s/", self._server.config.host, self.port)

    def stop(self) -> None:
        self._stopping.set()
        self._server.should_exit = True
        self._thread.join(timeout=5)
