"""The Rasa backend against a real HTTP server started on localhost for each test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from nlu import load_parser
from nlu.errors import RasaUnavailableError
from nlu.fitting import TrainOptions
from nlu.model import LinearModel
from nlu.parser import Parser
from nlu.rasa_client import RasaClient
from nlu.rasa_yaml import Example
from nlu.train import train_model


class FakeRasa(BaseHTTPRequestHandler):
    failures_left = 0
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
            self.end_headers()
            return
        answer = {
            "text": body["text"],
            "intent": {"name": "city_water", "confidence": 0.87},
            "intent_ranking": [
                {"name": "city_water", "confidence": 0.87},
                {"name": "city_roads", "confidence": 0.13},
            ],
            "entities": [
                {
                    "entity": "estate",
                    "start": 0,
                    "end": 3,
                    "value": "幸福里",
                    "extractor": "CRFEntityExtractor",
                }
            ],
        }
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def rasa_url() -> Iterator[str]:
    FakeRasa.failures_left = 0
    FakeRasa.requests = []
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens here once the socket is closed


@pytest.fixture(scope="module")
def local_model() -> LinearModel:
    rows = [
        ("停水了", "utilities", "high", "demand"),
        ("地铁几点", "transport", "normal", "inquiry"),
        ("路灯坏了", "transport", "normal", "demand"),
        ("水压低", "utilities", "normal", "complaint"),
    ]
    sets = {
        axis: [Example(r[0], r[i + 1]) for r in rows]
        for i, axis in enumerate(("domain", "urgency", "kind"))
    }
    return train_model(sets, TrainOptions(folds=2))


def test_the_rasa_intent_becomes_the_domain_and_entities_are_kept(rasa_url: str) -> None:
    parser = Parser(None, remote=RasaClient(rasa_url))
    result = parser.parse("幸福里停水了，138-0000-1234")
    assert FakeRasa.requests[0]["path"] == "/model/parse"
    assert result["intent"] == {"name": "city_water", "confidence": 0.87}
    assert result["domain"] == result["intent"]
    assert [r["name"] for r in result["intent_ranking"]] == ["city_water", "city_roads"]
    assert {e["entity"] for e in result["entities"]} == {"estate", "phone_number"}
    assert result["urgency"] is None and result["kind"] is None
    assert result["backend"] == "rasa"


def test_safety_rules_still_apply_to_rasa_results(rasa_url: str, local_model: LinearModel) -> None:
    result = Parser(local_model, remote=RasaClient(rasa_url)).parse("楼道里一股煤气味")
    assert result["urgency"]["name"] == "urgent"
    assert result["rules"][0]["id"] == "gas_leak"


def test_server_errors_are_retried(rasa_url: str) -> None:
    FakeRasa.failures_left = 2
    result = Parser(None, remote=RasaClient(rasa_url, retries=2, backoff_s=0)).parse("停水")
    assert result["intent"]["name"] == "city_water"
    assert len(FakeRasa.requests) == 3


def test_a_server_that_is_down_gives_a_clear_error_without_a_local_model(dead_url: str) -> None:
    parser = Parser(None, remote=RasaClient(dead_url, timeout_s=0.5, retries=1, backoff_s=0))
    with pytest.raises(RasaUnavailableError, match="unavailable after 2 attempt"):
        parser.parse("停水")


def test_a_server_that_is_down_falls_back_to_the_local_model(
    dead_url: str, local_model: LinearModel
) -> None:
    parser = Parser(local_model, remote=RasaClient(dead_url, timeout_s=0.5, retries=0))
    result = parser.parse("停水了")
    assert result["backend"] == "builtin_fallback"
    assert result["domain"]["name"] == "utilities"


def test_a_slow_server_times_out(rasa_url: str) -> None:
    class Slow(FakeRasa):
        def do_POST(self) -> None:
            threading.Event().wait(1.0)

    server = HTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = RasaClient(f"http://127.0.0.1:{server.server_port}", timeout_s=0.2, retries=0)
        with pytest.raises(RasaUnavailableError, match="timed out"):
            client.parse("停水")
    finally:
        server.shutdown()
        server.server_close()


def test_load_parser_builds_a_rasa_backed_parser(
    rasa_url: str, tmp_path, local_model: LinearModel
) -> None:
    local_model.save(tmp_path)
    parser = load_parser(str(tmp_path), backend="rasa", rasa_url=rasa_url, rasa_retries=0)
    assert parser.parse("停水")["domain"]["name"] == "city_water"
