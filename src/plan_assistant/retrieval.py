"""Hybrid retrieval: dense (Chroma) plus BM25, fused by reciprocal rank fusion, as a LangChain retriever."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from plan_assistant.embeddings import Embedder
from plan_assistant.glossary import Glossary
from plan_assistant.schemas import Chunk, Passage
from plan_assistant.spelling import Speller, english_words
from plan_assistant.store import chunk_from_record
from plan_assistant.text import activity_stem, content_words, stems, words


def tokenize(text: str) -> list[str]:
    """Lower-case, Snowball-stemmed word tokens for BM25, stop words dropped."""
    return stems(text)


# Outcome and priority title chunks serve outline answers; passages for answers come from the text.
SEARCHABLE_KINDS = ("commitment", "section")


# The scaffolding of a question ("does the plan say anything about", "is that in the plan") carries no
# topic; dropping it lets the topic words dominate the query embedding.
_SCAFFOLDING = re.compile(
    r"\b(?:(?:is|are|does|do|will|has|have|can|could|would|should)\s+(?:the\s+)?(?:council|plan|business plan|they|anyone|anything|you)"
    r"(?:\s+(?:doing|do|say|said|have|got|trying|going|planning|mention|include|cover|list|name|identify|set\s+out))?"
    r"(?:\s+(?:anything|something|to do))?"
    r"(?:\s+(?:about|on|for|to))?"
    r"|(?:is|are)\s+(?:that|this|it|there)\s+(?:in|covered by|mentioned in)\s+(?:the\s+)?(?:business\s+)?plan"
    r"|what\s+(?:is|are)\s+(?:being|the council)\s+(?:done|doing)(?:\s+about)?"
    # the same in reported speech: "(caller asks) what the council is doing on ..."
    r"|(?:what|if|whether)\s+(?:the\s+council|they)\s+(?:is|are)\s+(?:doing|planning)"
    r"(?:\s+(?:anything|something))?(?:\s+(?:about|on|for|to))?"
    r"|in\s+(?:the|your)\s+(?:business\s+)?plan|what\s+(?:does\s+the\s+(?:business\s+)?plan\s+say|the\s+(?:business\s+)?plan\s+says)"
    r"(?:\s+about)?|tell\s+me\s+about|can\s+you\s+tell\s+me|i\s+want\s+to\s+know|please"
    r"|(?:that\s+)?the\s+(?:business\s+)?plan\s+(?:lists|names|mentions|sets\s+out|gives|includes)"
    r"|(?:listed|mentioned|named|set\s+out|given|included|identified)\s+in\s+(?:the|this)\s+(?:business\s+)?plan"
    # everyday talk around a question: a greeting, thanks, "I was wondering", "what's happening with"
    r"|^\s*(?:hi|hello|hiya|hey|good\s+(?:morning|afternoon|evening))(?:\s+there)?"
    r"|(?:many\s+)?thanks(?:\s+(?:very|so)\s+much)?(?:\s+in\s+advance)?|thank\s+you(?:\s+(?:very|so)\s+much)?"
    r"|i(?:\s+was|\s+am|'m|’m)?\s+(?:just\s+)?wondering(?:\s+(?:if|whether|about|what))?"
    r"|what(?:'s|’s|s|\s+is|\s+are)\s+(?:happening|going\s+on)(?:\s+(?:with|to|about|in|on|at|for))?"
    r"|(?:what(?:'s|’s|s|\s+is)\s+)?(?:any|the)\s+(?:news|latest|updates?)\s+(?:on|about|with)"
    # discourse glue opening a follow-up ("and transport?"), and the document's structure named as such
    # ("the workforce section", "the chapter on finances"): neither is a topic
    r"|^\W*(?:and|but|also|so|ok(?:ay)?)(?=\s)|(?:the\s+)?(?:sections?|chapters?|headings?)(?:\s+(?:on|about|of|for))?"
    # a worry voiced instead of a question: "I'm worried about", "we're concerned for"
    r"|(?:i|we)(?:['’]?m|\s+am|['’]?re|\s+are)?\s+(?:really\s+|so\s+|very\s+|a\s+bit\s+|quite\s+)?"
    r"(?:worried|concerned|anxious|scared|frightened)\s+(?:about|for|that))\b",
    re.I,
)
# A request's verb ("List the challenges", "Name the principles", "Summarise ..."): how to answer, not what about.
_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?"
    r"(?:list|name|show(?:\s+me)?|give\s+me|summari[sz]e|outline|describe|explain)\b(?:\s+(?:me|all))?",
    re.I,
)
# An adviser passes a caller's question on in reported speech ("the caller wants to know whether ...",
# "a lady asking about ...", "gentleman on the phone, he says ..."): the frame names who asks, not what about.
# Its grammar: a person, perhaps where they are ("on the line", "from Yeovil") or a relative "who", then one
# or two verbs of asking or saying ("says she wants to know"), each perhaps after a pronoun or "is".
_ASKER = r"(?:caller|customer|client|resident|lady|gentleman|gent|chap|man|woman|someone|person|she|he|they)"
_WHERE = r"(?:\s+(?:on\s+the\s+(?:phone|line)|from\s+[\w'’-]+|here))?"
_SAYING = (
    r"(?:asking|asks|asked|wants?\s+to\s+know|wanted\s+to\s+know|would\s+like\s+to\s+know|wondering|"
    r"enquiring|inquiring|says|said|saying|tell(?:s|ing)?\s+(?:me|us)|told\s+(?:me|us)|reports|reported)"
)
_VERB = rf"(?:\s*,)?(?:\s+(?:who|that))?(?:\s+(?:she|he|they))?(?:['’]s|\s+is|\s+was)?\s+{_SAYING}"
_REPORTED = re.compile(
    rf"\b(?:(?:a|an|the|my|this|our)\s+)?{_ASKER}{_WHERE}(?:{_VERB}){{1,2}}(?:\s+(?:about|if|whether|that))?\b",
    re.I,
)
# Two or more capitalised words in a row: a name a question may quote from the documents ("Somerset Works").
_PROPER_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|and|&|for|the)\s+)?[A-Z][\w'’-]*)+")
MAX_NAME_WORDS = 6
"""The longest run of a question's words looked up among the documents' names."""
NAMED_MAX_PASSAGES = 3
"""A name used by more passages than this (the council's own name) singles nothing out."""
# A place relative to the asker ("near me", "round here") names no topic: the plan covers the whole county.
_HERE = re.compile(
    r"\b(?:(?:near|close\s+to|local\s+to)\s+(?:me|us|where\s+(?:i|we)\s+live)|(?:a)?round\s+here"
    r"|where\s+(?:i|we)\s+live|in\s+(?:my|our)\s+(?:area|part\s+of\s+(?:the\s+)?county))\b",
    re.I,
)


def focus(query: str) -> str:
    """The question without a place relative to the asker, and without its scaffolding unless no content word
    would remain. One topic word is searched alone: with the scaffolding kept, "does the plan say anything
    about libraries" matched the sentences about the plan itself."""
    query = " ".join(_HERE.sub(" ", query).split()) or query
    focused = " ".join(_SCAFFOLDING.sub(" ", _REQUEST.sub(" ", query)).split()).strip(" ,?.-")
    return focused if content_words(focused) else query


def has_topic(query: str) -> bool:
    """Whether a question names anything to look up once its scaffolding, request verb, reporting frame and
    place relative to the asker are gone ("what does the plan say about ..." followed by nothing has none)."""
    rest = _SCAFFOLDING.sub(" ", _REQUEST.sub(" ", _REPORTED.sub(" ", _HERE.sub(" ", query))))
    return bool(content_words(rest))


def topic_stems(query: str) -> tuple[str, ...]:
    """The stems whose coverage by the documents decides whether they answer a question: an adviser's
    reporting frame ("the caller wants to know", "a lady asking about") names who asks, not what about, and
    no document uses its words."""
    # A frame after the caller's situation ("her husband has had a stroke and she wants to know about care at
    # home") starts the question: what comes before it is who asks and why, as a sentence before a question is.
    frames = list(_REPORTED.finditer(query))
    if frames and frames[-1].start() > 0 and content_words(query[frames[-1].end() :]):
        query = query[frames[-1].start() :]
    # "what is the plan?" is all scaffolding: then the question asks about the plan itself
    return tuple(stems(_SCAFFOLDING.sub(" ", _REQUEST.sub(" ", _REPORTED.sub(" ", query))))) or tuple(
        stems(query)
    )


def document_names(texts: Sequence[str]) -> frozenset[str]:
    """Every name of two or more capitalised words the documents use, with each shorter run of it that starts
    and ends with a capitalised word, in lower case: "West Somerset Opportunity Area" gives "west somerset",
    "somerset opportunity area", ... so that a question typed in lower case can still name them."""
    names: set[str] = set()
    for text in texts:
        for match in _PROPER_NAME.finditer(text):
            tokens = match.group(0).split()
            for start in range(len(tokens)):
                for end in range(start + 2, len(tokens) + 1):
                    run = tokens[start:end]
                    if run[0][0].isupper() and run[-1][0].isupper():
                        names.add(" ".join(run).lower())
    return frozenset(names)


_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
_LINKING = frozenset({"and", "of", "the", "for", "&"})
_NOT_EXPANSION = frozenset(
    {"into", "with", "from", "that", "this", "there", "their", "these", "those", "will"}
)


def find_acronyms(texts: Sequence[str]) -> dict[str, str]:
    """Acronyms a document spells out somewhere ("VCSE" -> "voluntary, community and social enterprise")."""
    # Punctuation other than commas ends a candidate expansion, so it never runs across sentences.
    words_by_text = [re.findall(r"[A-Za-z][\w'-]*|&|[.;:!?()]", t.replace(",", " ")) for t in texts]
    found: dict[str, str] = {}
    for acronym in sorted({m.group(0).rstrip("s") for t in texts for m in _ACRONYM.finditer(t)}):
        letters = acronym.lower()
        for tokens in words_by_text:
            for start in range(len(tokens)):
                picked: list[str] = []
                i, j = start, 0
                while i < len(tokens) and j < len(letters):
                    word = tokens[i]
                    if word.lower() in _LINKING and picked:
                        picked.append(word)
                    elif (
                        word[0].lower() == letters[j]
                        and word.upper() != word
                        and (len(word) >= 4 or word[0].isupper())
                        and word.lower() not in _NOT_EXPANSION
                    ):
                        picked.append(word)
                        j += 1
                    else:
                        break
                    i += 1
                # A short acronym matches some run of words by chance: trust it only when the words are
                # capitalised or the definition sits right before it, "(ICS)".
                defined = f"({acronym}" in " ".join(tokens[i : i + 2]).replace("( ", "(")
                title_case = all(w[0].isupper() for w in picked if w.lower() not in _LINKING)
                trusted = len(letters) >= 4 or title_case or defined
                if j == len(letters) and len(picked) >= len(letters) and trusted:
                    found[acronym] = " ".join(picked)
                    break
            if acronym in found:
                break
    return found


MIN_INITIALS, MAX_INITIALS = 3, 5
"""Names of this many capitalised words give an acronym of their initials (two letters match too much)."""


def name_initials(texts: Sequence[str]) -> dict[str, str]:
    """The initials of the names the documents use, when only one name has them: a reader may shorten
    "Local Community Networks" to "LCNs" although no document does. A name with a linking word gives its
    initials with and without it ("Written Statement of Action": WSA, WSOA), so another name with the same
    letters makes both ambiguous and neither is used."""
    names: dict[str, set[str]] = {}
    for text in texts:
        for line in text.splitlines():
            for match in _PROPER_NAME.finditer(line):
                words = match.group(0).split()
                if words[0].lower() in {"the", "a", "an", "our"}:
                    words = words[1:]  # a name opening a sentence may take in its first word
                main = [w for w in words if w.lower() not in _LINKING]
                if not MIN_INITIALS <= len(main) <= MAX_INITIALS or any(w.isupper() for w in main):
                    continue
                name = " ".join(words).strip("'’")
                for initials in {"".join(w[0] for w in main), "".join(w[0] for w in words)}:
                    names.setdefault(initials.upper(), set()).add(name)
    return {initials: next(iter(found)) for initials, found in names.items() if len(found) == 1}


# After an English word that is also an acronym, these mark it as the verb or noun it spells ("send me",
# "care for"): an object's pronoun or determiner, or a particle.
_AS_A_WORD = frozenset(
    {"me", "us", "you", "him", "her", "them", "it", "a", "an", "the", "my", "your", "our", "his", "their",
     "this", "that", "these", "those", "to", "in", "off", "out", "back", "over", "up", "for", "about", "on"}
)  # fmt: skip


def expand_acronyms(query: str, acronyms: dict[str, str]) -> str:
    """The query with every known acronym followed by its expansion. One typed in lower case counts unless
    it is an English word used as one: "ehcp" and "send support" do; "can you send me ..." does not."""
    tokens = re.findall(r"[A-Za-z]+", query)
    extra = []
    for n, t in enumerate(tokens):
        key = t.upper().rstrip("S")
        if key not in acronyms or not 2 <= len(t) <= 6:
            continue
        following = tokens[n + 1].lower() if n + 1 < len(tokens) else ""
        as_word = t.lower() in english_words() and (following in _AS_A_WORD or not following)
        if t.isupper() or (len(t) > 3 and not as_word):
            extra.append(acronyms[key])
    return f"{query} ({'; '.join(extra)})" if extra else query


def embed_text(chunk: Chunk) -> str:
    """The text a chunk is searched by: its priority (or section) and its words."""
    return f"{chunk.priority or chunk.section}. {chunk.text}"


def keyword_text(chunk: Chunk, glossary: Glossary | None = None) -> str:
    """What BM25 matches a chunk by: its words, the everyday keywords and questions prepared for it, and
    the everyday wordings of the glossary terms it uses."""
    prepared = [w for s in chunk.sentences for w in (*s.keywords, *s.questions)]
    everyday = glossary.wordings(chunk.text) if glossary is not None else []
    return " ".join([embed_text(chunk), *prepared, *everyday])


@dataclass(frozen=True)
class RetrievalSignals:
    """How well the best passages match a query: what the answerability decision weighs."""

    dense: float  # cosine similarity of the best chunk
    sentence: float  # cosine similarity of the best single sentence
    question: float  # cosine similarity of the best question a sentence was prepared to answer (0: none)
    lexical: float  # best BM25 score per topic word
    query_stems: tuple[str, ...]  # the query's stemmed content words, an adviser's reporting frame left out


def idf_share(query: Sequence[str], found: frozenset[str] | set[str], df: dict[str, int], n: int) -> float:
    """IDF-weighted share of the query's stems that are in ``found`` (rare words count most)."""
    unique = set(query)
    if not unique:
        return 0.0
    weights = {s: math.log((n + 1) / (df.get(s, 0) + 1)) + 1.0 for s in unique}
    return sum(w for s, w in weights.items() if s in found) / sum(weights.values())


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> dict[str, float]:
    """Fuse ranked id lists: each id scores the sum of 1 / (k + rank) over the lists it appears in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


HUB_NEIGHBOURS = 10
"""How many of the nearest prepared questions a sentence's hubness is the mean similarity of."""


def hubness(
    sentence_vectors: dict[str, np.ndarray], questions: np.ndarray | None, k: int = HUB_NEIGHBOURS
) -> dict[str, np.ndarray]:
    """For each sentence, its mean similarity to its k nearest questions among all prepared questions.

    A short, general sentence ("improve local support whether in the own home ...") sits close to many
    questions and so wins for questions it does not answer: a "hub" of the embedding space. Taking part of
    this local density off its similarity (cross-domain similarity local scaling, CSLS) lets a sentence that
    is close to this question in particular win. Without prepared questions every hubness is 0.
    """
    if questions is None or len(questions) == 0:
        return {cid: np.zeros(len(v), dtype=np.float32) for cid, v in sentence_vectors.items()}
    k = min(k, len(questions))
    out = {}
    for cid, vectors in sentence_vectors.items():
        sims = vectors @ questions.T
        nearest = np.partition(sims, -k, axis=1)[:, -k:]
        out[cid] = nearest.mean(axis=1).astype(np.float32)
    # Centred, so the typical sentence keeps its similarity (the answer's floors stay meaningful).
    centre = float(np.mean(np.concatenate(list(out.values())))) if out else 0.0
    return {cid: hub - centre for cid, hub in out.items()}


@dataclass
class IndexSnapshot:
    """What start-up loads once: every chunk, its vector, its sentences' vectors and a BM25 index."""

    chunks: list[Chunk]
    by_id: dict[str, Chunk]
    chunk_vectors: np.ndarray
    row_of: dict[str, int]
    sentence_vectors: dict[str, np.ndarray]  # chunk id -> (n_sentences, dim)
    bm25: bm25s.BM25
    bm25_ids: list[str]  # chunk id of each BM25 document (the searchable chunks)
    documents: int
    acronyms: dict[str, str]  # acronym -> its expansion, as the documents spell it out
    sentence_matrix: np.ndarray  # every sentence vector, stacked
    sentence_owner: list[str]  # chunk id of each row of sentence_matrix
    stem_df: dict[str, int]  # stem -> how many searchable chunks use it (their own words)
    derived_df: dict[str, int]  # the same over prepared questions, keywords and glossary wordings
    question_matrix: np.ndarray  # one row per prepared question
    question_owner: list[tuple[str, int]]  # (chunk id, sentence index) of each row of question_matrix
    vocabulary: frozenset[str]  # every lower-case word of the documents and their prepared keywords
    sentence_terms: dict[str, list[frozenset[str]]]  # chunk id -> each sentence's stems, with its everyday
    # wordings (glossary) and prepared keywords: what a question's words are matched against
    speller: Speller  # corrects a question's misspelt words to words of these documents
    sentence_hub: dict[str, np.ndarray]  # chunk id -> how close each sentence sits to questions in general
    # the documents' names of two or more words and their shorter runs, lower case ("west somerset")
    names: frozenset[str] = field(default_factory=frozenset)

    @property
    def searchable_count(self) -> int:
        """How many chunks answers can come from."""
        return len(self.bm25_ids)

    @classmethod
    def load(
        cls,
        chunks_collection: Any,
        sentences_collection: Any,
        questions_collection: Any = None,
        glossary: Glossary | None = None,
    ) -> IndexSnapshot:
        """Read the whole index from Chroma (it is small: a plan is a few hundred chunks)."""
        got = chunks_collection.get(include=["documents", "metadatas", "embeddings"])
        chunks = [
            chunk_from_record(i, d or "", m or {})
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        order = sorted(range(len(chunks)), key=lambda n: (chunks[n].document_id, chunks[n].position))
        chunks = [chunks[n] for n in order]
        vectors = np.asarray(got["embeddings"], dtype=np.float32)[order] if chunks else np.zeros((0, 384))
        sent = sentences_collection.get(include=["metadatas", "embeddings"])
        grouped: dict[str, list[tuple[int, np.ndarray]]] = {}
        for meta, vec in zip(sent["metadatas"], sent["embeddings"], strict=True):
            grouped.setdefault(str(meta["chunk_id"]), []).append(
                (int(meta["n"]), np.asarray(vec, dtype=np.float32))
            )
        searchable = [c for c in chunks if c.kind in SEARCHABLE_KINDS]
        # Title chunks (outcome, priority) serve outline answers only: keep them out of sentence ranking too.
        # In the documents' order, not the store's: Chroma may return rows in another order after it compacts,
        # and the order breaks ties between equal scores, so answers must not depend on it.
        sentence_vectors = {
            c.id: np.stack([v for _, v in sorted(grouped[c.id], key=lambda r: r[0])])
            for c in searchable
            if c.id in grouped
        }
        question_rows: list[tuple[str, int]] = []
        question_vectors: list[np.ndarray] = []
        if questions_collection is not None:
            got_q = questions_collection.get(include=["metadatas", "embeddings"])
            place = {c.id: n for n, c in enumerate(searchable)}
            rows = sorted(
                (
                    (place[str(meta["chunk_id"])], int(meta["n"]), qid, vec)
                    for qid, meta, vec in zip(
                        got_q["ids"], got_q["metadatas"], got_q["embeddings"], strict=True
                    )
                    if str(meta["chunk_id"]) in place
                ),
                key=lambda row: row[:3],
            )
            for chunk_n, n, _, vec in rows:
                question_rows.append((searchable[chunk_n].id, n))
                question_vectors.append(np.asarray(vec, dtype=np.float32))
        stem_df: dict[str, int] = {}
        derived_df: dict[str, int] = {}
        vocabulary: set[str] = set()
        counts: Counter[str] = Counter()
        sentence_terms = {
            c.id: [
                frozenset(
                    stems(" ".join([s.text, *s.keywords, *(glossary.wordings(s.text) if glossary else [])]))
                )
                for s in c.sentences
            ]
            for c in searchable
        }
        for c in searchable:
            for stem in set(stems(c.text)):
                stem_df[stem] = stem_df.get(stem, 0) + 1
            # Prepared wordings: the questions and keywords made for each sentence, and the everyday words for
            # the glossary terms the chunk uses.
            prepared = " ".join(
                [
                    *(" ".join([*s.questions, *s.keywords]) for s in c.sentences),
                    *(glossary.wordings(c.text) if glossary else []),
                ]
            )
            vocabulary.update(words(f"{c.section} {c.text} {prepared}"))
            counts.update(words(c.text))
            for stem in set(stems(prepared)):
                derived_df[stem] = derived_df.get(stem, 0) + 1
        bm25 = bm25s.BM25()
        if searchable:
            bm25.index([tokenize(keyword_text(c, glossary)) for c in searchable], show_progress=False)
        return cls(
            chunks=chunks,
            by_id={c.id: c for c in chunks},
            chunk_vectors=vectors,
            row_of={c.id: n for n, c in enumerate(chunks)},
            sentence_vectors=sentence_vectors,
            bm25=bm25,
            bm25_ids=[c.id for c in searchable],
            documents=len({c.document_id for c in chunks}),
            acronyms={
                **name_initials([c.text for c in searchable]),
                **(glossary.acronyms() if glossary else {}),
                **find_acronyms([c.text for c in searchable]),
            },
            sentence_matrix=np.concatenate(list(sentence_vectors.values()))
            if sentence_vectors
            else np.zeros((0, 384)),
            sentence_owner=[cid for cid, v in sentence_vectors.items() for _ in range(len(v))],
            stem_df=stem_df,
            derived_df=derived_df,
            question_matrix=np.stack(question_vectors) if question_vectors else np.zeros((0, 384)),
            question_owner=question_rows,
            vocabulary=frozenset(vocabulary),
            sentence_terms=sentence_terms,
            speller=Speller(vocabulary, counts),
            sentence_hub=hubness(sentence_vectors, np.stack(question_vectors) if question_vectors else None),
            names=document_names([c.text for c in searchable]),
        )


class HybridRetriever(BaseRetriever):
    """Dense search in Chroma and BM25 over the same chunks, fused by reciprocal rank fusion."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: IndexSnapshot
    embedder: Embedder
    collection: Any
    k: int = 4
    candidates: int = 20
    rrf_k: int = 60
    use_questions: bool = False  # rank by the questions prepared for each sentence too (corpus/derived)
    lexical_weight: float = 0.0  # how much a sentence's share of the question's words adds to its score
    commitment_weight: float = 0.0  # added to the sentences of a key priority's commitments
    hub_weight: float = 0.0  # share of a sentence's hubness taken off its similarity (CSLS)
    correct_spelling: bool = False  # misspelt question words corrected to the documents' words first

    def query_text(self, query: str) -> str:
        """The text a question is searched (and embedded) as: spelling corrected, focused, acronyms expanded."""
        if self.correct_spelling:
            query = self.index.speller.correct(query)
        return expand_acronyms(focus(query), self.index.acronyms)

    def fold(self, query_stems: Sequence[str]) -> tuple[str, ...]:
        """A query's stems with agent nouns the documents never use read as their activity ("carers" as care)."""
        index = self.index
        return tuple(
            s if s in index.stem_df or s in index.derived_df else activity_stem(s, index.stem_df)
            for s in query_stems
        )

    def search(self, query: str, k: int | None = None, where: dict[str, Any] | None = None) -> list[Passage]:
        """The best passages for a query, best first, each with its fused score and cosine similarity."""
        return self.search_with_signals(query, k, where)[0]

    def search_with_signals(
        self, query: str, k: int | None = None, where: dict[str, Any] | None = None
    ) -> tuple[list[Passage], RetrievalSignals]:
        """The best passages for a query, and how well the corpus matches it at all."""
        k = k or self.k
        none = RetrievalSignals(0.0, 0.0, 0.0, 0.0, topic_stems(query))
        if not self.index.chunks or not query.strip():
            return [], none
        original = query
        query = self.query_text(query)
        vector = self.embedder.embed_query(query)
        n = min(self.candidates, len(self.index.chunks))
        searchable: dict[str, Any] = {"kind": {"$in": list(SEARCHABLE_KINDS)}}
        dense = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            where={"$and": [searchable, where]} if where else searchable,
            include=["distances"],
        )
        dense_ids: list[str] = dense["ids"][0]
        allowed = None if where is None else set(dense_ids) | self._matching(where)
        lexical_ids, lexical_top = self._bm25(query, n, allowed)
        sentence_ids, sentence_top = self._best_sentence(vector, n, allowed)
        question_best = self._question_sims(vector)
        rankings = [dense_ids, lexical_ids, sentence_ids]
        named = self._naming(original, allowed)
        if named:
            rankings.append(named)
        if question_best and self.use_questions:
            question_ids = sorted(question_best, key=lambda i: max(question_best[i].values()), reverse=True)
            rankings.append([i for i in question_ids if allowed is None or i in allowed][:n])
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        best = sorted(fused, key=lambda i: fused[i], reverse=True)[:k]
        sims = self.index.chunk_vectors[[self.index.row_of[i] for i in best]] @ vector
        query_stems = self.fold(stems(query))
        passages = [
            Passage(
                self.index.by_id[i],
                fused[i],
                float(s),
                self._sentence_scores(i, vector, question_best, query_stems),
            )
            for i, s in zip(best, sims, strict=True)
        ]
        # How much of the question the documents cover is judged without an adviser's reporting frame.
        topic = self.fold(topic_stems(query))
        signals = RetrievalSignals(
            dense=float(np.max(self.index.chunk_vectors[[self.index.row_of[i] for i in dense_ids]] @ vector))
            if dense_ids
            else 0.0,
            sentence=sentence_top,
            question=max((max(v.values()) for v in question_best.values()), default=0.0),
            lexical=lexical_top / max(len(set(topic)), 1),
            query_stems=topic,
        )
        return passages, signals

    def _naming(self, query: str, allowed: set[str] | None) -> list[str]:
        """The passages that use a name the question gives ("Somerset Works", "Teaching School Hub"), in the
        documents' order, for each name that picks out at most NAMED_MAX_PASSAGES of them."""
        found: list[str] = []
        for name in self._names_in(query):
            phrase = re.compile(rf"\b{re.escape(name)}\b", re.I)
            ids = [i for i in self.index.bm25_ids if phrase.search(self.index.by_id[i].text)]
            if allowed is not None:
                ids = [i for i in ids if i in allowed]
            if 0 < len(ids) <= NAMED_MAX_PASSAGES:
                found += [i for i in ids if i not in found]
        return found

    def _names_in(self, query: str) -> list[str]:
        """The names a question gives: capitalised ("Somerset Works"), or a name of the documents typed in lower
        case ("somerset works", "west somerset"), longest first."""
        names = [m.group(0) for m in _PROPER_NAME.finditer(query)]
        tokens = words(query)
        for size in range(min(len(tokens), MAX_NAME_WORDS), 1, -1):
            for start in range(len(tokens) - size + 1):
                run = " ".join(tokens[start : start + size])
                if run in self.index.names and not any(run in n.lower() for n in names):
                    names.append(run)
        return names

    def _question_sims(self, vector: np.ndarray) -> dict[str, dict[int, float]]:
        """For each chunk, the best similarity of each sentence's prepared questions to the query."""
        if self.index.question_matrix.size == 0:
            return {}
        sims = self.index.question_matrix @ vector
        best: dict[str, dict[int, float]] = {}
        for (owner, n), sim in zip(self.index.question_owner, sims, strict=True):
            per = best.setdefault(owner, {})
            if sim > per.get(n, -1.0):
                per[n] = float(sim)
        return best

    def _sentence_scores(
        self,
        chunk_id: str,
        vector: np.ndarray,
        question_best: dict[str, dict[int, float]],
        query_stems: Sequence[str] = (),
    ) -> tuple[float, ...]:
        scores = self.sentence_scores(chunk_id, vector)
        prepared = question_best.get(chunk_id) if self.use_questions else None
        if prepared:
            # A sentence matches as well as the best of its own words and the questions it was prepared for.
            scores = tuple(max(score, prepared.get(n, -1.0)) for n, score in enumerate(scores))
        if self.commitment_weight and self.index.by_id[chunk_id].kind == "commitment":
            # What the council commits to answers "what is it doing about ...?" better than background.
            scores = tuple(score + self.commitment_weight for score in scores)
        terms = self.index.sentence_terms.get(chunk_id)
        if self.lexical_weight and terms and query_stems:
            n = max(self.index.searchable_count, 1)
            scores = tuple(
                score + self.lexical_weight * idf_share(query_stems, terms[i], self.index.stem_df, n)
                for i, score in enumerate(scores)
            )
        return scores

    def sentence_scores(self, chunk_id: str, vector: np.ndarray) -> tuple[float, ...]:
        """Cosine similarity of each sentence of a chunk to the query vector, less its weighted hubness."""
        vectors = self.index.sentence_vectors.get(chunk_id)
        if vectors is None:
            return ()
        sims = vectors @ vector
        if self.hub_weight:
            sims = sims - self.hub_weight * self.index.sentence_hub[chunk_id]
        return tuple(float(x) for x in sims)

    def _best_sentence(self, vector: np.ndarray, n: int, allowed: set[str] | None) -> tuple[list[str], float]:
        # A long commitment can hold one sentence that answers the question; rank chunks by their best one.
        if self.index.sentence_matrix.size == 0:
            return [], 0.0
        sims = self.index.sentence_matrix @ vector
        ranked = sims - self.hub_weight * self._hub_flat() if self.hub_weight else sims
        best: dict[str, float] = {}
        top: dict[str, float] = {}  # the plain similarity, for the answerability signal
        for owner, score, sim in zip(self.index.sentence_owner, ranked, sims, strict=True):
            if score > best.get(owner, -9.0):
                best[owner] = float(score)
            if sim > top.get(owner, -1.0):
                top[owner] = float(sim)
        ids = sorted(best, key=lambda i: best[i], reverse=True)
        if allowed is not None:
            ids = [i for i in ids if i in allowed]
        return ids[:n], (max(top[i] for i in ids) if ids else 0.0)

    def _hub_flat(self) -> np.ndarray:
        """Every sentence's hubness, in the rows of ``sentence_matrix``."""
        hub = self.index.sentence_hub
        return np.concatenate([hub[cid] for cid in self.index.sentence_vectors]) if hub else np.zeros(0)

    def _bm25(self, query: str, n: int, allowed: set[str] | None) -> tuple[list[str], float]:
        tokens = list(self.fold(tokenize(query)))
        if not tokens:
            return [], 0.0
        scores = self.index.bm25.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")  # ties in the documents' order
        ids = [self.index.bm25_ids[j] for j in order if scores[j] > 0]
        if allowed is not None:
            ids = [i for i in ids if i in allowed]
        return ids[:n], float(scores[order[0]]) if len(order) else 0.0

    def _matching(self, where: dict[str, Any]) -> set[str]:
        # Equality and "$in" conditions, alone or joined by "$and" (the subset of Chroma's filters the
        # assistant uses).
        conditions = [
            (key, value["$in"] if isinstance(value, dict) else [value])
            for part in where.get("$and", [where])
            for key, value in part.items()
            if not key.startswith("$")
        ]

        def ok(chunk: Chunk) -> bool:
            return all(getattr(chunk, key) in values for key, values in conditions)

        return {c.id for c in self.index.chunks if ok(c)}

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=p.chunk.text,
                id=p.chunk.id,
                metadata={
                    **p.chunk.model_dump(exclude={"text", "sentences"}),
                    "score": p.score,
                    "similarity": p.similarity,
                },
            )
            for p in self.search(query)
        ]
