"""A case and its web, generated from a seed: the seized chat platform, its
re-emergences, decoys that share its software or theme or name, and background sites.

`generate(seed)` is deterministic (one `random.Random(seed)`, no global randomness);
`Scenario.truth` says what every host really is, so tests and benchmarks can score a
pipeline. Re-emergences change what operators change (domain, host, certificate,
analytics id, texts, markup order, sometimes the whole template) and keep some of
what they rarely change (favicon, chat endpoint, client code, wallet, handle). No
single feature separates the classes: decoys share the software, the theme or the
name, and background sites share the web's common files.
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass, field

from revenant.model import Case
from revenant.testnet import assets, identifiers, texts
from revenant.testnet.background import NAME_SERVERS, SERVERS, background_site
from revenant.testnet.chat import BLOCKS, ChatIdentity, render
from revenant.testnet.hostile import hostile_sites
from revenant.testnet.sites import CertSpec, Record, SiteSpec

BRANDS = ("papoti", "bavardo", "causeo", "jaseo", "tchatou", "blablo", "parlotte", "potinou")
AFFIXES = ("tchat", "chat", "live", "new", "fr", "2", "24", "le", "app", "officiel", "go")
NEW_TLDS = ("net", "org", "chat", "live", "xyz", "to", "cc", "eu", "be", "io", "top", "fun")
ROGUE_NS = ("ns1.offshorenest.to", "ns2.offshorenest.to")

TITLES = (
    "{B} - Tchat gratuit sans inscription",
    "{B} : le tchat anonyme et gratuit",
    "Tchat {B} - discussion en direct",
    "{B} | Chat gratuit et anonyme",
    "{B}, le chat sans inscription",
    "{B} - Salons de discussion en ligne",
)
TAGLINES = (
    "Le tchat gratuit et anonyme, sans inscription",
    "Discutez librement et anonymement",
    "Des milliers de personnes connectées pour discuter",
    "Choisissez un pseudo et entrez dans le tchat",
    "Le tchat francophone ouvert jour et nuit",
)
BUTTONS = ("Entrer dans le tchat", "Entrer", "Commencer à discuter", "Je tchatte !", "Connexion")
INTRO = (
    "Ici, pas besoin de créer un compte : un pseudo suffit.",
    "Rejoignez les salons thématiques et faites de nouvelles rencontres amicales.",
    "Le tchat est gratuit et le restera.",
    "Nos modérateurs sont présents pour garder une ambiance conviviale.",
    "Discutez en privé ou en public, depuis votre ordinateur ou votre mobile.",
    "Aucune application à installer, tout se passe dans le navigateur.",
    "Les salons régionaux permettent de discuter avec des gens près de chez vous.",
    "Pensez à lire la charte avant d'entrer.",
    "Le tchat fonctionne aussi la nuit, pour les insomniaques.",
    "Vous pouvez changer de pseudo à chaque visite.",
    "Partagez vos passions dans les salons musique, cinéma et jeux.",
    "Une question ? L'équipe répond sur la page d'aide.",
)
ROOMS = (
    "Général", "Amitié", "18-25 ans", "25-35 ans", "35-50 ans", "Musique", "Cinéma",
    "Jeux", "Régions", "Paris", "Lyon", "Marseille", "Sport", "Insomnie", "Belgique",
)  # fmt: skip
EN_TITLES = ("{B} - Free anonymous chat", "{B}: chat rooms, no sign-up", "{B} | Live chat")
EN_INTRO = (
    "No account needed: pick a nickname and start chatting.",
    "Join themed rooms and make new friends.",
    "Moderators keep the rooms friendly.",
    "Works on your phone and your computer.",
    "The chat is free and always will be.",
)
EN_ROOMS = ("Lobby", "Friends", "Music", "Movies", "Games", "Night owls", "Sports", "UK")


@dataclass(frozen=True, eq=False)
class Scenario:
    """A generated case: what to serve, and the truth about every host."""

    seed: int
    seized: SiteSpec
    sites: tuple[SiteSpec, ...]
    truth: dict[str, str] = field(repr=False)
    case_domains: tuple[str, ...]
    case_brands: tuple[str, ...]
    spa: tuple[str, ...] = ()  # re-emergences drawn only by JavaScript (see generate)

    def hosts(self, label: str) -> tuple[str, ...]:
        """Primary names of the sites with that label, in serving order."""
        return tuple(s.name for s in self.sites if s.label == label)

    def case(self, name: str = "") -> Case:
        """The case an analyst would open for the seized platform."""
        return Case(name or self.case_brands[0], self.case_domains, self.case_brands)

    def hostile_corpus(self) -> tuple[SiteSpec, ...]:
        """One site per hostile behaviour (see hostile.py), to serve alongside."""
        return hostile_sites()


def _respell(brand: str, rng: random.Random) -> str:
    """The brand as a re-emerging operator might respell it."""
    edits = (
        lambda b: b.replace("o", "0", 1),
        lambda b: b.replace("i", "y", 1),
        lambda b: b[:-1] + b[-1] * 2,
        lambda b: b.replace("a", "aa", 1),
        lambda b: b + "e",
        lambda b: b.replace("ch", "sh", 1),
        lambda b: b[:2] + b[3:] if len(b) > 4 else b + "z",
    )
    for _ in range(10):
        candidate = rng.choice(edits)(brand)
        if candidate != brand:
            return candidate
    return brand + "x"


def domain_like(brand: str, tld: str, rng: random.Random, taken: set[str]) -> str:
    """A fresh domain resembling brand.tld: respelling, affix, TLD swap or a mix."""
    for _ in range(100):
        word = _respell(brand, rng) if rng.random() < 0.5 else brand
        if word == brand or rng.random() < 0.4:
            affix = rng.choice(AFFIXES)
            sep = "-" if rng.random() < 0.4 else ""
            word = f"{word}{sep}{affix}" if rng.random() < 0.6 else f"{affix}{sep}{word}"
        new_tld = rng.choice(NEW_TLDS) if rng.random() < 0.7 else tld
        name = f"{word}.{new_tld}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError(f"no fresh domain like {brand}.{tld}")


def _chat_site(
    identity: ChatIdentity,
    rng: random.Random,
    *,
    label: str,
    operator: str,
    headers: tuple[tuple[str, str], ...],
    cookies: tuple[str, ...],
    cert: CertSpec,
    name_servers: tuple[str, str],
    www: bool,
) -> SiteSpec:
    names = (identity.domain, f"www.{identity.domain}") if www else (identity.domain,)
    return SiteSpec(
        names=names,
        pages=render(identity, rng),
        favicon=identity.favicon,
        headers=headers,
        cookies=tuple((c, f"{rng.getrandbits(96):024x}") for c in cookies),
        cert=cert,
        label=label,
        operator=operator,
        dns=(
            Record("NS", name_servers[0]),
            Record("NS", name_servers[1]),
            Record("MX", f"10 mail.{identity.domain}"),
            Record("TXT", "v=spf1 mx -all"),
        ),
        gzip=rng.random() < 0.5,
    )


def _seized(rng: random.Random, taken: set[str]) -> tuple[ChatIdentity, SiteSpec]:
    brand = rng.choice(BRANDS)
    domain = f"{brand}.{rng.choice(('fr', 'fr', 'net', 'com'))}"
    taken.add(domain)
    display = brand.title()
    identity = ChatIdentity(
        brand=display,
        domain=domain,
        title=rng.choice(TITLES).format(B=display),
        tagline=rng.choice(TAGLINES),
        intro=" ".join(rng.sample(INTRO, 5)),
        button=rng.choice(BUTTONS),
        rooms=tuple(rng.sample(ROOMS, 8)),
        favicon=assets.favicon(rng, "bubble"),
        endpoint="/ws/chat",
        analytics=identifiers.ua_id(rng),
        telegram=identifiers.telegram(rng, brand),
        wallet=identifiers.btc_address(rng),
        email=f"contact@{domain}",
        build=identifiers.build_hash(rng),
        code_seed=rng.getrandbits(32),
    )
    site = _chat_site(
        identity,
        rng,
        label="seized",
        operator="case",
        headers=(("Server", "nginx/1.18.0 (Ubuntu)"), ("X-Powered-By", "PHP/7.4.33")),
        cookies=("PHPSESSID", "otc_sid", f"{brand[:3]}_prefs"),
        cert=CertSpec(key_id="case-key"),
        name_servers=ROGUE_NS,
        www=True,
    )
    return identity, site


def _reemergence(
    seized: ChatIdentity, rng: random.Random, taken: set[str], rebuilt: bool, new_brand: bool
) -> ChatIdentity:
    """The seized platform back again, with the edits an operator makes when moving."""
    brand = seized.brand.lower()
    tld = seized.domain.rsplit(".", 1)[1]
    if new_brand:
        brand = texts.coined(rng, 2) + rng.choice(("chat", "tchat", "live"))
        domain = f"{brand}.{rng.choice(NEW_TLDS)}"
        taken.add(domain)
    else:
        domain = domain_like(brand, tld, rng, taken)
    display = domain.split(".")[0].replace("-", " ").title().replace(" ", "")
    sentences = re.split(r"(?<=[.!?]) ", seized.intro)
    kept = rng.sample(sentences, min(len(sentences), rng.randrange(2, 4)))
    intro = " ".join(dict.fromkeys(kept + rng.sample(INTRO, 2)))
    rooms = list(seized.rooms)
    rng.shuffle(rooms)
    rooms = rooms[: rng.randrange(5, 9)] + rng.sample(ROOMS, 1)
    roll = rng.random()
    telegram = (
        seized.telegram if roll < 0.6 else (identifiers.telegram(rng, brand) if roll < 0.8 else "")
    )
    wallet = seized.wallet if rng.random() < 0.5 else ""
    order = list(BLOCKS)
    rng.shuffle(order)
    return dataclasses.replace(
        seized,
        brand=display,
        domain=domain,
        title=rng.choice(TITLES).format(B=display),
        tagline=rng.choice(TAGLINES),
        intro=intro,
        button=rng.choice(BUTTONS),
        rooms=tuple(dict.fromkeys(rooms)),
        analytics=identifiers.analytics_id(rng) if rng.random() < 0.8 else "",
        telegram=telegram,
        wallet=wallet,
        email=f"contact@{domain}" if rng.random() < 0.7 else "",
        template="rebuilt" if rebuilt else "classic",
        order=tuple(order),
        build=seized.build if rng.random() < 0.4 else identifiers.build_hash(rng),
        favicon_path="/static/favicon.ico" if rebuilt and rng.random() < 0.5 else "/favicon.ico",
    )


def _decoy_chat(rng: random.Random, taken: set[str], kind: str) -> ChatIdentity:
    """A chat site of an unrelated operator on the same software or the same theme."""
    english = kind == "english"
    brand = texts.coined(rng, rng.randrange(2, 4)) + rng.choice(("", "chat", "tchat", "talk"))
    tld = (
        rng.choice(("com", "net", "io", "chat"))
        if english
        else rng.choice(("fr", "net", "com", "be"))
    )
    domain = f"{brand}.{tld}"
    while domain in taken:
        domain = f"{brand}{rng.randrange(10, 99)}.{tld}"
    taken.add(domain)
    display = brand.title()
    fields = (
        ("pseudo", "age", "genre", "cp") if kind == "clone" else ("pseudo", "age", "sexe", "ville")
    )
    return ChatIdentity(
        brand=display,
        domain=domain,
        title=rng.choice(EN_TITLES if english else TITLES).format(B=display),
        tagline=rng.choice(("Chat with people now",) if english else TAGLINES),
        intro=" ".join(rng.sample(EN_INTRO if english else INTRO, rng.randrange(3, 6))),
        button=rng.choice(("Enter", "Start chatting") if english else BUTTONS),
        rooms=tuple(rng.sample(EN_ROOMS if english else ROOMS, rng.randrange(5, 9))),
        favicon=assets.favicon(rng),
        endpoint="/ws/chat"
        if rng.random() < 0.5
        else rng.choice(("/socket", "/ws/tchat", "/realtime")),
        analytics=identifiers.analytics_id(rng) if rng.random() < 0.85 else "",
        telegram=identifiers.telegram(rng, brand) if rng.random() < 0.3 else "",
        wallet=identifiers.btc_address(rng) if rng.random() < 0.15 else "",
        email=f"contact@{domain}" if rng.random() < 0.6 else "",
        lang="en" if english else "fr",
        template="classic" if kind == "clone" else "stock",
        order=tuple(rng.sample(BLOCKS, len(BLOCKS))) if rng.random() < 0.5 else BLOCKS,
        build=identifiers.build_hash(rng),
        code_seed=rng.getrandbits(32),
        vendor=kind != "clone" or rng.random() < 0.5,
        fields=fields,
    )


def _spa_reemergences(
    seed: int, seized: ChatIdentity, taken: set[str], count: int
) -> list[SiteSpec]:
    """Re-emergences rebuilt as single-page apps: an empty shell whose words and
    identifiers arrive as JSON once JavaScript runs. The app reads the platform's old
    back end (its introduction and rooms, word for word) and shows the operator's
    Telegram channel (how its users find the new address) and donation wallet, as the
    old site did; the favicon, the markup and the bundle are new. Raw HTML shows none
    of it. Drawn from their own random stream, after every other site, so a
    scenario with them holds the same other sites, byte for byte, in the same order."""
    rng = random.Random(f"spa:{seed}")
    brand = seized.brand.lower()
    sites = []
    for _ in range(count):
        identity = dataclasses.replace(
            _reemergence(seized, rng, taken, rebuilt=False, new_brand=False),
            template="spa",
            intro=seized.intro,
            rooms=seized.rooms,
            telegram=seized.telegram,
            wallet=seized.wallet,
            favicon=assets.favicon(rng),
            favicon_path="/favicon.ico",
            build=identifiers.build_hash(rng),
        )
        sites.append(
            _chat_site(
                identity,
                rng,
                label="re-emergence",
                operator="case",
                headers=rng.choice(SERVERS),
                cookies=(f"{brand[:3]}_sid",),
                cert=CertSpec(),
                name_servers=rng.choice(NAME_SERVERS),
                www=False,
            )
        )
    return sites


def generate(
    seed: int, *, reemergences: int = 6, decoys: int = 24, background: int = 200, spa: int = 0
) -> Scenario:
    """A deterministic scenario for `seed`: the same seed gives the same sites.

    `spa` re-emergences that only a browser sees are appended last (see
    `_spa_reemergences`); every other site is the same with or without them."""
    rng = random.Random(seed)
    taken: set[str] = set()
    seized_id, seized = _seized(rng, taken)
    brand = seized_id.brand.lower()
    sites: list[SiteSpec] = [seized]

    rebuilt_at = rng.randrange(reemergences) if reemergences else -1
    new_brand_at = rng.randrange(reemergences) if reemergences >= 4 else -1
    returning = []
    for i in range(reemergences):
        rebuilt = i == rebuilt_at or rng.random() < 0.3
        returning.append(_reemergence(seized_id, rng, taken, rebuilt, i == new_brand_at))
    for i, identity in enumerate(returning):
        if i == 0 and len(returning) > 1:  # the first hop announces the next
            identity = dataclasses.replace(identity, announce=returning[i + 1].domain)
        sites.append(
            _chat_site(
                identity,
                rng,
                label="re-emergence",
                operator="case",
                headers=rng.choice((*SERVERS, seized.headers)),
                cookies=("PHPSESSID", "otc_sid", f"{brand[:3]}_prefs")
                if rng.random() < 0.7
                else ("otc_sid",),
                cert=CertSpec(key_id="case-key" if rng.random() < 0.3 else ""),
                name_servers=ROGUE_NS if rng.random() < 0.3 else rng.choice(NAME_SERVERS),
                www=rng.random() < 0.5,
            )
        )

    agency = identifiers.ua_id(rng)
    for i in range(decoys):
        kind = ("stock", "clone", "namesake", "stock", "english", "clone", "namesake")[i % 7]
        if kind == "namesake":
            name = domain_like(brand, seized_id.domain.rsplit(".", 1)[1], rng, taken)
            bg = background_site(rng, taken, agency, name=name)
            sites.append(dataclasses.replace(bg, label="decoy", operator=f"decoy-{i}"))
            continue
        identity = _decoy_chat(rng, taken, kind)
        sites.append(
            _chat_site(
                identity,
                rng,
                label="decoy",
                operator=f"decoy-{i}",
                headers=rng.choice(SERVERS),
                cookies=("PHPSESSID", "otc_sid") if identity.vendor else ("PHPSESSID",),
                cert=CertSpec(),
                name_servers=rng.choice((*NAME_SERVERS, ROGUE_NS)),
                www=rng.random() < 0.5,
            )
        )

    for _ in range(background):
        sites.append(background_site(rng, taken, agency))

    rng.shuffle(sites)
    apps = _spa_reemergences(seed, seized_id, taken, spa)
    sites.extend(apps)
    truth = {name: site.label for site in sites for name in site.dns_names()}
    return Scenario(
        seed=seed,
        seized=seized,
        sites=tuple(sites),
        truth=truth,
        case_domains=seized.names,
        case_brands=(brand,),
        spa=tuple(site.name for site in apps),
    )
