"""Checks compose.yaml, the Dockerfile and deploy/ against the Compose specification and the code.

Usage: check_deployment.py <package root>   (normally through scripts/check-deployment)
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
SPEC = os.environ.get("COMPOSE_SPEC", os.path.join(ROOT, "..", "shared", "compose", "compose-spec.json"))
OUR_IMAGE = "kafka-web-proxy"
# External images the deployment may use: official images, pinned to a version.
OFFICIAL_IMAGES = {"apache/kafka", "haproxy"}
# The package's processes: where their code is, their HTTP port variable and its default.
PROCESSES = {
    "ingestd": {"sources": ["Services/ingestd"], "port_var": "INGEST_HTTP_PORT", "default_port": 5001},
    "realtimed": {"sources": ["Services/realtimed/RealtimeService", "Services/realtimed/Main"],
                  "port_var": "PORT", "default_port": 5002},
    "exportd": {"sources": ["Services/exportd"], "port_var": "PORT", "default_port": 8001},
    "kafka-demo-producer": {"sources": ["Services/demo-producer"], "port_var": None, "default_port": None},
}
# Which process reads a variable the Dockerfile sets (for the pending/failed verdict).
DOCKERFILE_ENV_OWNERS = {"DASHBOARD_DIR": "realtimed", "SOCKET_IO_CLIENT_JS": "realtimed", "DATA_DIR": "exportd"}


class Report:
    def __init__(self):
        self.counts = {"ok": 0, "FAIL": 0, "PENDING": 0}

    def line(self, verdict, text):
        self.counts[verdict] += 1
        print(f"  {verdict:<7} {text}")

    def ok(self, text):
        self.line("ok", text)

    def fail(self, text):
        self.line("FAIL", text)

    def pending(self, text):
        self.line("PENDING", text)

    def check(self, condition, text, pending=False):
        if condition:
            self.ok(text)
        elif pending:
            self.pending(text + "  (its service is not merged yet)")
        else:
            self.fail(text)


report = Report()


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def swift_sources(directories):
    texts = []
    for directory in directories:
        for path in glob.glob(os.path.join(ROOT, directory, "**", "*.swift"), recursive=True):
            with open(path, encoding="utf-8") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


ALL_CODE = swift_sources(["Services", "Shared"])


def is_pending(process):
    """A process whose code is still the placeholder (its branch is not merged yet)."""
    text = swift_sources(PROCESSES[process]["sources"])
    return "// Placeholder" in text or "not implemented yet" in text


def env_dict(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def process_of(service):
    command = service.get("command") or []
    if isinstance(command, str):
        command = command.split()
    return command[0] if command else "ingestd"  # the image's CMD


def mentions(code, name):
    return re.search(r"\b" + re.escape(name) + r"\b", code) is not None


def dockerfile_model():
    text = read("Dockerfile")
    stages, current, copies, env = [], None, [], {}
    for raw in re.sub(r"\\\n", " ", text).splitlines():
        line = raw.strip()
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = match.group(2) or f"#{len(stages)}"
            stages.append(current)
            copies.append([])
            continue
        match = re.match(r"COPY\s+(.*)", line, re.IGNORECASE)
        if match and current is not None:
            parts = match.group(1).split()
            from_stage = next((p.split("=", 1)[1] for p in parts if p.startswith("--from=")), None)
            paths = [p for p in parts if not p.startswith("--")]
            copies[-1].append((from_stage, paths[:-1], paths[-1]))
            continue
        match = re.match(r"ENV\s+(.*)", line, re.IGNORECASE)
        if match and current is not None:
            for key, value in re.findall(r"(\w+)=(\S+)", match.group(1)):
                env[key] = value
    return text, stages, copies, env


def check_schema(compose):
    print("Compose specification")
    if not os.path.exists(SPEC):
        report.fail(f"the Compose JSON schema is missing: {SPEC}")
        return
    with open(SPEC, encoding="utf-8") as handle:
        schema = json.load(handle)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    for error in errors:
        report.fail(f"compose.yaml {'/'.join(map(str, error.path)) or '(top)'}: {error.message}")
    if not errors:
        report.ok("compose.yaml is valid against the Compose specification's JSON schema")


def check_images(services, docker):
    print("Images, build stages, executables")
    text, stages, copies, env = docker
    products = set(re.findall(r'\.executable\(name:\s*"([^"]+)"', read("Package.swift")))
    for name, service in services.items():
        image = service.get("image", "")
        build = service.get("build")
        if image.split(":")[0] == OUR_IMAGE or build:
            if isinstance(build, str):
                build = {"context": build}
            context = os.path.normpath(os.path.join(ROOT, (build or {}).get("context", ".")))
            dockerfile = os.path.join(context, (build or {}).get("dockerfile", "Dockerfile"))
            report.check(build is not None, f"{name}: builds the {OUR_IMAGE} image from the repository")
            report.check(os.path.exists(dockerfile), f"{name}: {os.path.relpath(dockerfile, ROOT)} exists")
            target = (build or {}).get("target")
            report.check(target is None or target in stages,
                         f"{name}: build target '{target}' is a Dockerfile stage ({', '.join(stages)})")
            process = process_of(service)
            report.check(process in products, f"{name}: '{process}' is an executable product of Package.swift")
            report.check(re.search(r"\b" + re.escape(process) + r"\b", text.split("FROM", 2)[1] if "FROM" in text else "")
                         is not None, f"{name}: the Dockerfile's build stage builds '{process}'")
            report.check(process in PROCESSES, f"{name}: '{process}' is known to this check")
        else:
            repository, _, tag = image.partition(":")
            report.check(repository in OFFICIAL_IMAGES and tag not in ("", "latest"),
                         f"{name}: '{image}' is an official image pinned to a version")
    for stage_copies in copies:
        for from_stage, _, _ in stage_copies:
            if from_stage:
                report.check(from_stage in stages, f"Dockerfile: COPY --from={from_stage} names a stage")


def flag_names(process):
    """The long options of a process: its ArgumentParser options (camelCase properties as
    --kebab-case) or, for the services, the flags of its declared settings (the variable as
    --kebab-case unless a `flag:` is given)."""
    code = swift_sources(PROCESSES[process]["sources"] + ["Shared"])
    names = set()
    for prop in re.findall(r"@(?:Option|Flag)\b(?:(?!\bvar\b).)*?\bvar\s+(\w+)", code, re.DOTALL):
        names.add("--" + re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", prop).lower())
    names.update(re.findall(r'name:\s*\.long(?:AndShort)?\s*\(?"?([\w-]*)', code))
    for variable, flag in re.findall(r'(?:\.(?:text|optionalText|integer|boolean|list|duration|choice)|Setting)\(\s*"([A-Z][A-Z0-9_]*)"(?:,\s*flag:\s*"(--[\w-]+)")?', code):
        names.add(flag or "--" + variable.lower().replace("_", "-"))
    names.update(re.findall(r'flag:\s*"(--[\w-]+)"', code))
    return names


def check_environment(services, docker):
    print("Environment variables and options (each must be read by the service's code)")
    for name, service in services.items():
        if service.get("image", "").split(":")[0] != OUR_IMAGE and not service.get("build"):
            continue
        process = process_of(service)
        pending = process in PROCESSES and is_pending(process)
        # The process's own code and the shared libraries (another process reading the same
        # name does not count).
        code = swift_sources(PROCESSES.get(process, {"sources": []})["sources"] + ["Shared"])
        for variable in env_dict(service):
            found = mentions(code, variable) or (
                variable.startswith("KAFKA_PROPERTY_") and "KAFKA_PROPERTY_" in code)
            report.check(found, f"{name}: {variable}", pending=pending)
        command = service.get("command") or []
        flags = [part for part in command[1:] if isinstance(part, str) and part.startswith("--")]
        if flags and process in PROCESSES:
            known = flag_names(process)
            for flag in flags:
                report.check(flag.split("=")[0] in known, f"{name}: {process} has the option {flag}", pending=pending)
    _, _, _, env = docker
    for variable in env:
        owner = DOCKERFILE_ENV_OWNERS.get(variable)
        code = swift_sources(PROCESSES[owner]["sources"] + ["Shared"]) if owner else ALL_CODE
        report.check(mentions(code, variable), f"Dockerfile ENV {variable}" + (f" ({owner})" if owner else ""),
                     pending=owner is not None and is_pending(owner))


def image_path_exists(path, docker):
    """Maps a path inside the image to the repository through the runtime stage's COPY lines."""
    _, stages, copies, _ = docker
    for from_stage, sources, destination in copies[-1]:
        destination = destination.rstrip("/")
        if path == destination or path.startswith(destination + "/"):
            if from_stage:
                return True  # produced by another stage
            for source in sources:
                local = os.path.join(ROOT, source.rstrip("/") + path[len(destination):])
                if os.path.exists(local):
                    return True
    return False


