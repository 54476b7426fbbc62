"""The Kubernetes recipe: well-formed, sized, and consistent with the code and settings."""

import re

import pytest
import yaml

from tests.conftest import ROOT

MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
DOCUMENTS = [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]
WORKLOADS = [d for d in DOCUMENTS if d["kind"] in ("Deployment", "StatefulSet")]
BY_KIND_NAME = {(d["kind"], d["metadata"]["name"]): d for d in DOCUMENTS}


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def test_every_document_is_namespaced_and_named():
    for doc in DOCUMENTS:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "ms-assistant", doc["metadata"]["name"]


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_container_reserves_cpu_and_memory_and_caps_memory(workload):
    for container in containers(workload):
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"]
        assert resources["limits"]["memory"]


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_workload_has_a_service_and_a_readiness_probe(workload):
    name = workload["metadata"]["name"]
    assert ("Service", name) in BY_KIND_NAME
    assert all("readinessProbe" in c for c in containers(workload))


def test_config_and_secret_references_exist():
    config = BY_KIND_NAME[("ConfigMap", "ms-assistant-config")]
    secret = yaml.safe_load((ROOT / "deploy/kubernetes/secret.example.yaml").read_text())
    for workload in WORKLOADS:
        for container in containers(workload):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] == config["metadata"]["name"]
                if "secretRef" in source:
                    assert source["secretRef"]["name"] == secret["metadata"]["name"]


def test_production_endpoints_variables_are_all_provided():
    endpoints = (ROOT / "endpoints.production.yml").read_text()
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    config = BY_KIND_NAME[("ConfigMap", "ms-assistant-config")]["data"]
    secret = yaml.safe_load((ROOT / "deploy/kubernetes/secret.example.yaml").read_text())
    assert needed <= set(config) | set(secret["stringData"])


def test_several_rasa_workers_come_with_the_redis_lock_store():
    rasa = BY_KIND_NAME[("Deployment", "rasa")]
    [container] = containers(rasa)
    assert {"name": "SANIC_WORKERS", "value": "2"} in container["env"]
    assert "endpoints.production.yml" in container["command"]
    lock_store = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())["lock_store"]
    assert lock_store["type"] == "lock_stores.redis.AtomicRedisLockStore"


def test_socketio_has_sticky_sessions():
    ingress = BY_KIND_NAME[("Ingress", "assistant")]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    paths = [p["path"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert "/socket.io" in paths


def test_commands_name_modules_that_exist():
    for workload in WORKLOADS:
        for container in containers(workload):
            command = container.get("command", [])
            if "-m" in command:
                module = command[command.index("-m") + 1]
                top = module.split(".")[0]
                if top not in ("rasa", "http"):
                    assert (ROOT / top).exists(), module
