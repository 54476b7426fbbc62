"""The Kubernetes recipe: well-formed, sized, consistent with the code and settings, and hardened
(no secret in the applied folder, start-up refusal of placeholder secrets, Redis with a password,
NetworkPolicies, non-root read-only containers)."""

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
import yaml

import secrets_check
from tests.conftest import ROOT

APPLIED = ROOT / "deploy" / "kubernetes"
EXAMPLE_SECRET = ROOT / "deploy" / "secret.example.yaml"
DOCS = (ROOT / "docs" / "deployment.md").read_text()
MANIFESTS = sorted(APPLIED.glob("*.y*ml"))
DOCUMENTS = [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]
WORKLOADS = [d for d in DOCUMENTS if d["kind"] in ("Deployment", "StatefulSet")]
BY_KIND_NAME = {(d["kind"], d["metadata"]["name"]): d for d in DOCUMENTS}
CONFIG = BY_KIND_NAME[("ConfigMap", "ms-assistant-config")]["data"]
SECRET_NAME = "ms-assistant-secrets"
NAMESPACE = "ms-assistant"
OUR_IMAGE = "ms-stem-cell-assistant"
REFERENCE = re.compile(r"\$\((\w+)\)")


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def pod_templates() -> Dict[str, Dict[str, Any]]:
    """Every pod the recipe starts (Deployments, StatefulSets, the CronJob), by name."""
    pods = {}
    for doc in DOCUMENTS:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            pods[doc["metadata"]["name"]] = doc["spec"]["template"]
        elif doc["kind"] == "CronJob":
            pods[doc["metadata"]["name"]] = doc["spec"]["jobTemplate"]["spec"]["template"]
    return pods


PODS = pod_templates()


def all_containers(pod) -> List[Dict[str, Any]]:
    return pod["spec"].get("initContainers", []) + pod["spec"]["containers"]


ALL_CONTAINERS = [
    (f"{name}/{container['name']}", pod, container)
    for name, pod in PODS.items()
    for container in all_containers(pod)
]


def secret_keys(container) -> Dict[str, str]:
    """Environment variable -> key of the Secret, for the variables taken from it."""
    found = {}
    for variable in container.get("env", []):
        ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            found[variable["name"]] = ref["key"]
    return found


def checked_names(container) -> Optional[List[str]]:
    """The variables `python -m secrets_check NAME... [-- COMMAND]` checks, if it is run."""
    command = container.get("command", [])
    if command[:3] != ["python", "-m", "secrets_check"]:
        return None
    rest = command[3:]
    return rest[: rest.index("--")] if "--" in rest else rest


def load_example_secret() -> Dict[str, Any]:
    return yaml.safe_load(EXAMPLE_SECRET.read_text())


# --- well-formed, sized -------------------------------------------------------------------------
def test_every_document_is_namespaced_and_named():
    for doc in DOCUMENTS:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["metadata"]["name"]


@pytest.mark.parametrize("name,pod,container", ALL_CONTAINERS, ids=[c[0] for c in ALL_CONTAINERS])
def test_every_container_reserves_cpu_and_memory_and_caps_memory(name, pod, container):
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"], name
    assert resources["limits"]["memory"], name


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w["metadata"]["name"])
def test_every_workload_has_a_service_and_a_readiness_probe(workload):
    name = workload["metadata"]["name"]
    assert ("Service", name) in BY_KIND_NAME
    assert all("readinessProbe" in c for c in containers(workload))


def test_production_endpoints_variables_are_all_provided():
    """Rasa (and retention, which reads the same file) refuse to start on an unset ${VAR}."""
    endpoints = (ROOT / "endpoints.production.yml").read_text()
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    assert needed, "the production endpoints read their settings from the environment"
    for name in ("rasa/rasa", "handoff-retention/retention"):
        [(_, _, container)] = [c for c in ALL_CONTAINERS if c[0] == name]
        provided = set(CONFIG) | {v["name"] for v in container.get("env", [])}
        assert needed <= provided, (name, needed - provided)
    assert CONFIG["HANDOFF_ENDPOINTS"] == "endpoints.production.yml"


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


