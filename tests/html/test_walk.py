"""html/walk.py: visible text, elements, what the prober fetches next, bounded on
hostile markup."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from revenant.html.walk import MAX_CLASSES, MAX_ELEMENTS, MAX_FIELDS, MAX_PATH_NODES, walk

HTML = """<html><head><title>Papoti</title><meta name="generator" content="WordPress 6.4.2">
<link rel="stylesheet" href="/css/style.css"><link rel="icon" href="/favicon.ico">
<script src="/js/app.3f9a1c7e.js"></script><script>var cfg = {ws: "/ws/chat"};</script>
<style>.x{color:red}</style></head>
<body><div class="nav main">Accueil</div><p hidden>caché</p>
<div style="display: none">invisible</div><noscript>nojs</noscript>
<form action="/chat/login" method="post"><input name="pseudo"><select name="age"></select>
<input type="hidden" name="csrf" value="t"></form><a href="https://t.me/papoti">Telegram</a>
<p>Texte visible</p></body></html>"""


def test_walk_collects_elements() -> None:
    page = walk(LexborHTMLParser(HTML))
    assert page.title == "Papoti"
    assert page.generator == "WordPress 6.4.2"
    assert page.scripts == ["/js/app.3f9a1c7e.js"]
    assert page.styles == ["/css/style.css"]
    assert page.icons == ["/favicon.ico"]
    assert page.inline_scripts == ['var cfg = {ws: "/ws/chat"};']
    assert page.links == ["https://t.me/papoti"]
    assert [(f.action, f.method, f.fields) for f in page.forms] == [
        ("/chat/login", "post", ["pseudo", "age", "csrf"])
    ]
    assert ".nav" in page.paths and ".main" in page.paths


def test_hidden_and_non_visible_text_excluded() -> None:
    text = " ".join(walk(LexborHTMLParser(HTML)).text)
    assert "Texte visible" in text and "Accueil" in text
    for hidden in ("caché", "invisible", "nojs", "color:red", "cfg"):
        assert hidden not in text


def test_many_nodes_are_bounded() -> None:
    html = '<a href="/x">x</a>' * (MAX_ELEMENTS + 5000)
    page = walk(LexborHTMLParser(html))
    assert page.nodes <= MAX_PATH_NODES + 1
    assert len(page.links) == MAX_ELEMENTS


def test_class_vocabulary_reads_20_classes_per_element() -> None:
    many = " ".join(f"k{i}" for i in range(30))
    page = walk(LexborHTMLParser(f'<div class="{many}"></div><p class="z"></p>'))
    classes = {p for p in page.paths if p.startswith(".")}
    assert classes == {f".k{i}" for i in range(20)} | {".z"}


def test_class_vocabulary_is_bounded() -> None:
    html = "".join(f'<i class="a{i} b{i}"></i>' for i in range(MAX_CLASSES))
    page = walk(LexborHTMLParser(html))
    classes = [p for p in page.paths if p.startswith(".")]
    assert MAX_CLASSES < len(classes) <= MAX_CLASSES + 2


def test_elements_past_the_path_nodes_are_read() -> None:
    html = "<i></i>" * MAX_PATH_NODES + '<a href="/late">x</a><title>Late</title>'
    page = walk(LexborHTMLParser(html))
    assert page.links == ["/late"] and page.title == "Late"


def test_template_content_is_not_read() -> None:
    html = '<template><a href="/t">t</a><script src="/t.js"></script></template><a href="/x">x</a>'
    page = walk(LexborHTMLParser(html))
    assert page.links == ["/x"] and page.scripts == []


def test_a_form_of_100000_inputs_keeps_its_first_field_names() -> None:
    inputs = "".join(f'<input name="f{i}">' for i in range(100_000))
    page = walk(LexborHTMLParser(f'<form action="/x"><select name="s"></select>{inputs}</form>'))
    (form,) = page.forms
    assert form.fields == ["s", *(f"f{i}" for i in range(MAX_FIELDS - 1))]


def test_what_the_prober_fetches_next_is_read_apart() -> None:
    html = (
        '<base href="/sub/"><base href="/other/">'
        '<link rel="apple-touch-icon" href="/touch.png"><link rel="shortcut icon" href=" /f.ico ">'
        '<link rel="modulepreload" href="/m.js"><script src="/a.js"></script>'
        '<link rel="alternate stylesheet" href="/s.css"><link rel="stylesheet/less" href="/l.css">'
    )
    page = walk(LexborHTMLParser(html))
    assert page.base == "/sub/"
    assert page.icon_links == [" /f.ico "]  # "icon" as a word of rel, as written
    assert page.script_srcs == ["/a.js"] and page.scripts == ["/m.js", "/a.js"]
    assert page.stylesheets == ["/s.css"] and page.styles == ["/s.css", "/l.css"]


def test_visible_words_and_empty_mount_points() -> None:
    page = walk(
        LexborHTMLParser('<div id="root"> <!-- --> </div><div id="app">x</div><p>a b c</p>')
    )
    assert page.empty_mounts == ["root"] and page.words == 4
    hidden = walk(LexborHTMLParser('<div id="__next"><p hidden>loading</p></div>'))
    assert hidden.empty_mounts == ["__next"]  # hidden content is not what a visitor sees
