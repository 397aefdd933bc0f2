"""Edge values for every path and query parameter of an OpenAPI schema: the inputs random fuzzing rarely draws.

Schemathesis draws ids near the schema's bounds and short random strings; with a few examples per operation it
never sent what issue 11 found by hand: ids beyond the database integer (2³¹ on PostgreSQL, 2⁶³ on SQLite) and
search text of blanks. :func:`boundary_requests` lists, for each operation, one request per (parameter, edge
value), the other path parameters set to a plain valid value; :func:`server_errors` sends them and returns those
answered 5xx (or raising in the app).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

INTEGER_EDGES = (2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, -1, 0)
STRING_EDGES = ("", " ", "  ", "\u00a0", "\t\n", "%", "'", "x" * 2000)


@dataclass(frozen=True)
class EdgeRequest:
    method: str
    url: str
    parameter: str
    value: object

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.parameter}={self.value!r})"


def _types(schema: dict) -> set[str]:
    if "type" in schema:
        return {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
    found: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found |= _types(option)
    return found


def _edges(schema: dict) -> tuple:
    types = _types(schema)
    if types & {"integer", "number"}:
        return INTEGER_EDGES
    if "string" in types:
        return STRING_EDGES + tuple(schema.get("enum", ()))[:1]
    return ()


def _plain(schema: dict) -> str:
    types = _types(schema)
    if types & {"integer", "number"}:
        minimum = schema.get("minimum", 1)
        return str(max(1, int(minimum)))
    if schema.get("enum"):
        return str(schema["enum"][0])
    return "x"


def boundary_requests(openapi: dict, *, methods=("get", "post", "put", "patch", "delete"),
                      exclude: tuple[str, ...] = ()) -> list[EdgeRequest]:
    requests = []
    for path, operations in openapi.get("paths", {}).items():
        if path in exclude:
            continue
        for method, operation in operations.items():
            if method not in methods:
                continue
            parameters = [p for p in operation.get("parameters", []) if p.get("in") in ("path", "query")]
            plain_path = {p["name"]: _plain(p.get("schema", {})) for p in parameters if p["in"] == "path"}
            required_query = {p["name"]: _plain(p.get("schema", {}))
                              for p in parameters if p["in"] == "query" and p.get("required")}
            for parameter in parameters:
                for value in _edges(parameter.get("schema", {})):
                    path_values = dict(plain_path)
                    query = dict(required_query)
                    if parameter["in"] == "path":
                        if value == "":
                            continue  # an empty path segment is another route, not this parameter
                        path_values[parameter["name"]] = str(value)
                    else:
                        query[parameter["name"]] = str(value)
                    url = path
                    for name, text in path_values.items():
                        url = url.replace("{" + name + "}", quote(text, safe=""))
                    if query:
                        url += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
                    requests.append(EdgeRequest(method.upper(), url, parameter["name"], value))
    return requests


def server_errors(client, requests: list[EdgeRequest], **session) -> list[str]:
    """The requests the app answered 5xx (or that raised inside it), each with what came back."""
    failures = []
    for request in requests:
        try:
            response = client.request(request.method, request.url, follow_redirects=False, **session)
        except Exception as exc:  # the test client re-raises errors from inside the app
            failures.append(f"{request}: raised {type(exc).__name__}: {exc}")
            continue
        if response.status_code >= 500:
            failures.append(f"{request}: {response.status_code}")
    return failures
