"""The production description stays complete: every service has an API, a worker and a gateway route."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from shared.runtime.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_an_api_and_a_worker_per_service_behind_the_gateway():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in SERVICE_NAMES:
        assert compose[f"{name}-api"]["command"][:2] == ["serve", name]
        assert compose[f"{name}-worker"]["command"] == ["worker", name]
    assert {"postgres", "redis", "migrate", "gateway"} <= set(compose)
    routes = re.findall(r"location /(\w+)/ \{ proxy_pass http://(\w+); \}", (ROOT / "deploy/gateway.conf").read_text())
    assert sorted(routes) == sorted((name, name) for name in SERVICE_NAMES)


def test_the_production_example_names_every_setting_production_requires():
    example = (ROOT / "deploy/production.env.example").read_text()
    for setting in ("FANGFAN_MODE=production", "FANGFAN_REDIS_URL", "FANGFAN_JWT_SECRET", "FANGFAN_BLIND_INDEX_KEY",
                    "FANGFAN_FIELD_ENCRYPTION_KEY", *(f"FANGFAN_{n.upper()}_DATABASE_URL" for n in SERVICE_NAMES)):
        assert setting in example


def test_production_redis_keeps_its_jobs_on_disk():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))["services"]["redis"]
    [config] = [volume.split(":")[0] for volume in compose["volumes"] if volume.endswith("redis.conf:ro")]
    assert compose["command"][-1] == "/usr/local/etc/redis/redis.conf"
    settings = dict(line.split(None, 1) for line in (ROOT / config).read_text("utf-8").splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["appendonly"] == "yes" and settings["appendfsync"] == "everysec"
    assert "redisdata:/data" in compose["volumes"]


# --- the scale-out shape: replicas in docker-compose, and the Kubernetes manifests -------------------

KUBERNETES = ROOT / "deploy/kubernetes"
# The Kubernetes version whose API schemas the manifests must satisfy (bundled by kubernetes-validate).
KUBERNETES_VERSION = "1.31"
SECRET_TEMPLATE = "secret.example.yaml"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))["services"]


def test_compose_runs_two_replicas_of_every_api_and_worker():
    compose = _compose()
    for name in SERVICE_NAMES:
        for process in ("api", "worker"):
            assert compose[f"{name}-{process}"]["deploy"]["replicas"] == 2, f"{name}-{process}"
    # Stateful services and the one-off migration stay single.
    for single in ("postgres", "redis", "migrate", "gateway"):
        assert compose[single].get("deploy", {}).get("replicas", 1) == 1, single


def test_the_compose_gateway_follows_every_replica_of_each_api():
    compose = _compose()
    conf = (ROOT / "deploy/gateway.conf").read_text("utf-8")
    assert re.search(r"^resolver 127\.0\.0\.11 valid=\d+s", conf, re.M), "Docker's DNS, asked again and again"
    upstreams = dict(re.findall(r"upstream (\w+) \{ zone \1 \d+k; server ([\w-]+):8000 resolve; \}", conf))
    assert upstreams == {name: f"{name}-api" for name in SERVICE_NAMES}
    for name, host in upstreams.items():
        assert compose[host]["command"] == ["serve", name, "--port", "8000"]
        assert host in compose["gateway"]["depends_on"]
    # `resolve` in an upstream is in open-source nginx from 1.27.3 on.
    major, minor = (int(part) for part in compose["gateway"]["image"].split(":")[1].split(".")[:2])
    assert (major, minor) >= (1, 28)


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]


def _kustomization() -> dict:
    return yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text("utf-8"))


def _manifests() -> list[dict]:
    return [doc for resource in _kustomization()["resources"] for doc in _documents(KUBERNETES / resource)]


def _find(kind: str, name: str) -> dict:
    [found] = [doc for doc in _manifests() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def _pod_specs() -> list[tuple[str, dict]]:
    return [(doc["metadata"]["name"], doc["spec"]["template"]["spec"]) for doc in _manifests()
            if doc["kind"] in ("Deployment", "Job")]


def test_kustomization_lists_every_manifest_except_the_secret_template():
    listed = set(_kustomization()["resources"])
    present = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {SECRET_TEMPLATE}
    assert _kustomization()["namespace"] == _find("Namespace", "fangfan")["metadata"]["name"]


def test_every_manifest_validates_against_the_pinned_kubernetes_schema():
    documents = [*_manifests(), *_documents(KUBERNETES / SECRET_TEMPLATE)]
    assert len(documents) >= 4 * 5 + 6
    for doc in documents:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {path}: {exc.message}")


def test_the_schema_check_refuses_a_field_kubernetes_does_not_know():
    # Strict schemas: a misspelt field (readinesProbe) is an error, not silently ignored by the cluster.
    deployment = _find("Deployment", "intake-api")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


async def _answers(service: str, paths: set[str], data_dir: Path) -> dict[str, int]:
    """The status each path gets from one service's production app (`fangfan serve SERVICE`)."""
    import httpx
    from starlette.routing import Mount

    from shared.runtime.processes import create_single_service_app
    from shared.runtime.settings import PlatformSettings

    app = create_single_service_app(service, PlatformSettings(_env_file=None, data_dir=data_dir))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fangfan.test") as client:
            return {path: (await client.get(path)).status_code for path in paths}
    finally:
        for mount in app.routes:
            if isinstance(mount, Mount):
                await mount.app.state.runtime.db.engine.dispose()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_has_an_api_with_probes_a_service_an_autoscaler_and_a_worker(service, tmp_path):
    api = _find("Deployment", f"{service}-api")
    [container] = api["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "fangfan"
    assert container["args"][:2] == ["serve", service]
    port = container["args"][container["args"].index("--port") + 1]
    [declared] = container["ports"]
    assert str(declared["containerPort"]) == port

    probes = {kind: container[f"{kind}Probe"]["httpGet"] for kind in ("startup", "liveness", "readiness")}
    assert probes["liveness"]["path"] == f"/{service}/healthz"
    assert probes["startup"]["path"] == f"/{service}/healthz"
    assert probes["readiness"]["path"] == f"/{service}/readyz"
    for probe in probes.values():
        assert probe["port"] == declared["name"]
    # The probes reach the app's own health routes (the database here is an empty file, which answers).
    paths = {probe["path"] for probe in probes.values()} | {f"/{service}/no-such-probe"}
    answers = asyncio.run(_answers(service, paths, tmp_path))
    assert answers == {f"/{service}/healthz": 200, f"/{service}/readyz": 200, f"/{service}/no-such-probe": 404}

    labels = api["spec"]["template"]["metadata"]["labels"]
    assert api["spec"]["selector"]["matchLabels"].items() <= labels.items()
    svc = _find("Service", f"{service}-api")
    assert svc["spec"]["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == [declared["name"]]

    hpa = _find("HorizontalPodAutoscaler", f"{service}-api")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{service}-api"}
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"] == ["cpu"]
    assert "cpu" in container["resources"]["requests"], "CPU utilisation is measured against the request"

    worker = _find("Deployment", f"{service}-worker")
    [worker_container] = worker["spec"]["template"]["spec"]["containers"]
    assert worker_container["args"] == ["worker", service]
    assert worker["spec"]["replicas"] >= 2
    worker_labels = worker["spec"]["template"]["metadata"]["labels"]
    assert not [doc for doc in _manifests() if doc["kind"] == "Service"
                and doc["spec"]["selector"].items() <= worker_labels.items()], "a worker serves nothing"
    assert "ports" not in worker_container


def test_the_migration_job_migrates_with_the_same_image_and_settings():
    job = _find("Job", "fangfan-migrate")
    [container] = job["spec"]["template"]["spec"]["containers"]
    api = _find("Deployment", "intake-api")["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]
    assert container["image"] == api["image"] and container["envFrom"] == api["envFrom"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # The first step of a release applies only what carries this label: namespace, settings, migration.
    first_step = {doc["kind"] for doc in _manifests()
                  if doc["metadata"].get("labels", {}).get("fangfan.io/before-rollout") == "true"}
    assert first_step == {"Namespace", "ConfigMap", "Job"}


def _known_settings() -> set[str]:
    from services.alerts.settings import AlertsSettings
    from services.intake.settings import IntakeSettings
    from services.ledger.settings import LedgerSettings
    from shared.runtime.settings import PlatformSettings, service_settings_class

    classes = {"intake": IntakeSettings, "income": service_settings_class("income"), "ledger": LedgerSettings,
               "alerts": AlertsSettings}
    assert set(classes) == set(SERVICE_NAMES)
    known = {f"FANGFAN_{field.upper()}" for field in PlatformSettings.model_fields}
    for service, settings in classes.items():
        known |= {f"FANGFAN_{service.upper()}_{field.upper()}" for field in settings.model_fields}
    return known


def _env_example_names() -> set[str]:
    return {line.split("=", 1)[0] for line in (ROOT / "deploy/production.env.example").read_text("utf-8").splitlines()
            if "=" in line and not line.startswith("#")}


def test_every_setting_the_manifests_name_is_a_setting_of_the_code():
    config = _find("ConfigMap", "fangfan-config")["data"]
    [secret] = _documents(KUBERNETES / SECRET_TEMPLATE)
    assert all(value == "" for value in secret["stringData"].values()), "the template commits no secret"
    named = set(config) | set(secret["stringData"]) | _env_example_names()
    for _, pod in _pod_specs():
        for container in pod["containers"]:
            named |= {env["name"] for env in container.get("env", [])}
    unknown = named - _known_settings()
    assert not unknown, f"not read by any settings class: {sorted(unknown)}"
    # Everything the compose deployment sets reaches the pods too, secrets through the Secret.
    assert _env_example_names() <= set(config) | set(secret["stringData"])
    assert not set(config) & set(secret["stringData"])
    assert config["FANGFAN_MODE"] == "production"


def test_every_fangfan_pod_reads_the_config_map_and_the_secret_and_runs_locked_down():
    config_map = _find("ConfigMap", "fangfan-config")["metadata"]["name"]
    [secret] = _documents(KUBERNETES / SECRET_TEMPLATE)
    dockerfile = (ROOT / "deploy/Dockerfile").read_text("utf-8")
    [image_user] = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    pods = _pod_specs()
    assert len(pods) == 2 * len(SERVICE_NAMES) + 2
    for name, pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert "memory" in container["resources"]["limits"], name
            # A read-only root: temporary files (uploads, exports, nginx's buffers) go to a volume.
            assert "/tmp" in {mount["mountPath"] for mount in container["volumeMounts"]}, name
            if container["image"] == "fangfan":
                user = pod["securityContext"]
                assert (str(user["runAsUser"]), str(user["runAsGroup"])) == image_user, "the image's own user"
                assert container["envFrom"] == [{"configMapRef": {"name": config_map}},
                                                {"secretRef": {"name": secret["metadata"]["name"]}}], name


def test_the_kubernetes_gateway_routes_as_the_compose_gateway_does():
    compose_conf = (ROOT / "deploy/gateway.conf").read_text("utf-8")
    conf = _find("ConfigMap", "gateway-config")["data"]["default.conf"]
    location = r"location /(\w+)/ \{ proxy_pass http://(\w+); \}"
    assert sorted(re.findall(location, conf)) == sorted(re.findall(location, compose_conf))
    upstream = r"upstream (\w+) \{ server ([\w-]+):(\d+); \}"
    upstreams = {name: (host, port) for name, host, port in re.findall(upstream, conf)}
    assert set(upstreams) == set(SERVICE_NAMES)
    for name, (host, port) in upstreams.items():
        assert [p["port"] for p in _find("Service", host)["spec"]["ports"]] == [int(port)]
    for directive in ("client_max_body_size", "proxy_read_timeout", "listen"):
        assert re.findall(rf"{directive} (\S+);", conf) == re.findall(rf"{directive} (\S+);", compose_conf)
    gateway = _find("Deployment", "gateway")["spec"]["template"]["spec"]
    [container] = gateway["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" and "location = /healthz" in conf
    assert {"name": "config", "mountPath": "/etc/nginx/conf.d", "readOnly": True} in container["volumeMounts"]
