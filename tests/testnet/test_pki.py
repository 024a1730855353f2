"""The local CA issues what a CertSpec asks for, at the injected clock's time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from revenant.testnet import CertSpec
from revenant.testnet.pki import LocalCA

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _leaf(ca: LocalCA, spec: CertSpec) -> x509.Certificate:
    chain, _ = ca.issue(("a.test", "www.a.test"), spec)
    return x509.load_pem_x509_certificates(chain)[0]


def test_default_leaf_is_signed_by_the_ca_and_valid_now(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path, lambda: NOW)
    leaf = _leaf(ca, CertSpec())
    root = x509.load_pem_x509_certificate(ca.ca_pem.read_bytes())
    assert leaf.issuer == root.subject
    assert leaf.not_valid_before_utc < NOW < leaf.not_valid_after_utc
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["a.test", "www.a.test"]


def test_expired_leaf_ended_before_now(tmp_path: Path) -> None:
    assert _leaf(LocalCA(tmp_path, lambda: NOW), CertSpec(expired=True)).not_valid_after_utc < NOW


def test_self_signed_leaf_is_its_own_issuer(tmp_path: Path) -> None:
    leaf = _leaf(LocalCA(tmp_path, lambda: NOW), CertSpec(self_signed=True))
    assert leaf.issuer == leaf.subject


def test_wrong_name_leaf_omits_the_site_names(tmp_path: Path) -> None:
    leaf = _leaf(LocalCA(tmp_path, lambda: NOW), CertSpec(wrong_name=True))
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "a.test" not in sans.get_values_for_type(x509.DNSName)


def test_same_key_id_same_key_different_certificates(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path, lambda: NOW)
    one, two = _leaf(ca, CertSpec(key_id="k")), _leaf(ca, CertSpec(key_id="k"))
    assert one.public_key() == two.public_key() and one.serial_number != two.serial_number
    assert _leaf(ca, CertSpec()).public_key() != one.public_key()
