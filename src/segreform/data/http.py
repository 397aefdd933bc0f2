"""A small httpx wrapper shared by the SCB and Kolada clients: timeouts, retries with back-off, clear errors."""

from __future__ import annotations

import time

import httpx

from segreform.data.errors import RemoteSourceError

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUS = {429, 500, 502, 503, 504}


class JsonClient:
    """GET JSON from one API with ``retries`` attempts on network errors and 429/5xx answers."""

    def __init__(self, base_url: str, *, retries: int = 3, backoff_s: float = 1.0,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None,
                 sleep=time.sleep):
        if retries < 1:
            raise ValueError("retries must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True,
                                    headers={"User-Agent": "segreform (https://github.com/segreform)"})

    def get_json(self, path_or_url: str, params: dict | None = None) -> dict:
        url = path_or_url if path_or_url.startswith("http") else f"{self.base_url}/{path_or_url.lstrip('/')}"
        last_error = ""
        for attempt in range(1, self.retries + 1):
            try:
                response = self._client.get(url, params=params)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code in RETRY_STATUS:
                    last_error = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise RemoteSourceError(f"{url} answered HTTP {response.status_code}: {response.text[:300]}")
                else:
                    try:
                        return response.json()
                    except ValueError:
                        raise RemoteSourceError(f"{url} did not answer with JSON: {response.text[:200]!r}") from None
            if attempt < self.retries:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
        raise RemoteSourceError(f"{url} failed after {self.retries} attempts ({last_error}); check the network "
                                "or try again later")

    def close(self) -> None:
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