def check_files(services, docker):
    print("Files the services name inside the image")
    _, _, _, env = docker
    seen = set()
    texts = [json.dumps(service) for service in services.values()] + list(env.values())
    for text in texts:
        for path in re.findall(r"/opt/kafka-web-proxy[\w./-]*", text):
            if path not in seen:
                seen.add(path)
                report.check(image_path_exists(path, docker), f"{path} is copied into the image from the repository")


def is_proxy(service):
    return service.get("image", "").split(":")[0] == "haproxy"


def proxy_config_path(service):
    """The repository path of the haproxy config a proxy service mounts (deploy/haproxy.cfg if none)."""
    for volume in service.get("volumes") or []:
        source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
        if source.startswith(".") and source.endswith(".cfg"):
            return os.path.normpath(source)
    return "deploy/haproxy.cfg"


def port_of(service, process):
    info = PROCESSES.get(process)
    if not info or not info["port_var"]:
        return None
    value = env_dict(service).get(info["port_var"])
    return int(value) if value else info["default_port"]


def check_ports_and_health(services):
    print("Ports and healthchecks")
    public = [name for name, service in services.items() if service.get("ports")]
    report.check("proxy" in public and all(is_proxy(services[name]) for name in public),
                 f"only the proxies publish a host port (publishing: {', '.join(public) or 'none'})")
    for name, service in services.items():
        ours = service.get("image", "").split(":")[0] == OUR_IMAGE or service.get("build")
        process = process_of(service) if ours else None
        pending = process in PROCESSES and is_pending(process) if process else False
        if ours and process in PROCESSES and PROCESSES[process]["port_var"]:
            info = PROCESSES[process]
            port = port_of(service, process)
            code = swift_sources(info["sources"])
            report.check(port == info["default_port"],
                         f"{name}: {info['port_var']}={port} is {process}'s documented default {info['default_port']}")
            report.check(re.search(r"\b%d\b" % info["default_port"], code) is not None,
                         f"{name}: {process}'s code defaults to port {info['default_port']}", pending=pending)
        test = (service.get("healthcheck") or {}).get("test")
        if not test and service.get("profiles") is None:
            report.fail(f"{name}: has no healthcheck")
            continue
        if not test:
            continue
        command = " ".join(test if isinstance(test, list) else [test])
        for host, port, path in re.findall(r"https?://([\w.-]+):(\d+)(/[\w./-]*)", command):
            if ours:
                report.check(int(port) == port_of(service, process),
                             f"{name}: healthcheck port {port} is the service's port")
                route = path.rstrip("/") or "/"
                code = swift_sources(PROCESSES[process]["sources"])
                found = re.search(r'"/?%s"' % re.escape(route.lstrip("/")), code) is not None
                report.check(found, f"{name}: healthcheck path {route} is a route of {process}", pending=pending)
        if is_proxy(service):
            config = read(proxy_config_path(service))
            match = re.search(r"GET (/\S+)", command)
            report.check(match is not None and f"monitor-uri {match.group(1)}" in config,
                         f"{name}: healthcheck path {match.group(1) if match else '?'} is the proxy's monitor-uri")
    for name, service in services.items():
        if process_of(service) == "realtimed" and (service.get("image", "").split(":")[0] == OUR_IMAGE or service.get("build")):
            report.check("container_name" not in service and not service.get("ports"),
                         f"{name}: no container_name and no host port, so --scale works")


