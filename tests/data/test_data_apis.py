"""The Kolada v3 and SCB PxWebApi 2 clients, against answers recorded from the published API documentation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest

from segreform.data import queries
from segreform.data.errors import DataInputError, RemoteSourceError
from segreform.data.http import JsonClient
from segreform.data.kolada import KoladaClient, import_kolada, parse_years
from segreform.data.pxwebapi import PxWebClient, import_pxwebapi

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Recorder:
    """A mock transport answering from recordings; ``failures`` 503s come first, to exercise the retries."""

    def __init__(self, routes: dict[str, dict], failures: int = 0):
        self.routes, self.failures, self.requests = routes, failures, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            self.failures -= 1
            return httpx.Response(503, text="busy")
        for fragment, body in self.routes.items():
            if fragment in str(request.url):
                return httpx.Response(200, json=body)
        return httpx.Response(404, text="not recorded")


def kolada_client(recorder: Recorder) -> KoladaClient:
    return KoladaClient(transport=httpx.MockTransport(recorder), sleep=lambda s: None)


KOLADA_ROUTES = {
    "page=2": recorded("kolada_data_N00914_page2.json"),
    "/data/kpi/N00914/year/2022,2023": recorded("kolada_data_N00914_page1.json"),
    "/kpi/N00914": recorded("kolada_kpi_N00914.json"),
}


def test_kolada_import_follows_pages_and_maps_municipality_ids(small_geography):
    engine = small_geography
    recorder = Recorder(KOLADA_ROUTES)
    [result] = import_kolada(engine, ["N00914"], [2022, 2023], client=kolada_client(recorder))
    assert result.status == "imported"
    frame = queries.observations(engine, "forvarvsarbetande_20_64")
    values = {(r.level, r.area_code, r.year): r.value for r in frame.itertuples()}
    assert values[("kommun", "0114", 2022)] == 80.3 and values[("kommun", "1280", 2022)] == 68.2
    assert values[("riket", "00", 2022)] == 78.9 and values[("lan", "01", 2022)] == 80.0
    assert math.isnan(values[("kommun", "0114", 2023)])
    assert set(frame.source) == {"Kolada (Källa: Kolada)"} and set(frame.unit) == {"%"}
    assert any("page=2" in str(r.url) for r in recorder.requests)
    again = import_kolada(engine, ["N00914"], [2022, 2023], client=kolada_client(Recorder(KOLADA_ROUTES)))
    assert again[0].status == "unchanged"


def test_kolada_retries_then_succeeds(small_geography):
    recorder = Recorder(KOLADA_ROUTES, failures=2)
    import_kolada(small_geography, ["N00914"], [2022, 2023], client=kolada_client(recorder))
    assert [r.url.path for r in recorder.requests[:3]] == ["/v3/kpi/N00914"] * 3


def test_kolada_gives_up_with_a_clear_error(small_geography, count_rows):
    before = count_rows(small_geography)
    with pytest.raises(RemoteSourceError, match="failed after 3 attempts"):
        import_kolada(small_geography, ["N00914"], [2022], client=kolada_client(Recorder(KOLADA_ROUTES, 99)))
    assert count_rows(small_geography) == before


def test_kolada_refuses_a_kpi_whose_title_changed(small_geography, count_rows):
    meta = recorded("kolada_kpi_N00914.json")
    meta["values"][0]["title"] = "Antal hundar per invånare"
    routes = dict(KOLADA_ROUTES, **{"/kpi/N00914": meta})
    before = count_rows(small_geography)
    with pytest.raises(DataInputError, match="kolada_kpis.yaml expects"):
        import_kolada(small_geography, ["N00914"], [2022, 2023], client=kolada_client(Recorder(routes)))
    assert count_rows(small_geography) == before


def test_kolada_years_parsing():
    assert parse_years("2015-2017,2020") == [2015, 2016, 2017, 2020]
    with pytest.raises(DataInputError, match="--years"):
        parse_years("2020-2015")


def test_pxwebapi_jsonstat2_import(small_geography):
    engine = small_geography
    recorder = Recorder({"/tables/TAB638/data": recorded("scb_pxwebapi2_TAB638_jsonstat2.json")})
    client = PxWebClient(transport=httpx.MockTransport(recorder), sleep=lambda s: None)
    result = import_pxwebapi(engine, "TAB638", {"Region": ["0114", "1280"], "Tid": ["2022", "2023"]},
                             client=client)
    request = recorder.requests[0]
    assert request.url.params["outputFormat"] == "json-stat2"
    assert request.url.params["valuecodes[Region]"] == "0114,1280"
    assert result.vintage == "2024-02-21 07:00:00"
    frame = queries.observations(engine, dataset="scb_tab638")
    values = {(r.variable, r.area_code, r.year): r.value for r in frame.itertuples()}
    assert values[("folkmangd__kon_man", "0114", 2022)] == 23400
    assert values[("folkmangd__kon_kvinnor", "0114", 2023)] == 23437
    assert values[("folkmangd__kon_man", "1280", 2023)] == 179640
    assert math.isnan(values[("folkmangd__kon_kvinnor", "1280", 2022)])  # status ".."
    assert set(frame.unit) == {"antal"} and set(frame.source) == {"SCB"}


def test_pxwebapi_unknown_region_writes_nothing(small_geography, count_rows):
    answer = recorded("scb_pxwebapi2_TAB638_jsonstat2.json")
    answer["dimension"]["Region"]["category"]["index"] = {"0114": 0, "9999": 1}
    client = PxWebClient(transport=httpx.MockTransport(Recorder({"/tables/": answer})))
    before = count_rows(small_geography)
    with pytest.raises(DataInputError, match="unknown kommun code '9999'"):
        import_pxwebapi(small_geography, "TAB638", client=client)
    assert count_rows(small_geography) == before


def test_client_timeout_is_retried_and_reported():
    def slow(request):
        raise httpx.ReadTimeout("too slow", request=request)

    client = JsonClient("https://example.invalid", retries=2, transport=httpx.MockTransport(slow), sleep=lambda s: None)
    with pytest.raises(RemoteSourceError, match="ReadTimeout"):
        client.get_json("x")
