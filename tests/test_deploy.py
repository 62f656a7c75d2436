"""deploy/ is checked by what can run here: the compose file parses and names only what exists, the image
installs the way the README does, every setting is in .env.example, the systemd units verify."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.settings import Settings

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
ENV_EXAMPLE = (DEPLOY / ".env.example").read_text()


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


def test_compose_names_only_what_exists():
    services = COMPOSE["services"]
    assert {"db", "migrate", "slack", "discord"} <= set(services)
    build = services["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().is_file()
    for name, service in services.items():
        if service.get("image", "").startswith("rapport"):
            assert rapport_command_exists(service["command"]), (name, service["command"])
        env_file = service.get("env_file")
        if env_file:
            assert env_file == ".env"  # made from .env.example, which exists
        for dependency in service.get("depends_on", {}):
            assert dependency in services
    for volume in services["db"]["volumes"]:
        assert volume.split(":")[0] in COMPOSE["volumes"]
    assert services["slack"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/healthz" in " ".join(services["slack"]["healthcheck"]["test"])


def test_every_setting_is_in_env_example_with_a_comment():
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.M))
    assert setting_names() | {"RAPPORT_MODEL"} <= listed
    for name in setting_names():
        before = ENV_EXAMPLE.split(f"{name}=")[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), f"{name} needs a comment line above it"


def test_the_image_installs_as_the_readme_does_and_runs_rapport():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "pip install ." in readme and re.search(r"pip install --no-cache-dir \.$", dockerfile, flags=re.M)
    for source in re.findall(r"^COPY (?!--)(\S+)", dockerfile, flags=re.M):
        assert (ROOT / source).exists(), source
    assert re.search(r"^USER rapport$", dockerfile, flags=re.M)  # not root
    assert re.search(r"^HEALTHCHECK .*CMD \[\"rapport\", \"doctor\"\]", dockerfile, flags=re.M)
    assert 'ENTRYPOINT ["rapport"]' in dockerfile
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, flags=re.M).group(1)
    assert rapport_command_exists(yaml.safe_load(cmd))


@pytest.mark.parametrize("unit", ["rapport-slack.service", "rapport-discord.service"])
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
