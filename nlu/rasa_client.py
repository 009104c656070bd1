"""Client for a Rasa server's `POST /model/parse`, for cities that already run Rasa."""

from __future__ import annotations

import time
from typing import Any

import httpx

from nlu.errors import RasaUnavailableError


class RasaClient:
    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 3.0,
        retries: int = 2,
        backoff_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), transport=transport)

    def parse(self, text: str) -> dict[str, Any]:
        """The server's parse result for one message; raises RasaUnavailableError when it is down."""
        endpoint = f"{self.url}/model/parse"
        last_error = "no attempt made"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * attempt)
            try:
                response = self._client.post(endpoint, json={"text": text})
            except httpx.TimeoutException:
                last_error = "timed out"
                continue
            except httpx.TransportError as exc:
                last_error = f"cannot connect ({type(exc).__name__})"
                continue
            if response.status_code >= 500:
                last_error = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise RasaUnavailableError(
                    f"Rasa server at {self.url} answered HTTP {response.status_code}"
                )
            try:
                body = response.json()
            except ValueError as exc:
                raise RasaUnavailableError(
                    f"Rasa server at {self.url} sent a body that is not JSON"
                ) from exc
            if not isinstance(body, dict):
                raise RasaUnavailableError(f"Rasa server at {self.url} sent an unexpected answer")
            return body
        raise RasaUnavailableError(
            f"Rasa server at {self.url} is unavailable after {self.retries + 1} attempt(s): {last_error}"
        )

    def close(self) -> None:
        self._client.close()
