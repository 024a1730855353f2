"""One pass over a parsed page: visible text, DOM tag paths, and the elements the
prober and the features need (scripts, styles, icons, base, forms, links, generator,
title, app mount points), as a `model.PageSummary`.

Traversal happens in Lexbor's C code and every Python loop over nodes is bounded
(`MAX_PATH_NODES`, `MAX_ELEMENTS`), so hostile markup (a million links) costs a bounded
time and never overflows a Python stack. (Deep nesting is cut before parsing, in
nesting.py.) Hidden content (script, style, template, `hidden`, `display:none`) is not
visible text.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from revenant.model import Form, PageSummary

MAX_PATH_NODES = 4_000  # the structure sketch reads the first nodes only
MAX_ELEMENTS = 20_000  # scripts, links, forms... read from one page at most
MAX_LINK_TEXTS = 2_000  # words of absolute links read from one page at most
MAX_LINK_TEXT = 2_000  # characters of one link's words
_ABSOLUTE = frozenset(["ht", "HT", "Ht", "//"])  # "http(s)://" or "//": maybe another site
MAX_FIELDS = 200  # field names read from one form
_SKIP_TEXT = {"script", "style", "noscript", "template", "svg", "head", "title", "iframe", "object"}
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
WORDS_COUNTED = 1000  # visible words counted (a count stops there)
MOUNT_IDS = ("root", "app", "__next", "__nuxt", "svelte", "main-app", "application")
"""Ids of the elements single-page apps fill in with JavaScript."""
_MOUNTS = ",".join(f"#{i}" for i in MOUNT_IDS)


def walk(tree: LexborHTMLParser) -> PageSummary:
    """Collect a `PageSummary` from a parsed document. Mutates the tree: hidden and
    non-visible elements are removed before the visible text is read."""
    page = PageSummary()
    root = tree.root
    if root is None:
        return page
    elements = _tag_paths(root, page)
    if elements is None:  # more nodes than the paths read: let Lexbor find them
        elements = root.css(_ELEMENTS)
    page.paths.extend("." + c[:60] for c in _classes(root))
    forms: list[LexborNode] = []
    for node in elements[:MAX_ELEMENTS]:
        tag = _ELEMENT_IDS.get(node.tag_id) or node.tag or ""
        _collect(page, node, tag, node.attributes)
        if tag == "form":
            forms.append(node)
    for form_node, form in zip(forms, page.forms, strict=True):
        # a lazy walk that stops at MAX_FIELDS names or MAX_ELEMENTS nodes (a selector
        # made a Python object of each of 100,000 inputs first)
        for visited, fnode in enumerate(form_node.traverse()):
            if visited >= MAX_ELEMENTS:
                break
            if fnode.tag_id not in _FIELD_IDS:
                continue
            name = fnode.attributes.get("name")
            if name:
                form.fields.append(name.strip()[:100])
                if len(form.fields) >= MAX_FIELDS:
                    break
    # visible text: drop what a visitor never sees (one selector, one C-level
    # traversal; nodes are unlinked, never freed, so a match nested in an already
    # removed one stays safe to touch), then one C-level text() call
    for count, node in enumerate(root.css(_INVISIBLE)):
        if count >= MAX_ELEMENTS:
            root.strip_tags(_STRIP)  # the rest of the non-visible tags, in C
            break
        if node.tag not in _SKIP_TEXT:
            attrs = node.attributes
            style = attrs.get("style")
            if not (style is None or _DISPLAY_NONE.search(style) or "hidden" in attrs):
                continue
        node.decompose(recursive=False)
    body = tree.body
    if body is not None:
        # whitespace-only text nodes would only add blank lines
        text = body.text(separator="\n", skip_empty=True)
        page.text.append(text)
        page.words = len(text.split(maxsplit=WORDS_COUNTED)) if text else 0
    seen: set[str] = set()
    for mount in root.css(_MOUNTS):
        name = mount.attributes.get("id") or ""
        if name in seen:  # the first element of an id is the one a script finds
            continue
        seen.add(name)
        if not (mount.text(strip=True) or "").strip():
            page.empty_mounts.append(name)
    return page


def _tag_paths(root: LexborNode, page: PageSummary) -> list[LexborNode] | None:
    """Add the DOM shingles (tag paths "parent>tag") of the first MAX_PATH_NODES
    nodes to `page.paths`; return the elements `_collect` reads, in document order,
    when the walk saw every node (else None).

    Only distinct paths matter to the sketch, so nodes are keyed by Lexbor's integer
    tag ids and names are read once per id (ids of custom tags are per document, names
    too)."""
    names: dict[int, str] = {-1: ""}
    pairs: dict[tuple[int, int], None] = {}
    elements: list[LexborNode] = []
    complete = True
    for node in root.traverse():
        page.nodes += 1
        if page.nodes > MAX_PATH_NODES:
            complete = False
            break
        tid = node.tag_id
        if tid not in names:
            names[tid] = f"{node.tag}"
        if tid in _ELEMENT_IDS:
            elements.append(node)
        parent = node.parent
        if parent is None:
            pairs[(-1, tid)] = None
            continue
        ptid = parent.tag_id
        if ptid not in names:
            names[ptid] = f"{parent.tag}"
        pairs[(ptid, tid)] = None
    page.paths.extend(f"{names[p]}>{names[t]}" for p, t in pairs)
    return elements if complete else None


MAX_CLASSES = 5000  # distinct class names read from one page
CLASSES_PER_NODE = 20


def _classes(root: LexborNode) -> set[str]:
    """The class vocabulary (".nav-main" is what a theme or a framework really shares):
    the first CLASSES_PER_NODE classes of the first MAX_ELEMENTS elements, until more
    than MAX_CLASSES are known."""
    nodes = root.css("[class]")[:MAX_ELEMENTS]
    try:
        values = [node.attrs["class"] for node in nodes]
    except KeyError:  # a prefixed attribute the selector matched by its local name
        values = [node.attributes.get("class") for node in nodes]
    # Usually every value is short and the page has few classes: one split of all of
    # them is then the same set (n words take at least 2n - 1 characters).
    present = list(filter(None, values))
    if max(map(len, present), default=0) <= 2 * CLASSES_PER_NODE or not any(
        len(v.split()) > CLASSES_PER_NODE for v in present if len(v) > 2 * CLASSES_PER_NODE
    ):
        classes = set(" ".join(present).split())
        if len(classes) <= MAX_CLASSES:
            return classes
    classes = set()
    for value in values:
        if len(classes) > MAX_CLASSES:
            break
        if value:
            classes.update(value.split()[:CLASSES_PER_NODE])
    return classes


_ELEMENTS = "script,link,a,meta,form,title,input,iframe,base"
# Lexbor's tag ids of those elements (fixed for standard tags), read from a parse
_ELEMENT_IDS = {
    node.tag_id: node.tag or ""
    for node in LexborHTMLParser(
        "<base><script></script><link><a></a><meta><form></form><title></title><input><iframe>"
    ).css(_ELEMENTS)
}
if len(_ELEMENT_IDS) != _ELEMENTS.count(",") + 1:
    raise ImportError(f"Lexbor tag ids of {_ELEMENTS}: {_ELEMENT_IDS}")
_FIELD_IDS = frozenset(
    node.tag_id
    for node in LexborHTMLParser("<form><input><select></select><textarea></textarea><button>").css(
        "input,select,textarea,button"
    )
)
if len(_FIELD_IDS) != 4:
    raise ImportError(f"Lexbor tag ids of form fields: {_FIELD_IDS}")
_STRIP = sorted(_SKIP_TEXT - {"head"})
_INVISIBLE = ",".join([*_STRIP, "[hidden]", "[style*=display]", "[style*=visibility]"])


def _collect(page: PageSummary, node: LexborNode, tag: str, attrs: dict[str, str | None]) -> None:
    if tag == "script":
        src = attrs.get("src")
        if src:
            page.scripts.append(src.strip())
            page.script_srcs.append(src)
        else:
            kind = (attrs.get("type") or "").lower()
            body = node.text(deep=True)
            if body:
                if kind in ("", "text/javascript", "module", "application/javascript"):
                    page.inline_scripts.append(body)
                else:
                    page.data_scripts.append(body)
    elif tag == "link":
        rel = (attrs.get("rel") or "").lower()
        raw = attrs.get("href")
        if raw:
            tokens = rel.split()
            if "icon" in tokens:
                page.icon_links.append(raw)
            if "stylesheet" in tokens:
                page.stylesheets.append(raw)
        href = (raw or "").strip()
        if href:
            if "stylesheet" in rel:
                page.styles.append(href)
            elif "icon" in rel:
                page.icons.append(href)
            elif rel in ("modulepreload", "preload") and href.endswith((".js", ".css")):
                (page.scripts if href.endswith(".js") else page.styles).append(href)
    elif tag == "a":
        link = attrs.get("href")
        if link:
            page.links.append(link.strip())
            page.attr_text.append(link)
            if link.lstrip()[:2] in _ABSOLUTE and len(page.link_texts) < MAX_LINK_TEXTS:
                words = node.text(deep=True, separator="\n")
                if words and not words.isspace():
                    page.link_texts.append((link.strip(), words[:MAX_LINK_TEXT]))
    elif tag == "meta":
        content = attrs.get("content")
        if content:
            if (attrs.get("name") or "").lower() == "generator" and not page.generator:
                page.generator = content.strip()
            elif (attrs.get("http-equiv") or "").lower() == "refresh":
                _, sep, url = content.partition("=")
                if sep:
                    page.refreshes.append(url.strip("'\" "))
            page.attr_text.append(content)
    elif tag == "title":
        if not page.title:
            page.title = node.text(deep=True) or ""
    elif tag == "form":
        page.forms.append(
            Form(
                action=(attrs.get("action") or "").strip(),
                method=(attrs.get("method") or "get").lower(),
            )
        )
    elif tag == "iframe":
        src = attrs.get("src")
        if src:
            page.frames.append(src.strip())
            page.attr_text.append(src)
    elif tag == "input":
        value = attrs.get("value")
        if value:
            page.attr_text.append(value)
    elif tag == "base":
        target = attrs.get("href")
        if target is not None and page.base is None:
            page.base = target