def check_links(services):
    print("Addresses between services")
    names = set(services)
    for name, service in services.items():
        for dependency in (service.get("depends_on") or {}):
            report.check(dependency in names, f"{name}: depends_on {dependency} is a service")
        environment = env_dict(service)
        for variable, bind_variable in (("BUS_CONNECT", "BUS_PUBLISH_BIND"), ("BUS_SNAPSHOT_CONNECT", "BUS_SNAPSHOT_BIND")):
            for address in filter(None, environment.get(variable, "").split(",")):
                match = re.match(r"tcp://([\w.-]+):(\d+)$", address)
                target = services.get(match.group(1)) if match else None
                bind = env_dict(target).get(bind_variable, "") if target else ""
                report.check(match is not None and target is not None and bind.endswith(":" + match.group(2)),
                             f"{name}: {variable}={address} reaches {bind_variable} of a service")
        hosts = [environment.get("KAFKA_HOSTS", "")]
        command = service.get("command") or []
        if "--kafka-hosts" in command:
            hosts.append(command[command.index("--kafka-hosts") + 1])
        for host in filter(None, ",".join(hosts).split(",")):
            service_name, _, port = host.partition(":")
            listeners = env_dict(services.get(service_name, {})).get("KAFKA_LISTENERS", "")
            report.check(service_name in names and f":{port}" in listeners, f"{name}: Kafka at {host} is a broker listener")


