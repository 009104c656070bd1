"""Group residents' demands into topics, deterministically and at ledger scale.

Each text is normalised (traditional → simplified, full width → half width, see
`nlu.normalize`), stripped of named places (`nlu.entities`), filler phrases and numbers,
a few common synonyms and English words are written one way, and the text is cut into
Chinese character bigrams plus English words. Texts are compared by the cosine of their
sublinear TF-IDF vectors; two demands are linked when it reaches `threshold` (`cross_domain_threshold`
when they were filed under different domains, so a topic spans domains only when the texts
agree closely), and a topic is a connected group of linked demands.

Scale. No dense n × n matrix is ever built. Candidates come from a sparse product of each
text's few heaviest terms against an inverted index whose very long posting lists are cut
to their heaviest `posting_cap` entries (a term shared by thousands of texts still links
each of them to some of the others); only each text's best `neighbours` candidates are then
scored exactly.

Stability. The same input (in any order) gives the same topics. A topic's id is derived from
its earliest demand (by date, then key), so it survives new demands joining the topic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from nlu.entities import extract
from nlu.normalize import normalize

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z]+")
# Words of politeness and reporting that say nothing about what is asked for.
_FILLERS = re.compile(
    "你好|您好|请问|谢谢|麻烦|希望|尽快|赶紧|能不能|可不可以|能否|一下|我们|我家|我想|"
    "这个|那个|问题|反映|反应|投诉|已经|一直|非常|现在|有关部门|相关部门|处理|解决|怎么办|"
    "好几|一个|有人|没人|市民|居民|没有|附近|严重|太大|危险|不方便"
)
_ENGLISH_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "we",
        "our",
        "my",
        "me",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "not",
        "no",
        "please",
        "can",
        "could",
        "would",
        "should",
        "will",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "been",
        "very",
        "so",
        "too",
        "also",
        "just",
        "still",
        "get",
        "got",
        "any",
        "some",
        "all",
        "near",
        "next",
        "street",
        "road",
        "area",
    ]
)
WORD = "w:"
# Same need, other words: a few common ones are written one way before comparing, and
# common English words of the ledger become their Chinese form so both languages meet.
_SAME_NEED: tuple[tuple[str, str], ...] = (
    (r"出故障|故障|出问题|失灵|不能用|损坏|坏掉|broken|not working|out of order|damaged", "坏了"),
    (r"不亮|全黑|out\b", "灯坏了"),
    (r"elevators?|lifts?", "电梯"),
    (r"traffic lights?|signals?", "红绿灯"),
    (r"street ?lights?|lamps?", "路灯"),
    (r"noise|noisy|loud", "噪音"),
    (r"garbage|rubbish|trash|waste", "垃圾"),
    (r"potholes?", "坑"),
    (r"parking( spaces?| spots?)?", "停车位"),
    (r"buse?s|bus routes?", "公交"),
    (r"water supply|no water", "停水"),
    (r"power cut|power outage|blackout", "停电"),
    (r"heating|radiators?", "暖气"),
    (r"sewers?|drains?", "下水道"),
    (r"kindergartens?", "幼儿园"),
    (r"clinics?", "社区医院"),
    (r"canteens?", "食堂"),
    (r"food market|vegetable market|wet market", "菜市场"),
    (r"stray dogs?", "流浪狗"),
    (r"cameras?|cctv", "监控"),
    (r"parks?", "公园"),
    (r"mobile signal|phone signal", "手机信号"),
    (r"公交车", "公交"),
)
_SAME_NEED_RE = [(re.compile(pattern), word) for pattern, word in _SAME_NEED]
# Generic "place" matches (附近没有幼儿园) often are the need itself, so they stay.
# "address" is a road with its number (人民路88号): a place name like the others.
_PLACE_ROLES = frozenset({"road", "community", "district", "street", "building", "address"})


@dataclass(frozen=True)
class Demand:
    key: str  # case id or reference
    text: str
    domain: str
    resident: Hashable | None
    area: str | None
    created: dt.date


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    domain: str  # the majority domain
    domains: tuple[tuple[str, int], ...]  # every domain with its count, largest first
    members: tuple[str, ...]  # keys, earliest first
    areas: tuple[tuple[str, int], ...]
    residents: int  # distinct residents (demands without one are not counted)
    first_seen: dt.date
    last_seen: dt.date

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class ClusterOptions:
    threshold: float = 0.2
    cross_domain_threshold: float = 0.3
    neighbours: int = 12
    query_terms: int = 10
    posting_cap: int = 64
    label_terms: int = 3
    chunk_rows: int = 2048


def _without_places(text: str) -> str:
    """The text with named roads, estates, districts and buildings cut out.

    Demands from one estate share its name whatever they ask for; left in, the name links an
    estate's broken lift to its missing food market. Where a topic is asked for is counted
    from each demand's area instead.
    """
    spans = [
        (f.start, f.end) for f in extract(text) if f.entity == "location" and f.role in _PLACE_ROLES
    ]
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text


def terms(text: str) -> list[str]:
    """The terms one demand is compared by (with repeats: counts matter)."""
    s = _without_places(normalize(text).text).lower()
    for pattern, word in _SAME_NEED_RE:
        s = pattern.sub(word, s)
    s = _FILLERS.sub(" ", s)
    out: list[str] = []
    for run in _RUN.findall(s):
        if "a" <= run[0] <= "z":
            if len(run) > 1 and run not in _ENGLISH_STOP:
                # Plural and singular are the same thing asked for.
                out.append(WORD + (run[:-1] if len(run) > 3 and run.endswith("s") else run))
        elif len(run) == 1:
            out.append(run)
        else:
            # Bigrams alone: trigrams mostly repeat them and dilute paraphrases apart.
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def cluster_demands(
    demands: Iterable[Demand | Sequence[object]], options: ClusterOptions = ClusterOptions()
) -> list[Topic]:
    """Topics of the demands, largest first (then by id); every demand is in exactly one."""
    records = [d if isinstance(d, Demand) else Demand(*d) for d in demands]  # type: ignore[arg-type]
    items = sorted(records, key=lambda d: (d.created, d.key))
    if not items:
        return []
    if len({d.key for d in items}) != len(items):
        raise ValueError("every demand needs its own key")
    matrix, vocabulary = _tfidf([terms(d.text) for d in items])
    domains = np.unique(np.array([d.domain for d in items]), return_inverse=True)[1]
    rows, cols = _links(matrix, domains, options)
    n = len(items)
    graph = sparse.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return _topics(items, labels, matrix, vocabulary, options)


def _tfidf(docs: list[list[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Sublinear TF-IDF rows, L2-normalised; terms numbered in sorted order."""
    vocabulary = sorted({t for doc in docs for t in doc})
    index = {t: i for i, t in enumerate(vocabulary)}
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    col_parts: list[np.ndarray] = []
    for i, doc in enumerate(docs):
        ids = np.fromiter((index[t] for t in doc), dtype=np.int64, count=len(doc))
        col_parts.append(ids)
        indptr[i + 1] = indptr[i] + len(ids)
    cols = np.concatenate(col_parts) if col_parts else np.zeros(0, dtype=np.int64)
    counts = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), cols, indptr), shape=(len(docs), len(vocabulary))
    )
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=len(vocabulary))
    idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms).astype(np.float32) @ counts), vocabulary


