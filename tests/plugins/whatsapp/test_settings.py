from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hub.cli import build
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.conftest import VERIFY, settings_dict


def test_members_are_normalised_to_digits_or_bsuid() -> None:
    settings = WhatsAppSettings.model_validate(settings_dict(
        circles={"general": {"members": ["+351 912-345 678", "PT.1234567", "351912345678"]}}))
    assert settings.circles["general"].members == ["351912345678", "PT.1234567"]


@pytest.mark.parametrize(("change", "message"), [
    ({"circles": {"general": {"members": ["call me"]}}}, "international format"),
    ({"circles": {"a/b": {}}}, "circle name"),
    ({"opt_out_keywords": ["stop"], "opt_in_keywords": ["STOP"]}, "both opt-in and opt-out"),
    ({"opt_out_keywords": [" "]}, "non-empty"),
    ({"template": {"name": "t", "parameters": ["{nope}"]}}, "{nope}"),
    ({"api_version": "25"}, "pattern"),
])
def test_bad_settings_name_the_fix(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WhatsAppSettings.model_validate(settings_dict(**change))
    assert message in str(caught.value)


def test_secrets_are_hidden() -> None:
    settings = WhatsAppSettings.model_validate(settings_dict())
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("EAAG-test-token", "app-secret-for-tests", VERIFY):
        assert secret not in shown


def test_named_template_parameters() -> None:
    settings = WhatsAppSettings.model_validate(settings_dict(
        template={"name": "t", "parameters": {"who": "{author}", "what": "{preview}"}}))
    assert settings.template is not None
    assert settings.template.parameters == {"who": "{author}", "what": "{preview}"}


def test_readme_example_is_valid() -> None:
    readme = Path(__file__).resolve().parents[3] / "plugins" / "whatsapp" / "README.md"
    # The README's connection example, wherever it sits among its other TOML blocks.
    blocks = [part.split("```", 1)[0]
              for part in readme.read_text(encoding="utf-8").split("```toml\n")[1:]]
    [block] = [block for block in blocks if "[connections.members-whatsapp]" in block]
    table = tomllib.loads(block)["connections"]["members-whatsapp"]
    secrets = {"access_token": "EAAG-readme-token", "app_secret": "readme-app-secret",
               "verify_token": "readme-verify-token"}
    settings = WhatsAppSettings.model_validate({**table, **secrets})
    assert settings.circles["general"].members == ["351912345678", "PT.1234567"]
    assert settings.template is not None and settings.template.name == "new_post"



def test_check_refuses_a_bridge_to_a_circle_nobody_configured(tmp_path: Path) -> None:
    wa = settings_dict(circles={"general": {"members": ["351912345678"]}})
    table = "\n".join(f"{key} = {json.dumps(value)}" for key, value in wa.items()
                      if not isinstance(value, dict))
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n[connections.wa]\n{table}\n'
        '[connections.wa.circles.general]\nmembers = ["351912345678"]\n'
        '[bridges.b]\nendpoints = [{ at = "wa/circle/general" }, { at = "wa/circle/genral" }]\n',
        encoding="utf-8")
    result = CliRunner().invoke(build(), ["check", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert ('bridge "b": endpoint "wa/circle/genral": connection "wa" has no circle "genral"; '
            "add [connections.wa.circles.genral]") in result.output
