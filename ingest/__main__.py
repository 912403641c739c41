"""python -m ingest [build|rebuild|status|enrich|tune-embeddings|add PATH]: bring the index in line with corpus/."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from ingest.index import IngestError, prepare, run_ingest
from plan_assistant.config import Settings
from plan_assistant.embeddings import EmbeddingModelError, load_embedder


def main(argv: list[str] | None = None) -> int:
    """Run the ingest CLI; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="build",
        choices=["build", "rebuild", "status", "enrich", "tune-embeddings", "add"],
        help="build: embed what changed (default); rebuild: start from scratch; status: check corpus and "
        "index; enrich: make corpus/derived/ with the local LLM (questions, keywords, plain English); "
        "tune-embeddings: adapt the embedding model to the derived questions (opt-in, see README); "
        "add PATH: copy a document into corpus/ and describe it in the manifest (then build)",
    )
    parser.add_argument("path", nargs="?", help="add: the document to add (txt, md, html, pdf, docx)")
    parser.add_argument("--title", help="add: the document's title, as people would name it")
    parser.add_argument("--kind", default="strategy", help="add: plan, strategy or other (default strategy)")
    parser.add_argument(
        "--publisher", default="", help="add: who publishes it (default: the plan's publisher)"
    )
    parser.add_argument(
        "--period", default="", help="add: the years it covers, e.g. 2024-2030 (default: from the title)"
    )
    parser.add_argument("--source", default="provided", help="add: where it came from, a URL or 'provided'")
    parser.add_argument("--not-current", action="store_true", help="add: the document is no longer current")
    parser.add_argument(
        "--links",
        action="append",
        default=[],
        metavar="NAME",
        help="add: a name the plan lists it under, when that differs from its title (repeatable)",
    )
    parser.add_argument("--id", default="", help="add: its manifest id (default: from the title)")
    parser.add_argument("--rebuild", action="store_true", help="same as the rebuild command")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--document", metavar="ID", help="enrich: only this document (its manifest id)")
    parser.add_argument(
        "--limit", type=int, metavar="N", help="enrich: generate at most N new entries, then stop"
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"ingest: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "add":
            return _add(settings, args)
        if args.command == "status":
            return _status(settings)
        if args.command == "enrich":
            return _enrich(settings, args.document, args.limit, progress=not args.quiet)
        if args.command == "tune-embeddings":
            return _tune(settings, progress=not args.quiet)
        report = run_ingest(
            settings,
            lambda: load_embedder(settings),
            rebuild=args.rebuild or args.command == "rebuild",
            progress=not args.quiet,
        )
    except (IngestError, EmbeddingModelError) as exc:
        print(f"ingest failed: {exc}\nThe previous index, if any, is unchanged.", file=sys.stderr)
        return 1
    print(report.summary())
    _warm_guard(settings)
    return 0


def _add(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from ingest.manifest import ManifestError, add_document

    if not args.path or not args.title:
        print("ingest add: give the document's PATH and --title", file=sys.stderr)
        return 2
    try:
        entry = add_document(
            settings.corpus_dir,
            Path(args.path),
            title=args.title,
            kind=args.kind,
            publisher=args.publisher,
            period=args.period,
            origin=args.source,
            current=not args.not_current,
            links=tuple(args.links),
            document_id=args.id,
        )
    except ManifestError as exc:
        print(f"ingest add failed: {exc}", file=sys.stderr)
        return 1
    print(f"added {entry.id} ({entry.file}) to {settings.corpus_dir}; run `make index` to index it")
    return 0


def _enrich(settings: Settings, document: str | None, limit: int | None, progress: bool) -> int:
    from ingest.derived import DerivedError
    from ingest.enrich import run_enrich
    from plan_assistant.generators.model_files import ModelFileError

    try:
        report = run_enrich(settings, document=document, limit=limit, progress=progress)
    except (IngestError, DerivedError, ModelFileError) as exc:
        print(f"enrich failed: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _tune(settings: Settings, progress: bool) -> int:
    from ingest.derived import DerivedError
    from ingest.tune_embeddings import run_tune

    try:
        report = run_tune(settings, progress=progress)
    except DerivedError as exc:
        print(f"tune-embeddings failed: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _warm_guard(settings: Settings) -> None:
    """Embed the guard's labelled examples now, so the server's first start is as quick as later ones."""
    from plan_assistant.embeddings import guard_cache_path

    if guard_cache_path(settings).is_file():
        return  # checked before importing the factory, which imports the guardrails (Presidio)
    from plan_assistant.factory import build_guard

    build_guard(settings, load_embedder(settings))


def _status(settings: Settings) -> int:
    from plan_assistant.generations import GenerationError, current_generation
    from plan_assistant.store import make_client

    prepared = prepare(settings)
    chunks = sum(len(d.drafts) for d in prepared)
    client = make_client(settings)
    names = {c.name for c in client.list_collections()}
    try:
        generation = current_generation(settings.data_dir, settings.collection, names)
    except GenerationError as exc:
        print(f"ingest status: {exc}", file=sys.stderr)
        return 1
    stored = 0
    if generation is not None and generation.chunks_collection in names:
        stored = client.get_collection(generation.chunks_collection).count()
    where = (
        f"generation {generation.name} ({generation.chunks_collection!r})" if generation else "no index yet"
    )
    print(f"corpus: {len(prepared)} documents, {chunks} chunks; index: {stored} chunks in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