def _top_per_row(m: sparse.spmatrix, k: int) -> sparse.csr_matrix:
    """Each row's k largest entries (ties: lower column first), as a matrix of the same shape."""
    m = sparse.csr_matrix(m)
    m.sum_duplicates()
    m.sort_indices()
    if m.nnz == 0:
        return m
    counts = np.diff(m.indptr)
    rows = np.repeat(np.arange(m.shape[0]), counts)
    # One stable sort on a key in [row, row + 1) that falls as the value rises: rows stay
    # together, values descend within a row, equal values keep their column order.
    scale = float(m.data.max()) * (1 + 1e-9)
    order = np.argsort(rows + (1.0 - m.data.astype(np.float64) / scale), kind="stable")
    rank = np.arange(len(order)) - m.indptr[rows[order]]
    keep = np.sort(order[rank < k])
    kept_rows = rows[keep]
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(kept_rows, minlength=m.shape[0]), out=indptr[1:])
    return sparse.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)


def _links(
    matrix: sparse.csr_matrix, domains: np.ndarray, options: ClusterOptions
) -> tuple[np.ndarray, np.ndarray]:
    # A term only one text has can never find that text a neighbour; left in, such terms
    # (the rarest, so the heaviest) would crowd the shared ones out of the pruned query.
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    shared = matrix.multiply(sparse.csr_matrix((df >= 2).astype(np.float32))).tocsr()
    shared.eliminate_zeros()
    query = _top_per_row(shared, options.query_terms)
    # The inverted index (terms × texts) keeps, for each term, only the texts that weigh it most.
    postings = _top_per_row(query.T, options.posting_cap)
    n = matrix.shape[0]
    found_rows: list[np.ndarray] = []
    found_cols: list[np.ndarray] = []
    for start in range(0, n, options.chunk_rows):
        stop = min(start + options.chunk_rows, n)
        scores = (query[start:stop] @ postings).tocsr()
        scores.setdiag(0, k=start)  # a text is not its own neighbour
        scores.eliminate_zeros()
        best = _top_per_row(scores, options.neighbours).tocoo()
        rows = best.row.astype(np.int64) + start
        cols = best.col.astype(np.int64)
        if len(rows) == 0:
            continue
        exact = np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()
        needed = np.where(
            domains[rows] == domains[cols], options.threshold, options.cross_domain_threshold
        )
        ok = exact >= needed - 1e-6
        found_rows.append(rows[ok])
        found_cols.append(cols[ok])
    if not found_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_rows), np.concatenate(found_cols)


