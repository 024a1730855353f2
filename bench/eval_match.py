"""Precision and recall of the match engine against dnstwist's page-similarity method.

Two labelled sets, scored in one run:
- scenario: `revenant.testnet.scenario.generate` over several seeds; each seed's seized
  site is the case, its re-emergences are positives, its decoys (same software, same
  theme, look-alike names) and background sites negatives. Sites are turned into
  captures in-process (page, favicon, same-site scripts and styles, headers, cookies,
  certificate, DNS, a peer address drawn from a seeded rng), not served.
- real pages (../shared/data/pages): each page of a site with several pages is a case;
  the other pages of its site are positives, every page of every other site negative.
  The case gets no domain or brand words, so host names give no evidence.

The background never contains the case's own operator nor the candidate being scored:
scenario negatives are split in two folds (one scored while the other, plus the other
seeds, is background); real pages use leave-two-sites-out. Similarity calibration uses
other seeds (with a single seed: the other fold, what the store would hold) / other
sites only. The shipped seed background is added as always. --cold scores the real pages
against the seed alone, without calibration: a deployment's first day.

dnstwist's method: ssdeep (ppdeep) and TLSH (py-tlsh) of the whole HTML after
dnstwist's own normalisation (UrlOpener._normalize); dnstwist reports any similarity
above 0%, so "detected" is ssdeep > 0 and TLSH score int(100 - min(diff, 300) / 3) > 0.

Last line: `revenant P=… R=… F1=… ; dnstwist-ssdeep P=… R=… ; dnstwist-tlsh P=… R=…`
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import ppdeep
import tlsh
from selectolax.lexbor import LexborHTMLParser

from revenant.fingerprint import extract
from revenant.match import Background, build_case_fingerprint, lr, score
from revenant.model import (
    Capture,
    Case,
    Certificate,
    DnsRecord,
    Exchange,
    Feature,
    Fingerprint,
    Outcome,
    TlsInfo,
    Verdict,
)

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "pages"
T0 = datetime(2026, 11, 23, tzinfo=UTC)


# ------------------------------------------------------------------ captures


def site_capture(spec: object, rng: random.Random) -> Capture:
    """A SiteSpec as the prober would have captured it (home page and its assets)."""
    host = spec.names[0]  # type: ignore[attr-defined]
    home = spec.page("/")  # type: ignore[attr-defined]
    url = f"https://{host}/"
    exchanges = []
    body = home.body if home else b""
    cookies = tuple(("Set-Cookie", f"{k}={v}; Path=/") for k, v in spec.cookies)  # type: ignore[attr-defined]
    headers = (
        *spec.headers,  # type: ignore[attr-defined]
        ("Content-Type", home.content_type if home else "text/html"),
        *cookies,
        *(home.headers if home else ()),
    )
    prefix = rng.randrange(600)
    peer = f"198.{18 + prefix // 256}.{prefix % 256}.{rng.randrange(2, 254)}"
    exchanges.append(
        Exchange(
            role="page",
            url=url,
            started=T0,
            outcome=Outcome.OK,
            peer=peer,
            status=home.status if home else 404,
            headers=headers,
            content=body,
            payload=body,
        )
    )
    if body:
        tree = LexborHTMLParser(body)
        refs = [("script", n.attributes.get("src")) for n in tree.css("script[src]")]
        refs += [("style", n.attributes.get("href")) for n in tree.css("link[rel=stylesheet]")]
        icon = tree.css_first("link[rel~=icon]")
        for role, ref in refs:
            if not ref:
                continue
            parts = urlsplit(ref)
            if parts.hostname and parts.hostname not in spec.names:  # type: ignore[attr-defined]
                continue  # the prober fetches same-site assets only
            page = spec.page(parts.path)  # type: ignore[attr-defined]
            if page is not None:
                exchanges.append(
                    Exchange(
                        role=role,
                        url=f"https://{host}{parts.path}",
                        started=T0,
                        outcome=Outcome.OK,
                        peer=peer,
                        status=200,
                        headers=(("Content-Type", page.content_type),),
                        content=page.body,
                        payload=page.body,
                    )
                )
        icon_path = urlsplit(icon.attributes.get("href") or "").path if icon else "/favicon.ico"
        favicon = spec.page(icon_path) if icon_path else None  # type: ignore[attr-defined]
        fav_body = favicon.body if favicon else spec.favicon  # type: ignore[attr-defined]
        if fav_body:
            exchanges.append(
                Exchange(
                    role="favicon",
                    url=f"https://{host}{icon_path}",
                    started=T0,
                    outcome=Outcome.OK,
                    peer=peer,
                    status=200,
                    content=fav_body,
                )
            )
    cert = spec.cert  # type: ignore[attr-defined]
    key = cert.key_id or f"{host}-{rng.getrandbits(64)}"
    subject = f"CN={host}"
    leaf = Certificate(
        subject=subject,
        issuer=subject if cert.self_signed else "CN=Revenant Testnet CA,O=Revenant Testnet",
        sans=cert.sans or spec.names,  # type: ignore[attr-defined]
        serial=f"{rng.getrandbits(64):x}",
        not_before=T0 - timedelta(days=30),
        not_after=T0 + timedelta(days=60),
        spki_sha256=hashlib.sha256(key.encode()).hexdigest(),
        sha256=hashlib.sha256(f"{host}{key}".encode()).hexdigest(),
    )
    dns = [DnsRecord(host, "A", peer)]
    dns += [DnsRecord(r.name or host, r.rtype, r.value) for r in spec.dns]  # type: ignore[attr-defined]
    return Capture(
        target=url,
        host=host,
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        dns=tuple(dns),
        tls=TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", True, chain=(leaf,)),
        exchanges=tuple(exchanges),
    )


def page_capture(url: str, body: bytes) -> Capture:
    """A real page as a capture: the HTML only (no headers, favicon, TLS or DNS)."""
    host = urlsplit(url).hostname or ""
    ex = Exchange(
        role="page",
        url=url,
        started=T0,
        outcome=Outcome.OK,
        status=200,
        headers=(),
        content=body,
        payload=body,
    )
    return Capture(
        target=url, host=host, started=T0, finished=T0, outcome=Outcome.OK, exchanges=(ex,)
    )


# ------------------------------------------------------------------ dnstwist


def dnstwist_normalize(content: bytes) -> bytes:
    """dnstwist.UrlOpener._normalize, verbatim."""
    content = b" ".join(content.split())
    mapping = {
        rb'(action|src|href)=".+"': lambda m: m.group(0).split(b"=")[0] + b'=""',
        rb"url(.+)": b"url()",
    }
    for pattern, repl in mapping.items():
        content = re.sub(pattern, repl, content, flags=re.IGNORECASE)  # type: ignore[call-overload]
    return content


@dataclass
class Lsh:
    ssdeep: str
    tlsh: str


def lsh(body: bytes) -> Lsh:
    norm = dnstwist_normalize(body)
    return Lsh(ppdeep.hash(norm), tlsh.hash(norm))


def dnstwist_detects(a: Lsh, b: Lsh) -> tuple[bool, bool]:
    ss = ppdeep.compare(a.ssdeep, b.ssdeep) if b.ssdeep not in (None, "3::") else 0
    tl = 0
    if b.tlsh not in (None, "", "TNULL") and a.tlsh not in (None, "", "TNULL"):
        tl = int(100 - (min(tlsh.diff(a.tlsh, b.tlsh), 300) / 3))
    return ss > 0, tl > 0


# ------------------------------------------------------------------ tallies


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, detected: bool) -> None:
        if truth and detected:
            self.tp += 1
        elif truth:
            self.fn += 1
        elif detected:
            self.fp += 1
        else:
            self.tn += 1

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


@dataclass(frozen=True)
class Pair:
    """One scored (case, target) pair: which set, the group it is held out by (a
    scenario seed, the case's real site), the target's group, the truth and the bits."""

    set: str
    group: str
    case: str
    target: str
    target_group: str
    same: bool
    bits: float


@dataclass
class Result:
    revenant: Tally
    ssdeep: Tally
    tlsh: Tally
    errors: list[str]
    bits: dict[bool, list[float]]
    pairs: list[Pair]

    @classmethod
    def empty(cls) -> Result:
        return cls(Tally(), Tally(), Tally(), [], {True: [], False: []}, [])

    def merge(self, other: Result) -> None:
        for name in ("revenant", "ssdeep", "tlsh"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for f in ("tp", "fp", "fn", "tn"):
                setattr(mine, f, getattr(mine, f) + getattr(theirs, f))
        self.errors += other.errors
        for truth in (True, False):
            self.bits[truth] += other.bits[truth]
        self.pairs += other.pairs


def _counts(fps: Iterable[Fingerprint]) -> tuple[Counter[Feature], int]:
    c: Counter[Feature] = Counter()
    n = 0
    for fp in fps:
        c.update(fp.features)
        n += 1
    return c, n


# ------------------------------------------------------------------ scenario


def eval_scenario(seeds: list[int], reemergences: int, decoys: int, background: int) -> Result:
    from revenant.testnet.scenario import generate

    res = Result.empty()
    data = []
    for seed in seeds:
        sc = generate(seed, reemergences=reemergences, decoys=decoys, background=background)
        rng = random.Random(seed)
        caps = {s.name: site_capture(s, rng) for s in sc.sites}
        fps = {name: extract(c) for name, c in caps.items()}
        bodies = {s.name: (s.page("/").body if s.page("/") else b"") for s in sc.sites}
        data.append((seed, sc, fps, bodies))
    everything = [fp for _, _, fps, _ in data for fp in fps.values()]
    global_bg = Background(_counts(everything)[0], len(everything))
    for seed, sc, fps, bodies in data:
        others = [fp for s2, _, f2, _ in data if s2 != seed for fp in f2.values()]
        calib = Background((), 0)
        calib.calibrate(others, random.Random(seed))
        case = sc.case()
        case_fp = build_case_fingerprint(case, [fps[sc.seized.name]])
        seized_lsh = lsh(bodies[sc.seized.name])
        own = [s for s in sc.sites if s.operator == "case"]
        unrelated = [s for s in sc.sites if s.operator != "case"]
        rng = random.Random(seed)
        folds = {s.name: rng.randrange(2) for s in unrelated}
        for fold in (0, 1):
            scored = [s for s in unrelated if folds[s.name] == fold]
            drop = [fps[s.name] for s in own + scored]
            bg = global_bg.excluding(*_counts(drop))
            bg.calibration = calib.calibration
            # one seed: calibrate on what this fold's store holds, as the pipeline does
            if not others:
                fold_calib = Background((), 0)
                fold_calib.calibrate(
                    [fps[s.name] for s in unrelated if folds[s.name] != fold], random.Random(seed)
                )
                bg.calibration = fold_calib.calibration
            targets = scored + ([s for s in own if s.label == "re-emergence"] if fold == 0 else [])
            for site in targets:
                truth = site.label == "re-emergence"
                s = score(case_fp, fps[site.name], bg, lr_model=None)
                detected = s.verdict is not Verdict.UNRELATED
                res.revenant.add(truth, detected)
                res.bits[truth].append(s.bits)
                res.pairs.append(
                    Pair(
                        "scenario",
                        str(seed),
                        sc.seized.name,
                        site.name,
                        site.operator,
                        truth,
                        s.bits,
                    )
                )
                if truth != detected:
                    top = "; ".join(c.why for c in s.contributions[:3])
                    res.errors.append(
                        f"scenario {seed} {site.label} {site.name} {s.bits:.1f} bits: {top}"
                    )
                ss, tl = dnstwist_detects(seized_lsh, lsh(bodies[site.name]))
                res.ssdeep.add(truth, ss)
                res.tlsh.add(truth, tl)
    return res


# ------------------------------------------------------------------ real pages


def eval_pages(*, cold: bool = False, every_case: bool = False) -> Result:
    """Real pages: each page of a multi-page site is a case (`every_case`: every page).
    `cold`: the background is the shipped seed alone and no similarity calibration (an
    empty store, as on a deployment's first day)."""
    seed_only = Background((), 0)
    manifest = json.loads((PAGES / "manifest.json").read_text())
    items = []
    for i, entry in enumerate(manifest):
        body = gzip.decompress((PAGES / entry["file"]).read_bytes())
        url = entry["url"] or f"https://page-{i}.example/"
        site = entry["site"] or f"unknown-{i}"
        items.append((entry["file"], site, extract(page_capture(url, body)), lsh(body)))
    by_site: dict[str, list[int]] = defaultdict(list)
    for idx, (_, site, _, _) in enumerate(items):
        by_site[site].append(idx)
    full = Background(_counts(fp for _, _, fp, _ in items)[0], len(items))
    site_counts = {s: _counts(items[i][2] for i in idxs) for s, idxs in by_site.items()}
    res = Result.empty()
    for case_site, idxs in by_site.items():
        if len(idxs) < 2 and not every_case:
            continue
        calib = Background((), 0)
        calib.calibrate([fp for _, s, fp, _ in items if s != case_site], random.Random(1))
        base = full.excluding(*site_counts[case_site])
        for ci in idxs:
            cname, _, cfp, clsh = items[ci]
            case_fp = build_case_fingerprint(Case(cname, ()), [cfp])
            for ti, (tname, tsite, tfp, tlsh_) in enumerate(items):
                if ti == ci:
                    continue
                truth = tsite == case_site
                if cold:
                    bg = seed_only
                else:
                    bg = base if truth else base.excluding(*site_counts[tsite])
                    bg.calibration = calib.calibration
                s = score(case_fp, tfp, bg, lr_model=None)
                detected = s.verdict is not Verdict.UNRELATED
                res.revenant.add(truth, detected)
                res.bits[truth].append(s.bits)
                res.pairs.append(Pair("pages", case_site, cname, tname, tsite, truth, s.bits))
                if truth != detected:
                    top = "; ".join(c.why for c in s.contributions[:3])
                    res.errors.append(
                        f"pages {cname} -> {tname} ({'same' if truth else 'other'} site) {s.bits:.1f} bits: {top}"
                    )
                ss, tl = dnstwist_detects(clsh, tlsh_)
                res.ssdeep.add(truth, ss)
                res.tlsh.add(truth, tl)
    return res


def _line(name: str, r: Result) -> str:
    p, rc, f = r.revenant.prf()
    sp, sr, _ = r.ssdeep.prf()
    tp, tr, _ = r.tlsh.prf()
    pos, neg = sorted(r.bits[True]), sorted(r.bits[False], reverse=True)
    spread = (
        f"  positives: min {pos[0]:.1f} p5 {pos[len(pos) // 20]:.1f} median {pos[len(pos) // 2]:.1f} bits; "
        f"negatives: max {neg[0]:.1f} p99 {neg[len(neg) // 100]:.1f} median {neg[len(neg) // 2]:.1f} bits\n"
        if pos and neg
        else ""
    )
    return spread + (
        f"{name}: revenant P={p:.3f} R={rc:.3f} F1={f:.3f} (tp={r.revenant.tp} fp={r.revenant.fp} "
        f"fn={r.revenant.fn} tn={r.revenant.tn}) ; dnstwist-ssdeep P={sp:.3f} R={sr:.3f} ; "
        f"dnstwist-tlsh P={tp:.3f} R={tr:.3f}"
    )


# ------------------------------------------------------------- likelihood ratios


def reported_llrs(pairs: list[Pair], validation: lr.Validation) -> np.ndarray:
    """log10 of the reported likelihood ratio of each pair, from a calibration that
    never saw it: scenario pairs from the shipped one (its validation seeds are not
    the bench's), real-page pairs from one refitted on the shipped validation pairs
    without any pair that involves the case's site (as case or as target)."""
    out = np.empty(len(pairs))
    models: dict[str, lr.LrModel] = {}
    cols = validation.columns
    rows = validation.rows
    for i, pair in enumerate(pairs):
        if pair.set != "pages":
            out[i] = validation.model.log10(pair.bits)[0]
            continue
        model = models.get(pair.group)
        if model is None:
            keep = [
                r
                for r in rows
                if not (
                    r[cols["set"]] == "pages"
                    and pair.group in (r[cols["group"]], r[cols["target_group"]])
                )
            ]
            model = lr.fit([r[cols["bits"]] for r in keep], [r[cols["same"]] for r in keep])
            models[pair.group] = model
        out[i] = model.log10(pair.bits)[0]
    return out


def tippett_png(path: Path, llrs: np.ndarray, same: np.ndarray, title: str) -> None:
    """Tippett plot: for each log10 ratio x, the share of same-operator and of
    different-operator pairs whose reported ratio is at least x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lo, hi = float(llrs.min()) - 0.5, float(llrs.max()) + 0.5
    grid = np.linspace(lo, hi, 400)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for mask, name, style in ((same, "same operator", "-"), (~same, "different operators", "--")):
        values = np.sort(llrs[mask])
        share = 1.0 - np.searchsorted(values, grid, side="left") / max(1, len(values))
        ax.plot(grid, share, style, label=f"{name} ({int(mask.sum()):,} pairs)")
    ax.axvline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel("log10 reported likelihood ratio")
    ax.set_ylabel("share of pairs with a ratio at least this")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 1.02)
    ax.grid(True, linestyle=":")
    ax.legend(loc="center left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def lr_line(pairs: list[Pair], validation: lr.Validation, tippett: Path | None, title: str) -> str:
    """`Cllr=… Cllr_min=… ELUB=[…]` of the reported ratios of these pairs."""
    llrs = reported_llrs(pairs, validation)
    same = np.array([p.same for p in pairs])
    bits = np.array([p.bits for p in pairs])
    if tippett is not None:
        tippett_png(tippett, llrs, same, title)
    m = validation.model
    return (
        f"Cllr={lr.cllr(llrs, same):.3f} Cllr_min={lr.cllr_min(bits, same):.3f} "
        f"ELUB=[1/{10**-m.lower:,.0f}, {10**m.upper:,.0f}] "
        f"(reported ratios of these {len(pairs):,} pairs; ELUB of the shipped calibration, "
        f"{m.same + m.different:,} validation pairs)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=8, help="scenario seeds (default 8)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--reemergences", type=int, default=30)
    ap.add_argument("--decoys", type=int, default=70)
    ap.add_argument("--background", type=int, default=200)
    ap.add_argument("--no-pages", action="store_true")
    ap.add_argument(
        "--cold",
        action="store_true",
        help="real pages only, scored with the shipped seed alone (an empty store)",
    )
    ap.add_argument("--errors", type=int, default=15, help="misclassified items to print")
    ap.add_argument(
        "--tippett",
        type=Path,
        default=Path("eval_match_tippett.png"),
        help="where to write the Tippett plot (default ./eval_match_tippett.png)",
    )
    args = ap.parse_args(argv)
    t = time.perf_counter()
    total = Result.empty()
    if args.seeds and not args.cold:
        r = eval_scenario(
            list(range(args.first_seed, args.first_seed + args.seeds)),
            args.reemergences,
            args.decoys,
            args.background,
        )
        print(_line("scenario", r))
        total.merge(r)
    if not args.no_pages or args.cold:
        r = eval_pages(cold=args.cold)
        print(_line("real pages, cold (seed only)" if args.cold else "real pages", r))
        total.merge(r)
    for err in total.errors[: args.errors]:
        print("  miss:", err[:400])
    print(f"({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    title = "eval_match " + " ".join(argv if argv is not None else sys.argv[1:])
    print(lr_line(total.pairs, lr.load_validation(), args.tippett, title.strip()))
    print(f"Tippett plot: {args.tippett}", file=sys.stderr)
    p, rc, f = total.revenant.prf()
    sp, sr, _ = total.ssdeep.prf()
    tp, tr, _ = total.tlsh.prf()
    print(
        f"revenant P={p:.3f} R={rc:.3f} F1={f:.3f} ; dnstwist-ssdeep P={sp:.3f} R={sr:.3f} ; "
        f"dnstwist-tlsh P={tp:.3f} R={tr:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
