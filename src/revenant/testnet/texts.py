"""Words and sentences for scenario sites, in French and English, drawn from an
injected `random.Random`. Neutral content only: chat, food, travel, gardening, tech,
sport, shopping and local news.
"""

from __future__ import annotations

import random

TOPICS = {
    "fr": {
        "cuisine": "recette gratin tarte légumes four cuisson pâte beurre saison marché sauce",
        "voyage": "voyage train plage montagne randonnée hôtel valise itinéraire village côte",
        "jardin": "jardin potager tomates semis arrosage compost haie rosier printemps graines",
        "tech": "ordinateur logiciel mise à jour réseau sauvegarde clavier écran batterie code",
        "sport": "match équipe entraînement course vélo championnat but saison supporters club",
        "actu": "mairie conseil travaux quartier école élus budget commune habitants réunion",
        "boutique": "livraison commande panier produit taille couleur retour stock promo qualité",
    },
    "en": {
        "food": "recipe oven baking dough butter season market sauce vegetables dinner",
        "travel": "train beach mountain hiking hotel luggage itinerary village coast journey",
        "garden": "garden tomatoes seeds watering compost hedge roses spring soil harvest",
        "tech": "laptop software update network backup keyboard screen battery release code",
        "sport": "match team training race cycling league goal season fans club",
        "news": "council roadworks district school budget residents meeting mayor vote town",
        "shop": "delivery order basket product size colour returns stock sale quality",
    },
}

_FRAMES = {
    "fr": (
        "Le {a} et le {b} restent au cœur de nos préoccupations cette semaine.",
        "Nous avons testé un nouveau {a} : le {b} nous a agréablement surpris.",
        "Pourquoi le {a} change tout quand on parle de {b} ?",
        "Retour sur le {a} de samedi, avec quelques photos du {b}.",
        "Cinq conseils simples pour réussir votre {a} sans oublier le {b}.",
        "La question du {a} revient souvent dans vos messages, parlons du {b}.",
        "Un {a} bien préparé, c'est un {b} plus serein.",
    ),
    "en": (
        "This week the {a} and the {b} are all anyone talks about.",
        "We tried a new {a} and the {b} surprised us.",
        "Why the {a} changes everything when it comes to the {b}.",
        "A look back at Saturday's {a}, with a few photos of the {b}.",
        "Five simple tips for a better {a} without forgetting the {b}.",
        "Your messages often ask about the {a}, so let's talk about the {b}.",
        "A well-prepared {a} means a calmer {b}.",
    ),
}

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Hugo",
    "Lucas",
    "Chloé",
    "Manon",
    "Louis",
    "Jules",
    "Emma",
    "Inès",
    "Nathan",
    "Sarah",
    "Paul",
    "Alice",
    "Tom",
    "Zoé",
    "Noah",
    "Clara",
    "Adam",
    "Lina",
    "Oliver",
    "Grace",
    "Harry",
    "Mia",
    "Jack",
    "Ruby",
    "Leo",
    "Isla",
]

SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "ca",
    "co",
    "da",
    "di",
    "fa",
    "fi",
    "ga",
    "go",
    "la",
    "li",
    "lo",
    "ma",
    "mi",
    "mo",
    "na",
    "no",
    "pa",
    "pi",
    "po",
    "ra",
    "ri",
    "ro",
    "sa",
    "si",
    "ta",
    "ti",
    "to",
    "va",
    "vi",
    "za",
    "zo",
]

TLDS = ("fr", "com", "net", "org", "eu", "be", "io", "info", "shop", "blog", "news", "co")


def topic(rng: random.Random, lang: str) -> str:
    """A topic key of that language."""
    return rng.choice(sorted(TOPICS[lang]))


def words(lang: str, subject: str) -> list[str]:
    return TOPICS[lang][subject].split()


def sentence(rng: random.Random, lang: str, subject: str) -> str:
    """One sentence about `subject`."""
    vocab = words(lang, subject)
    a, b = rng.sample(vocab, 2)
    return rng.choice(_FRAMES[lang]).format(a=a, b=b)


def paragraph(rng: random.Random, lang: str, subject: str, sentences: int = 4) -> str:
    return " ".join(sentence(rng, lang, subject) for _ in range(sentences))


def title(rng: random.Random, lang: str, subject: str) -> str:
    """A headline-like title."""
    text = sentence(rng, lang, subject).rstrip(".?!")
    return text[0].upper() + text[1:]


def coined(rng: random.Random, syllables: int = 3) -> str:
    """An invented, pronounceable word (brands, shop names)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def person(rng: random.Random) -> str:
    return rng.choice(FIRST_NAMES)