def _topic_id(seed_key: str) -> str:
    digest = int.from_bytes(hashlib.sha256(seed_key.encode("utf-8")).digest()[:5], "big")
    return "TP-" + "".join(_CROCKFORD[(digest >> (5 * i)) & 31] for i in reversed(range(8)))


def _label(
    weights: np.ndarray, cols: np.ndarray, vocabulary: list[str], df: np.ndarray, count: int
) -> str:
    """The topic's heaviest terms, preferring ones other demands use too.

    A bigram found in a single demand anywhere is usually two words' edges (区没), not a word.
    """
    chosen: list[str] = []
    for j in np.lexsort((cols, -weights, df[cols] < 2)):
        term = vocabulary[cols[j]]
        term = term[len(WORD) :] if term.startswith(WORD) else term
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return " / ".join(chosen)


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _topics(
    items: list[Demand],
    labels: np.ndarray,
    matrix: sparse.csr_matrix,
    vocabulary: list[str],
    options: ClusterOptions,
) -> list[Topic]:
    n_topics = int(labels.max()) + 1
    membership = sparse.csr_matrix(
        (np.ones(len(items), dtype=np.float32), (labels, np.arange(len(items)))),
        shape=(n_topics, len(items)),
    )
    centroids = (membership @ matrix).tocsr()
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    groups: list[list[int]] = [[] for _ in range(n_topics)]
    for i, label in enumerate(labels):
        groups[label].append(i)  # items are sorted, so each group is earliest first
    topics = []
    for t, members in enumerate(groups):
        lo, hi = centroids.indptr[t], centroids.indptr[t + 1]
        demands = [items[i] for i in members]
        domain_counts = _ranked(Counter(d.domain for d in demands))
        topics.append(
            Topic(
                id=_topic_id(demands[0].key),
                label=_label(
                    centroids.data[lo:hi],
                    centroids.indices[lo:hi],
                    vocabulary,
                    df,
                    options.label_terms,
                ),
                domain=domain_counts[0][0],
                domains=domain_counts,
                members=tuple(d.key for d in demands),
                areas=_ranked(Counter(d.area for d in demands if d.area)),
                residents=len({d.resident for d in demands if d.resident is not None}),
                first_seen=demands[0].created,
                last_seen=max(d.created for d in demands),
            )
        )
    topics.sort(key=lambda topic: (-topic.size, topic.id))
    return topics