# --- the public host ----------------------------------------------------------------------------
RASA_HTTP_API = ["/status", "/conversations/x/tracker", "/model/parse", "/conversations/x/execute"]


def staff_routes() -> List[str]:
    from channels.webchat import STAFF_EVENTS, WebChatInput

    return [f"/webhooks/{WebChatInput.name()}/{event}" for event in STAFF_EVENTS]


def ingress_path_matches(rule: Dict[str, Any], path: str) -> bool:
    """Kubernetes' rule: Exact is the whole path; Prefix matches whole path elements."""
    if rule["pathType"] == "Exact":
        return path == rule["path"]
    assert rule["pathType"] == "Prefix", rule
    wanted = [element for element in rule["path"].split("/") if element]
    return [element for element in path.split("/") if element][: len(wanted)] == wanted


ASSISTANT_HOST, INBOX_HOST = "assistant.ms-centre.example", "inbox.ms-centre.example"


def public_backends(path: str, host: Optional[str] = None) -> Set[str]:
    """The Services a request for `path` can reach on `host`, or on any public host."""
    return {
        rule["backend"]["service"]["name"]
        for doc in DOCUMENTS
        if doc["kind"] == "Ingress"
        for host_rules in doc["spec"]["rules"]
        if host in (None, host_rules["host"])
        for rule in host_rules["http"]["paths"]
        if ingress_path_matches(rule, path)
    }


def test_no_public_path_reaches_the_staff_routes_or_the_http_api():
    """The staff routes take Rasa's API token in their query string (proxy logs keep it): the
    inbox calls them through the rasa Service inside the cluster, never through the ingress."""
    assert len(staff_routes()) >= 2
    for path in staff_routes() + RASA_HTTP_API:
        assert "rasa" not in public_backends(path), path
    assert CONFIG["INBOX_RASA_URL"] == "http://rasa:5005"


def test_the_public_host_still_reaches_what_the_widget_and_the_phone_need():
    from channels.voice import CHANNEL_NAME

    rasa_paths = ["/socket.io/", "/webhooks/rest/webhook", f"/webhooks/{CHANNEL_NAME}/webhook"]
    for path in rasa_paths:
        assert public_backends(path, ASSISTANT_HOST) == {"rasa"}, path
    assert public_backends("/widget/ms-assistant-widget.js", ASSISTANT_HOST) == {"widget"}
    assert public_backends("/sign-in", ASSISTANT_HOST) == set()
    assert public_backends("/sign-in", INBOX_HOST) == {"inbox"}


def test_rasa_and_the_inbox_trust_exactly_the_ingress_as_proxy():
    """Both count messages, handoffs and sign-ins per client address: behind the ingress each
    must read the client's address from the one X-Forwarded-For entry the ingress wrote. Only
    the ingress controller (and the inbox, for Rasa) can connect to them, so nobody else can
    write that header."""

    def environment(container) -> Dict[str, str]:
        plain = {v["name"]: v["value"] for v in container.get("env", []) if "value" in v}
        return {**CONFIG, **plain} if container.get("envFrom") else plain

    [rasa] = containers(BY_KIND_NAME[("Deployment", "rasa")])
    [inbox] = containers(BY_KIND_NAME[("Deployment", "inbox")])
    assert environment(rasa)["SANIC_PROXIES_COUNT"] == "1"
    assert environment(inbox)["INBOX_PROXIES_COUNT"] == "1"
    for name, _, container in ALL_CONTAINERS:
        if name != "rasa/rasa":  # the action server must not take its callers' word
            assert "SANIC_PROXIES_COUNT" not in environment(container), name
        for variable in ("SANIC_REAL_IP_HEADER", "SANIC_FORWARDED_SECRET"):
            assert variable not in environment(container), name
    for destination in ("rasa", "inbox"):
        sources = {source for source, to, _ in allowed_paths() if to == destination}
        assert sources <= {"ingress-controller", "inbox"}, destination
    assert "SANIC_PROXIES_COUNT" in DOCS


