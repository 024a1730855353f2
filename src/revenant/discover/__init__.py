"""discover stage (see ../shared/DESIGN.md and docs/discovery.md): where candidate names
come from, each as a model.Candidate with its Source, time and provenance, and the
lexical triage that orders them.

- permute.permutations(domain, brands=..., affixes=..., tlds=...) -> Permutation(name, fuzzer)
- ct.follow(logs, CtState, ...) -> CtBatch(candidates, state)   (RFC 6962 client)
- certstream.stream(url) / certstream.replay(path) -> Candidate  (certstream JSON)
- lists.nrd(path) / lists.zone_diff(old, new) / lists.tip(target) -> Candidate
- pivots.from_capture(capture, fingerprint), pivots.same_ip(...), pivots.same_ns(...) -> [Candidate]
- triage.Triage(cases).score(name) / .scores(names) / .rank(names) -> Ranked
- feed.FeedStats: what every feed read, kept and skipped, and why

Nothing here imports a later stage; the store, queue and probing live downstream.
"""