def check_proxy(services):
    for name, service in services.items():
        if is_proxy(service):
            check_one_proxy(services, name, service)
    check_proxy_variants(services)


def check_one_proxy(services, name, proxy):
    path = proxy_config_path(proxy)
    print(f"Reverse proxy {name} ({path})")
    for volume in proxy.get("volumes") or []:
        source = (volume.split(":")[0] if isinstance(volume, str) else volume.get("source", ""))
        if source.startswith("."):
            report.check(os.path.exists(os.path.join(ROOT, source)), f"{name}: mounted {source} exists")
    if not os.path.exists(os.path.join(ROOT, path)):
        return
    config = read(path)
    for host, port in re.findall(r"^\s*server(?:-template)?\s+\S+\s+(?:\d+\s+)?([\w.-]+):(\d+)", config, re.MULTILINE):
        target = services.get(host)
        report.check(target is not None and port_of(target, process_of(target)) == int(port),
                     f"{path}: backend server {host}:{port} is a compose service on its port")
        if target is not None and proxy.get("profiles") is None:
            report.check(target.get("profiles") is None, f"{name}: backend {host} runs without a profile, as the proxy does")
    # Each backend's health check asks a route of the process behind it (the service its
    # servers name).
    for backend, body in re.findall(r"^backend\s+(\S+)\n((?:[ \t]+.*\n?)*)", config, re.MULTILINE):
        server = re.search(r"^\s*server(?:-template)?\s+\S+\s+(?:\d+\s+)?([\w.-]+):\d+", body, re.MULTILINE)
        target = services.get(server.group(1)) if server else None
        uri = re.search(r"http-check send .*\buri\s+(\S+)", body)
        if target is None or uri is None:
            report.fail(f"{path} backend {backend}: servers of a compose service and an http-check uri")
            continue
        process = process_of(target)
        code = swift_sources(PROCESSES[process]["sources"])
        report.check(re.search(r'"/?%s"' % re.escape(uri.group(1).lstrip("/")), code) is not None,
                     f"{path} backend {backend}: health check {uri.group(1)} is a route of {process}",
                     pending=is_pending(process))
    report.check(re.search(r"^\s*cookie\s+\S+\s+insert", config, re.MULTILINE) is not None
                 and re.search(r"balance\s+source", config) is not None,
                 f"{path}: sticky sessions for realtime (cookie, then source hash)")
    report.check("timeout tunnel" in config, f"{path}: WebSocket tunnels have their own timeout")
    published = [str(p) for p in proxy.get("ports") or []]
    binds = re.findall(r"^\s*bind\s+\S*:(\d+)", config, re.MULTILINE)
    report.check(any(p.endswith(":" + b) for p in published for b in binds),
                 f"{name}: published port {published} reaches haproxy's bind {binds}")
    haproxy = shutil.which("haproxy")
    if not haproxy:
        report.pending("haproxy -c: no haproxy binary here (apt-get install haproxy)")
        return
    # Compose service names resolve only inside compose: map them to 127.0.0.1 for the check.
    names = sorted(services, key=len, reverse=True)
    mapped = re.sub(r"\b(%s):(\d+)" % "|".join(map(re.escape, names)), r"127.0.0.1:\2", config)
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as handle:
        handle.write(mapped)
    try:
        for label, file in (("as written", os.path.join(ROOT, path)), ("names mapped to 127.0.0.1", handle.name)):
            result = subprocess.run([haproxy, "-c", "-f", file], capture_output=True, text=True)
            report.check(result.returncode == 0, f"haproxy -c {path} ({label})" +
                         ("" if result.returncode == 0 else ":\n" + (result.stdout + result.stderr).strip()))
    finally:
        os.unlink(handle.name)


def proxy_body(config):
    """A proxy config without its leading comment block and with server addresses blanked: what
    two proxies of the same shape must agree on."""
    lines = config.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    text = "\n".join(lines)
    return re.sub(r"^(\s*server(?:-template)?\s+\S+\s+(?:\d+\s+)?)[\w.-]+:", r"\1<service>:", text, flags=re.MULTILINE)