def test_commands_name_modules_that_exist():
    modules = []
    for _, _, container in ALL_CONTAINERS:
        command = container.get("command", [])
        modules += [command[i + 1] for i, word in enumerate(command[:-1]) if word == "-m"]
    assert {"secrets_check", "addons.rasa_server", "inbox", "inbox.retention"} <= set(modules)
    for module in modules:
        top = module.split(".")[0]
        if top not in ("rasa", "http"):
            assert (ROOT / top).is_dir() or (ROOT / f"{top}.py").is_file(), module


def test_every_variable_reference_resolves():
    """Kubernetes leaves an undefined $(VAR) as it is: Redis would take the literal text
    "$(REDIS_PASSWORD)" as its password. A reference must name a variable defined before it."""
    seen = 0
    for name, _, container in ALL_CONTAINERS:
        defined: Set[str] = set()
        for source in container.get("envFrom", []):
            assert source.get("configMapRef", {}).get("name") == "ms-assistant-config", name
            defined |= set(CONFIG)
        for variable in container.get("env", []):
            for reference in REFERENCE.findall(variable.get("value", "")):
                assert reference in defined, (name, variable["name"], reference)
                seen += 1
            defined.add(variable["name"])
        for word in container.get("command", []) + container.get("args", []):
            for reference in REFERENCE.findall(word):
                assert reference in defined, (name, word)
                seen += 1
    assert seen >= 10


# --- secrets ------------------------------------------------------------------------------------
def test_no_secret_is_applied_from_the_manifest_folder():
    """`kubectl apply -f deploy/kubernetes/` once applied the example Secret last, replacing the
    real one with `change-me`. The folder holds no Secret; the example lives beside it."""
    assert [d["metadata"]["name"] for d in DOCUMENTS if d["kind"] == "Secret"] == []
    assert not list(APPLIED.glob("*secret*"))
    assert EXAMPLE_SECRET.parent == APPLIED.parent
    for path in MANIFESTS:
        assert "change-me" not in path.read_text().lower(), path.name


def test_the_example_secret_is_refused_by_every_service():
    example = load_example_secret()
    assert example["kind"] == "Secret" and example["metadata"]["name"] == SECRET_NAME
    values = example["stringData"]
    refused = secrets_check.problems(list(values), values)
    assert values and [problem.split()[0] for problem in refused] == list(values)


def test_no_secret_value_is_written_in_a_manifest():
    """Secret-looking variables come from the Secret, or are built from one ($(VAR))."""
    secret_like = re.compile(r"TOKEN|PASSWORD|SECRET|_KEY|AUTH")
    # retention reads endpoints.production.yml, which names these; it never connects to Redis
    # or the action server and gets empty values instead of the real ones
    deliberately_empty = {
        ("handoff-retention/retention", "REDIS_PASSWORD"),
        ("handoff-retention/retention", "ACTION_SERVER_TOKEN"),
    }
    for name, _, container in ALL_CONTAINERS:
        from_secret = set(secret_keys(container))
        for variable in container.get("env", []):
            if not secret_like.search(variable["name"]) or variable["name"] in from_secret:
                continue
            if (name, variable["name"]) in deliberately_empty:
                assert variable["value"] == "", name
                continue
            references = REFERENCE.findall(variable.get("value", ""))
            assert references and set(references) <= from_secret, (name, variable["name"])
    assert not [key for key in CONFIG if secret_like.search(key)]


