"""The deployment to copy (compose/), checked without Docker: every file parses, and the names,
ports and metric families it uses are the ones the code has."""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from bots.registry import SPECS
from bots.slack.http_events import EVENTS_PATH
from bots.telegram.webhook import DEFAULT_PATH
from core.config import Settings
from core.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose"
DEFAULTS = Settings(_env_file=None)  # type: ignore[call-arg]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(COMPOSE / "docker-compose.yml")
    return data


def sample_names() -> set[str]:
    """Every series name the gateway's registry can expose."""
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                "gauge": ("",), "summary": ("_count", "_sum", "_created"), "info": ("_info",)}
    return {family.name + suffix for family in Metrics().registry.collect()
            for suffix in suffixes.get(family.type, ("",))}


def families() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every switchboard_* family as exposed (counters with _total): its type and label names."""
    found = {}
    for wrapper in vars(Metrics()).values():
        if isinstance(wrapper, MetricWrapperBase):
            [family] = wrapper.describe()
            name = family.name + ("_total" if family.type == "counter" else "")
            found[name] = (family.type, tuple(wrapper._labelnames))
    return found


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b((?:switchboard|process|python)_[a-z0-9_]+)", expr))


def unknown_labels(expr: str) -> set[str]:
    """Labels an expression groups or filters by that none of its switchboard_* families has
    (Prometheus's own `instance`, `job` and a histogram's `le` are always there)."""
    declared = families()
    known = {"instance", "job", "le"}
    for name in metric_names(expr):
        for family in (name, *(name.removesuffix(s) for s in ("_bucket", "_count", "_sum"))):
            known |= set(declared.get(family, ("", ()))[1])
    grouped = {label.strip() for group in re.findall(r"\b(?:by|without) \(([^)]*)\)", expr)
               for label in group.split(",") if label.strip()}
    matched = {label for selector in re.findall(r"\{([^}]*)\}", expr)
               for label in re.findall(r"([a-z_]+)\s*[!=]~?", selector)}
    return (grouped | matched) - known


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path (relative to compose/) of a service's bind mounts."""
    found = {}
    for volume in service.get("volumes", []):
        host, container = volume.split(":")[:2]
        if host.startswith("."):
            found[container] = host
    return found


def test_every_bind_mount_and_the_build_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for host in mounts(service).values():
            assert (COMPOSE / host).exists(), f"{name} mounts {host}, which is missing"
    build = compose["services"]["gateway"]["build"]
    assert (COMPOSE / build["context"] / build["dockerfile"]).is_file()


def test_the_gateway_runs_replicas_with_settings_the_code_accepts(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert gateway["deploy"]["replicas"] >= 2
    env = {k.lower(): str(v) for k, v in gateway["environment"].items()}
    settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]  # a bad name or value fails here
    assert settings.http_port == DEFAULTS.http_port
    assert gateway["expose"] == [str(DEFAULTS.http_port)]
    assert settings.redis_url.startswith("redis://redis:6379/")  # the redis service
    assert settings.log_format == "json"
    grace = int(gateway["stop_grace_period"].rstrip("s"))
    assert grace > settings.drain_seconds  # replies in flight finish before the kill


def test_redis_keeps_every_write(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    assert any(v.endswith(":/data") for v in compose["services"]["redis"]["volumes"])


def test_prometheus_scrapes_every_replica_and_alerts_on_real_families(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    folder = COMPOSE / mounts(prometheus)["/etc/prometheus"]
    config = load_yaml(folder / "prometheus.yml")
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    [sd] = job["dns_sd_configs"]
    assert sd["names"] == ["gateway"] and sd["type"] == "A"  # one address per replica
    assert sd["port"] == DEFAULTS.http_port
    names = sample_names()
    for rule_file in config["rule_files"]:
        rules = load_yaml(folder / Path(rule_file).relative_to("/etc/prometheus"))
        exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
        assert exprs
        for expr in exprs:
            assert metric_names(expr) <= names, expr
            assert unknown_labels(expr) == set(), expr


def test_the_dashboard_is_provisioned_and_uses_only_real_families(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    where = mounts(grafana)
    provisioning = COMPOSE / where["/etc/grafana/provisioning"]
    [datasource] = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    [provider] = load_yaml(provisioning / "dashboards" / "switchboard.yml")["providers"]
    dashboards = COMPOSE / where[provider["options"]["path"]]
    dashboard = json.loads((dashboards / "switchboard.json").read_text())
    exprs = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used: set[str] = set()
    for title, expr in exprs:
        assert metric_names(expr) <= sample_names(), f"panel {title!r}: {expr}"
        assert unknown_labels(expr) == set(), f"panel {title!r}: {expr}"
        used |= metric_names(expr)
    shown = {name.removesuffix(suffix) for name in used for suffix in ("_bucket", "_count", "_sum")}
    assert set(families()) - used - shown == set()  # every family the code declares has a panel
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource["uid"]


def test_the_proxy_sends_the_webhook_routes_to_every_replica(compose: dict[str, Any]) -> None:
    caddyfile = (COMPOSE / mounts(compose["services"]["proxy"])["/etc/caddy/Caddyfile"]).read_text()
    assert re.search(rf"dynamic a gateway {DEFAULTS.http_port}\b", caddyfile)
    paths = re.search(r"@webhooks path (.+)", caddyfile)
    assert paths is not None
    routes = paths.group(1).split()
    assert DEFAULT_PATH in routes and EVENTS_PATH in routes
    assert not {"/metrics", "/readyz", "/healthz"} & set(routes)  # those stay inside the network
    assert compose["services"]["proxy"]["ports"] == ["80:80", "443:443"]


def test_the_image_is_slim_and_runs_unprivileged() -> None:
    dockerfile = (COMPOSE / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1\d-slim", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in (p.rstrip("*") for p in packages["include"]):
        assert re.search(rf"^COPY {package} {package}$", dockerfile, re.M), f"the image misses {package}/"
    assert f"EXPOSE {DEFAULTS.http_port}" in dockerfile
    assert 'CMD ["switchboard", "run"]' in dockerfile
    assert "/healthz" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored  # no secrets or a local venv in the image


def test_the_systemd_unit_runs_the_gateway_unprivileged_and_lets_it_drain() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read_string((COMPOSE / "systemd" / "switchboard@.service").read_text())
    service = unit["Service"]
    assert service["ExecStart"].endswith("switchboard run") and "HTTP_PORT=%i" in service["ExecStart"]
    assert service["User"] not in ("root", "0")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > DEFAULTS.drain_seconds
    assert service["RestartPreventExitStatus"] == "2"  # a bad setting: restarting would not fix it
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    names = [name.upper() for name in Settings.model_fields]
    for spec in SPECS:
        prefix = str(spec.settings.model_config.get("env_prefix", ""))
        names += [(prefix + name).upper() for name in spec.settings.model_fields]
    assert [name for name in names if f"\n{name}=" not in text and f"# {name}=" not in text] == []


def test_the_operations_guide_lists_every_family_with_its_type_and_labels() -> None:
    """docs/operations.md's metrics table: one row per family, as the code declares it."""
    rows = [line for line in (ROOT / "docs" / "operations.md").read_text().splitlines()
            if line.startswith("| `switchboard_")]
    documented = {}
    for row in rows:
        name, kind, labels = (cell.strip() for cell in row.strip("|").split("|")[:3])
        documented[name.strip("`")] = (kind, tuple(re.findall(r"`([a-z_]+)`", labels)))
    assert len(documented) == len(rows)  # no family listed twice
    assert documented == families()