def check_proxy_variants(services):
    """Every other proxy config (a profile's) is deploy/haproxy.cfg with other servers."""
    paths = sorted({proxy_config_path(service) for service in services.values() if is_proxy(service)} - {"deploy/haproxy.cfg"})
    if not paths or not os.path.exists(os.path.join(ROOT, "deploy/haproxy.cfg")):
        return
    print("Proxy variants (the same as deploy/haproxy.cfg but for their servers)")
    main_body = proxy_body(read("deploy/haproxy.cfg"))
    for path in paths:
        if os.path.exists(os.path.join(ROOT, path)):
            report.check(proxy_body(read(path)) == main_body, f"{path} is deploy/haproxy.cfg with other servers")


def endpoints(service, variable):
    return [address.strip() for address in env_dict(service).get(variable, "").split(",") if address.strip()]


def check_shards(services):
    """ingestd shards (SHARD_COUNT/SHARD_INDEX): the shards of one consumer group cover every
    index once with the same count, nothing else consumes with their group, and every
    subscriber that follows one shard follows all of them, live and snapshot endpoints paired."""
    ingests = {name: service for name, service in services.items() if process_of(service) == "ingestd"
               and (service.get("image", "").split(":")[0] == OUR_IMAGE or service.get("build"))}
    groups = {}
    for name, service in ingests.items():
        environment = env_dict(service)
        key = (environment.get("KAFKA_HOSTS", "kafka:9092"), environment.get("CONSUMER_GROUP", "web-redirect"))
        groups.setdefault(key, []).append(name)
    sharded = {key: names for key, names in groups.items()
               if any(int(env_dict(ingests[name]).get("SHARD_COUNT", "1") or 1) > 1 for name in names)}
    if not sharded:
        return
    print("ingestd shards (SHARD_COUNT, SHARD_INDEX)")
    for (hosts, group), names in sorted(sharded.items()):
        counts = {int(env_dict(ingests[name]).get("SHARD_COUNT", "1") or 1) for name in names}
        indices = sorted(int(env_dict(ingests[name]).get("SHARD_INDEX", "0") or 0) for name in names)
        count = max(counts)
        report.check(len(counts) == 1 and indices == list(range(count)),
                     f"shards of group {group}: {', '.join(sorted(names))} have one SHARD_COUNT ({', '.join(map(str, sorted(counts)))}) "
                     f"and the SHARD_INDEXes 0 to {count - 1} once each ({', '.join(map(str, indices))})")
        for name, service in services.items():
            live, snapshot = endpoints(service, "BUS_CONNECT"), endpoints(service, "BUS_SNAPSHOT_CONNECT")
            hosts_live = [re.sub(r"^tcp://([\w.-]+):\d+$", r"\1", address) for address in live]
            hosts_snapshot = [re.sub(r"^tcp://([\w.-]+):\d+$", r"\1", address) for address in snapshot]
            if not set(hosts_live) & set(names):
                continue
            report.check(set(names) <= set(hosts_live),
                         f"{name}: BUS_CONNECT follows every shard of group {group} ({', '.join(sorted(names))})")
            report.check(hosts_live == hosts_snapshot,
                         f"{name}: BUS_SNAPSHOT_CONNECT names the same publishers as BUS_CONNECT, in the same order")


def check_openapi():
    print("OpenAPI (docs/openapi/*.yaml)")
    files = sorted(glob.glob(os.path.join(ROOT, "docs", "openapi", "*.yaml")))
    if not files:
        print("  (none yet)")
        return
    from openapi_spec_validator import validate
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                validate(yaml.safe_load(handle))
            report.ok(f"{os.path.relpath(path, ROOT)} is a valid OpenAPI document")
        except Exception as error:  # the validator raises several error types
            report.fail(f"{os.path.relpath(path, ROOT)}: {str(error).splitlines()[0]}")


def main():
    with open(os.path.join(ROOT, "compose.yaml"), encoding="utf-8") as handle:
        compose = yaml.safe_load(handle)
    services = compose.get("services") or {}
    docker = dockerfile_model()
    check_schema(compose)
    check_images(services, docker)
    check_environment(services, docker)
    check_files(services, docker)
    check_ports_and_health(services)
    check_links(services)
    check_proxy(services)
    check_shards(services)
    check_openapi()
    counts = report.counts
    print(f"check-deployment: {counts['ok']} ok, {counts['FAIL']} failed, {counts['PENDING']} pending")
    if counts["PENDING"]:
        print("  pending: names realtimed/exportd must provide once merged (or a missing tool); re-run after merging")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