def test_secrets_are_referenced_by_the_documented_name_and_keys():
    """The only Secrets the pods use are `ms-assistant-secrets` with the example's keys (every
    key used), and the TLS Secrets the Ingresses name: all created as docs/deployment.md shows."""
    keys = set(load_example_secret()["stringData"])
    used: Set[str] = set()
    for name, pod, container in ALL_CONTAINERS:
        assert not [s for s in container.get("envFrom", []) if "secretRef" in s], name
        for variable in container.get("env", []):
            ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == SECRET_NAME and ref["key"] in keys, (name, ref)
                assert not ref.get("optional"), (name, ref)
                used.add(ref["key"])
        assert not [v for v in pod["spec"].get("volumes", []) if "secret" in v], name
    assert used == keys
    documented = re.search(
        r"kubectl -n ms-assistant create secret generic ms-assistant-secrets(.*?)\n```",
        DOCS,
        re.S,
    )
    assert documented, "docs/deployment.md shows how to create the Secret"
    assert set(re.findall(r"--from-literal=(\w+)=", documented[1])) == keys
    tls = {t["secretName"] for d in DOCUMENTS if d["kind"] == "Ingress" for t in d["spec"]["tls"]}
    assert tls == {"assistant-tls", "inbox-tls"}
    for secret in tls:
        assert secret in DOCS, secret
    assert "deploy/secret.example.yaml" in DOCS and "kubernetes/secret.example" not in DOCS


@pytest.mark.parametrize("pod_name", sorted(PODS))
def test_every_secret_a_pod_gets_is_checked_before_its_service_starts(pod_name):
    """`python -m secrets_check NAME... -- COMMAND` (our image) or an init container (the
    postgres and redis images have no Python) refuses an empty or placeholder secret."""
    pod = PODS[pod_name]
    received = {
        key for container in pod["spec"]["containers"] for key in secret_keys(container).values()
    }
    checked: Set[str] = set()
    for container in all_containers(pod):
        names = checked_names(container)
        if names is None:
            continue
        # each checked name is the Secret's key of the same name, in the checking container
        assert all(secret_keys(container).get(n) == n for n in names), (pod_name, names)
        checked |= set(names)
        if container in pod["spec"]["containers"]:
            command = container["command"]
            assert "--" in command and command[command.index("--") + 1 :], pod_name
    assert received <= checked, (pod_name, received - checked)
    if pod_name != "widget":
        assert received, f"{pod_name} gets at least one secret"


def test_the_check_is_strict_in_the_deployment():
    assert CONFIG[secrets_check.ENV_FLAG] == "production"
    assert secrets_check.is_production(CONFIG)
    for name, _, container in ALL_CONTAINERS:
        if checked_names(container) is not None:
            assert {"configMapRef": {"name": "ms-assistant-config"}} in container["envFrom"], name


# --- Redis --------------------------------------------------------------------------------------
def test_redis_requires_the_password_from_the_secret():
    [redis] = containers(BY_KIND_NAME[("Deployment", "redis")])
    args = redis["args"]
    assert args[args.index("--requirepass") + 1] == "$(REDIS_PASSWORD)"
    assert secret_keys(redis)["REDIS_PASSWORD"] == "REDIS_PASSWORD"
    assert {"name": "REDISCLI_AUTH", "value": "$(REDIS_PASSWORD)"} in redis["env"]  # the probe
    assert redis["readinessProbe"]["exec"]["command"][0] == "redis-cli"


def test_every_redis_url_carries_the_password():
    urls = []

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    for doc in DOCUMENTS:
        urls += [s for s in strings(doc) if "redis://" in s]
    assert len(urls) >= 2  # web chat rooms and the phone's call state
    for url in urls:
        assert url.startswith("redis://:$(REDIS_PASSWORD)@"), url
    lock_store = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())["lock_store"]
    assert lock_store["password"] == "${REDIS_PASSWORD}"
    [rasa] = containers(BY_KIND_NAME[("Deployment", "rasa")])
    assert secret_keys(rasa)["REDIS_PASSWORD"] == "REDIS_PASSWORD"


# --- NetworkPolicies ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Peer:
    name: str
    namespace_labels: Tuple[Tuple[str, str], ...]
    pod_labels: Tuple[Tuple[str, str], ...]


