"""The settings `revenant serve` acts through: checked at start, every file read once,
each mistake a usage error naming the flag or the file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.act.channels import channels
from revenant.cli import app
from revenant.errors import UsageError

KEY = "A" * 20 + "b" * 20


def _tsig(folder: Path) -> Path:
    secret = base64.b64encode(b"k" * 32).decode()
    path = folder / "rpz.key"
    path.write_text(f'key "revenant-rpz" {{\n\talgorithm hmac-sha256;\n\tsecret "{secret}";\n}};\n')
    return path


def test_nothing_given_is_nothing_configured_but_rdap_with_the_shipped_bootstrap() -> None:
    made = channels()
    assert (made.smtp, made.rpz, made.misp) == (None, None, None)
    assert made.rdap.bootstrap.domain_servers("example.com")  # IANA's files, shipped


def test_every_setting_is_checked_and_kept(tmp_path: Path) -> None:
    key = tmp_path / "misp.key"
    key.write_text(KEY + "\n")
    password = tmp_path / "smtp.pass"
    password.write_text("secret\n")
    boot = tmp_path / "boot.json"
    boot.write_text('{"dns": {"services": [[["test"], ["https://rdap.nic.test/"]]]}}')
    made = channels(
        smtp="mail.unit.example:2525",
        smtp_user="unit",
        smtp_password_file=str(password),
        rpz_server="127.0.0.1:5353",
        rpz_tsig=_tsig(tmp_path),
        misp_url="https://misp.partner.example/",
        misp_key_file=key,
        rdap_bootstrap=boot,
    )
    assert made.smtp is not None and (made.smtp.host, made.smtp.port) == ("mail.unit.example", 2525)
    assert made.smtp.password() == "secret"
    assert made.rpz is not None and made.rpz.target == "127.0.0.1:5353/rpz.revenant"
    assert made.rpz.key().name == "revenant-rpz"
    assert made.misp is not None and made.misp.url == "https://misp.partner.example"
    assert made.misp.key() == KEY
    assert made.rdap.bootstrap.domain_servers("bavard0.test") == ("https://rdap.nic.test/",)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"smtp": "mail:notaport"}, "--smtp 'mail:notaport'"),
        ({"smtp_user": "unit"}, "need --smtp"),
        ({"smtp": "mail", "smtp_user": "unit"}, "together"),
        ({"smtp": "mail", "smtp_ca_file": "/nonexistent/ca.pem"}, "no such file"),
        ({"rpz_server": "127.0.0.1:5353"}, "--rpz-server and --rpz-tsig together"),
        ({"rpz_server": "127.0.0.1:5353", "rpz_tsig": Path("/nonexistent.key")}, "cannot read"),
        ({"misp_url": "https://misp.example"}, "together"),
        ({"rdap_bootstrap": Path("/nonexistent.json")}, "--rdap-bootstrap"),
    ],
)
def test_a_wrong_setting_stops_the_start_with_its_name(given: dict, says: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UsageError, match=says):
        channels(**given)


def test_a_wrong_key_or_url_is_said_before_serving(tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    with pytest.raises(UsageError, match="40 letters and digits"):
        channels(misp_url="https://misp.example", misp_key_file=bad)
    good = tmp_path / "good.key"
    good.write_text(KEY)
    with pytest.raises(UsageError, match="http"):
        channels(misp_url="misp.example", misp_key_file=good)
    with pytest.raises(UsageError, match="expected a BIND key file"):
        channels(rpz_server="127.0.0.1:53", rpz_tsig=bad)


def test_serve_refuses_bad_settings_from_flags_and_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    done = runner.invoke(app, [*data, "serve", "--rpz-server", "127.0.0.1:53"])
    assert done.exit_code == 2 and "--rpz-tsig" in done.stderr
    done = runner.invoke(app, [*data, "serve"], env={"REVENANT_MISP_URL": "https://misp.example"})
    assert done.exit_code == 2 and "--misp-key-file" in done.stderr