def in_namespace(name: str, labels: Dict[str, str], namespace: str = NAMESPACE) -> Peer:
    return Peer(
        name,
        (("kubernetes.io/metadata.name", namespace),),
        tuple(sorted(labels.items())),
    )


INGRESS_CONTROLLER = in_namespace(
    "ingress-controller", {"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx"
)
OUR_PODS = {name: in_namespace(name, pod["metadata"]["labels"]) for name, pod in PODS.items()}
OUTSIDERS = [
    INGRESS_CONTROLLER,
    # another pod of the controller's namespace, and a pod elsewhere labelled like ours
    in_namespace("ingress-namespace-other-pod", {"app": "admission"}, "ingress-nginx"),
    in_namespace("other-namespace-rasa-lookalike", {"app": "rasa"}, "default"),
]
POLICIES = [d for d in DOCUMENTS if d["kind"] == "NetworkPolicy"]
ALLOWED = {
    ("ingress-controller", "widget", 8080),
    ("ingress-controller", "rasa", 5005),
    ("ingress-controller", "inbox", 8090),
    ("inbox", "rasa", 5005),
    ("rasa", "actions", 5055),
    ("rasa", "redis", 6379),
    ("rasa", "postgres", 5432),
    ("actions", "postgres", 5432),
    ("inbox", "postgres", 5432),
    ("handoff-retention", "postgres", 5432),
}


def selects(selector: Dict[str, Any], labels: Tuple[Tuple[str, str], ...]) -> bool:
    assert set(selector) <= {"matchLabels"}, "the evaluator below understands matchLabels only"
    return set((selector.get("matchLabels") or {}).items()) <= set(labels)


def peer_matches(peer: Dict[str, Any], source: Peer) -> bool:
    assert set(peer) <= {"podSelector", "namespaceSelector"}, peer
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], source.namespace_labels):
            return False
    elif dict(source.namespace_labels)["kubernetes.io/metadata.name"] != NAMESPACE:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], source.pod_labels)


def allows(source: Peer, destination: Peer, port: int) -> bool:
    """Kubernetes' rule: a pod selected by any ingress policy takes only what one of them
    allows; a rule without `from` allows every source, without `ports` every port."""
    selecting = [
        p
        for p in POLICIES
        if "Ingress" in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], destination.pod_labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress") or []:
            sources = rule.get("from")
            ports = rule.get("ports")
            source_ok = not sources or any(peer_matches(p, source) for p in sources)
            port_ok = not ports or any(
                p["port"] == port and p.get("protocol", "TCP") == "TCP" for p in ports
            )
            if source_ok and port_ok:
                return True
    return False


def container_ports(pod) -> List[int]:
    return [p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])]


def allowed_paths() -> Set[Tuple[str, str, int]]:
    return {
        (source.name, name, port)
        for source in [*OUR_PODS.values(), *OUTSIDERS]
        for name, pod in PODS.items()
        for port in container_ports(pod)
        if allows(source, OUR_PODS[name], port)
    }


def test_ingress_is_denied_by_default_in_the_namespace():
    [deny] = [p for p in POLICIES if p["spec"]["podSelector"] == {}]
    assert deny["spec"]["policyTypes"] == ["Ingress"]
    assert not deny["spec"].get("ingress")
    assert not [p for p in POLICIES if "Egress" in p["spec"]["policyTypes"]]


def test_network_policies_allow_exactly_the_needed_paths():
    assert allowed_paths() == ALLOWED


def test_an_unlisted_path_is_refused():
    assert not allows(OUR_PODS["widget"], OUR_PODS["postgres"], 5432)
    assert not allows(OUR_PODS["inbox"], OUR_PODS["redis"], 6379)
    assert not allows(OUR_PODS["actions"], OUR_PODS["rasa"], 5005)
    assert not allows(OUTSIDERS[2], OUR_PODS["rasa"], 5005)  # not through the ingress
    assert not allows(INGRESS_CONTROLLER, OUR_PODS["postgres"], 5432)
    assert allows(OUR_PODS["rasa"], OUR_PODS["postgres"], 5432)  # the evaluator can say yes


def test_network_policy_selectors_match_labelled_pods():
    labels = [dict(p.pod_labels) for p in OUR_PODS.values()]
    for policy in POLICIES:
        selector = policy["spec"]["podSelector"].get("matchLabels")
        if selector:
            assert any(selector.items() <= pod.items() for pod in labels), policy["metadata"]
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from") and rule.get("ports"), policy["metadata"]["name"]
            for peer in rule["from"]:
                if "namespaceSelector" not in peer:
                    wanted = peer["podSelector"]["matchLabels"].items()
                    assert any(wanted <= pod.items() for pod in labels), peer
    # every Service reaches the pods its policy opens
    for doc in DOCUMENTS:
        if doc["kind"] == "Service":
            name = doc["metadata"]["name"]
            assert doc["spec"]["selector"].items() <= dict(OUR_PODS[name].pod_labels).items()
    assert OUR_PODS["handoff-retention"].pod_labels != OUR_PODS["inbox"].pod_labels


# --- pods: non-root, no privileges, read-only -----------------------------------------------------
def effective_security(pod, container) -> Dict[str, Any]:
    pod_level = pod["spec"].get("securityContext", {})
    inherited = {
        k: pod_level[k] for k in ("runAsNonRoot", "runAsUser", "runAsGroup") if k in pod_level
    }
    return {**inherited, **container.get("securityContext", {})}


@pytest.mark.parametrize("name,pod,container", ALL_CONTAINERS, ids=[c[0] for c in ALL_CONTAINERS])
def test_every_container_runs_as_non_root_without_privileges(name, pod, container):
    context = effective_security(pod, container)
    assert context.get("runAsNonRoot") is True, name
    assert isinstance(context.get("runAsUser"), int) and context["runAsUser"] > 0, name
    assert context.get("allowPrivilegeEscalation") is False, name
    assert context.get("capabilities") == {"drop": ["ALL"]}, name
    assert context.get("readOnlyRootFilesystem") is True, name
    assert not context.get("privileged"), name
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
    assert pod["spec"]["automountServiceAccountToken"] is False, name


def test_our_image_runs_as_the_dockerfile_user():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    [user] = re.findall(r"^USER (\d+)", dockerfile, re.M)
    assert "ENV HOME=/tmp" in dockerfile
    ours = [(n, p, c) for n, p, c in ALL_CONTAINERS if c["image"].startswith(OUR_IMAGE)]
    assert len(ours) >= 7
    for name, pod, container in ours:
        assert effective_security(pod, container)["runAsUser"] == int(user), name


def test_writable_paths_are_volumes():
    """With a read-only root, what a service writes goes to an emptyDir or its data volume."""
    for pod_name, pod in PODS.items():
        volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
        for container in all_containers(pod):
            for mount in container.get("volumeMounts", []):
                claims = [
                    c["metadata"]["name"]
                    for w in WORKLOADS
                    if w["metadata"]["name"] == pod_name
                    for c in w["spec"].get("volumeClaimTemplates", [])
                ]
                volume = volumes.get(mount["name"])
                assert (volume and "emptyDir" in volume) or mount["name"] in claims, mount

    def mounts(pod_name: str, container_name: str) -> Set[str]:
        [container] = [
            c for c in PODS[pod_name]["spec"]["containers"] if c["name"] == container_name
        ]
        return {m["mountPath"] for m in container.get("volumeMounts", [])}

    assert "/tmp" in mounts("rasa", "rasa")  # each worker unpacks the model there
    assert {"/var/lib/postgresql/data", "/var/run/postgresql"} <= mounts("postgres", "postgres")
    [postgres] = containers(BY_KIND_NAME[("StatefulSet", "postgres")])
    assert {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"} in postgres["env"]
    assert "/data" in mounts("redis", "redis")
